"""flo_rfm.dask throughput on a LocalCluster of 1, 2 and 4 worker processes, against one machine
(flo_rfm on the same file), for the RFM run, the CLTV study and the order-log summary.

usage: python bench/dask_scaling.py [--customers 2000000] [--log-lines 5000000] [--blocksize 32MB]
       [--workers 1 2 4]

Every job is given the file's path: flo_rfm.dask reads it itself (the Rust core parses a byte
range per partition inside the workers, once).

Answers are checked equal to one machine's before the times are kept. Besides wall time and
peak memory (client plus workers, sampled), it records what a larger cluster would change: the
CPU time of every task kind summed over partitions (the part that divides among workers; measured
by bench/dask_cpu.py in a subprocess, on Dask's synchronous scheduler with one core thread, against
one machine's CPU for the same job), the number of scheduler round trips (graphs the client
submits one after another: they do not shrink with more workers), and the bytes the log shuffle
moves. Writes bench/DASK.md and replaces the Dask section of bench/RESULTS.md. Not a test:
timings depend on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import dask.dataframe as dd
import pandas as pd
import psutil
from dask_cpu import counted_rounds  # bench/ is on sys.path when this script runs
from distributed import Client, LocalCluster, wait

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


def cpu_seconds() -> float:
    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def task_cpu(customers: Path, log: Path, blocksize: str, repeat: int) -> dict[str, dict[str, Any]]:
    """bench/dask_cpu.py's figures (per job: one machine's CPU, the tasks' CPU summed and per
    kind, the client's CPU outside tasks), from a fresh process with one core thread."""
    env = {**os.environ, "RAYON_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        str(HERE / "dask_cpu.py"),
        str(customers),
        str(log),
        "--blocksize",
        blocksize,
        "--repeat",
        str(repeat),
        "--json",
    ]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(job: Callable[[], Any], repeat: int) -> dict[str, Any]:
    """The job run ``repeat`` times: the median wall and CPU time (a single run on a shared
    2-core machine moves by a third from one run to the next), the largest peak memory, the
    round trips of one run and the last run's result."""
    runs = []
    result = None
    for _ in range(repeat):
        result = None  # the last run's partitions leave the workers before this one
        with peak_rss() as peak, counted_rounds() as rounds:
            c0, t0 = cpu_seconds(), time.perf_counter()
            result = job()
            seconds = time.perf_counter() - t0
            cpu = cpu_seconds() - c0
        runs.append({"seconds": seconds, "cpu": cpu, "peak": peak[0], "rounds": rounds[0]})
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "cpu": statistics.median(r["cpu"] for r in runs),
        "all": [r["seconds"] for r in runs],
        "peak": max(r["peak"] for r in runs),
        "rounds": runs[-1]["rounds"],
        "result": result,
    }


def wait_for(collection: Any) -> Any:
    """A persisted collection, once every partition is in memory (persist returns at once)."""
    wait(collection)
    return collection


def settled(res: fd.DaskCltvResult) -> fd.DaskCltvResult:
    """The CLTV result once its columns (persisted, still computing when ``cltv`` returns) are
    in memory, so the time covers the predictions and segments as one machine's does (neither
    builds its table until asked)."""
    wait(res._columns)
    return res


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
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each job; the median is kept")
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
        "rfm": measure(lambda: flo_rfm.run(customers), args.repeat),
        "cltv": measure(lambda: flo_rfm.cltv(customers), args.repeat),
        "log": measure(lambda: flo_rfm.summarize_transactions(str(log), *LOG_COLS), args.repeat),
    }
    cpu = task_cpu(customers, log, args.blocksize, args.repeat)
    print("task CPU measured", file=sys.stderr)
    runs: dict[int, dict[str, dict[str, Any]]] = {}
    shuffle_bytes = 0
    for n in args.workers:
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            lines = dd.read_csv(str(log), blocksize=args.blocksize)
            if not shuffle_bytes:
                shuffle_bytes = int(lines.memory_usage(deep=True).sum().compute())
            jobs = {
                "rfm": (lambda: fd.run(str(customers), blocksize=args.blocksize), check_rfm),
                "cltv": (lambda: settled(fd.cltv(str(customers), blocksize=args.blocksize)), check_cltv),
                "log": (
                    lambda: wait_for(
                        fd.summarize_transactions(str(log), *LOG_COLS, blocksize=args.blocksize)
                    ),
                    check_log,
                ),
            }
            r = {}
            for name, (job, check) in jobs.items():
                r[name] = measure(job, args.repeat)
                check(r[name]["result"], one[name]["result"])
                if name == "rfm":
                    parts = r[name]["result"].rfm.npartitions
                # Checked, then let go: its partitions leave the workers before the next job.
                del r[name]["result"]
            r["partitions"] = {"customers": parts, "log": lines.npartitions}  # type: ignore[dict-item]
            runs[n] = r
            print(f"{n} worker(s) done", file=sys.stderr)
    text = report(args, one, runs, cpu, shuffle_bytes, customers.stat().st_size, log.stat().st_size)
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
    cpu: dict[str, dict[str, Any]],
    shuffle_bytes: int,
    customers_size: int,
    log_size: int,
) -> str:
    mib = 2**20
    names = {"rfm": "RFM run (Tasks 1–5)", "cltv": "CLTV study", "log": "order-log summary"}
    ns = sorted(runs)
    two = 2 if 2 in runs else ns[-1]
    lines = [
        f"## flo_rfm.dask: {', '.join(map(str, ns))} workers (issue 23)",
        "",
        f"Machine: {os.cpu_count()} cores. Run on {time.strftime('%Y-%m-%d')}. Command:",
        "",
        "```bash",
        "python bench/dask_scaling.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        f"Data: {args.customers:,} generated customers ({customers_size / mib:,.0f} MiB CSV) and "
        f"{args.log_lines:,} order-log lines ({log_size / mib:,.0f} MiB). Every job is given the "
        f"file's path: the Rust core reads a {args.blocksize} byte range per partition inside the "
        "workers, once (no pandas parsing). One machine "
        "= flo_rfm on the file (its own multi-threaded reader). Workers are processes with one thread "
        "each (`LocalCluster(n_workers=N, threads_per_worker=1)`). Every distributed answer was "
        "checked equal to one machine's (segment summary, target lists, both models' parameters, "
        "every CLV and segment, every customer's log summary) before the times were kept. Each "
        f"time is the median of {args.repeat} runs of the job (all runs are listed below the "
        "table; on a cluster the first run includes the workers importing flo_rfm). Peak memory "
        "is the client plus all workers, sampled every 50 ms, the largest of the runs.",
        "",
        "| job | one machine | "
        + " | ".join(f"{n} worker{'s' if n > 1 else ''}" for n in ns)
        + " | "
        + " | ".join(f"{n} w / one" for n in ns)
        + " | round trips | task CPU | one machine CPU | ratio | client CPU | peak, one "
        + f"| peak, {two} w |",
        "|---|---|" + "---|" * (2 * len(ns)) + "---|---|---|---|---|---|---|",
    ]
    for job in ("rfm", "cltv", "log"):
        base = one[job]["seconds"]
        c = cpu[job]
        lines.append(
            f"| {names[job]} | {base:.2f} s | "
            + " | ".join(f"{runs[n][job]['seconds']:.2f} s" for n in ns)
            + " | "
            + " | ".join(f"{runs[n][job]['seconds'] / base:.2f}×" for n in ns)
            + f" | {runs[two][job]['rounds']} | {c['task_sum']:.2f} s | {c['one']:.2f} s | "
            f"{c['task_sum'] / c['one']:.2f} | {c['total'] - c['task_sum']:.2f} s | "
            f"{one[job]['peak'] / mib:,.0f} MiB | {runs[two][job]['peak'] / mib:,.0f} MiB |"
        )
    if 1 in runs and 2 in runs:

        def ratio(job: str, n: int) -> float:
            return float(runs[n][job]["seconds"] / one[job]["seconds"])

        checks = [
            ("RFM, 1 worker within 1.5× of one machine", ratio("rfm", 1) <= 1.5),
            ("RFM, 2 workers faster than one machine", ratio("rfm", 2) < 1),
            ("CLTV, 2 workers within 1.5× of one machine", ratio("cltv", 2) <= 1.5),
            ("order-log summary, 2 workers faster than one machine", ratio("log", 2) < 1),
        ] + [
            (f"{names[j]}, task CPU within 1.3× of one machine's", cpu[j]["task_sum"] <= 1.3 * cpu[j]["one"])
            for j in names
        ]
        lines += [
            "",
            "Issue 23's targets in this run: "
            + "; ".join(f"{t}: {'met' if ok else 'not met'}" for t, ok in checks)
            + ".",
        ]
    lines += ["", "Every run, in seconds, in order:", ""]
    for job in ("rfm", "cltv", "log"):
        each = [("one machine", one[job])] + [(f"{n} w", runs[n][job]) for n in ns]
        lines.append(
            f"- {names[job]}: "
            + "; ".join(f"{label} " + ", ".join(f"{t:.2f}" for t in r["all"]) for label, r in each)
        )
    first = ns[0]
    overhead = "; ".join(
        f"{names[job]}: {runs[first][job]['seconds'] - cpu[job]['total']:.2f} s"
        for job in ("rfm", "cltv", "log")
    )
    lines += [
        "",
        "Task CPU is every task's CPU time summed, measured apart in one process by "
        "`bench/dask_cpu.py` with `RAYON_NUM_THREADS=1`: the job runs on Dask's synchronous "
        "scheduler and each task is timed by `time.process_time()` (all threads, so the core's "
        "parallel parts count in full). One machine CPU is the same process's CPU for flo_rfm's own "
        "job on the same file (same thread count); ratio = task CPU / one machine CPU, the extra "
        "work a partition costs. Client CPU is the job's CPU outside its tasks on that scheduler "
        "(building graphs, the selections' steps between round trips, the CLTV fits on the "
        "gathered columns, two threads at once). The round trips are counted in the cluster run. "
        f"On {first} worker{'s' if first > 1 else ''} the wall time less task and client CPU is: "
        f"{overhead}. Where it is positive it is overhead: the scheduler starting tasks, results "
        "pickled and moved between processes, waiting on round trips. Where it is negative the "
        "job used both cores at once (the core's threads inside a task, the two fits side by "
        "side), so CPU time exceeds wall time and the difference says nothing of overhead. An "
        "estimate either way: the CPU figures are from another run.",
        "",
        "### Where the CPU goes: seconds summed over tasks, per task kind",
        "",
        "| job | task kind | tasks | CPU s (all tasks) | per task |",
        "|---|---|---|---|---|",
    ]
    for job in ("rfm", "cltv", "log"):
        tasks = sorted(cpu[job]["tasks"].items(), key=lambda kv: -kv[1][1])[:6]
        for name, (count, secs) in tasks:
            lines.append(
                f"| {names[job]} | `{name}` | {count:,} | {secs:.2f} | {secs / max(count, 1) * 1e3:.1f} ms |"
            )
    parts = runs[two]["partitions"]
    lines += [
        "",
        f"The customer file was {parts['customers']} partitions, the log {parts['log']}."  # type: ignore[index]
        f" The log shuffle moves each line once as the core's pieces (at most {shuffle_bytes / mib:,.0f} MiB,"
        " the log's size in pandas).",
        "",
        "### What a real cluster would do",
        "",
        "- **Divides by the worker count:** reading (each worker's core parses its own byte ranges "
        "of the file, straight from storage; no pandas, no conversion, parsed once and kept as the "
        "core's table), the metrics and segments of every partition, the CLTV inputs and "
        "predictions (numpy columns kept on the workers; past 10 million customers also the fits' "
        "histories), and the log's per-customer summaries: the task-CPU column. The RFM tables, target lists and CLTV tables (pandas, "
        "with ids) are built on the workers only when computed or written, as one machine builds "
        "its tables only when asked.",
        "- **Does not divide:** the client's steps between round trips (a quantile selection "
        "takes two rounds where values settle: the first histograms of the keys' top 16 bits, "
        "taken before the targets are known and also counting the values; then, under each "
        "target's prefix, the distinct keys where a partition holds at most 16,384 of them, "
        "which settles the target, else the next 16 bits, up to four rounds. One selection serves "
        "every order statistic of the RFM run's three metrics or of CLTV's four capped columns, "
        "whose first round goes with the read reports; then the rank boundaries; the segment "
        "summary carried partition after partition in input order) and the two CLTV fits. Up to "
        "10 million customers the fits gather the customers' four columns in one round trip and "
        "fit them with the core's own fits, side by side on the client, as one machine fits "
        "them; past that each partition's distinct histories are built on the workers and "
        "gathered when few (persist, count, gather), or stay there, each likelihood evaluation "
        "then a round trip. This is the client-CPU column; each round trip is a fixed latency, "
        "larger over a network than here.",
        "- **Bytes moved per customer:** the file is read twice from storage (a counting pass, "
        "memchr over the bytes, then the parse), each byte range by one worker. The RFM run moves "
        "8 bytes a customer to the client (a 64-bit hash of each id, sent with the partition's read "
        "report, to find ids repeated across partitions; a repeated hash is then checked on the ids "
        "themselves) and otherwise, per selection round, histograms as their non-zero cells (16 "
        "bytes a cell, at most 65,536 per partition and prefix) or distinct keys (24 bytes a key, "
        "at most 16,384 per partition and prefix), however many customers; the tables stay on "
        "the workers. "
        "The CLTV fits move 32 bytes a customer to the client (frequency, recency, age and mean "
        "spend as float64), up to 10 million customers; past that each partition's distinct "
        "histories (at most 32 bytes a customer for BG/NBD plus 24 for Gamma-Gamma, fewer where "
        "histories repeat), and past 10 million distinct histories they stay on the workers and "
        "every likelihood evaluation becomes a round trip. The log summary shuffles every line once "
        "as the core's own pieces (split by customer id in the core; about 30 bytes a line plus "
        "the ids, (k-1)/k of it across the network).",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
