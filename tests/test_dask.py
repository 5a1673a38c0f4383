"""flo_rfm.dask on a real local cluster (two worker processes): every per-customer answer, the
segment summary, the target lists, the fitted parameters and the order-log summaries equal the
one-machine results exactly, on the sample, the real file and generated data split into many
partitions; and a run survives a worker killed in the middle of it."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import dask
import numpy as np
import pandas as pd
import pytest

import flo_rfm

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
fd = pytest.importorskip("flo_rfm.dask")


def assert_run_equal(res: fd.DaskRunResult, one: flo_rfm.RunResult) -> None:
    table = res.rfm.compute()
    pd.testing.assert_frame_equal(table, one.rfm, check_exact=True)
    assert table.equals(one.rfm)
    pd.testing.assert_frame_equal(res.segment_summary, one.segment_summary, check_exact=True)
    for dist, single in (
        (res.new_brand_targets, one.new_brand_targets),
        (res.discount_targets, one.discount_targets),
    ):
        got = dist.compute().reset_index(drop=True)
        pd.testing.assert_series_equal(got, single.reset_index(drop=True), check_exact=True)
    for name, edges in one.result.edges.items():
        assert np.array_equal(res.edges[name], edges), name
    assert res.analysis_date == one.result.analysis_date
    assert res.customers == len(one.rfm)


def assert_cltv_equal(res: fd.DaskCltvResult, one: flo_rfm.CltvResult) -> None:
    table = res.table.compute()
    pd.testing.assert_frame_equal(table, one.table, check_exact=True)
    for a, b in ((res.bgf, one.bgf), (res.ggf, one.ggf)):
        assert list(a.params_) == list(b.params_)  # bit for bit
        assert np.array_equal(a.variance_matrix_.to_numpy(), b.variance_matrix_.to_numpy(), equal_nan=True)
        assert a.fit_info_["objective"] == b.fit_info_["objective"]
    pd.testing.assert_frame_equal(res.thresholds, one.thresholds, check_exact=True)


def test_sample_run_and_files(client, tmp_path: Path) -> None:
    raw = flo_rfm.datasets.sample_frame(20_000, seed=5)
    one = flo_rfm.run(flo_rfm.from_pandas(raw))
    res = fd.run(dd.from_pandas(raw, npartitions=7), tmp_path / "d", single_file=True)
    assert_run_equal(res, one)
    one.write(tmp_path / "one")
    # The single files are the one-machine files, byte for byte.
    for name in ("rfm.csv", "new_brand_target_customer_id.csv", "discount_target_customer_ids.csv"):
        assert (tmp_path / "d" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    # The per-partition files, read back in order, are the whole table.
    parts = sorted((tmp_path / "d" / "rfm").glob("part-*.csv"))
    assert len(parts) == 7
    back = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)
    whole = pd.read_csv(tmp_path / "one" / "rfm.csv")
    pd.testing.assert_frame_equal(back, whole)
    ids = pd.concat([pd.read_csv(p) for p in sorted((tmp_path / "d" / "new_brand_targets").glob("*.csv"))])
    assert (
        ids["master_id"].tolist()
        == pd.read_csv(tmp_path / "one" / "new_brand_target_customer_id.csv")["master_id"].tolist()
    )
    summary = pd.read_csv(tmp_path / "d" / "segment_summary.csv")
    assert summary.equals(pd.read_csv(tmp_path / "one" / "segment_summary.csv"))


def test_sample_parquet_parts(client, tmp_path: Path) -> None:
    raw = flo_rfm.datasets.sample_frame(3_000, seed=9)
    res = fd.run(dd.from_pandas(raw, npartitions=3), tmp_path, format="parquet")
    back = pd.concat([pd.read_parquet(p) for p in res.files["rfm"]])
    one = flo_rfm.run(flo_rfm.from_pandas(raw))
    assert back["segment"].astype(str).tolist() == one.rfm["segment"].astype(str).tolist()
    assert back.index.astype(str).tolist() == one.rfm.index.astype(str).tolist()


def test_real_file_run_and_cltv(client, real_path: Path) -> None:
    ddf = dd.read_csv(str(real_path), blocksize="256KB")
    assert ddf.npartitions >= 8
    assert_run_equal(fd.run(ddf), flo_rfm.run(real_path))
    assert_cltv_equal(fd.cltv(ddf), flo_rfm.cltv(real_path))


def tied_frame(rows: int, seed: int) -> pd.DataFrame:
    """FLO-shaped rows whose metrics take few values: many ties, many values equal to an edge."""
    rng = np.random.default_rng(seed)
    raw = flo_rfm.datasets.sample_frame(rows, seed=seed)
    raw["order_num_total_ever_online"] = rng.integers(1, 4, rows).astype(float)
    raw["order_num_total_ever_offline"] = rng.integers(0, 3, rows).astype(float)
    raw["customer_value_total_ever_online"] = rng.choice([0.0, 50.0, 99.99, 150.5, 310.0, 0.1], rows)
    raw["customer_value_total_ever_offline"] = rng.choice([0.0, 25.0, 100.0, 0.2, 1e3], rows)
    days = pd.Timestamp("2021-05-01") - pd.to_timedelta(rng.integers(0, 40, rows), unit="D")
    raw["last_order_date"] = days.strftime("%Y-%m-%d")
    raw["first_order_date"] = (days - pd.to_timedelta(rng.integers(20, 40, rows), unit="D")).strftime(
        "%Y-%m-%d"
    )
    return raw


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_ties_many_partitions(client, seed: int) -> None:
    raw = tied_frame(2_000 + 333 * seed, seed)
    # Uneven partitions, one of them empty.
    cuts = sorted({0, *np.random.default_rng(seed).integers(1, len(raw), 30).tolist(), len(raw)})
    pieces = [raw.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:])] + [raw.iloc[:0]]
    ddf = dd.from_delayed([dask.delayed(p.copy)() for p in pieces], meta=raw.iloc[:0])
    assert ddf.npartitions > 20
    for opts in ({}, {"q": [0, 0.1, 0.5, 0.9, 1]}, {"q": 3, "segment_on": "RFM_SCORE"}):
        one = flo_rfm.run(flo_rfm.from_pandas(raw), **opts)
        assert_run_equal(fd.run(ddf, **opts), one)


def test_generated_cltv_many_partitions(client) -> None:
    raw = flo_rfm.datasets.sample_frame(30_000, seed=11)
    ddf = dd.from_pandas(raw, npartitions=23)
    assert_cltv_equal(fd.cltv(ddf), flo_rfm.cltv(flo_rfm.from_pandas(raw)))
    res = fd.cltv(ddf, frequency="repeat_orders", months=3)
    assert_cltv_equal(res, flo_rfm.cltv(flo_rfm.from_pandas(raw), frequency="repeat_orders", months=3))


def test_equal_edges_raise_as_on_one_machine(client) -> None:
    raw = tied_frame(500, 4)
    raw["customer_value_total_ever_online"] = 10.0
    raw["customer_value_total_ever_offline"] = 0.0
    with pytest.raises(flo_rfm.exceptions.BinEdgesError) as one:
        flo_rfm.run(flo_rfm.from_pandas(raw))
    with pytest.raises(flo_rfm.exceptions.BinEdgesError) as dist:
        fd.run(dd.from_pandas(raw, npartitions=3))
    assert str(dist.value) == str(one.value)


def test_bad_row_names_partition_and_duplicates_across_partitions(client) -> None:
    raw = flo_rfm.datasets.sample_frame(300, seed=3)
    bad = raw.copy()
    bad.loc[250, "order_num_total_ever_online"] = -1.0
    with pytest.raises(flo_rfm.exceptions.InputError, match="partition 2"):
        fd.run(dd.from_pandas(bad, npartitions=3))
    dup = raw.copy()
    dup.loc[299, "master_id"] = dup.loc[0, "master_id"]
    with pytest.raises(flo_rfm.exceptions.InputError, match="repeated across partitions"):
        fd.run(dd.from_pandas(dup, npartitions=3))
    res = fd.run(dd.from_pandas(bad, npartitions=3), on_bad_rows="skip")
    assert res.customers == 299 and len(res.skipped) == 1 and res.skipped[0][0] == 2


def test_order_log_summary(client) -> None:
    log = flo_rfm.datasets.sample_transactions(3_000, seed=4)
    cols = ("master_id", "date", "amount")
    one = flo_rfm.summarize_transactions(log, *cols)
    ddf = dd.from_pandas(log, npartitions=9)
    # Dask keeps text ids as its string dtype (one machine: object); the ids and numbers are equal.
    got = fd.summarize_transactions(ddf, *cols).compute().sort_index()
    pd.testing.assert_frame_equal(got, one, check_exact=True, check_index_type=False)
    assert got.index.tolist() == one.index.tolist()
    weekly = fd.summarize_transactions(ddf, *cols, freq="W", observation_period_end="2021-07-01")
    pd.testing.assert_frame_equal(
        weekly.compute().sort_index(),
        flo_rfm.summarize_transactions(log, *cols, freq="W", observation_period_end="2021-07-01"),
        check_exact=True,
        check_index_type=False,
    )
    # Numeric ids, a customer's lines spread over many partitions.
    numeric = log.assign(master_id=log["master_id"].factorize()[0] * 7 + 1).sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(
        fd.summarize_transactions(dd.from_pandas(numeric, npartitions=13, sort=False), *cols)
        .compute()
        .sort_index(),
        flo_rfm.summarize_transactions(numeric, *cols),
        check_exact=True,
    )


def test_worker_killed_mid_run_same_answer(tmp_path: Path) -> None:
    raw = flo_rfm.datasets.sample_frame(200_000, seed=21)
    one = flo_rfm.cltv(flo_rfm.from_pandas(raw))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        before = c.run(os.getpid)
        out: dict[str, object] = {}

        def job() -> None:
            try:
                out["result"] = fd.cltv(dd.from_pandas(raw, npartitions=16))
            except BaseException as e:
                out["error"] = e

        t = threading.Thread(target=job)
        t.start()
        # Kill a worker once it holds persisted results of this run.
        victim = None
        deadline = time.time() + 120
        while victim is None and time.time() < deadline and t.is_alive():
            held = c.has_what()
            victim = next((w for w, keys in held.items() if len(keys) >= 4), None)
            time.sleep(0.05)
        assert victim is not None, "the run ended before a worker held results"
        os.kill(before[victim], signal.SIGKILL)
        t.join(600)
        assert not t.is_alive()
        assert "error" not in out, out.get("error")
        after = c.run(os.getpid)
        assert before[victim] not in after.values()
        res = out["result"]
        assert isinstance(res, fd.DaskCltvResult)
        assert_cltv_equal(res, one)


def test_outputs_never_over_an_input_and_cltv_files(client, tmp_path: Path) -> None:
    raw = flo_rfm.datasets.sample_frame(2_000, seed=8)
    src = tmp_path / "rfm.csv"
    raw.to_csv(src, index=False)
    before = src.read_bytes()
    ddf = dd.read_csv(str(src), blocksize="64KB")
    assert ddf.npartitions > 1
    with pytest.raises(ValueError, match="input file"):
        fd.run(ddf, tmp_path, single_file=True)
    assert src.read_bytes() == before and not (tmp_path / "rfm").exists()
    res = fd.cltv(ddf, tmp_path / "out", single_file=True)
    one = flo_rfm.cltv(src)
    back = pd.read_csv(tmp_path / "out" / "cltv.csv", index_col="master_id")
    assert back.index.tolist() == one.table.index.tolist()
    assert back["cltv"].tolist() == pytest.approx(one.table["cltv"].tolist(), rel=1e-15)
    assert back["cltv_segment"].tolist() == one.table["cltv_segment"].astype(str).tolist()
    assert len(res.files["cltv"]) == ddf.npartitions
    assert flo_rfm.BetaGeo.load(res.files["bgnbd.json"]).params_.equals(one.bgf.params_)


@pytest.mark.parametrize(
    "options",
    [{"q": 0}, {"labels": ([1, 2], [1, 2], [1, 2])}, {"segment_on": "RFMSCORE"}, {"duplicates": "keep"}],
)
def test_a_bad_option_is_the_same_error_as_on_one_machine(options):
    """Options are checked by the same code (the core's rules) before any partition is read."""
    raw = flo_rfm.datasets.sample_frame(300)
    errors = []
    for call in (
        lambda: flo_rfm.rfm(flo_rfm.from_pandas(raw), **options),
        lambda: fd.run(dd.from_pandas(raw, npartitions=2), **options),
    ):
        with pytest.raises(flo_rfm.exceptions.FloRfmError) as e:
            call()
        errors.append((type(e.value), str(e.value)))
    assert errors[0] == errors[1]


def test_an_analysis_date_before_a_last_order_raises_before_any_file(tmp_path: Path) -> None:
    """The core's error for the first partition holding such a customer, raised before any
    partition's file is written (on the synchronous scheduler the earlier partitions' files
    would be written before the last one failed)."""
    raw = flo_rfm.datasets.sample_frame(300)
    raw = raw.sort_values("last_order_date", kind="stable").reset_index(drop=True)
    date = pd.to_datetime(raw["last_order_date"]).max() - pd.Timedelta(days=30)
    late = pd.to_datetime(raw["last_order_date"]) > date
    assert 0 < late.sum() < 100  # all in the last of three partitions
    with dask.config.set(scheduler="sync"):
        with pytest.raises(
            flo_rfm.exceptions.InvalidArgumentError, match=r"before the last order .*partition 2:"
        ):
            fd.run(dd.from_pandas(raw, npartitions=3), tmp_path / "out", analysis_date=date)
    assert not any((tmp_path / "out").rglob("*.csv"))


@pytest.mark.parametrize("analysis_date", ["2021-06-01", "2031-01-15"])
def test_a_given_analysis_date_as_on_one_machine(client, analysis_date: str) -> None:
    """The recency cuts are selected before the date is known and the date added back to them:
    a given date, near the last orders or far past them, cuts as one machine cuts."""
    raw = flo_rfm.datasets.sample_frame(2_000, seed=11)
    one = flo_rfm.run(flo_rfm.from_pandas(raw), analysis_date=analysis_date)
    res = fd.run(dd.from_pandas(raw, npartitions=5), analysis_date=analysis_date)
    assert_run_equal(res, one)
