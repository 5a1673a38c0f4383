"""Exact order statistics of values spread over partitions: the k-th smallest value, found by
rounds of 16-bit histograms of the values' order-preserving bit patterns summed over partitions,
and numpy's linear quantiles interpolated from them by the one-machine code.

A histogram travels as its non-zero cells only (``(codes, counts)``, a code being the prefix's
row in the round shifted past the 16-bit digit, or'ed with the digit): a few hundred pairs per
partition where the dense rows would be 65,536 counts per prefix, most of them zero. From the
second round on, a partition sends the distinct keys under a prefix instead, with their counts,
where it holds at most ``KEYS_CAP`` of them: a prefix whose keys every partition sent is settled
in that round, with no further digit. Customer metrics (whole days, order counts, prices in
cents) usually settle in the second round, so a selection takes two round trips, not four."""

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
#: Distinct keys a partition sends under one prefix rather than its next digit's histogram:
#: 16,384 keys with their rows and counts (384 KiB) stay under a histogram's 65,536 cells (1 MiB).
KEYS_CAP = 1 << 14

#: A sparse histogram: ascending codes ``row << 16 | digit`` and their counts.
Counts = tuple[np.ndarray, np.ndarray]
#: What a round sends: the histograms, the settled prefixes' keys (``(rows, keys, counts)``,
#: a row being the prefix's number in the round) and, per prefix, whether it is settled.
Sent = tuple[Counts, tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
#: Per (row of the 2-D arrays, prefix): the digits that hold values, and the running counts.
Cells = dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
#: Per (row of the 2-D arrays, prefix) settled in a round: its keys, and the running counts.
Settled = dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]


def _value_of(key: int) -> float:
    bits = key ^ _SIGN if key & _SIGN else ~key & (2**64 - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _tree(parts: Sequence[Any], combine: Callable[..., Any]) -> Any:
    """Combines delayed parts in a tree (fan-in 8) so no node receives them all."""
    level = list(parts)
    while len(level) > 1:
        level = [delayed(combine)(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
    return level[0]


def _merge(
    codes: Sequence[np.ndarray], counts: Sequence[np.ndarray], *by: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """Entries equal in ``codes`` (and in each of ``by``) merged, their counts added; sorted."""
    columns = [np.concatenate(c) for c in (*by, codes)]
    n = np.concatenate(counts)
    order = np.lexsort(columns[::-1]) if by else np.argsort(columns[0], kind="stable")
    columns, n = [c[order] for c in columns], n[order]
    if not len(n):
        return [*columns, n]
    new = np.zeros(len(n), dtype=bool)
    new[0] = True
    for c in columns:
        new[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(new)
    return [*(c[starts] for c in columns), np.add.reduceat(n, starts)]


def _add(*parts: Sent) -> Sent:
    """What several partitions sent, summed: equal codes (and equal keys of a prefix) merged,
    counts added; a prefix settled where every part settled it."""
    hist = _merge([h[0] for h, _, _ in parts], [h[1] for h, _, _ in parts])
    rows, keys, counts = _merge(
        [k[1] for _, k, _ in parts], [k[2] for _, k, _ in parts], [k[0] for _, k, _ in parts]
    )
    settled = np.logical_and.reduce([s for _, _, s in parts])
    return (hist[0], hist[1]), (rows, keys, counts), settled


def _row_histograms(rows: np.ndarray, prefixes: dict[int, list[int]], known: int) -> Sent:
    """Per wanted row of one partition's 2-D array and per prefix (the top ``known`` bits of the
    values' order-preserving keys, ``-0.0`` counted as ``0.0``, NaN left out), the counts of the
    keys' next 16 bits, sparse, or past the first round the keys themselves where few (the
    core's ``keys_under``); the prefixes numbered one after another in the order of
    ``prefixes``."""
    codes, counts, key_rows, keys, key_counts, settled, at = [], [], [], [], [], [], 0
    cap = KEYS_CAP if known else 0  # the first round only counts: no target is known yet
    for r, p in prefixes.items():
        values = np.ascontiguousarray(rows[r], dtype="float64")
        c, n, kr, k, kn, s = _flo_rfm.keys_under(values, p, known, _DIGIT, cap)
        codes.append(c + np.uint64(at << _DIGIT))
        counts.append(n)
        key_rows.append(kr + np.uint64(at))
        keys.append(k)
        key_counts.append(kn)
        settled.extend(s)
        at += len(p)
    return (
        (np.concatenate(codes), np.concatenate(counts)),
        (np.concatenate(key_rows), np.concatenate(keys), np.concatenate(key_counts)),
        np.asarray(settled, dtype=bool),
    )


def _cells(total: Sent, prefixes: dict[int, list[int]], known: int) -> tuple[Cells, Settled]:
    """A round's sums split by (row, prefix), numbered as :func:`_row_histograms` numbers
    them: the settled prefixes' keys, and the others' histograms (keys some partitions sent
    for them counted into their digits)."""
    (codes, counts), (key_rows, keys, key_counts), settled = total
    numbers = codes >> np.uint64(_DIGIT)
    low = np.uint64(64 - known - _DIGIT)
    cells: Cells = {}
    whole: Settled = {}
    at = 0
    for r, p in prefixes.items():
        for prefix in p:
            mine = key_rows == at
            if settled[at]:
                whole[(r, prefix)] = (keys[mine], np.cumsum(key_counts[mine]))
            else:
                here = numbers == at
                digits, n = _merge(
                    [codes[here] & np.uint64(_MASK), (keys[mine] >> low) & np.uint64(_MASK)],
                    [counts[here], key_counts[mine]],
                )
                cells[(r, prefix)] = (digits.astype(np.int64), np.cumsum(n))
            at += 1
    return cells, whole


def _rank_at(cum: np.ndarray, k: int) -> tuple[int, int]:
    """The cell holding rank ``k`` by its running counts, and the rank within that cell."""
    at = int(np.searchsorted(cum, k, side="right"))
    return at, k - (int(cum[at - 1]) if at else 0)


def _descend(k: int, prefix: int, row: int, cells: Cells) -> tuple[int, int]:
    """A target ``(rank within its prefix, prefix)`` of ``row`` moved one digit down by the
    summed histograms of its prefix (zero cells left out change neither the digit nor the count
    below it)."""
    digits, cum = cells[(row, prefix)]
    at, k = _rank_at(cum, k)
    return k, (prefix << _DIGIT) | int(digits[at])


def _settle(k: int, keys: np.ndarray, cum: np.ndarray) -> tuple[float, int]:
    """The value of rank ``k`` among a settled prefix's keys, and how many equal values come
    before it in sorted order."""
    at, k = _rank_at(cum, k)
    return _value_of(int(keys[at])), k


def _graph(parts: Sequence[Any], prefixes: dict[int, list[int]], known: int) -> Any:
    """Every partition's histograms (or keys) under ``prefixes``, summed: a delayed value."""
    return _tree([delayed(_row_histograms)(a, prefixes, known) for a in parts], _add)


def _round(parts: Sequence[Any], prefixes: dict[int, list[int]], known: int) -> tuple[Cells, Settled]:
    """One round trip: every partition's histograms (or keys) under ``prefixes``, summed."""
    (total,) = dask.compute(_graph(parts, prefixes, known))
    return _cells(total, prefixes, known)


def first_round(parts: Sequence[Any], rows: Sequence[int]) -> Any:
    """The selection's first round for every row in ``rows`` of the partitions' 2-D arrays, as
    a delayed value to compute with other work in one round trip (:func:`first_cells` reads
    it)."""
    return _graph(parts, {int(r): [0] for r in rows}, 0)


def first_cells(total: Any, rows: Sequence[int]) -> Cells:
    """The computed :func:`first_round` of ``rows``, as :func:`first_histograms` gives it."""
    return _cells(total, {int(r): [0] for r in rows}, 0)[0]


def first_histograms(parts: Sequence[Any], rows: Sequence[int]) -> Cells:
    """The selection's first round for every row in ``rows`` of the partitions' 2-D arrays: the
    histograms of the keys' top 16 bits, summed over partitions (one round trip). It needs no
    target yet, so it is taken before the targets are known: it also counts each row's non-null
    values (:func:`value_counts`), and :func:`row_quantile_edges` starts from it at the second
    round."""
    (total,) = dask.compute(first_round(parts, rows))
    return first_cells(total, rows)


def value_counts(first: Cells, rows: Sequence[int]) -> list[int]:
    """The non-null values of each row in ``rows``, from :func:`first_histograms`."""
    return [int(first[(int(r), 0)][1][-1]) if len(first[(int(r), 0)][1]) else 0 for r in rows]


def select_rows(
    parts: Sequence[Any], wanted: dict[int, Sequence[int]], first: Cells | None = None
) -> dict[int, list[tuple[float, int]]]:
    """For each row ``r`` of the partitions' 2-D arrays (values spread over partitions in
    order) and each ``k`` in ``wanted[r]``: the ``k``-th smallest non-null value (0-based) and
    how many values equal to it come before it in sorted order. The same rounds (one task per
    partition each) serve every row and position: the first histogram is taken from ``first``
    where it holds the rows (:func:`first_histograms`); each later round settles the targets
    whose prefix holds few distinct keys in every partition and moves the others a digit down,
    four rounds at most."""
    found: dict[int, dict[int, tuple[float, int]]] = {r: {} for r in wanted}
    # Per row, the targets still looked for: (index in wanted[r], rank within prefix, prefix).
    pending = {r: [(i, int(k), 0) for i, k in enumerate(ks)] for r, ks in wanted.items() if len(ks)}
    known = 0
    while pending:
        prefixes = {r: sorted({p for _, _, p in t}) for r, t in pending.items()}
        if known == 0 and first is not None and all((r, 0) in first for r in pending):
            cells, whole = first, {}
        else:
            cells, whole = _round(parts, prefixes, known)
        known += _DIGIT
        moving: dict[int, list[tuple[int, int, int]]] = {}
        for r, t in pending.items():
            for i, k, prefix in t:
                if (r, prefix) in whole:
                    found[r][i] = _settle(k, *whole[(r, prefix)])
                    continue
                k, key = _descend(k, prefix, r, cells)
                if known == 64:  # the whole key is known
                    found[r][i] = (_value_of(key), k)
                else:
                    moving.setdefault(r, []).append((i, k, key))
        pending = moving
    return {r: [found[r][i] for i in range(len(ks))] for r, ks in wanted.items()}


def row_quantile_edges(
    parts: Sequence[Any],
    plans: dict[int, tuple[int, int | None, list[float] | None]],
    also: dict[int, Sequence[int]] | None = None,
    first: Cells | None = None,
    offsets: dict[int, int] | None = None,
) -> tuple[dict[int, list[float]], dict[int, list[tuple[float, int]]]]:
    """numpy's linear quantiles (pandas ``qcut`` edges), exactly, of several rows of the
    partitions' 2-D arrays at once, row ``r`` holding ``n`` non-null values cut by ``q`` or
    ``probabilities`` as ``plans[r] = (n, q, probabilities)``; and, in the same selection, the
    order statistics ``also`` asks for (as :func:`select_rows`). ``first``: the rows'
    :func:`first_histograms`. ``offsets``: the quantiles of row ``r`` are of its values plus
    ``offsets[r]``, a whole number added to the order statistics before they are interpolated
    (exact where the row holds whole numbers, as days do)."""
    planned = {r: _flo_rfm.quantile_plan(n, q, p) for r, (n, q, p) in plans.items()}
    wanted = {r: list(pos) if plans[r][0] else [] for r, (_, pos) in planned.items()}
    picked = select_rows(parts, {**wanted, **(also or {})}, first)
    shift = offsets or {}
    edges = {
        r: _flo_rfm.quantiles_from_order_stats(
            plans[r][0], probs, pos, [v + shift.get(r, 0) for v, _ in picked[r]]
        )
        for r, (probs, pos) in planned.items()
    }
    return edges, {r: picked[r] for r in also or {}}


def quantile_edges(columns: Sequence[Any], q: int | None, probabilities: list[float] | None) -> list[float]:
    """numpy's linear quantiles of all partitions' values (1-D columns; pandas ``qcut`` edges),
    exactly: two rounds where the values settle, at most four; the first also counts the values."""
    parts = [delayed(np.atleast_2d)(c) for c in columns]
    first = first_histograms(parts, [0])
    (n,) = value_counts(first, [0])
    return row_quantile_edges(parts, {0: (n, q, probabilities)}, first=first)[0][0]


def row(rows: np.ndarray, i: int) -> np.ndarray:
    """Row ``i`` of a per-partition 2-D array (one metric of one partition)."""
    return np.ascontiguousarray(rows[i])
