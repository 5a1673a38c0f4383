"""The options of the RFM study checked and put the way the core takes them: bins or
probabilities, labels as text, the ordered segment map as (pattern, name) pairs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._frames import as_float
from .exceptions import ArgumentTypeError, InvalidArgumentError


def _cut_options(
    q: int | Sequence[float],
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None,
) -> tuple[int, list[float] | None, list[list[str]] | None, list[tuple[str, str]] | None]:
    """``rfm``'s options as the core takes them: bins, probabilities, label texts, map rules."""
    if isinstance(q, (int, np.integer)):
        n_bins, probabilities = int(q), None
    elif not _iterable(q):
        raise ArgumentTypeError(f"q must be a number of bins or a list of probabilities, got {q!r}")
    else:
        probabilities = [as_float(p, "each probability in q") for p in q]  # type: ignore[union-attr]
        n_bins = len(probabilities) - 1
    if labels is None:
        texts = None
    elif not _iterable(labels):
        raise ArgumentTypeError(
            f"labels must be three lists (recency, frequency, monetary), got {type(labels).__name__}"
        )
    else:
        texts = []
        for lab in labels:
            if not _iterable(lab):
                raise ArgumentTypeError(f"labels must be three lists of labels, got {lab!r} among them")
            texts.append([str(x) for x in lab])
    if isinstance(segment_map, dict):
        rules: list[tuple[str, str]] | None = list(segment_map.items())
    elif segment_map is None:
        rules = None
    elif not _iterable(segment_map):
        raise ArgumentTypeError(
            f"segment_map must be a dict or a list of (pattern, name) pairs, got {type(segment_map).__name__}"
        )
    else:
        rules = []
        for rule in segment_map:
            pair = tuple(rule) if _iterable(rule) else ()
            if len(pair) != 2:
                raise InvalidArgumentError(f"segment_map rules must be (pattern, name) pairs, got {rule!r}")
            rules.append(pair)  # type: ignore[arg-type]
    for pattern, name in rules or []:
        if not isinstance(pattern, str) or not isinstance(name, str):
            raise ArgumentTypeError(f"segment_map patterns and names must be text, got {(pattern, name)!r}")
    return max(n_bins, 0), probabilities, texts, rules


def _iterable(obj: object) -> bool:
    """A list-like argument: iterable and not text."""
    if isinstance(obj, (str, bytes)):
        return False
    try:
        iter(obj)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def _texts(values: Sequence[str] | None, name: str) -> list[str] | None:
    """A list of names (segments, categories) for the core, each one checked to be text."""
    if values is None:
        return None
    if not _iterable(values):
        raise ArgumentTypeError(f"{name} must be a list of names, got {type(values).__name__}")
    out = list(values)
    for v in out:
        if not isinstance(v, str):
            raise ArgumentTypeError(f"{name} must hold text, got {v!r}")
    return out
