"""The distributed selection (flo_rfm.dask's exact order statistics over partitions) against
numpy's sort: every k-th smallest value and the count of equal values before it, for values
spread over any number of partitions, with ties, signed zeros, infinities, NaN and subnormals,
whether the rounds settle a prefix from its keys or go down digit by digit (a small key cap
forces the digits); and how many round trips metric-like values take."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dask
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("dask.dataframe")
select = pytest.importorskip("flo_rfm.dask._select")

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 5e-324, -5e-324, 1 + 2**-52, -1.0]


def expected(values: np.ndarray, k: int) -> tuple[float, int]:
    """numpy's k-th smallest non-null value (-0.0 as 0.0) and the equal values before it."""
    good = np.sort(values[~np.isnan(values)] + 0.0)
    return float(good[k]), k - int(np.searchsorted(good, good[k], "left"))


@contextlib.contextmanager
def rounds() -> Iterator[list[int]]:
    """Counts the graphs the selection computes (its round trips)."""
    n = [0]
    original = dask.compute

    def counted(*a, **k):  # type: ignore[no-untyped-def]
        n[0] += 1
        return original(*a, **k)

    dask.compute = counted  # type: ignore[assignment]
    try:
        with dask.config.set(scheduler="sync"):
            yield n
    finally:
        dask.compute = original  # type: ignore[assignment]


values_strategy = st.one_of(
    st.lists(st.integers(0, 30).map(float), min_size=1, max_size=400),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=400),
    st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=400),
    st.lists(st.integers(0, 10**6).map(lambda c: c / 100), min_size=1, max_size=400),
)


@settings(max_examples=300, deadline=None)
@given(
    values=values_strategy,
    cuts=st.lists(st.integers(0, 400), max_size=5),
    cap=st.sampled_from([0, 1, 2, 7, select.KEYS_CAP]),
    data=st.data(),
)
def test_selection_is_numpys_sort(
    values: list[float], cuts: list[int], cap: int, data: st.DataObject
) -> None:
    v = np.asarray(values, dtype="float64")
    rows = np.vstack([v, v[::-1].copy()])
    bounds = sorted({min(c, len(v)) for c in cuts})
    parts = [rows[:, a:b] for a, b in zip([0, *bounds], [*bounds, len(v)])]
    n = int(np.count_nonzero(~np.isnan(v)))
    ks = sorted(set(data.draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=1, max_size=6)))) if n else []
    with pytest.MonkeyPatch.context() as patch, dask.config.set(scheduler="sync"):
        patch.setattr(select, "KEYS_CAP", cap)
        got = select.select_rows(parts, {0: ks, 1: ks[::-1]})
    for row, wanted in ((0, ks), (1, ks[::-1])):
        source = rows[row]
        assert len(got[row]) == len(wanted)
        for k, (value, before) in zip(wanted, got[row]):
            want, want_before = expected(source, k)
            assert value == want and np.signbit(value) == np.signbit(want), (k, value, want)
            assert before == want_before, (k, before, want_before)


def test_metric_like_values_settle_in_two_rounds() -> None:
    """Whole days, order counts and prices in cents, 2,000 of each in 5 partitions: the first
    round's histograms and one round of keys find every quartile (the digit-by-digit descent
    took four)."""
    rng = np.random.default_rng(7)
    rows = np.vstack(
        [
            rng.integers(1, 400, 2000).astype(float),
            rng.integers(2, 60, 2000).astype(float),
            np.round(rng.lognormal(5, 1, 2000), 2),
        ]
    )
    parts = np.array_split(rows, 5, axis=1)
    ks = [0, 499, 1000, 1999]
    with rounds() as n:
        first = select.first_histograms(parts, [0, 1, 2])
        got = select.select_rows(parts, {0: ks, 1: ks, 2: ks}, first)
    assert n[0] == 2
    for r in range(3):
        assert got[r] == [expected(rows[r], k) for k in ks]


def test_a_dense_prefix_goes_down_digit_by_digit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a partition holds more distinct keys under a prefix than the cap, that prefix is
    counted by digits, and the answer is the same."""
    v = 1.0 + np.arange(3000) * 2.0**-40  # one top-16-bit prefix, 3,000 distinct keys
    parts = np.array_split(np.atleast_2d(v), 3, axis=1)
    monkeypatch.setattr(select, "KEYS_CAP", 100)
    with rounds() as n:
        got = select.select_rows(parts, {0: [0, 1234, 2999]})
    assert got[0] == [expected(v, k) for k in (0, 1234, 2999)]
    assert n[0] > 2
