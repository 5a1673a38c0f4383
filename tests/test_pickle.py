"""Parsed tables pickle as the core's own bytes (Dask moves a parsed partition so): what comes
back computes the same numbers, and bytes that are not such a table are refused."""

from __future__ import annotations

import pickle

import numpy as np
import pyarrow as pa
import pytest

import flo_rfm
from flo_rfm import _flo_rfm
from flo_rfm.exceptions import InvalidArgumentError


def test_a_customer_table_round_trips_to_the_same_study(real_path):
    frame = _flo_rfm.read_csv(str(real_path))
    back = pickle.loads(pickle.dumps(frame))
    assert len(back) == len(frame) and back.source == frame.source
    assert back.master_id() == frame.master_id()
    want, got = frame.rfm(), back.rfm()
    for a, b in zip(want.metrics(), got.metrics()):
        np.testing.assert_array_equal(a, b)
    assert got.segment_summary() == want.segment_summary()
    assert back.report() == frame.report()


def test_an_order_log_round_trips_to_the_same_summary(tmp_path):
    path = tmp_path / "log.csv"
    flo_rfm.datasets.sample_transactions(500, seed=4).to_csv(path, index=False)
    log = _flo_rfm.read_log(str(path), "master_id", "date", amount="amount", channel="channel")
    back = pickle.loads(pickle.dumps(log))
    assert len(back) == len(log)
    want, got = pa.table(log.btyd(freq="W")), pa.table(back.btyd(freq="W"))
    assert want.num_rows > 0 and got.equals(want)


@pytest.mark.parametrize("data", [b"", b"FLOCUST1", b"FLOCUST1" + b"\xff" * 40, b"not a table"])
def test_other_bytes_are_refused(data):
    with pytest.raises(InvalidArgumentError, match="not a table saved by this version"):
        _flo_rfm.frame_from_bytes(data)
    with pytest.raises(InvalidArgumentError):
        _flo_rfm.log_from_bytes(data)
