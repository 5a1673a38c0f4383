"""Exact order statistics of values spread over partitions: the k-th smallest value, found by
rounds of 16-bit histograms of the values' order-preserving bit patterns summed over partitions,
and numpy's linear quantiles interpolated from them by the one-machine code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

import dask
import numpy as np
from dask.delayed import delayed

from .. import _flo_rfm

_SIGN = 1 << 63
_DIGIT = 16
_FAN_IN = 8


def _value_of(key: int) -> float:
    bits = key ^ _SIGN if key & _SIGN else ~key & (2**64 - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _histograms(values: np.ndarray, prefixes: list[int], known: int) -> np.ndarray:
    """Per prefix (the top ``known`` bits of the values' order-preserving keys, ``-0.0`` counted
    as ``0.0``, NaN left out), the counts of the keys' next 16 bits: the core's one pass."""
    return _flo_rfm.key_histograms(np.ascontiguousarray(values, dtype="float64"), prefixes, known, _DIGIT)


def _tree(parts: Sequence[Any], combine: Callable[..., Any]) -> Any:
    """Combines delayed parts in a tree (fan-in 8) so no node receives them all."""
    level = list(parts)
    while len(level) > 1:
        level = [delayed(combine)(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
    return level[0]


def _add(first: np.ndarray, *more: np.ndarray) -> np.ndarray:
    total = first.copy()
    for a in more:
        total += a
    return total


def _row_histograms(rows: np.ndarray, prefixes: dict[int, list[int]], known: int) -> np.ndarray:
    """:func:`_histograms` of each wanted row of one partition's 2-D array, stacked in the
    order of ``prefixes``."""
    return np.vstack([_histograms(rows[r], p, known) for r, p in prefixes.items()])


def _descend(targets: list[tuple[int, int]], prefixes: list[int], total: np.ndarray) -> list[tuple[int, int]]:
    """Each target ``(rank within its prefix, prefix)`` moved one digit down by the summed
    histograms of its prefix."""
    moved = []
    for k, prefix in targets:
        cum = np.cumsum(total[prefixes.index(prefix)])
        digit = int(np.searchsorted(cum, k, side="right"))
        below = int(cum[digit - 1]) if digit else 0
        moved.append((k - below, (prefix << _DIGIT) | digit))
    return moved


def first_histograms(parts: Sequence[Any], rows: Sequence[int]) -> np.ndarray:
    """The selection's first round for every row in ``rows`` of the partitions' 2-D arrays: the
    histograms of the keys' top 16 bits, summed over partitions (one round trip). It needs no
    target yet, so it is taken before the targets are known: a row's sum is its count of
    non-null values, and :func:`row_quantile_edges` starts from it at the second round."""
    hists = [delayed(_row_histograms)(a, {int(r): [0] for r in rows}, 0) for a in parts]
    (total,) = dask.compute(_tree(hists, _add))
    return np.asarray(total)


def select_rows(
    parts: Sequence[Any], wanted: dict[int, Sequence[int]], first: dict[int, np.ndarray] | None = None
) -> dict[int, list[tuple[float, int]]]:
    """For each row ``r`` of the partitions' 2-D arrays (values spread over partitions in
    order) and each ``k`` in ``wanted[r]``: the ``k``-th smallest non-null value (0-based) and
    how many values equal to it come before it in sorted order. The same four rounds of
    histograms (one task per partition each) serve every row and position; the first is
    ``first[r]`` where given (:func:`first_histograms`), so three rounds are left."""
    targets = {r: [(int(k), 0) for k in ks] for r, ks in wanted.items() if len(ks)}
    if not targets:
        return {r: [] for r in wanted}
    for known in range(0, 64, _DIGIT):
        prefixes = {r: sorted({p for _, p in t}) for r, t in targets.items()}
        if known == 0 and first is not None and all(r in first for r in targets):
            total = np.vstack([first[r] for r in targets])  # one prefix (0) per row
        else:
            hists = [delayed(_row_histograms)(a, prefixes, known) for a in parts]
            (total,) = dask.compute(_tree(hists, _add))
        at = 0
        for r, p in prefixes.items():
            targets[r] = _descend(targets[r], p, total[at : at + len(p)])
            at += len(p)
    return {r: [(_value_of(key), k) for k, key in targets.get(r, [])] for r in wanted}


def row_quantile_edges(
    parts: Sequence[Any],
    plans: dict[int, tuple[int, int | None, list[float] | None]],
    also: dict[int, Sequence[int]] | None = None,
    first: np.ndarray | None = None,
) -> tuple[dict[int, list[float]], dict[int, list[tuple[float, int]]]]:
    """numpy's linear quantiles (pandas ``qcut`` edges), exactly, of several rows of the
    partitions' 2-D arrays at once, row ``r`` holding ``n`` non-null values cut by ``q`` or
    ``probabilities`` as ``plans[r] = (n, q, probabilities)``; and, in the same selection, the
    order statistics ``also`` asks for (as :func:`select_rows`). ``first``: the rows'
    :func:`first_histograms`, row ``r`` at index ``r``."""
    planned = {r: _flo_rfm.quantile_plan(n, q, p) for r, (n, q, p) in plans.items()}
    wanted = {r: list(pos) if plans[r][0] else [] for r, (_, pos) in planned.items()}
    known = None if first is None else {r: first[r] for r in range(len(first))}
    picked = select_rows(parts, {**wanted, **(also or {})}, known)
    edges = {
        r: _flo_rfm.quantiles_from_order_stats(plans[r][0], probs, pos, [v for v, _ in picked[r]])
        for r, (probs, pos) in planned.items()
    }
    return edges, {r: picked[r] for r in also or {}}


def quantile_edges(columns: Sequence[Any], q: int | None, probabilities: list[float] | None) -> list[float]:
    """numpy's linear quantiles of all partitions' values (1-D columns; pandas ``qcut`` edges),
    exactly: four rounds, the first of which also counts the values."""
    parts = [delayed(np.atleast_2d)(c) for c in columns]
    first = first_histograms(parts, [0])
    n = int(first[0].sum())
    return row_quantile_edges(parts, {0: (n, q, probabilities)}, first=first)[0][0]


def row(rows: np.ndarray, i: int) -> np.ndarray:
    """Row ``i`` of a per-partition 2-D array (one metric of one partition)."""
    return np.ascontiguousarray(rows[i])
