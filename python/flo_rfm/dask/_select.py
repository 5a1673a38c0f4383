"""Exact order statistics of values spread over partitions: the k-th smallest value, found by
rounds of 16-bit histograms of the values' order-preserving bit patterns summed over partitions,
and numpy's linear quantiles interpolated from them by the one-machine code.

A histogram travels as its non-zero cells only (``(codes, counts)``, a code being the prefix's
row in the round shifted past the 16-bit digit, or'ed with the digit): a few hundred pairs per
partition where the dense rows would be 65,536 counts per prefix, most of them zero."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable

import dask
import numpy as np
from dask.delayed import delayed

from .. import _flo_rfm

_SIGN = 1 << 63
_DIGIT = 16
_MASK = (1 << _DIGIT) - 1
_FAN_IN = 8

#: A sparse histogram: ascending codes ``row << 16 | digit`` and their counts.
Counts = tuple[np.ndarray, np.ndarray]
#: Per (row of the 2-D arrays, prefix): the digits that hold values, and the running counts.
Cells = dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]


def _value_of(key: int) -> float:
    bits = key ^ _SIGN if key & _SIGN else ~key & (2**64 - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _tree(parts: Sequence[Any], combine: Callable[..., Any]) -> Any:
    """Combines delayed parts in a tree (fan-in 8) so no node receives them all."""
    level = list(parts)
    while len(level) > 1:
        level = [delayed(combine)(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
    return level[0]


def _add(*parts: Counts) -> Counts:
    """Sparse histograms summed: equal codes merged, counts added."""
    codes = np.concatenate([c for c, _ in parts])
    counts = np.concatenate([n for _, n in parts])
    order = np.argsort(codes, kind="stable")
    codes, counts = codes[order], counts[order]
    if not len(codes):
        return codes, counts
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return codes[starts], np.add.reduceat(counts, starts)


def _row_histograms(rows: np.ndarray, prefixes: dict[int, list[int]], known: int) -> Counts:
    """Per wanted row of one partition's 2-D array and per prefix (the top ``known`` bits of the
    values' order-preserving keys, ``-0.0`` counted as ``0.0``, NaN left out), the counts of the
    keys' next 16 bits (the core's one pass), sparse; the prefixes numbered one after another
    in the order of ``prefixes``."""
    codes, counts, at = [], [], 0
    for r, p in prefixes.items():
        c, n = _flo_rfm.key_counts(np.ascontiguousarray(rows[r], dtype="float64"), p, known, _DIGIT)
        codes.append(c + np.uint64(at << _DIGIT))
        counts.append(n)
        at += len(p)
    return np.concatenate(codes), np.concatenate(counts)


def _cells(total: Counts, prefixes: dict[int, list[int]]) -> Cells:
    """A round's summed histogram split by (row, prefix), numbered as :func:`_row_histograms`
    numbers them."""
    codes, counts = total
    numbers = codes >> np.uint64(_DIGIT)
    out: Cells = {}
    at = 0
    for r, p in prefixes.items():
        for prefix in p:
            here = numbers == at
            out[(r, prefix)] = ((codes[here] & np.uint64(_MASK)).astype(np.int64), np.cumsum(counts[here]))
            at += 1
    return out


def _descend(targets: list[tuple[int, int]], row: int, cells: Cells) -> list[tuple[int, int]]:
    """Each target ``(rank within its prefix, prefix)`` of ``row`` moved one digit down by the
    summed histograms of its prefix (zero cells left out change neither the digit nor the count
    below it)."""
    moved = []
    for k, prefix in targets:
        digits, cum = cells[(row, prefix)]
        at = int(np.searchsorted(cum, k, side="right"))
        below = int(cum[at - 1]) if at else 0
        moved.append((k - below, (prefix << _DIGIT) | int(digits[at])))
    return moved


def _round(parts: Sequence[Any], prefixes: dict[int, list[int]], known: int) -> Cells:
    """One round trip: every partition's histograms under ``prefixes``, summed."""
    hists = [delayed(_row_histograms)(a, prefixes, known) for a in parts]
    (total,) = dask.compute(_tree(hists, _add))
    return _cells(total, prefixes)


def first_histograms(parts: Sequence[Any], rows: Sequence[int]) -> Cells:
    """The selection's first round for every row in ``rows`` of the partitions' 2-D arrays: the
    histograms of the keys' top 16 bits, summed over partitions (one round trip). It needs no
    target yet, so it is taken before the targets are known: it also counts each row's non-null
    values (:func:`value_counts`), and :func:`row_quantile_edges` starts from it at the second
    round."""
    return _round(parts, {int(r): [0] for r in rows}, 0)


def value_counts(first: Cells, rows: Sequence[int]) -> list[int]:
    """The non-null values of each row in ``rows``, from :func:`first_histograms`."""
    return [int(first[(int(r), 0)][1][-1]) if len(first[(int(r), 0)][1]) else 0 for r in rows]


def select_rows(
    parts: Sequence[Any], wanted: dict[int, Sequence[int]], first: Cells | None = None
) -> dict[int, list[tuple[float, int]]]:
    """For each row ``r`` of the partitions' 2-D arrays (values spread over partitions in
    order) and each ``k`` in ``wanted[r]``: the ``k``-th smallest non-null value (0-based) and
    how many values equal to it come before it in sorted order. The same four rounds of
    histograms (one task per partition each) serve every row and position; the first is taken
    from ``first`` where it holds the rows (:func:`first_histograms`), so three are left."""
    targets = {r: [(int(k), 0) for k in ks] for r, ks in wanted.items() if len(ks)}
    if not targets:
        return {r: [] for r in wanted}
    for known in range(0, 64, _DIGIT):
        prefixes = {r: sorted({p for _, p in t}) for r, t in targets.items()}
        if known == 0 and first is not None and all((r, 0) in first for r in targets):
            cells = first
        else:
            cells = _round(parts, prefixes, known)
        targets = {r: _descend(t, r, cells) for r, t in targets.items()}
    return {r: [(_value_of(key), k) for k, key in targets.get(r, [])] for r in wanted}


def row_quantile_edges(
    parts: Sequence[Any],
    plans: dict[int, tuple[int, int | None, list[float] | None]],
    also: dict[int, Sequence[int]] | None = None,
    first: Cells | None = None,
) -> tuple[dict[int, list[float]], dict[int, list[tuple[float, int]]]]:
    """numpy's linear quantiles (pandas ``qcut`` edges), exactly, of several rows of the
    partitions' 2-D arrays at once, row ``r`` holding ``n`` non-null values cut by ``q`` or
    ``probabilities`` as ``plans[r] = (n, q, probabilities)``; and, in the same selection, the
    order statistics ``also`` asks for (as :func:`select_rows`). ``first``: the rows'
    :func:`first_histograms`."""
    planned = {r: _flo_rfm.quantile_plan(n, q, p) for r, (n, q, p) in plans.items()}
    wanted = {r: list(pos) if plans[r][0] else [] for r, (_, pos) in planned.items()}
    picked = select_rows(parts, {**wanted, **(also or {})}, first)
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
    (n,) = value_counts(first, [0])
    return row_quantile_edges(parts, {0: (n, q, probabilities)}, first=first)[0][0]


def row(rows: np.ndarray, i: int) -> np.ndarray:
    """Row ``i`` of a per-partition 2-D array (one metric of one partition)."""
    return np.ascontiguousarray(rows[i])
