"""flo_rfm.dask reading files itself: the Rust core parses each partition from a byte range of
the file (either schema), or a whole file where it cannot be split (gzip, Parquet). Every
record is read once, whatever the boundaries cut (a line, a quoted line break), lines are
numbered in the whole file, and the studies equal one machine's exactly."""

from __future__ import annotations

import gzip
from pathlib import Path

import dask
import pandas as pd
import pytest

import flo_rfm

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
fd = pytest.importorskip("flo_rfm.dask")
from flo_rfm.dask._files import customer_file_parts, log_file_parts  # noqa: E402


def parts_frame(source: object, blocksize: int) -> pd.DataFrame:
    """The customer table the ranges read, laid end to end (in this process)."""
    datas = dask.compute(*customer_file_parts(source, blocksize, "raise"), scheduler="sync")
    return pd.concat([d.to_pandas() for d in datas], ignore_index=True)


def tricky_file(path: Path, rows: int = 400) -> bytes:
    """FLO rows whose quoted fields hold line breaks and escaped quotes, with an extra column."""
    raw = flo_rfm.datasets.sample_frame(rows, seed=3)
    raw["note"] = ["plain" if i % 3 else f'say ""hi""\nline {i},\r\nend' for i in range(rows)]
    raw.loc[::7, "interested_in_categories_12"] = "[KADIN, ERKEK]"
    raw.to_csv(path, index=False)
    return path.read_bytes()


def test_every_block_boundary_reads_each_record_once(tmp_path: Path) -> None:
    path = tmp_path / "flo.csv"
    data = tricky_file(path)
    one = flo_rfm.read_csv(path).to_pandas()
    # One boundary at every byte of a stretch holding a quoted line break, escaped quotes and
    # a CRLF inside quotes: before, inside and after each of them.
    at = data.index(b"say ")
    for cut in range(at - 3, at + 40):
        counts = flo_rfm._flo_rfm.count_csv_range(str(path), 0, cut)
        halves = [
            flo_rfm._flo_rfm.read_csv_range(str(path), 0, cut, []),
            flo_rfm._flo_rfm.read_csv_range(str(path), cut, len(data), [counts]),
        ]
        got = pd.concat([flo_rfm.CustomerData(h).to_pandas() for h in halves], ignore_index=True)
        pd.testing.assert_frame_equal(got, one, check_exact=True)
    # Many partitions, every boundary cutting some line.
    for size in (1000, 4093):
        pd.testing.assert_frame_equal(parts_frame(str(path), size), one, check_exact=True)


def test_bad_row_names_file_and_line_of_the_whole_file(tmp_path: Path, client) -> None:
    raw = flo_rfm.datasets.sample_frame(600, seed=4)
    raw["note"] = [f"a\nb {i}" if i % 5 == 0 else "x" for i in range(600)]  # lines != rows
    raw.loc[450, "last_order_date"] = "2021-13-45"
    path = tmp_path / "bad.csv"
    raw.to_csv(path, index=False)
    lines = path.read_bytes().split(b"\n")
    line = 1 + next(i for i, text in enumerate(lines) if b"2021-13-45" in text)
    with pytest.raises(flo_rfm.exceptions.InputError) as one:
        flo_rfm.read_csv(path)
    assert f"{path}:{line}:" in str(one.value)
    with pytest.raises(flo_rfm.exceptions.InputError) as dist:
        fd.run(str(path), blocksize=2000)
    assert str(dist.value) == str(one.value)
    assert "last_order_date" in str(dist.value) and "2021-13-45" in str(dist.value)
    res = fd.run(str(path), blocksize=2000, on_bad_rows="skip")
    assert res.customers == 599
    assert [s[1] for s in res.skipped] == [line]


def test_run_and_cltv_from_byte_ranges_equal_one_machine(tmp_path: Path, client) -> None:
    raw = flo_rfm.datasets.sample_frame(20_000, seed=5)
    path = tmp_path / "flo.csv"
    raw.to_csv(path, index=False)
    one = flo_rfm.run(path)
    res = fd.run(str(path), blocksize="256KB")
    assert res.rfm.npartitions > 5
    table = res.rfm.compute()
    pd.testing.assert_frame_equal(table, one.rfm, check_exact=True)
    assert table.equals(one.rfm)
    pd.testing.assert_frame_equal(res.segment_summary, one.segment_summary, check_exact=True)
    got = res.new_brand_targets.compute().reset_index(drop=True)
    pd.testing.assert_series_equal(got, one.new_brand_targets.reset_index(drop=True), check_exact=True)
    c1 = flo_rfm.cltv(path)
    cd = fd.cltv(str(path), blocksize="256KB")
    pd.testing.assert_frame_equal(cd.table.compute(), c1.table, check_exact=True)
    for a, b in ((cd.bgf, c1.bgf), (cd.ggf, c1.ggf)):
        assert list(a.params_) == list(b.params_)
        assert a.fit_info_["objective"] == b.fit_info_["objective"]


def test_fits_summed_where_the_histories_live(tmp_path: Path, client, monkeypatch) -> None:
    """Each way a fit can go gives one machine's parameters, bit for bit: the customers' columns
    gathered (up to ``COLUMNS_LIMIT``), the partitions' distinct histories gathered (up to
    ``GATHER_LIMIT``), or every likelihood evaluation summed where the histories live."""
    raw = flo_rfm.datasets.sample_frame(5_000, seed=8)
    path = tmp_path / "flo.csv"
    raw.to_csv(path, index=False)
    columns = fd.cltv(str(path), blocksize="128KB")
    monkeypatch.setattr("flo_rfm.dask._fits.COLUMNS_LIMIT", 0)
    histories = fd.cltv(str(path), blocksize="128KB")
    monkeypatch.setattr("flo_rfm.dask._fits.GATHER_LIMIT", 0)
    remote = fd.cltv(str(path), blocksize="128KB")
    one = flo_rfm.cltv(path)
    for res in (columns, histories, remote):
        assert list(res.bgf.params_) == list(one.bgf.params_)
        assert list(res.ggf.params_) == list(one.ggf.params_)
        assert res.bgf.fit_info_["objective"] == one.bgf.fit_info_["objective"]
        pd.testing.assert_frame_equal(res.table.compute(), one.table, check_exact=True)


@pytest.mark.parametrize("gather", ["columns", "histories"])
def test_no_customer_to_fit_is_one_machines_error(client, monkeypatch, gather: str) -> None:
    """Every customer with one order: each way of fitting raises one machine's error."""
    raw = flo_rfm.datasets.sample_frame(300, seed=3)
    raw["order_num_total_ever_online"] = 1.0
    raw["order_num_total_ever_offline"] = 0.0
    with pytest.raises(flo_rfm.exceptions.InvalidArgumentError) as one:
        flo_rfm.cltv(flo_rfm.from_pandas(raw))
    if gather == "histories":
        monkeypatch.setattr("flo_rfm.dask._fits.COLUMNS_LIMIT", 0)
    with pytest.raises(type(one.value)) as dist:
        fd.cltv(dd.from_pandas(raw, npartitions=3))
    assert str(dist.value) == str(one.value)


def test_many_files_gzip_and_parquet(tmp_path: Path, client) -> None:
    raw = flo_rfm.datasets.sample_frame(6_000, seed=6)
    pieces = [raw.iloc[:2000], raw.iloc[2000:4000], raw.iloc[4000:]]
    names = [tmp_path / "a.csv", tmp_path / "b.csv.gz", tmp_path / "c.parquet"]
    pieces[0].to_csv(names[0], index=False)
    with gzip.open(names[1], "wt", newline="") as fh:
        pieces[1].to_csv(fh, index=False)
    pieces[2].to_parquet(names[2], index=False)
    one = flo_rfm.run(flo_rfm.from_pandas(raw))
    res = fd.run([str(n) for n in names], blocksize="64KB")
    assert res.rfm.npartitions > 3  # the plain file split, the others whole
    pd.testing.assert_frame_equal(res.rfm.compute(), one.rfm, check_exact=True)
    pd.testing.assert_frame_equal(res.segment_summary, one.segment_summary, check_exact=True)
    # Parquet alone, and a glob.
    pd.testing.assert_frame_equal(
        fd.run(str(names[2])).rfm.compute(), flo_rfm.run(names[2]).rfm, check_exact=True
    )
    assert fd.run(str(tmp_path / "*.csv"), blocksize="64KB").customers == 2000


def test_ids_repeated_across_ranges(tmp_path: Path, client) -> None:
    raw = flo_rfm.datasets.sample_frame(3_000, seed=7)
    raw.loc[2999, "master_id"] = raw.loc[0, "master_id"]
    path = tmp_path / "dup.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(flo_rfm.exceptions.InputError, match="repeated across partitions"):
        fd.run(str(path), blocksize="64KB")


def write_log(path: Path, lines: int, bad_at: int | None = None) -> pd.DataFrame:
    """An order log with one line per customer (so each range's summary is its lines' own),
    ids holding quoted line breaks and delimiters."""
    rng = pd.Series(range(lines))
    log = pd.DataFrame(
        {
            "customer_id": [f"c{i}" if i % 4 else f'c{i},"x"\ny' for i in range(lines)],
            "date": (pd.Timestamp("2021-01-01") + pd.to_timedelta(rng % 300, unit="D")).dt.strftime(
                "%Y-%m-%d"
            ),
            "amount": (rng % 97) * 1.25,
        }
    )
    if bad_at is not None:
        log.loc[bad_at, "date"] = "someday"
    log.to_csv(path, index=False)
    return log


def test_order_log_byte_ranges(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    write_log(path, 3_000)
    cols = ("customer_id", "date", "amount")
    one = flo_rfm.summarize_transactions(str(path), *cols)
    end = flo_rfm._flo_rfm.read_log(str(path), *cols).max_time()
    for size in (2111, 50_000, 10**6):
        logs = dask.compute(*log_file_parts(str(path), size, cols), scheduler="sync")
        assert sum(len(g) for g in logs) == 3_000
        assert max(g.max_time() for g in logs if g.max_time() is not None) == end
        # One line per customer: each range's summary is that of its own customers, at the same end.
        got = pd.concat(
            [flo_rfm.orders._frame(g.btyd("D", 1.0, end, False), "customer_id") for g in logs if len(g)]
        ).sort_index()
        pd.testing.assert_frame_equal(got, one, check_exact=True, check_index_type=False)


def test_order_log_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    write_log(path, 2_000, bad_at=1_501)
    line = 1 + next(i for i, t in enumerate(path.read_bytes().split(b"\n")) if b"someday" in t)
    with pytest.raises(flo_rfm.exceptions.InputError) as one:
        flo_rfm.summarize_transactions(str(path), "customer_id", "date", "amount")
    assert f"{path}:{line}:" in str(one.value)
    with pytest.raises(flo_rfm.exceptions.InputError) as dist:
        dask.compute(*log_file_parts(str(path), 3000, ("customer_id", "date", "amount")), scheduler="sync")
    assert str(dist.value) == str(one.value)


def test_order_log_summary_from_files(tmp_path: Path, client) -> None:
    """The log read by the core in byte ranges, split by customer in the core, each bucket
    summarised where its pieces meet: every customer's numbers equal one machine's."""
    path = tmp_path / "orders.csv"
    flo_rfm.datasets.write_transactions(path, 30_000)
    cols = ("customer_id", "date", "amount")
    one = flo_rfm.summarize_transactions(str(path), *cols)
    got = fd.summarize_transactions(str(path), *cols, blocksize="128KB").compute().sort_index()
    assert got.index.tolist() == one.index.tolist()
    pd.testing.assert_frame_equal(got, one, check_exact=True, check_index_type=False)
    end = "2021-07-01"
    weekly = fd.summarize_transactions(
        str(path), *cols, freq="W", observation_period_end=end, blocksize="100KB", npartitions=3
    )
    assert weekly.npartitions == 3
    pd.testing.assert_frame_equal(
        weekly.compute().sort_index(),
        flo_rfm.summarize_transactions(str(path), *cols, freq="W", observation_period_end=end),
        check_exact=True,
        check_index_type=False,
    )
