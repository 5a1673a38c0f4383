"""Order logs against lifetimes' own functions (on the dataset lifetimes ships and on generated
logs), and a log made from the FLO sample aggregating back to the customer summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifetimes.datasets import load_transaction_data
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

import flo_rfm


def _random_log(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = rng.choice([f"c{i:04d}" for i in range(400)], n)
    start = pd.Timestamp("2020-01-01")
    when = start + pd.to_timedelta(rng.integers(0, 400 * 86400, n), unit="s")
    spend = np.round(rng.lognormal(3, 1, n), 2)
    return pd.DataFrame({"cid": ids, "when": when.strftime("%Y-%m-%d %H:%M:%S"), "spend": spend})


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert list(ours.index) == list(theirs.index)
    assert list(ours.columns) == list(theirs.columns)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(dtype="float64"), rtol=1e-12, atol=0)


def test_lifetimes_shipped_dataset():
    log = load_transaction_data()
    for freq in ("D", "W"):
        theirs = summary_data_from_transaction_data(log, "id", "date", freq=freq)
        ours = flo_rfm.summarize_transactions(log, "id", "date", freq=freq)
        _compare(ours, theirs)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("freq", ["D", "W"])
def test_generated_logs_match_lifetimes(seed, freq):
    log = _random_log(seed)
    end = "2020-12-15"
    kwargs = dict(observation_period_end=end, freq=freq, freq_multiplier=1 if freq == "W" else 7)
    theirs = summary_data_from_transaction_data(log, "cid", "when", "spend", **kwargs)
    ours = flo_rfm.summarize_transactions(log, "cid", "when", "spend", **kwargs)
    _compare(ours, theirs)
    theirs = summary_data_from_transaction_data(log, "cid", "when", "spend", include_first_transaction=True)
    ours = flo_rfm.summarize_transactions(log, "cid", "when", "spend", include_first_transaction=True)
    _compare(ours, theirs)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_calibration_holdout_matches_lifetimes(freq, tmp_path):
    log = _random_log(7)
    theirs = calibration_and_holdout_data(
        log, "cid", "when", "2020-10-01", "2021-01-20", freq=freq, monetary_value_col="spend"
    )
    ours = flo_rfm.calibration_holdout(
        log, "cid", "when", "2020-10-01", "2021-01-20", freq=freq, monetary_value_col="spend"
    )
    _compare(ours, theirs)
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    from_file = flo_rfm.calibration_holdout(
        path, "cid", "when", "2020-10-01", "2021-01-20", freq=freq, monetary_value_col="spend"
    )
    pd.testing.assert_frame_equal(from_file, ours)


def test_log_from_the_sample_aggregates_back():
    raw = flo_rfm.datasets.sample_frame(800, seed=21)
    log = flo_rfm.datasets.sample_transactions(800, seed=21)
    data = flo_rfm.customers_from_transactions(log, "master_id", "date", "amount", "channel")
    got = data.to_pandas().set_index("master_id").loc[raw["master_id"]]
    want = flo_rfm.prepare(raw).set_index("master_id")
    for col in (
        "order_num_total_ever_online",
        "order_num_total_ever_offline",
        "last_order_date_online",
        "last_order_date_offline",
        "last_order_date",
    ):
        assert (got[col].to_numpy() == want[col].to_numpy()).all(), col
    for col in ("customer_value_total_ever_online", "customer_value_total_ever_offline"):
        np.testing.assert_allclose(got[col], want[col], rtol=1e-12)
    # The first order date comes back wherever a side has two orders to place on it.
    placed = (want["order_num_total_ever_online"] > 1) | (want["order_num_total_ever_offline"] > 1)
    assert (got.loc[placed, "first_order_date"] == want.loc[placed, "first_order_date"]).all()
    # And the whole RFM and CLTV pipelines run on it, also given the log itself.
    res = flo_rfm.run(data)
    assert res.segment_summary[("recency", "count")].sum() == 800
    source = flo_rfm.TransactionLog(
        log, customer="master_id", datetime="date", amount="amount", channel="channel"
    )
    pd.testing.assert_frame_equal(flo_rfm.run(source).result.to_pandas(), res.result.to_pandas())
    assert len(flo_rfm.cltv(source).to_pandas()) > 0


def test_order_ids_count_once_and_bad_rows_are_reported(tmp_path):
    log = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b"],
            "d": ["2021-01-01", "2021-01-01", "2021-01-09", "2021-01-02"],
            "v": [1.0, 2.0, 3.0, 4.0],
            "ch": ["Mobile", "Mobile", "Offline", "Desktop"],
            "o": ["1", "1", "2", "3"],
        }
    )
    data = flo_rfm.customers_from_transactions(log, "c", "d", "v", "ch", order_id_col="o")
    df = data.to_pandas().set_index("master_id")
    assert (
        df.loc["a", "order_num_total_ever_online"] == 1
        and df.loc["a", "customer_value_total_ever_online"] == 3.0
    )
    bad = log.copy()
    bad.loc[1, "d"] = "2021-13-01"
    with pytest.raises(
        flo_rfm.exceptions.InputError, match=r'<DataFrame>:3: column d: cannot parse "2021-13-01"'
    ):
        flo_rfm.customers_from_transactions(bad, "c", "d", "v", "ch")
    skipped = flo_rfm.customers_from_transactions(bad, "c", "d", "v", "ch", on_bad_rows="skip")
    assert skipped.to_pandas()["order_num_total"].sum() == 3
