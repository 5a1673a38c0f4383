"""Frequency's ``rank(method="first")`` bins across partitions: a customer's rank is the
number of smaller values plus the number of equal values before it in input order (earlier
partitions first), so only the values at the bin boundaries are selected, and per partition
the equal values before it are counted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask
import numpy as np
from dask.delayed import delayed


def _equal_counts(metrics: np.ndarray, at: list[float]) -> list[int]:
    """How many frequencies (row 1 of a partition's metrics) equal each of ``at``."""
    return [int(np.count_nonzero(metrics[1] == v)) for v in at]


def _rank_bins(values: np.ndarray, bounds: list[tuple[float, int, int]]) -> np.ndarray:
    """Bins of ``rank(method="first")`` from the boundaries: for each inner edge, the value at
    the first rank past it, how many equal values precede that rank in sorted order, and how
    many equal values precede this partition in input order."""
    codes = np.where(np.isnan(values), -1, 0).astype(np.int64)
    for value, equal_before_rank, equal_before_part in bounds:
        past = values > value
        # Equal values rank in input order: the first ones here still rank below the edge.
        equal = np.flatnonzero(values == value)
        past[equal[max(0, equal_before_rank - equal_before_part) :]] = True
        codes += past
    return codes


def _first_ranks(n: int, edges: Sequence[float]) -> list[int]:
    """The first rank past each finite inner rank edge below ``n``, distinct and sorted."""
    return sorted({int(np.floor(e)) for e in edges[1:-1] if np.isfinite(e) and int(np.floor(e)) < n})


def _rank_bounds(
    metrics: Sequence[Any], firsts: list[int], picked: list[tuple[float, int]], edges: Sequence[float]
) -> list[list[tuple[float, int, int]]]:
    """Per partition, per inner rank edge: (value at the first rank past the edge, equal values
    before that rank in sorted order, equal values in earlier partitions); ``picked`` are the
    frequencies at ranks ``firsts``."""
    if not firsts:
        return [[] for _ in metrics]
    at = [v for v, _ in picked]
    per_part = dask.compute(*[delayed(_equal_counts)(m, at) for m in metrics])
    bounds = []
    before = np.zeros(len(at), dtype=np.int64)
    for counts in per_part:
        bounds.append([(v, int(k), int(b)) for (v, k), b in zip(picked, before)])
        before = before + np.asarray(counts, dtype=np.int64)
    # Inner edges past the last rank never bin anyone up; repeated floors bin twice.
    mult = [sum(1 for e in edges[1:-1] if np.isfinite(e) and int(np.floor(e)) == f) for f in firsts]
    return [[b for b, k in zip(part, mult) for _ in range(k)] for part in bounds]
