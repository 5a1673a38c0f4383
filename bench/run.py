"""The benchmark harness: what users run, as whole processes, against the seeds' pandas code,
idiomatic lazy Polars and lifetimes, on the same generated files.

usage: python bench/run.py [--sizes 1000000 10000000] [--cltv-sizes 1000000 10000000]
                           [--lifetimes-max 1000000] [--repeats 1] [--out-md bench/RESULTS.md]

Every job is a fresh process: its wall time is measured from outside (start-up and imports
included, as a user pays them) and its peak memory is the process's maximum RSS (os.wait4). The
jobs: `scan` (Python reading the file's bytes once: the floor), `cli-run` (`flo-rfm run FILE
--out DIR`), `notebook-run` (`python -c` with `flo_rfm.run(path)`, `.rfm` and `.segment_summary`;
no files), `polars-run` and `pandas-run` (bench/jobs.py), `cli-cltv` (`flo-rfm cltv FILE --out
DIR`) and `lifetimes-cltv` (bench/jobs.py). The harness lists the files `flo-rfm run` wrote and
makes the peers write the same ones. Answers are checked equal before any time is kept, and one
table is written to --out-md, with where the issue's targets stand. Not a test: timings depend
on the machine.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import filecmp
import multiprocessing
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
JOBS_PY = HERE / "jobs.py"
SEED = 42
MIB = 2**20
#: In the order they run: the CLI before its peers, which are asked for the files it wrote.
RFM_JOBS = ["scan", "cli-run", "notebook-run", "polars-run", "pandas-run"]
CLTV_JOBS = ["cli-cltv", "lifetimes-cltv"]
#: Each job's time is divided by this job's time at the same size.
REFERENCE = {**{j: "cli-run" for j in RFM_JOBS}, **{j: "cli-cltv" for j in CLTV_JOBS}}
#: What a notebook user runs: the study's tables built in memory, no files.
NOTEBOOK = "import sys, flo_rfm; r = flo_rfm.run(sys.argv[1]); r.rfm; r.segment_summary"
TARGET_FILES = ["new_brand_target_customer_id.csv", "discount_target_customer_ids.csv"]
PREDICTIONS = ["exp_sales_3_month", "exp_sales_6_month", "exp_average_value", "cltv"]


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak: int  # bytes
    #: The job's own stage timers (in process), as it printed them on stderr: (stage, seconds).
    stages: tuple[tuple[str, float], ...] = ()


#: A stage timer line: `flo-rfm: read: 0.490 s` (`flo-rfm -v`), `lifetimes: CLV: 3.1 s` (jobs.py).
STAGE_LINE = re.compile(r"^[\w-]+: +(?P<stage>[^:]+): (?P<seconds>\d+\.\d+) s$")
#: Timer lines that are not stages: the total, and the step whose stages the core reports.
NOT_STAGES = {"total", "cltv study"}
#: The CLTV study's stages in the stage table, and which of each job's timers add up to each.
CLTV_STAGES = {
    "read": ["read"],
    "prepare": ["prepare"],
    "BG/NBD fit": ["BG/NBD fit"],
    "Gamma-Gamma fit": ["Gamma-Gamma fit"],
    "predictions and CLV": ["predictions and CLV", "predictions", "expected average value", "CLV"],
    "segments": ["segments"],
    "write files": ["write files"],
}


def stage_times(stderr: str) -> tuple[tuple[str, float], ...]:
    """The stage timers a job printed on stderr, in order."""
    found = []
    for line in stderr.splitlines():
        m = STAGE_LINE.match(line)
        if m and m["stage"] not in NOT_STAGES:
            found.append((m["stage"], float(m["seconds"])))
    return tuple(found)


# --- running jobs -----------------------------------------------------------------------------


def flo_rfm_command() -> list[str]:
    """The `flo-rfm` console script of this interpreter (not a shim earlier on PATH, which would
    add its own start-up), or the module if the script is not installed."""
    script = Path(sys.executable).parent / "flo-rfm"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "flo_rfm.cli"]


def command(job: str, path: Path, out: Path, files: list[str], cli_args: list[str]) -> list[str]:
    """The command line of one job on one input file, writing into ``out``."""
    if job == "cli-run":
        return [*flo_rfm_command(), "run", str(path), "--out", str(out), *cli_args]
    if job == "cli-cltv":
        # -v: the stage timers on stderr, for the stage table.
        return [*flo_rfm_command(), "cltv", str(path), "--out", str(out), "--verbose"]
    if job == "notebook-run":
        return [sys.executable, "-c", NOTEBOOK, str(path)]
    return [sys.executable, str(JOBS_PY), job, str(path), str(out), "--files", ",".join(files)]


def run_process(cmd: list[str]) -> Timing:
    """Wall time (measured from outside, spawn to reap) and peak RSS of one process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{stderr[-3000:]}")
    # ru_maxrss is in KiB on Linux
    return Timing(seconds, usage.ru_maxrss * 1024, stage_times(stderr))


def measure(cmd: list[str], out: Path, repeats: int) -> Timing:
    """Median time and largest peak of ``repeats`` runs, each into an empty ``out``."""
    runs = []
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        runs.append(run_process(cmd))
    middle = sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]  # its stages, with its time
    return Timing(statistics.median(r.seconds for r in runs), max(r.peak for r in runs), middle.stages)


def written_files(out: Path) -> list[str]:
    """The result files a job left in ``out`` (hidden files would be leftovers of a failed
    atomic write, which the checks should catch, so they are listed too)."""
    return sorted(p.name for p in out.iterdir() if p.is_file())


def sample_file(data: Path, n: int) -> Path:
    """The generated input with ``n`` customers, written once per data folder by the CLI."""
    path = data / f"flo_{n}_seed{SEED}.csv"
    if not path.exists():
        tmp = path.with_suffix(".tmp.csv")
        cmd = [*flo_rfm_command(), "sample", "--customers", str(n), "--seed", str(SEED), "--out", str(tmp)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        tmp.rename(path)
    return path


# --- checking answers -------------------------------------------------------------------------


def same_bytes(a: Path, b: Path) -> bool:
    return filecmp.cmp(a, b, shallow=False)


def check_targets(outs: dict[str, Path]) -> str:
    """Both target lists byte for byte equal to the CLI's, for every peer."""
    ref = outs["cli-run"]
    for job in ("pandas-run", "polars-run"):
        for name in TARGET_FILES:
            if not same_bytes(outs[job] / name, ref / name):
                raise AssertionError(f"{job}: {name} differs from flo-rfm's")
    return "both target files byte-identical (CLI, pandas, Polars)"


def check_summary(outs: dict[str, Path]) -> str:
    """pandas' segment summary exactly the CLI's; Polars' counts equal, means to 1e-9."""
    import numpy as np
    import pandas as pd

    name = "segment_summary.csv"
    ours = pd.read_csv(outs["cli-run"] / name, index_col="segment")
    pd.testing.assert_frame_equal(
        ours, pd.read_csv(outs["pandas-run"] / name, index_col="segment"), check_exact=True
    )
    pl_summary = pd.read_csv(outs["polars-run"] / name, index_col="segment")
    assert sorted(pl_summary.index) == sorted(ours.index), "Polars segments differ"
    pl_summary = pl_summary.loc[ours.index]
    worst = 0.0
    for col in ours.columns:
        a, b = ours[col].to_numpy(), pl_summary[col].to_numpy()
        if col.endswith("_count"):
            assert (a == b).all(), f"Polars {col} differs"
        else:
            rel = float((np.abs(a - b) / np.abs(a)).max())
            assert rel <= 1e-9, f"Polars {col} differs by {rel:.2e}"
            worst = max(worst, rel)
    return f"segment summary: pandas exact, Polars counts equal and means within {worst:.1e}"


def check_table(outs: dict[str, Path], name: str, label: str) -> str:
    """The CLI's and pandas' ``name`` equal read back (exactly); Polars' byte-identical or equal
    read back to 1e-9. Says which pairs are byte-identical too."""
    import pandas as pd

    ours, theirs = outs["cli-run"] / name, outs["pandas-run"] / name
    cli = pd.read_csv(ours)
    pd.testing.assert_frame_equal(cli, pd.read_csv(theirs), check_exact=True)
    identical = ["pandas"] if same_bytes(ours, theirs) else []
    if same_bytes(ours, outs["polars-run"] / name):
        identical.append("Polars")
    else:
        pd.testing.assert_frame_equal(cli, pd.read_csv(outs["polars-run"] / name), rtol=1e-9)
    note = f"{label}: CLI and pandas equal read back"
    if identical:
        note += f"; byte-identical to the CLI's: {', '.join(identical)}"
    return note


def check_rfm_answers(outs: dict[str, Path], files: list[str]) -> list[str]:
    """Every RFM check, as notes for the results."""
    notes = [check_targets(outs), check_summary(outs), check_table(outs, "rfm.csv", "rfm.csv")]
    if "prepared.csv" in files:
        notes.append(check_table(outs, "prepared.csv", "prepared.csv"))
    return notes


def check_cltv_answers(outs: dict[str, Path]) -> str:
    """The CLI's CLTV predictions within 1e-4 (relative) of lifetimes', customer by customer."""
    import numpy as np
    import pandas as pd

    ours = pd.read_csv(outs["cli-cltv"] / "cltv.csv", index_col="master_id")
    theirs = pd.read_csv(outs["lifetimes-cltv"] / "cltv.csv", index_col="master_id")
    assert ours.index.sort_values().equals(theirs.index.sort_values()), "CLTV customers differ"
    theirs = theirs.loc[ours.index]
    worst = 0.0
    for col in PREDICTIONS:
        a, b = ours[col].to_numpy(), theirs[col].to_numpy()
        rel = float((np.abs(a - b) / np.maximum(np.abs(b), 1e-12)).max())
        assert rel <= 1e-4, f"CLTV {col} differs by {rel:.2e}"
        worst = max(worst, rel)
    return f"CLTV predictions ({', '.join(PREDICTIONS)}) within {worst:.1e} of lifetimes'"


# --- one size ---------------------------------------------------------------------------------

Results = dict[tuple[int, str], Timing]


T = TypeVar("T")


def in_fresh_process(check: Callable[..., T], *args: object) -> T:
    """``check(*args)`` in a new interpreter. The checks load whole tables into pandas; done here,
    they would grow this process, and every job started after it would inherit that memory as
    its peak (Linux counts a parent's high-water RSS into a child's ``ru_maxrss`` at exec)."""
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(check, *args).result()


def report(n: int, job: str, t: Timing) -> None:
    print(f"{n:>12,} {job:<15} {fmt_time(t.seconds):>9}  peak {t.peak / MIB:>8,.0f} MiB", flush=True)


def run_rfm(
    args: argparse.Namespace, n: int, path: Path, outs_root: Path, results: Results
) -> tuple[list[str], list[str]]:
    """The RFM jobs on one file, the CLI first so that the peers know which files to write;
    returns (the files written, the notes of the checks)."""
    outs = {job: outs_root / f"{n}" / job for job in RFM_JOBS}
    cli_args = ["--prepared"] if args.prepared else []
    files: list[str] = []
    for job in RFM_JOBS:
        cmd = command(job, path, outs[job], files, cli_args)
        results[(n, job)] = measure(cmd, outs[job], args.repeats)
        report(n, job, results[(n, job)])
        if job == "cli-run":
            files = written_files(outs[job])
            print(f"{'':>12} flo-rfm run wrote {', '.join(files)}", flush=True)
    for job in ("pandas-run", "polars-run"):
        if written_files(outs[job]) != files:
            raise AssertionError(f"{job} wrote {written_files(outs[job])}, flo-rfm run {files}")
    notes = in_fresh_process(check_rfm_answers, outs, files)
    shutil.rmtree(outs_root / f"{n}")
    return files, notes


def run_cltv(args: argparse.Namespace, n: int, path: Path, outs_root: Path, results: Results) -> list[str]:
    """`flo-rfm cltv` and, up to --lifetimes-max customers, the seeds' lifetimes study."""
    jobs = CLTV_JOBS if n <= args.lifetimes_max else ["cli-cltv"]
    outs = {job: outs_root / f"cltv_{n}" / job for job in jobs}
    for job in jobs:
        results[(n, job)] = measure(command(job, path, outs[job], [], []), outs[job], args.repeats)
        report(n, job, results[(n, job)])
    if "lifetimes-cltv" not in jobs:
        notes = [f"lifetimes not run (above --lifetimes-max {args.lifetimes_max:,}): no answer check"]
    else:
        notes = [in_fresh_process(check_cltv_answers, outs)]
    shutil.rmtree(outs_root / f"cltv_{n}")
    return notes


# --- targets and the results file -------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    text: str
    n: int
    jobs: tuple[str, ...]
    value: Callable[[dict[str, Timing], int], float]  # (timings at n, file bytes) -> value
    bound: float
    higher: bool  # met when value >= bound (else value <= bound)
    unit: str


def faster(n: int, job: str, peer: str, times: float) -> Target:
    """``job`` at least ``times`` as fast as ``peer`` (peer's time ÷ job's)."""

    def value(t: dict[str, Timing], _size: int) -> float:
        return t[peer].seconds / t[job].seconds

    return Target(f"`{job}` ≥ {times:g}× faster than `{peer}`", n, (job, peer), value, times, True, "×")


def within(n: int, job: str, ref: str, times: float) -> Target:
    """``job`` at most ``times`` as slow as ``ref`` (job's time ÷ ref's)."""

    def value(t: dict[str, Timing], _size: int) -> float:
        return t[job].seconds / t[ref].seconds

    return Target(f"`{job}` within {times:g}× of `{ref}`", n, (job, ref), value, times, False, "×")


def peak_at_most(n: int, job: str, times: float) -> Target:
    """``job``'s peak RSS at most ``times`` the input file's size."""

    def value(t: dict[str, Timing], size: int) -> float:
        return t[job].peak / size

    return Target(f"`{job}` peak ≤ {times:g}× the file's size", n, (job,), value, times, False, "× file")


def stage_under(n: int, job: str, stage: str, limit: float) -> Target:
    """``job``'s own timer of ``stage`` (in process) under ``limit`` seconds."""

    def value(t: dict[str, Timing], _size: int) -> float:
        return dict(t[job].stages).get(stage, float("nan"))

    return Target(f"`{job}` stage {stage} ≤ {limit:g} s (in process)", n, (job,), value, limit, False, " s")


def seconds_under(n: int, job: str, limit: float) -> Target:
    """``job``'s wall time under ``limit`` seconds."""

    def value(t: dict[str, Timing], _size: int) -> float:
        return t[job].seconds

    return Target(f"`{job}` under {limit:g} s", n, (job,), value, limit, False, " s")


M, TEN_M = 1_000_000, 10_000_000
#: The issue's targets.
TARGETS = [
    faster(TEN_M, "cli-run", "polars-run", 2),
    faster(TEN_M, "cli-run", "pandas-run", 30),
    peak_at_most(TEN_M, "cli-run", 1),
    within(M, "notebook-run", "cli-run", 1.3),
    within(TEN_M, "notebook-run", "cli-run", 1.3),
    faster(M, "cli-cltv", "lifetimes-cltv", 50),
    stage_under(M, "cli-cltv", "BG/NBD fit", 0.3),
    stage_under(M, "cli-cltv", "Gamma-Gamma fit", 0.1),
    stage_under(M, "cli-cltv", "predictions and CLV", 0.2),
    within(TEN_M, "cli-cltv", "cli-run", 1.5),
    seconds_under(TEN_M, "cli-cltv", 20),
    peak_at_most(TEN_M, "cli-cltv", 1.5),
]


def target_rows(results: Results, sizes: dict[int, int]) -> list[tuple[str, str, str]]:
    """(target, measured, status) per target. A target whose size was not run is evaluated at
    the largest size that has its jobs, and marked as not run (indicative only)."""
    rows = []
    for tg in TARGETS:
        text = f"at {tg.n:,}: {tg.text}"
        have = sorted(n for n in sizes if all((n, j) in results for j in tg.jobs))
        n = tg.n if tg.n in have else (have[-1] if have else None)
        if n is None:
            rows.append((text, "—", "not run"))
            continue
        value = tg.value({j: results[(n, j)] for j in tg.jobs}, sizes[n])
        met = value >= tg.bound if tg.higher else value <= tg.bound
        status = "met" if met else "missed"
        if n != tg.n:
            status = f"not run (at {n:,}: {status})"
        rows.append((text, f"{value:.2f}{tg.unit} at {n:,}", status))
    return rows


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB memory, Python {platform.python_version()}"


def fmt_time(s: float) -> str:
    return f"{s:.2f} s" if s >= 0.1 else f"{s * 1000:.0f} ms"


def fmt_size(size: int) -> str:
    digits = 0 if size >= 100e6 else 1
    return f"{size / 1e6:,.{digits}f} MB ({size / MIB:,.{digits}f} MiB)"


def results_table(results: Results, sizes: dict[int, int]) -> list[str]:
    """One row per (size, job): seconds, peak, peak / file size, time ÷ the CLI job's."""
    order = RFM_JOBS + CLTV_JOBS
    lines = [
        "| customers | file | job | seconds | peak MiB | peak / file | time ÷ CLI |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, job in sorted(results, key=lambda k: (k[0], order.index(k[1]))):
        t, ref = results[(n, job)], REFERENCE[job]
        ratio = "reference" if job == ref else f"{t.seconds / results[(n, ref)].seconds:.2f}× `{ref}`"
        lines.append(
            f"| {n:,} | {fmt_size(sizes[n])} | `{job}` | {t.seconds:.2f} | {t.peak / MIB:,.0f} | "
            f"{t.peak / sizes[n]:.2f} | {ratio} |"
        )
    return lines


def stage_table(results: Results) -> list[str]:
    """Per CLTV size, each stage's seconds as the jobs' own timers give them (in process), the
    CLI beside lifetimes, with the ratio."""
    sizes = sorted(n for n, job in results if job == "cli-cltv")
    if not sizes:
        return []
    lines = [
        "| customers | stage | `cli-cltv` s | `lifetimes-cltv` s | lifetimes ÷ CLI |",
        "|---|---|---|---|---|",
    ]

    def total(t: Timing | None, names: list[str]) -> float | None:
        if t is None:
            return None
        found = [secs for stage, secs in t.stages if stage in names]
        return sum(found) if found else None

    for n in sizes:
        ours, theirs = results[(n, "cli-cltv")], results.get((n, "lifetimes-cltv"))
        for stage, names in CLTV_STAGES.items():
            a, b = total(ours, names), total(theirs, names)
            ratio = f"{b / a:.1f}×" if a and b is not None else "—"
            cells = [f"{v:.3f}" if v is not None else "—" for v in (a, b)]
            lines.append(f"| {n:,} | {stage} | {cells[0]} | {cells[1]} | {ratio} |")
    return lines


JOB_LEGEND = [
    "`scan`: Python reading the file's bytes once and counting lines (the floor; no parsing)",
    "`cli-run`: `flo-rfm run FILE --out DIR` (the console script next to the interpreter)",
    f'`notebook-run`: `python -c "{NOTEBOOK}" FILE` (the tables in memory, no files)',
    "`polars-run`: lazy Polars (`scan_csv` of the needed columns, one plan, `sink_csv` of every "
    "file through `pl.collect_all`), bench/jobs.py",
    "`pandas-run`: the seeds' pandas code (tests/seeds.py) and `to_csv`, bench/jobs.py",
    "`cli-cltv`: `flo-rfm cltv FILE --out DIR` (cltv.csv, bgnbd.json, gamma_gamma.json)",
    "`lifetimes-cltv`: the seeds' lifetimes study writing cltv.csv and both models' parameters as "
    "JSON, bench/jobs.py",
]


def stage_section(results: Results) -> list[str]:
    table = stage_table(results)
    if not table:
        return []
    return [
        "### The CLTV study stage by stage",
        "",
        "Each job's own stage timers, in process, from the same runs as the table above: "
        "`flo-rfm cltv --verbose` (the core times its stages; predictions and CLV are one pass) "
        "and the lifetimes job (bench/jobs.py; its two predictions, expected average value and "
        "CLV added up). Whole-process time also holds interpreter start-up and imports.",
        "",
        *table,
        "",
    ]


def markdown(
    args: argparse.Namespace, results: Results, sizes: dict[int, int], notes: list[str], files: list[str]
) -> str:
    """The results file: the table, the checks that passed, the targets, the hand-written notes
    and the Dask section (each written elsewhere, kept)."""
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}. Run on {time.strftime('%Y-%m-%d')}.",
        "",
        "Command:",
        "",
        "```bash",
        "python bench/run.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        "Every row is a whole process, as a user runs it: wall time measured from outside the "
        "process (interpreter start-up and imports included; median of "
        f"{args.repeats} run(s)), peak memory the process's maximum RSS (`os.wait4`). Inputs come "
        f"from `flo-rfm sample --customers N --seed {SEED}` and are in the page cache for every job. "
        f"`flo-rfm run` wrote {', '.join(files) or '(not run)'}; the Polars and pandas jobs wrote the "
        f"same files. `lifetimes-cltv` runs up to {args.lifetimes_max:,} customers. No row is an "
        "in-process or core-only measurement.",
        "",
        *[f"- {item}" for item in JOB_LEGEND],
        "",
        *results_table(results, sizes),
        "",
        *stage_section(results),
        "Answers checked equal before the times were kept:",
        "",
        *[f"- {note}" for note in notes],
        "",
        "## Against the targets",
        "",
        "| target | measured | status |",
        "|---|---|---|",
        *[f"| {t} | {v} | {s} |" for t, v, s in target_rows(results, sizes)],
    ]
    notes_md = HERE / "NOTES.md"
    if notes_md.exists():  # the profile and what it explains, written by hand
        lines += [
            "",
            "_The notes below are written by hand (bench/NOTES.md); each section says which run "
            "its figures come from (the sections after the first predate this harness, which "
            "times whole processes)._",
            "",
            notes_md.read_text(encoding="utf-8").rstrip(),
        ]
    dask_md = HERE / "DASK.md"
    if dask_md.exists():  # written by bench/dask_scaling.py, which replaces it between the markers
        lines += [
            "",
            "<!-- dask:start -->",
            dask_md.read_text(encoding="utf-8").rstrip(),
            "<!-- dask:end -->",
        ]
    return "\n".join(lines) + "\n"


def kept_readers_section(path: Path) -> str:
    """The reader table bench/readers.py wrote into the results file (between its markers),
    kept when this harness writes the file anew; empty when there is none."""
    begin, end = "<!-- readers:begin -->", "<!-- readers:end -->"
    if not path.exists():
        return ""
    old = path.read_text(encoding="utf-8")
    start, stop = old.find(begin), old.find(end)
    if start < 0 or stop < start:
        return ""
    return "\n" + old[start : stop + len(end)] + "\n"


# --- main -------------------------------------------------------------------------------------


@contextlib.contextmanager
def data_folder(given: Path | None) -> Iterator[Path]:
    """--data if given (inputs kept and reused across runs), else a temporary folder removed
    at the end (inputs shared by the jobs of this run only)."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="flo_rfm_bench_") as tmp:
        yield Path(tmp)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="*", default=[M, TEN_M], help="customers per file, RFM jobs")
    ap.add_argument(
        "--cltv-sizes", type=int, nargs="*", default=[M, TEN_M], help="customers per file, CLTV jobs"
    )
    ap.add_argument(
        "--lifetimes-max", type=int, default=M, help="largest file lifetimes-cltv runs on (it is slow)"
    )
    ap.add_argument("--repeats", type=int, default=1, help="runs per job; the median time is kept")
    ap.add_argument(
        "--prepared", action="store_true", help="run `flo-rfm run --prepared` (adds prepared.csv)"
    )
    ap.add_argument(
        "--data",
        type=Path,
        help="folder for inputs (kept and reused across runs) and outputs (left there if a check "
        "fails); default: a temporary folder, removed at the end",
    )
    ap.add_argument(
        "--out-md",
        "--results",
        dest="out_md",
        type=Path,
        default=HERE / "RESULTS.md",
        help="results file (default bench/RESULTS.md; give another path for a test run)",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results: Results = {}
    sizes: dict[int, int] = {}
    notes: list[str] = []
    files: list[str] = []
    with data_folder(args.data) as data:
        outs_root = data / "out"
        for n in args.sizes:
            path = sample_file(data, n)
            sizes[n] = path.stat().st_size
            files, rfm_notes = run_rfm(args, n, path, outs_root, results)
            notes += [f"RFM, {n:,} customers: {note}" for note in rfm_notes]
        for n in args.cltv_sizes:
            path = sample_file(data, n)
            sizes[n] = path.stat().st_size
            notes += [
                f"CLTV, {n:,} customers: {note}" for note in run_cltv(args, n, path, outs_root, results)
            ]
    text = markdown(args, results, sizes, notes, files) + kept_readers_section(args.out_md)
    args.out_md.write_text(text, encoding="utf-8")
    print()
    print("\n".join(results_table(results, sizes)))
    print()
    for target, value, status in target_rows(results, sizes):
        print(f"{target}: {value}: {status}")
    print(f"wrote {args.out_md}")


if __name__ == "__main__":
    main()
