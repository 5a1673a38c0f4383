"""Parquet inputs: a customer file or an order log saved as Parquet (by pandas/pyarrow or by
Polars, dates as dates or as text) reads to exactly what the same table saved as CSV reads to.
`read_csv` and `summarize_transactions` tell a Parquet file by its first bytes (`PAR1`)."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import pytest

import flo_rfm
from flo_rfm.exceptions import MissingColumnsError

DATE_COLUMNS = ["first_order_date", "last_order_date", "last_order_date_online", "last_order_date_offline"]


@pytest.fixture(scope="module")
def real_table(real_path) -> pd.DataFrame:
    return flo_rfm.read_csv(real_path).to_pandas()


@pytest.fixture(scope="module")
def real_raw(real_path) -> pd.DataFrame:
    return pd.read_csv(real_path)


def _with_datetimes(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    for c in DATE_COLUMNS:
        df[c] = pd.to_datetime(df[c])
    return df


@pytest.mark.parametrize("dates", ["text", "datetime64"])
def test_pandas_parquet_reads_as_the_csv(dates, real_raw, real_table, tmp_path):
    df = real_raw if dates == "text" else _with_datetimes(real_raw)
    path = tmp_path / "flo.parquet"
    df.to_parquet(path, index=False)
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)
    # The table's own CSV reads the same (pandas prints datetimes as dates at midnight).
    csv = tmp_path / "flo.csv"
    df.to_csv(csv, index=False)
    pdt.assert_frame_equal(flo_rfm.read_csv(csv).to_pandas(), real_table)


def test_pandas_parquet_with_an_index_reads_as_the_csv(real_raw, real_table, tmp_path):
    # A frame with a non-default index, which to_parquet stores as a column `__index_level_0__`
    # (that pandas reads back as the index and to_csv(index=False) leaves out).
    path = tmp_path / "flo.parquet"
    real_raw.set_axis([f"r{i}" for i in range(len(real_raw))]).to_parquet(path)
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)


@pytest.mark.parametrize("dates", ["text", "date"])
def test_polars_parquet_reads_as_the_csv(dates, real_path, real_table, tmp_path):
    pl = pytest.importorskip("polars")
    df = pl.read_csv(real_path, try_parse_dates=dates == "date")
    if dates == "date":
        assert df.schema["first_order_date"] == pl.Date
    path = tmp_path / "flo.parquet"
    df.write_parquet(path)  # zstd, Polars' default
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)


def test_parquet_without_a_required_column_names_it(real_raw, tmp_path):
    path = tmp_path / "flo.parquet"
    real_raw.drop(columns=["master_id", "last_order_date"]).to_parquet(path, index=False)
    with pytest.raises(MissingColumnsError) as err:
        flo_rfm.read_csv(path)
    assert err.value.columns == ["master_id", "last_order_date"]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    raw = flo_rfm.datasets.sample_transactions(3000, seed=8)
    # Times of day, so the datetimes carry more than their dates.
    seconds = pd.to_timedelta((pd.RangeIndex(len(raw)) * 7919) % 86400, unit="s")
    return pd.DataFrame(
        {
            "id": raw["master_id"],
            "date": pd.to_datetime(raw["date"]) + seconds,
            "amount": raw["amount"],
            "channel": raw["channel"],
        }
    )


@pytest.mark.parametrize("writer", ["pandas", "pandas-text", "polars"])
def test_parquet_log_summarizes_as_the_csv(writer, log, tmp_path):
    csv = tmp_path / "log.csv"
    log.to_csv(csv, index=False)
    want = flo_rfm.summarize_transactions(csv, "id", "date", "amount")
    path = tmp_path / "log.parquet"
    if writer == "pandas":
        log.to_parquet(path, index=False)
    elif writer == "pandas-text":
        log.assign(date=log["date"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_parquet(path, index=False)
    else:
        pl = pytest.importorskip("polars")
        pl.from_pandas(log).write_parquet(path)
    got = flo_rfm.summarize_transactions(path, "id", "date", "amount")
    pdt.assert_frame_equal(got, want)
    assert len(got) > 100
