"""flo_rfm.dask throughput on a LocalCluster of 1 and 2 worker processes, against one machine
(flo_rfm on the same file), for the RFM run, the CLTV study and the order-log summary.

usage: python bench/dask_scaling.py [--customers 2000000] [--log-lines 5000000] [--blocksize 32MB]

Answers are checked equal to one machine's before the times are kept. Besides wall time and
peak memory (client plus workers, sampled), it records what a larger cluster would change: the
compute time of every task kind summed over partitions (the part that divides among workers),
the number of scheduler round trips (graphs the client submits one after another: they do not
shrink with more workers), and the bytes the log shuffle moves. Writes bench/DASK.md and
replaces the Dask section of bench/RESULTS.md. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import dask
import dask.dataframe as dd
import pandas as pd
import psutil
from distributed import Client, LocalCluster, get_task_stream, wait

import flo_rfm
import flo_rfm.dask as fd

HERE = Path(__file__).resolve().parent
START, END = "<!-- dask:start -->", "<!-- dask:end -->"
LOG_COLS = ("customer_id", "date", "amount")


@contextlib.contextmanager
def peak_rss() -> Iterator[list[int]]:
    """Samples the RSS of this process and all its descendants (the cluster) every 50 ms."""
    peak = [0]
    stop = threading.Event()
    me = psutil.Process()

    def sample() -> None:
        while not stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            peak[0] = max(peak[0], total)
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        yield peak
    finally:
        stop.set()
        t.join()


@contextlib.contextmanager
def counted_rounds() -> Iterator[list[int]]:
    """Counts the graphs submitted (``dask.compute`` / ``dask.persist`` calls)."""
    n = [0]
    originals = (dask.compute, dask.persist)

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*a: Any, **k: Any) -> Any:
            n[0] += 1
            return f(*a, **k)

        return inner

    dask.compute, dask.persist = wrap(dask.compute), wrap(dask.persist)  # type: ignore[assignment]
    try:
        yield n
    finally:
        dask.compute, dask.persist = originals  # type: ignore[assignment]


def task_seconds(stream: list[dict[str, Any]]) -> dict[str, tuple[int, float]]:
    """Per task kind (function name): how many tasks ran and their compute seconds summed."""
    out: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
    for t in stream:
        key = t["key"][0] if isinstance(t["key"], tuple) else t["key"]
        name = re.sub(r"-[0-9a-f]{8,}.*$", "", str(key))
        for s in t["startstops"]:
            if s["action"] == "compute":
                out[name][1] += s["stop"] - s["start"]
        out[name][0] += 1
    return {k: (int(v[0]), float(v[1])) for k, v in out.items()}


def measure(job: Callable[[], Any], client: Client | None) -> dict[str, Any]:
    with peak_rss() as peak, counted_rounds() as rounds:
        ctx = get_task_stream(client) if client is not None else contextlib.nullcontext()
        with ctx as ts:
            t0 = time.perf_counter()
            result = job()
            seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "peak": peak[0],
        "rounds": rounds[0],
        "tasks": task_seconds(ts.data) if client is not None else {},
        "result": result,
    }


def wait_for(collection: Any) -> Any:
    """A persisted collection, once every partition is in memory (persist returns at once)."""
    wait(collection)
    return collection


def check_rfm(res: fd.DaskRunResult, one: flo_rfm.RunResult) -> None:
    pd.testing.assert_frame_equal(res.segment_summary, one.segment_summary, check_exact=True)
    for dist, single in (
        (res.new_brand_targets, one.new_brand_targets),
        (res.discount_targets, one.discount_targets),
    ):
        assert dist.compute().tolist() == single.tolist()


def check_cltv(res: fd.DaskCltvResult, one: flo_rfm.CltvResult) -> None:
    assert list(res.bgf.params_) == list(one.bgf.params_)
    assert list(res.ggf.params_) == list(one.ggf.params_)
    got = res.table.compute()
    assert got["cltv"].tolist() == one.table["cltv"].tolist()
    assert (got["cltv_segment"] == one.table["cltv_segment"]).all()


def check_log(res: dd.DataFrame, one: pd.DataFrame) -> None:
    got = res.compute().sort_index()
    assert got.index.tolist() == one.index.tolist()
    assert got.to_numpy().tolist() == one.to_numpy().tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=2_000_000)
    ap.add_argument("--log-lines", type=int, default=5_000_000)
    ap.add_argument("--blocksize", default="32MB")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "flo_rfm_bench")
    args = ap.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    customers = args.data / f"flo_{args.customers}.csv"
    if not customers.exists():
        flo_rfm.datasets.write_sample(customers, args.customers)
    log = args.data / f"log_{args.log_lines}.csv"
    if not log.exists():
        flo_rfm.datasets.write_transactions(log, args.log_lines)

    one = {
        "rfm": measure(lambda: flo_rfm.run(customers), None),
        "cltv": measure(lambda: flo_rfm.cltv(customers), None),
        "log": measure(lambda: flo_rfm.summarize_transactions(str(log), *LOG_COLS), None),
    }
    runs: dict[int, dict[str, dict[str, Any]]] = {}
    shuffle_bytes = 0
    for n in args.workers:
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            cust = dd.read_csv(str(customers), blocksize=args.blocksize)
            lines = dd.read_csv(str(log), blocksize=args.blocksize)
            if not shuffle_bytes:
                shuffle_bytes = int(lines.memory_usage(deep=True).sum().compute())
            r = {
                "rfm": measure(lambda c=cust: fd.run(c), client),
                "cltv": measure(lambda c=cust: fd.cltv(c), client),
                "log": measure(
                    lambda log=lines: wait_for(fd.summarize_transactions(log, *LOG_COLS).persist()), client
                ),
            }
            check_rfm(r["rfm"]["result"], one["rfm"]["result"])
            check_cltv(r["cltv"]["result"], one["cltv"]["result"])
            check_log(r["log"]["result"], one["log"]["result"])
            r["partitions"] = {"customers": cust.npartitions, "log": lines.npartitions}  # type: ignore[dict-item]
            runs[n] = r
            print(f"{n} worker(s) done", file=sys.stderr)
    text = report(args, one, runs, shuffle_bytes, customers.stat().st_size, log.stat().st_size)
    (HERE / "DASK.md").write_text(text, encoding="utf-8")
    results = HERE / "RESULTS.md"
    body = results.read_text(encoding="utf-8") if results.exists() else ""
    section = f"{START}\n{text.rstrip()}\n{END}"
    if START in body:
        body = body[: body.index(START)] + section + body[body.index(END) + len(END) :]
    else:
        body = body.rstrip() + "\n\n" + section + "\n"
    results.write_text(body, encoding="utf-8")
    print(text)


def report(
    args: argparse.Namespace,
    one: dict[str, dict[str, Any]],
    runs: dict[int, dict[str, dict[str, Any]]],
    shuffle_bytes: int,
    customers_size: int,
    log_size: int,
) -> str:
    mib = 2**20
    rows = {"rfm": args.customers, "cltv": args.customers, "log": args.log_lines}
    names = {"rfm": "RFM run (Tasks 1–5)", "cltv": "CLTV study", "log": "order-log summary"}
    lines = [
        "## flo_rfm.dask: 1 and 2 workers (issue 10)",
        "",
        f"Machine: {os.cpu_count()} cores. Run on {time.strftime('%Y-%m-%d')}. Command:",
        "",
        "```bash",
        "python bench/dask_scaling.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        f"Data: {args.customers:,} generated customers ({customers_size / mib:,.0f} MiB CSV) and "
        f"{args.log_lines:,} order-log lines ({log_size / mib:,.0f} MiB), read with "
        f"`dd.read_csv(blocksize={args.blocksize!r})`. One machine = flo_rfm on the file "
        "(its own multi-threaded reader). Workers are processes with one thread each "
        "(`LocalCluster(n_workers=N, threads_per_worker=1)`). Every distributed answer was checked "
        "equal to one machine's (segment summary, target lists, both models' parameters, every "
        "CLV and segment, every customer's log summary) before the times were kept. Peak memory is "
        "the client plus all workers, sampled every 50 ms.",
        "",
        "| job | one machine | 1 worker | 2 workers | 2 workers / 1 worker speed-up | rows/s, 2 workers | "
        "peak, one machine | peak, 2 workers | scheduler round trips |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    ns = sorted(runs)
    lo, hi = ns[0], ns[-1]
    for job in ("rfm", "cltv", "log"):
        a, b = runs[lo][job], runs[hi][job]
        lines.append(
            f"| {names[job]} | {one[job]['seconds']:.2f} s | {a['seconds']:.2f} s | {b['seconds']:.2f} s | "
            f"{a['seconds'] / b['seconds']:.2f}× | {rows[job] / b['seconds']:,.0f} | "
            f"{one[job]['peak'] / mib:,.0f} MiB | {b['peak'] / mib:,.0f} MiB | {b['rounds']} |"
        )
    lines += [
        "",
        f"### Where the time goes ({hi} workers): compute seconds summed over tasks",
        "",
        "| job | task kind | tasks | compute s (all tasks) | per task |",
        "|---|---|---|---|---|",
    ]
    for job in ("rfm", "cltv", "log"):
        tasks = sorted(runs[hi][job]["tasks"].items(), key=lambda kv: -kv[1][1])[:6]
        for name, (count, secs) in tasks:
            lines.append(
                f"| {names[job]} | `{name}` | {count:,} | {secs:.2f} | {secs / max(count, 1) * 1e3:.1f} ms |"
            )
    parts = runs[hi]["partitions"]
    lines += [
        "",
        "### What a larger cluster would do",
        "",
        f"- The customer file was {parts['customers']} partitions, the log {parts['log']}. The per-partition "  # type: ignore[index]
        "work (reading a partition into the Rust core, metrics, scoring, writing; the log's "
        "per-customer summaries) is the compute-seconds column above: it divides among workers.",
        f"- The log shuffle moves at most {shuffle_bytes / mib:,.0f} MiB (the log's in-memory size; "
        "with k workers about (k-1)/k of it crosses the network). Nothing else is shuffled: the RFM "
        "run moves histograms (one 16-bit histogram per needed order statistic per round, four "
        "rounds) and a summary state per partition; the CLTV fit moves a handful of partial sums per "
        "partition per likelihood evaluation.",
        "- Client-side work does not shrink with workers: the scheduler round trips in the table "
        "(each histogram round, each likelihood evaluation of the two fits, each persist) run one "
        "after another, so their latency is a fixed cost (not measured apart here; over a network "
        "it grows). The segment summary is a chain "
        "of one small task per partition (Kahan sums carried in input order).",
        "- On this 2-core machine one process already uses both cores when flo_rfm runs alone "
        "(its reader is multi-threaded), so the distributed runs are slower than one machine here: "
        "they pay pandas' CSV parsing per partition, the conversion into the Rust core and the "
        "round trips. Dask pays off when the data does not fit one machine or the file is "
        "already spread over a cluster.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
