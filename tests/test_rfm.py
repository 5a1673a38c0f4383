"""Tasks 2–5 against the seeds' pandas code on the real file and the sample, and SPEC.md's
reference figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import seeds

import flo_rfm
from flo_rfm.exceptions import BinEdgesError, InputError

COLUMNS = [
    "recency",
    "frequency",
    "monetary",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "RF_SCORE",
    "RFM_SCORE",
    "segment",
]


def _seed_tables(raw: pd.DataFrame):
    prepared = seeds.data_prep(raw)
    rfm = seeds.rfm_table(prepared)
    return prepared, rfm


def _assert_rfm_equal(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    expected = theirs.set_index("customer_id")[COLUMNS]
    expected.index = expected.index.rename("master_id")
    pdt.assert_frame_equal(ours, expected, check_exact=True)


def test_rfm_equals_seeds_on_real_file(real_path, real_raw):
    prepared, theirs = _seed_tables(real_raw)
    res = flo_rfm.rfm(real_path)
    assert res.analysis_date == pd.Timestamp("2021-06-01")
    _assert_rfm_equal(res.table, theirs)
    pdt.assert_frame_equal(res.segment_summary(), seeds.segment_summary(theirs), check_exact=True)
    pdt.assert_series_equal(
        res.new_brand_targets(), seeds.new_brand_targets(prepared, theirs).rename("master_id")
    )
    pdt.assert_series_equal(
        res.discount_targets(), seeds.discount_targets(prepared, theirs).rename("master_id")
    )


def test_reference_figures_of_spec(real_path):
    res = flo_rfm.rfm(real_path)
    np.testing.assert_allclose(res.edges["recency"], [2, 33, 83, 145, 232, 367])
    np.testing.assert_allclose(
        res.edges["monetary"], [44.98, 302.188, 455.826, 660.38, 1020.036, 45905.1], atol=5e-4
    )
    s = res.segment_summary()
    spec = {  # SPEC.md, "Reference figures"
        "about_to_sleep": (1629, 113.785, 2.401, 359.009),
        "at_Risk": (3131, 241.607, 4.472, 646.610),
        "cant_loose": (1200, 235.444, 10.698, 1474.468),
        "champions": (1932, 17.107, 8.934, 1406.625),
        "hibernating": (3604, 247.950, 2.394, 366.267),
        "loyal_customers": (3361, 82.595, 8.375, 1216.819),
        "need_attention": (823, 113.829, 3.728, 562.143),
        "new_customers": (680, 17.918, 2.000, 339.956),
        "potential_loyalists": (2938, 37.156, 3.304, 533.184),
        "promising": (647, 58.921, 2.000, 335.673),
    }
    assert list(s.index) == sorted(spec)
    for seg, (count, r, f, m) in spec.items():
        assert s.loc[seg, ("recency", "count")] == count
        assert s.loc[seg, ("recency", "mean")] == pytest.approx(r, abs=5e-4)
        assert s.loc[seg, ("frequency", "mean")] == pytest.approx(f, abs=5e-4)
        assert s.loc[seg, ("monetary", "mean")] == pytest.approx(m, abs=5e-4)
    assert len(res.new_brand_targets()) == 148
    assert len(res.discount_targets()) == 2771
    # The published variants of case a (SPEC.md): without the 250 rule, and total spend > 250.
    assert len(res.select(segments=["champions", "loyal_customers"], categories="KADIN")) == 2497
    spend = res.select(
        segments=["champions", "loyal_customers"],
        categories="KADIN",
        bounds={"monetary": (np.nextafter(250, np.inf), None)},
    )
    assert len(spend) == 2494


def test_token_match_differs_only_where_substring_overmatches(real_path):
    res = flo_rfm.rfm(real_path)
    sub = set(res.discount_targets("substring"))
    tok = set(res.discount_targets("token"))
    assert tok <= sub
    cats = res.data.to_pandas().set_index("master_id")["interested_in_categories_12"]
    for cid in sub - tok:
        tokens = [t.strip() for t in cats[cid].strip("[]").split(",")]
        assert "ERKEK" not in tokens and "COCUK" not in tokens


def test_target_files_equal_pandas_output(real_path, real_raw, tmp_path):
    prepared, theirs = _seed_tables(real_raw)
    res = flo_rfm.run(real_path, tmp_path, prepared=True)
    ours_a = (tmp_path / "new_brand_target_customer_id.csv").read_text()
    ours_b = (tmp_path / "discount_target_customer_ids.csv").read_text()
    ref = tmp_path / "ref.csv"
    seeds.new_brand_targets(prepared, theirs).rename("master_id").to_csv(ref, index=False)
    assert ours_a == ref.read_text()
    seeds.discount_targets(prepared, theirs).rename("master_id").to_csv(ref, index=False)
    assert ours_b == ref.read_text()
    assert ours_a.splitlines()[0] == "master_id"
    assert set(res.files) == {"prepared", "rfm", "segment_summary", "new_brand_targets", "discount_targets"}


def test_dataframe_input_same_as_file(real_path, real_raw):
    pdt.assert_frame_equal(flo_rfm.rfm(real_raw).table, flo_rfm.rfm(real_path).table)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rfm_equals_seeds_on_samples(seed):
    raw = flo_rfm.datasets.sample_frame(4000, seed=seed)
    prepared, theirs = _seed_tables(raw)
    res = flo_rfm.rfm(raw)
    _assert_rfm_equal(res.table, theirs)
    pdt.assert_frame_equal(res.segment_summary(), seeds.segment_summary(theirs), check_exact=True)
    pdt.assert_series_equal(
        res.new_brand_targets(), seeds.new_brand_targets(prepared, theirs).rename("master_id")
    )
    pdt.assert_series_equal(
        res.discount_targets(), seeds.discount_targets(prepared, theirs).rename("master_id")
    )


def test_analysis_date_can_be_set(real_path, real_raw):
    prepared = seeds.data_prep(real_raw)
    when = pd.Timestamp("2021-07-15")
    theirs = seeds.rfm_table(prepared, when)
    _assert_rfm_equal(flo_rfm.rfm(real_path, analysis_date="2021-07-15").table, theirs)


def test_duplicate_edges_raise_like_pandas_and_drop_works():
    raw = flo_rfm.datasets.sample_frame(200, seed=5)
    # Monetary takes two values only: most quantile edges coincide.
    raw["customer_value_total_ever_online"] = np.where(np.arange(200) % 2 == 0, 100.0, 200.0)
    raw["customer_value_total_ever_offline"] = 0.0
    monetary = seeds.data_prep(raw)["customer_value_total"]
    with pytest.raises(ValueError, match="Bin edges must be unique"):
        pd.qcut(monetary, 5, labels=[1, 2, 3, 4, 5])
    with pytest.raises(BinEdgesError, match="Bin edges must be unique"):
        flo_rfm.rfm(raw)
    # duplicates="drop" as pandas: the edges left and the bins must agree with pd.qcut.
    expected = pd.qcut(monetary, 5, labels=["low"], duplicates="drop")
    res = flo_rfm.rfm(raw, duplicates="drop", labels=([5, 4, 3, 2, 1], [1, 2, 3, 4, 5], ["low"]))
    np.testing.assert_array_equal(res.table["monetary_score"].to_numpy(object), expected.to_numpy(object))
    np.testing.assert_array_equal(
        res.edges["monetary"], pd.qcut(monetary, 5, retbins=True, duplicates="drop")[1]
    )


def test_duplicated_master_id_follows_spec(tmp_path):
    raw = flo_rfm.datasets.sample_frame(50, seed=9)
    dup = pd.concat([raw, raw.iloc[[3]]], ignore_index=True)
    with pytest.raises(
        InputError, match=r"<DataFrame>:52: column master_id: .* is a duplicated id \(first seen on line 5\)"
    ):
        flo_rfm.rfm(dup)
    skipped = flo_rfm.from_pandas(dup, on_bad_rows="skip")
    assert len(skipped) == 50 and skipped.report.skipped[0][0] == 52
    merged = flo_rfm.from_pandas(dup, duplicates="merge").to_pandas()
    expected = (
        seeds.data_prep(dup)
        .groupby("master_id", sort=False)
        .agg(
            {
                c: ("max" if "date" in c else "sum")
                for c in [
                    "first_order_date",
                    "last_order_date",
                    "order_num_total_ever_online",
                    "customer_value_total_ever_online",
                ]
            }
        )
    )
    row = merged.set_index("master_id").loc[raw.loc[3, "master_id"]]
    for col in expected.columns:
        assert row[col] == expected.loc[raw.loc[3, "master_id"], col]


def test_null_metric_gets_no_score_and_is_kept():
    raw = flo_rfm.datasets.sample_frame(100, seed=4)
    raw.loc[7, "last_order_date"] = np.nan
    res = flo_rfm.rfm(raw)
    row = res.table.iloc[7]
    assert len(res.table) == 100
    assert np.isnan(row["recency"]) and pd.isna(row["recency_score"]) and pd.isna(row["segment"])
    assert res.segment_summary()[("recency", "count")].sum() == 99


def test_custom_regex_map_matches_pandas_replace():
    raw = flo_rfm.datasets.sample_frame(3000, seed=11)
    theirs = seeds.rfm_table(seeds.data_prep(raw))
    custom = {
        r"^5(\d)(\d)$": r"top-\1-\g<2>",
        r"^[1-2]\d[1-5]$": "low",
        "1": "one",
        r"(?P<x>\d)$": r"<\g<x>>",
    }
    expected = theirs["RFM_SCORE"].replace(custom, regex=True)
    res = flo_rfm.rfm(raw, segment_map=custom, segment_on="RFM_SCORE")
    np.testing.assert_array_equal(res.table["segment"].to_numpy(object), expected.to_numpy(object))
