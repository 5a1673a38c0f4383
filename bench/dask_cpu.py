"""CPU seconds of flo_rfm.dask's tasks, per task kind, against one machine's CPU for the same job.

usage: RAYON_NUM_THREADS=1 python bench/dask_cpu.py CUSTOMERS.csv LOG.csv [--blocksize 32MB] [--json]

Each job runs once on one machine (``flo_rfm.run``, ``flo_rfm.cltv``,
``flo_rfm.summarize_transactions`` on the file) and once through flo_rfm.dask on Dask's
synchronous scheduler in this process, every task timed by ``time.process_time()`` around it
(all threads of the process, so the core's parallel parts count in full). What the job spent
outside its tasks (building graphs, the client's steps between round trips, the CLTV fits on the
gathered histories) is the client's CPU, reported apart. ``bench/dask_scaling.py`` runs this in a
subprocess with ``RAYON_NUM_THREADS=1`` so both sides count one thread's work, not a thread pool's
waiting. Not a test: CPU time, like wall time, moves with the machine's load.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import re
import statistics
import time
from collections.abc import Iterator
from typing import Any, Callable

import dask
from dask.callbacks import Callback

import flo_rfm
import flo_rfm.dask as fd

LOG_COLS = ("customer_id", "date", "amount")


def kind(key: Any) -> str:
    """A task's kind: its key's name without the token Dask appends."""
    name = key[0] if isinstance(key, tuple) else key
    return re.sub(r"-[0-9a-f]{8,}.*$", "", str(name))


class TaskCpu(Callback):  # type: ignore[misc]
    """Process CPU seconds of every task the local scheduler runs, summed per task kind."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])
        self._started: dict[Any, float] = {}

    def _pretask(self, key: Any, dsk: Any, state: Any) -> None:
        self._started[key] = time.process_time()

    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        spent = time.process_time() - self._started.pop(key)
        entry = self.kinds[kind(key)]
        entry[0] += 1
        entry[1] += spent


def one_machine(job: Callable[[], Any]) -> float:
    c0 = time.process_time()
    job()
    return time.process_time() - c0


@contextlib.contextmanager
def counted_rounds() -> Iterator[list[int]]:
    """Counts the graphs submitted (``dask.compute`` / ``dask.persist`` calls): the scheduler
    round trips a cluster would make."""
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


def on_tasks(job: Callable[[], Any]) -> dict[str, Any]:
    """The job on the synchronous scheduler: its whole CPU, per task kind (tasks, CPU s), and
    its round trips."""
    with dask.config.set(scheduler="sync"), TaskCpu() as cb, counted_rounds() as rounds:
        c0 = time.process_time()
        job()
        total = time.process_time() - c0
    tasks = {k: (int(n), float(s)) for k, (n, s) in cb.kinds.items()}
    return {
        "total": total,
        "tasks": tasks,
        "task_sum": sum(s for _, s in tasks.values()),
        "rounds": rounds[0],
    }


def measure(customers: str, log: str, blocksize: str, repeat: int = 3) -> dict[str, dict[str, Any]]:
    """Each job ``repeat`` times on both sides: one machine's median CPU, and the distributed
    run whose task CPU is the median (CPU time, too, moves with the machine's load)."""
    jobs: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "rfm": (
            lambda: flo_rfm.run(customers),
            lambda: fd.run(customers, blocksize=blocksize),
        ),
        "cltv": (
            lambda: flo_rfm.cltv(customers),
            # As one machine's study: predictions and segments computed, no table built.
            lambda: fd.cltv(customers, blocksize=blocksize),
        ),
        "log": (
            lambda: flo_rfm.summarize_transactions(log, *LOG_COLS),
            lambda: fd.summarize_transactions(log, *LOG_COLS, blocksize=blocksize),
        ),
    }
    out = {}
    for name, (single, distributed) in jobs.items():
        one = statistics.median(one_machine(single) for _ in range(repeat))
        runs = sorted((on_tasks(distributed) for _ in range(repeat)), key=lambda r: r["task_sum"])
        out[name] = {"one": one, **runs[len(runs) // 2]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("customers")
    ap.add_argument("log")
    ap.add_argument("--blocksize", default="32MB")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each job; medians are kept")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    result = measure(args.customers, args.log, args.blocksize, args.repeat)
    if args.json:
        print(json.dumps(result))
        return
    for name, r in result.items():
        print(
            f"{name}: one machine {r['one']:.2f} s CPU; tasks {r['task_sum']:.2f} s "
            f"({r['task_sum'] / r['one']:.2f}x); client outside tasks {r['total'] - r['task_sum']:.2f} s; "
            f"{r['rounds']} round trips"
        )
        for k, (n, s) in sorted(r["tasks"].items(), key=lambda kv: -kv[1][1]):
            if s >= 0.005:
                print(f"    {k:28s} {n:4d} tasks {s:7.3f} s")


if __name__ == "__main__":
    main()
