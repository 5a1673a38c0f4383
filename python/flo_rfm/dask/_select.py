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


def _keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving unsigned keys of the non-null values (``-0.0`` counted as ``0.0``)."""
    v = np.ascontiguousarray(values[~np.isnan(values)], dtype="float64") + 0.0
    bits = v.view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(bool)
    return np.where(negative, ~bits, bits | np.uint64(_SIGN))


def _value_of(key: int) -> float:
    bits = key ^ _SIGN if key & _SIGN else ~key & (2**64 - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _histograms(values: np.ndarray, prefixes: list[int], known: int) -> np.ndarray:
    """Per prefix (the top ``known`` bits), the counts of the next 16 bits of the keys."""
    keys = _keys(values)
    out = np.zeros((len(prefixes), 1 << _DIGIT), dtype=np.int64)
    low = np.uint64(64 - known - _DIGIT)
    for j, prefix in enumerate(prefixes):
        sel = keys if known == 0 else keys[(keys >> np.uint64(64 - known)) == np.uint64(prefix)]
        digits = ((sel >> low) & np.uint64((1 << _DIGIT) - 1)).astype(np.intp)
        out[j] = np.bincount(digits, minlength=1 << _DIGIT)
    return out


def _tree(parts: Sequence[Any], combine: Callable[..., Any]) -> Any:
    """Combines delayed parts in a tree (fan-in 8) so no node receives them all."""
    level = list(parts)
    while len(level) > 1:
        level = [delayed(combine)(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
    return level[0]


def _add(*arrays: np.ndarray) -> np.ndarray:
    return np.sum(arrays, axis=0)


def select(columns: Sequence[Any], positions: Sequence[int]) -> list[tuple[float, int]]:
    """The ``k``-th smallest non-null value (0-based, over all partitions in order) for each
    ``k`` in ``positions``, and how many values equal to it come before it in sorted order."""
    targets = [(int(k), 0) for k in positions]
    for known in range(0, 64, _DIGIT):
        prefixes = sorted({p for _, p in targets})
        parts = [delayed(_histograms)(c, prefixes, known) for c in columns]
        (total,) = dask.compute(_tree(parts, _add))
        moved = []
        for k, prefix in targets:
            cum = np.cumsum(total[prefixes.index(prefix)])
            digit = int(np.searchsorted(cum, k, side="right"))
            below = int(cum[digit - 1]) if digit else 0
            moved.append((k - below, (prefix << _DIGIT) | digit))
        targets = moved
    return [(_value_of(key), k) for k, key in targets]


def quantile_edges(
    columns: Sequence[Any], n: int, q: int | None, probabilities: list[float] | None
) -> list[float]:
    """numpy's linear quantiles of all partitions' values (pandas ``qcut`` edges), exactly."""
    probs, positions = _flo_rfm.quantile_plan(n, q, probabilities)
    stats = [v for v, _ in select(columns, positions)] if n else []
    return _flo_rfm.quantiles_from_order_stats(n, probs, positions, stats)


def _count(column: np.ndarray) -> int:
    return int(np.count_nonzero(~np.isnan(column)))


def non_null_counts(columns: Sequence[Any]) -> list[int]:
    return [int(c) for c in dask.compute(*[delayed(_count)(c) for c in columns])]


def row(rows: np.ndarray, i: int) -> np.ndarray:
    """Row ``i`` of a per-partition 2-D array (one metric of one partition)."""
    return np.ascontiguousarray(rows[i])
