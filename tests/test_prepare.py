"""Task 1 against the seeds' pandas code: on the real file, on the sample, and on file variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import seeds

import flo_rfm
from flo_rfm.customer_data import COUNT_COLUMNS, DATE_COLUMNS, MONEY_COLUMNS


def _sources(real_raw: pd.DataFrame, real_path: Path):
    return [(flo_rfm.read_csv(real_path), real_raw)]


def test_prepare_equals_seeds_on_real_file(real_path, real_raw):
    ours = flo_rfm.prepare(real_path)
    pdt.assert_frame_equal(ours, seeds.data_prep(real_raw))


def test_raw_read_equals_read_csv(real_path, real_raw):
    data = flo_rfm.read_csv(real_path)
    pdt.assert_frame_equal(data.to_pandas(dates=False, totals=False), real_raw)
    pdt.assert_frame_equal(data.head(10), real_raw.head(10))
    assert list(data.columns) == list(real_raw.columns)
    pdt.assert_series_equal(data.dtypes(), real_raw.dtypes)
    pdt.assert_series_equal(data.null_counts(), real_raw.isnull().sum())
    assert data.report == flo_rfm.ReadReport(len(real_raw), len(real_raw), [], 0)


def test_describe_is_bit_identical(real_path, real_raw):
    data = flo_rfm.read_csv(real_path)
    # Bit-identical: no tolerance.
    pdt.assert_frame_equal(data.describe(), real_raw.describe(), check_exact=True)
    prepared = seeds.data_prep(real_raw)
    numeric = COUNT_COLUMNS + MONEY_COLUMNS + ["order_num_total", "customer_value_total"]
    pdt.assert_frame_equal(data.describe(totals=True), prepared[numeric].describe(), check_exact=True)


def test_channel_breakdown_and_top10(real_path, real_raw):
    data = flo_rfm.read_csv(real_path)
    prepared = seeds.data_prep(real_raw)
    pdt.assert_frame_equal(data.channel_breakdown(), seeds.channel_breakdown(prepared), check_exact=True)
    for by in ("customer_value_total", "order_num_total"):
        expected = prepared.sort_values(by, ascending=False, kind="stable")[:10]
        pdt.assert_frame_equal(data.top(10, by=by), expected)


def test_dataframe_path_equals_file_path(real_path, real_raw):
    from_file = flo_rfm.read_csv(real_path).to_pandas()
    pdt.assert_frame_equal(flo_rfm.from_pandas(real_raw).to_pandas(), from_file)
    # An already-prepared frame (datetime columns, totals present) gives the same too.
    pdt.assert_frame_equal(flo_rfm.prepare(seeds.data_prep(real_raw)), from_file)


def _write_variant(df: pd.DataFrame, path: Path) -> None:
    """The same data as `;`-separated, DD.MM.YYYY dates, integer counts, CRLF, BOM, an extra
    column, and columns in another order."""
    v = df.copy()
    for c in DATE_COLUMNS:
        v[c] = pd.to_datetime(v[c]).dt.strftime("%d.%m.%Y")
    for c in COUNT_COLUMNS:
        v[c] = v[c].astype("int64")
    v["store_type"] = np.where(np.arange(len(v)) % 2 == 0, "A", "B")
    v = v[list(reversed(v.columns))]
    text = v.to_csv(index=False, sep=";", lineterminator="\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def test_variant_file_reads_to_identical_values(real_path, real_raw, tmp_path):
    variant = tmp_path / "flo_variant.csv"
    _write_variant(real_raw, variant)
    a = flo_rfm.read_csv(real_path).to_pandas()
    b = flo_rfm.read_csv(variant).to_pandas()
    assert list(b["store_type"].unique()) == ["A", "B"]
    pdt.assert_frame_equal(b[a.columns], a)


def test_sample_matches_seeds_too():
    raw = flo_rfm.datasets.sample_frame(5000, seed=3)
    data = flo_rfm.from_pandas(raw)
    pdt.assert_frame_equal(data.to_pandas(), seeds.data_prep(raw))
    pdt.assert_frame_equal(data.describe(), raw.describe(), check_exact=True)
    pdt.assert_frame_equal(flo_rfm.datasets.sample(5000, seed=3).to_pandas(), data.to_pandas())


def test_sample_is_deterministic_and_shaped_like_the_file(tmp_path):
    assert flo_rfm.datasets.sample_bytes(300, 1) == flo_rfm.datasets.sample_bytes(300, 1)
    assert flo_rfm.datasets.sample_bytes(300, 1) != flo_rfm.datasets.sample_bytes(300, 2)
    path = flo_rfm.datasets.write_sample(tmp_path / "s.csv", 300, 1)
    assert Path(path).read_bytes() == flo_rfm.datasets.sample_bytes(300, 1)
    df = flo_rfm.prepare(path)
    assert df["last_order_date"].max() == pd.Timestamp("2021-05-30")
    share = df["order_channel"].value_counts(normalize=True)
    assert share.index[0] == "Android App"


def test_pairwise_sum_matches_numpy():
    # The Rust mean must be numpy's pairwise sum, not a naive loop: 0.1 * 1000 shows the gap.
    values = np.full(1000, 0.1)
    assert flo_rfm._flo_rfm.describe_array(values)[1] == np.sum(values) / 1000
    assert np.sum(values) / 1000 != sum(values.tolist()) / 1000


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9, 127, 128, 129, 1000, 4099])
def test_describe_small_and_odd_sizes(n):
    rng = np.random.default_rng(n)
    values = rng.lognormal(5, 2, n).round(2)
    values[rng.random(n) < 0.1] = np.nan
    expected = pd.Series(values).describe().to_numpy()
    ours = np.array(flo_rfm._flo_rfm.describe_array(values))
    np.testing.assert_array_equal(ours, expected)
