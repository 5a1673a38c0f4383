"""A kept segmentation scheme: learned from a snapshot it gives pandas' scores back bit for bit
(real file and generated snapshots full of ties); applied to another snapshot or given by hand
it scores as ``pd.cut`` on its thresholds does (computed here with pandas); JSON round trips;
bad schemes are refused with the reason."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import seeds
from budget import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import flo_rfm
from flo_rfm import Segmentation, Threshold
from flo_rfm.exceptions import ArgumentTypeError, FileError, InvalidArgumentError, SegmentMapError

SCORE_COLUMNS = ["recency_score", "frequency_score", "monetary_score", "RF_SCORE", "RFM_SCORE", "segment"]


def _pandas_scores(raw: pd.DataFrame) -> pd.DataFrame:
    return seeds.rfm_table(seeds.data_prep(raw)).set_index("customer_id")


def _snapshot(rows: list[tuple[int, int, int]], seed: int) -> pd.DataFrame:
    """A customer file whose (days before the last order, orders, spend) are ``rows``."""
    raw = flo_rfm.datasets.sample_frame(len(rows), seed=seed)
    back, orders, spend = (np.array(c, dtype="float64") for c in zip(*rows))
    last = pd.Timestamp("2021-05-30") - pd.to_timedelta(back, unit="D")
    for col in ("last_order_date", "last_order_date_online", "last_order_date_offline"):
        raw[col] = last.strftime("%Y-%m-%d")
    raw["first_order_date"] = (last - pd.Timedelta(days=400)).strftime("%Y-%m-%d")
    raw["order_num_total_ever_online"] = orders
    raw["order_num_total_ever_offline"] = 1.0
    raw["customer_value_total_ever_online"] = spend
    raw["customer_value_total_ever_offline"] = 10.0
    return raw


def _cut(values: pd.Series, thresholds: tuple[Threshold, ...]) -> np.ndarray:
    """Each value's bin under the thresholds, in pandas: above a threshold when greater, or
    equal and past the ones kept below (counted in file order)."""
    bins = np.zeros(len(values), dtype="int64")
    for t in thresholds:
        above = (values > t.value).to_numpy().copy()
        equal = (values == t.value).to_numpy()
        if t.equal == "above":
            above |= equal
        elif t.equal != "below":
            seen = equal.cumsum()
            above |= equal & (seen > t.equal)
        bins += above
    return bins


def _expected_labels(values: pd.Series, thresholds, labels) -> pd.Series:
    return pd.Series(np.asarray(labels, dtype=object)[_cut(values, thresholds)], index=values.index)


def test_fit_on_the_real_file_gives_pandas_scores_back(real_raw):
    scheme = Segmentation.fit(real_raw)
    got = scheme.apply(real_raw).table
    assert got.equals(flo_rfm.rfm(real_raw).table)
    want = _pandas_scores(real_raw)
    for col in SCORE_COLUMNS:
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col


def test_a_saved_scheme_scores_the_same_after_loading(real_path, tmp_path):
    scheme = Segmentation.fit(real_path)
    path = tmp_path / "scheme.json"
    scheme.to_json(path)
    loaded = Segmentation.load(path)
    assert loaded == scheme
    assert loaded.apply(real_path).table.equals(flo_rfm.rfm(real_path).table)


rows = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 6), st.sampled_from([0, 50, 100, 250, 400, 1000])),
    min_size=8,
    max_size=120,
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, st.integers(0, 5))
def test_fit_then_apply_is_pandas_qcut_on_generated_snapshots(rows, seed):
    raw = _snapshot(rows, seed)
    try:
        want = _pandas_scores(raw)
    except ValueError:  # pandas refuses non-unique edges; so must fit
        with pytest.raises(ValueError, match="Bin edges must be unique"):
            Segmentation.fit(raw)
        return
    got = Segmentation.fit(raw).apply(raw).table
    for col in SCORE_COLUMNS:
        assert got[col].astype(str).tolist() == want[col].astype(str).tolist(), col


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, rows, st.integers(0, 5))
def test_a_learned_scheme_on_another_snapshot_is_pandas_on_its_thresholds(before, after, seed):
    first, second = _snapshot(before, seed), _snapshot(after, seed + 1)
    try:
        scheme = Segmentation.fit(first, duplicates="drop")
    except ValueError:
        return
    got = scheme.apply(second).table
    prepared = seeds.data_prep(second)
    date = prepared["last_order_date"].max() + pd.Timedelta(days=2)
    metrics = {
        "recency": (date - prepared["last_order_date"]).dt.days,
        "frequency": prepared["order_num_total"],
        "monetary": prepared["customer_value_total"],
    }
    for (name, values), labels in zip(metrics.items(), scheme.labels):
        want = _expected_labels(values.reset_index(drop=True), getattr(scheme, name), labels)
        assert got[f"{name}_score"].astype(str).tolist() == want.astype(str).tolist(), name
    rf = got["recency_score"].astype(str) + got["frequency_score"].astype(str)
    assert got["segment"].tolist() == rf.replace(seeds.SEG_MAP, regex=True).tolist()


@pytest.mark.parametrize("closed", ["right", "left"])
def test_given_thresholds_are_pd_cut(real_raw, closed):
    cuts = ([30, 90, 180, 365], [1, 2, 3, 5], [200, 400, 700, 1200])
    scheme = Segmentation.given(*cuts, closed=closed)
    got = scheme.apply(real_raw).table
    want = seeds.rfm_table(seeds.data_prep(real_raw))
    right = closed == "right"
    for name, edges, labels in zip(("recency", "frequency", "monetary"), cuts, scheme.labels):
        bins = [-np.inf, *edges, np.inf]
        expected = pd.cut(want[name], bins, right=right, labels=list(labels)).astype(str)
        assert got[f"{name}_score"].astype(str).tolist() == expected.tolist(), name


def test_a_fixed_analysis_date_is_kept_and_can_be_overridden(real_raw):
    scheme = Segmentation.fit(real_raw, analysis_date="2021-07-01")
    assert scheme.analysis_date == "2021-07-01"
    again = Segmentation.from_json(scheme.to_json())
    assert again.apply(real_raw).analysis_date == pd.Timestamp("2021-07-01")
    assert scheme.apply(real_raw, analysis_date="2021-08-01").analysis_date == pd.Timestamp("2021-08-01")
    assert Segmentation.fit(real_raw).analysis_date is None


def test_custom_labels_map_and_rfm_score_survive_json():
    scheme = Segmentation.given(
        [10],
        [2],
        [100],
        labels=(["new", "old"], ["few", "many"], ["low", "high"]),
        segment_map={"new.*": "fresh", "old.*": "stale"},
        segment_on="RFM_SCORE",
    )
    again = Segmentation.from_dict(json.loads(scheme.to_json()))
    assert again == scheme
    table = again.apply(flo_rfm.datasets.sample(300)).table
    assert set(table["segment"]) <= {"fresh", "stale"}
    assert list(table["recency_score"].cat.categories) == ["new", "old"]


def test_threshold_table_states_each_bin():
    table = Segmentation.given([30, 90], [1], [300], closed="left").table
    assert table.loc["recency", "range"].tolist() == ["(-inf, 30)", "[30, 90)", "[90, inf)"]
    assert table.loc["frequency", "score"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: Segmentation.given([90, 30], [1], [1]), InvalidArgumentError, "recency thresholds must"),
        (lambda: Segmentation.given([1], [1], [float("nan")]), InvalidArgumentError, "NaN"),
        (lambda: Segmentation.given([1], [1], [1], closed="both"), InvalidArgumentError, "closed"),
        (lambda: Segmentation.given([1], [1], [1], labels=([1], [2], [1, 2])), InvalidArgumentError, "bins"),
        (lambda: Segmentation.given(5, [1], [1]), ArgumentTypeError, "must be a list"),
        (lambda: Segmentation.given([1], [1], [1], segment_map={"(": "x"}), SegmentMapError, "unclosed"),
        (lambda: Threshold(1, "middle"), InvalidArgumentError, "equal must be"),
        (lambda: Segmentation.from_dict({"version": 9}), InvalidArgumentError, "version"),
        (lambda: Segmentation.from_dict({"version": 1}), InvalidArgumentError, "thresholds"),
        (lambda: Segmentation.from_json("{"), InvalidArgumentError, "not JSON"),
    ],
)
def test_bad_schemes_are_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_load_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1}')
    with pytest.raises(InvalidArgumentError, match=r"bad\.json"):
        Segmentation.load(bad)
    with pytest.raises(FileError):
        Segmentation.load(tmp_path / "missing.json")


def test_to_json_never_writes_over_nothing_it_should_not(tmp_path):
    path = tmp_path / "out" / "scheme.json"
    path.parent.mkdir()
    Segmentation.given([1], [1], [1]).to_json(path)
    assert Segmentation.load(path) == Segmentation.given([1], [1], [1])
