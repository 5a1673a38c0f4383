"""Polars and Arrow tables in give the same answers as pandas in, in the same kind out."""

from __future__ import annotations

import pandas as pd
import pandas.testing as pdt
import polars as pl
import pyarrow as pa

import flo_rfm


def _inputs(real_raw: pd.DataFrame):
    return {
        "polars": pl.from_pandas(real_raw),
        "arrow": pa.Table.from_pandas(real_raw, preserve_index=False),
    }


def _back(obj) -> pd.DataFrame:
    return obj.to_pandas()


def test_prepare_rfm_and_targets_identical(real_raw):
    want_prep = flo_rfm.prepare(real_raw)
    want = flo_rfm.rfm(real_raw)
    for kind, table in _inputs(real_raw).items():
        prep = flo_rfm.prepare(table)
        assert type(prep).__module__.startswith("polars" if kind == "polars" else "pyarrow")
        got = _back(prep)
        # Polars/Arrow carry dates at their own resolution; values must be the same.
        for col in got.columns:
            if str(want_prep[col].dtype).startswith("datetime64"):
                got[col] = got[col].astype(want_prep[col].dtype)
        pdt.assert_frame_equal(got, want_prep, check_dtype=False, check_index_type=False)
        res = flo_rfm.rfm(table)
        pdt.assert_frame_equal(res.to_pandas(), want.to_pandas())
        native = res.table
        rows = native.num_rows if kind == "arrow" else native.height
        assert rows == len(real_raw)
        flat = _back(native).set_index("master_id")
        pdt.assert_frame_equal(flat, want.to_pandas(), check_dtype=False, check_categorical=False)
        assert list(res.new_brand_targets().to_pandas()) == list(want.new_brand_targets())
        assert list(res.discount_targets().to_pandas()) == list(want.discount_targets())
        summary = _back(res.segment_summary()).set_index("segment")
        expected = want.segment_summary()
        expected.columns = [f"{m}_{s}" for m, s in expected.columns]
        pdt.assert_frame_equal(summary, expected, check_dtype=False, check_index_type=False)


def test_run_and_cltv_keep_the_kind():
    raw = flo_rfm.datasets.sample_frame(3000, seed=5)
    table = pl.from_pandas(raw)
    run = flo_rfm.run(table)
    assert isinstance(run.rfm, pl.DataFrame) and isinstance(run.new_brand_targets, pl.Series)
    cl = flo_rfm.cltv(table)
    assert isinstance(cl.table, pl.DataFrame)
    pdt.assert_frame_equal(cl.to_pandas(), flo_rfm.cltv(raw).to_pandas())


def test_arrow_pycapsule_object():
    raw = flo_rfm.datasets.sample_frame(500, seed=6)

    class Stream:
        """Only the Arrow PyCapsule interface, as other libraries expose it."""

        def __init__(self, t: pa.Table) -> None:
            self._t = t

        def __arrow_c_stream__(self, requested_schema=None):
            return self._t.__arrow_c_stream__(requested_schema)

    res = flo_rfm.rfm(Stream(pa.Table.from_pandas(raw, preserve_index=False)))
    pdt.assert_frame_equal(res.to_pandas(), flo_rfm.rfm(raw).to_pandas())
