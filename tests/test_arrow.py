"""Results handed over as Arrow: the PyCapsule stream for pyarrow and Polars, and pandas tables
built from Arrow buffers without a Python object per customer."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from test_rfm import COLUMNS

import flo_rfm

RFM_COLUMNS = ["master_id", *COLUMNS]


def _same_as_pandas(arrow: pa.Table, df: pd.DataFrame) -> None:
    """Every cell of the Arrow table equals the pandas table's (labels as text, NaN as null)."""
    assert arrow.column("master_id").to_pylist() == df.index.tolist()
    for name in df.columns:
        col = arrow.column(name)
        if pa.types.is_dictionary(col.type):
            col = col.cast(pa.string())
        categorical = isinstance(df[name].dtype, pd.CategoricalDtype)
        theirs = [None if pd.isna(v) else (str(v) if categorical else v) for v in df[name].tolist()]
        assert col.to_pylist() == theirs, name


def test_pyarrow_takes_the_rfm_table_through_the_capsule(real_path):
    res = flo_rfm.rfm(real_path)
    t = pa.table(res)
    assert t.column_names == RFM_COLUMNS
    assert t.schema.field("segment").type.value_type == pa.string()
    assert t.schema.field("recency_score").type.ordered
    _same_as_pandas(t, res.table)


def test_polars_takes_results_through_the_capsule():
    run = flo_rfm.run(flo_rfm.datasets.sample(4000, seed=2))
    df = pl.DataFrame(run)
    assert df.columns == RFM_COLUMNS and df.height == 4000
    assert df["master_id"].to_list() == run.rfm.index.tolist()
    np.testing.assert_array_equal(df["monetary"].to_numpy(), run.rfm["monetary"].to_numpy())
    assert df["segment"].cast(pl.String).to_list() == run.rfm["segment"].tolist()
    clv = flo_rfm.cltv(flo_rfm.datasets.sample(4000, seed=2))
    c = pl.from_arrow(pa.table(clv))
    assert c.columns[0] == "master_id" and c.height == len(clv)
    np.testing.assert_array_equal(c["cltv"].to_numpy(), clv.table["cltv"].to_numpy())


def test_missing_values_are_arrow_nulls(tmp_path):
    raw = flo_rfm.datasets.sample_frame(500, seed=3)
    raw.loc[[3, 7], "order_num_total_ever_online"] = np.nan
    res = flo_rfm.rfm(raw)
    t = pa.table(res)
    assert t.column("frequency").null_count == 2
    assert t.column("segment").null_count == 2
    _same_as_pandas(t, res.table)


def _blocks_to_build(build: object) -> tuple[object, int]:
    """What ``build()`` returns and the Python memory blocks it left allocated."""
    gc.collect()
    before = sys.getallocatedblocks()
    out = build()  # type: ignore[operator]
    return out, sys.getallocatedblocks() - before


@pytest.mark.skipif(
    int(pd.__version__.split(".")[0]) < 3,
    reason="pandas 2's read_csv gives text columns as object: one str per customer, as pandas builds",
)
def test_tables_of_a_million_customers_build_no_object_per_customer():
    data = flo_rfm.datasets.sample(1_000_000, seed=1)
    prepared, built = _blocks_to_build(data.to_pandas)
    assert len(prepared) == 1_000_000 and built < 50_000, built
    res = flo_rfm.rfm(data)
    before = sys.getallocatedblocks()
    table, built = _blocks_to_build(lambda: res.table)
    assert len(table) == 1_000_000 and table.index.name == "master_id"
    clv, clv_built = _blocks_to_build(lambda: flo_rfm.cltv(data).table)
    assert len(clv) > 100_000 and clv_built < 50_000, clv_built
    # A Python str per id (what a list of ids costs) would add a million blocks.
    assert built < 50_000, built
    ids = table.index.tolist()
    assert sys.getallocatedblocks() - before > 1_000_000, "the probe counts Python objects"
    del ids
