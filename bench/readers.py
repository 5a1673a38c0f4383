"""The reader benchmark ("One reader for every input"): flo_rfm's reader against Polars, pandas
(pyarrow engine) and the shell's floors, on every kind of input it reads.

usage: python bench/readers.py [--rows 10000000] [--log-rows 10000000] [--repeats 1] [--data DIR]
                               [--kinds csv,gz,zst,cp1254,tsv,parquet,log] [--with-bz2]
                               [--out-md bench/RESULTS.md]

Inputs are generated once into --data (reused when they exist): the customer CSV of --rows
customers (`flo-rfm sample --seed 42`, the file bench/run.py uses), its gzip (`gzip`, default
level), zstd (`zstd` CLI, default level, else the `zstandard` module), bzip2 (--with-bz2 only:
slow), Windows-1254 (re-encoded), tab-separated (Polars, every cell as text) and Parquet (Snappy,
the table flo_rfm reads, dates as datetime64) copies, and an order log of --log-rows lines
(`customer_id,date,amount,channel`, flo_rfm.datasets.write_transactions).

Every job is a fresh `python -c` process (or a shell tool for the floors: `cat`, `gzip -dc`,
`zstd -dc`, `bzip2 -dc` to /dev/null): its wall time is measured from outside (start-up and
imports included), its peak memory is the process's maximum RSS (os.wait4), and the process
prints its own in-process times (imports; the read alone, `time.perf_counter()` around the call)
so that start-up and import costs are separated from the read. Each job runs once first in a
check mode that prints a fingerprint of its answer (row count, first and last id, per-column
sums, minima and maxima); fingerprints are compared with the reference job's (pandas on the
plain CSV, pandas' summary for the log) before any timed run, and a job whose answer differs is
not timed. A job that fails is recorded as n/a with the last line of its stderr, and the run goes
on. The result is one markdown section (the machine, the inputs, a table of kind x job and the
issue's targets, met or missed), printed, or with --out-md written between the markers
`<!-- readers:begin -->` and `<!-- readers:end -->` of that file (appended when they are absent;
the rest of the file is kept). Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Optional

from run import MIB, SEED, data_folder, fmt_size, in_fresh_process, machine, sample_file

HERE = Path(__file__).resolve().parent
TEN_M = 10_000_000
BEGIN, END = "<!-- readers:begin -->", "<!-- readers:end -->"

ID = "master_id"
TEXT_COLUMNS = ["master_id", "order_channel", "last_order_channel", "interested_in_categories_12"]
DATE_COLUMNS = [
    "first_order_date",
    "last_order_date",
    "last_order_date_online",
    "last_order_date_offline",
]
NUMBER_COLUMNS = [
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
]
SUMMARY_COLUMNS = ["frequency", "recency", "T", "monetary_value"]
#: The order log's columns that every job reads (the generated log also has `channel`).
LOG_ID, LOG_DATE, LOG_AMOUNT = "customer_id", "date", "amount"

#: Every kind of input, in table order; CUSTOMER_KINDS hold the customer file in some form.
CUSTOMER_KINDS = ["csv", "gz", "zst", "bz2", "cp1254", "tsv", "parquet"]
ALL_KINDS = [*CUSTOMER_KINDS, "log"]
DEFAULT_KINDS = "csv,gz,zst,cp1254,tsv,parquet,log"
#: The job every other job of a kind is compared with (time ratios), and the job whose answer
#: is the reference for the checks (pandas: the package promises pandas' answers).
OURS = {**{k: "flo" for k in CUSTOMER_KINDS}, "log": "flo-summary"}
REFERENCE_ANSWER = ("csv", "pandas-pyarrow")
REFERENCE_LOG_ANSWER = ("log", "pandas-pyarrow")

#: Printed by every Python job: its import seconds and read seconds, both in process.
TIMES_TAG = "readers-bench-times"
CHECK_TAG = "readers-bench-check"


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    kind: str
    path: Path
    rows: int
    #: The size of the CSV text this input holds (the plain CSV's or log's size): MB/s and
    #: peak ÷ size are taken against it, so that kinds compare.
    text_bytes: int
    note: str = ""

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def atomic(dst: Path, make: Callable[[Path], None]) -> Path:
    """``make(tmp)`` then rename to ``dst``, unless ``dst`` exists (inputs are reused)."""
    if not dst.exists():
        tmp = dst.with_name(dst.name + ".tmp")
        make(tmp)
        tmp.rename(dst)
    return dst


def shell_to_file(cmd: list[str], dst: Path) -> None:
    with open(dst, "wb") as out:
        subprocess.run(cmd, check=True, stdout=out)


def make_cp1254(src: Path, dst: Path) -> None:
    """``src`` (UTF-8) re-encoded as Windows-1254, streamed."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(16 * MIB):
            fout.write(decoder.decode(chunk).encode("cp1254"))
        fout.write(decoder.decode(b"", final=True).encode("cp1254"))


def make_tsv(src: Path, dst: Path) -> None:
    """``src`` tab-separated: Polars reads every cell as text and writes it back (quoted only
    where a cell needs it), so the values are the CSV's, character for character."""
    import polars as pl

    pl.read_csv(src, infer_schema=False).write_csv(dst, separator="\t")


def make_parquet(src: Path, dst: Path) -> None:
    """The table parsed (pandas with pyarrow; dates as datetime64, counts and money float64),
    written by pandas with Snappy compression."""
    import pandas as pd

    df = pd.read_csv(src, engine="pyarrow", parse_dates=DATE_COLUMNS)
    df.to_parquet(dst, compression="snappy", index=False)


def make_zst_module(src: Path, dst: Path) -> None:
    import zstandard

    with open(src, "rb") as fin, open(dst, "wb") as fout:
        zstandard.ZstdCompressor().copy_stream(fin, fout)


def make_log(dst: Path, lines: int) -> None:
    import flo_rfm

    flo_rfm.datasets.write_transactions(dst, lines, SEED)


def count_lines(path: Path) -> int:
    """Newlines in ``path``, read 1 MiB at a time (this process stays small: a child's peak RSS
    counts the parent's at exec)."""
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(MIB):
            lines += chunk.count(b"\n")
    return lines


Maker = Callable[[Path], None]


def customer_copies(csv: Path) -> dict[str, tuple[Path, Maker, str]]:
    """Per kind: the copy of ``csv``, how to make it (given a temporary path) and how it was made."""
    stem = csv.with_suffix("")

    def shell(*cmd: str) -> Maker:
        return lambda tmp: shell_to_file([*cmd, str(csv)], tmp)

    def fresh(make: Callable[[Path, Path], None]) -> Maker:
        return lambda tmp: in_fresh_process(make, csv, tmp)

    zstd = (
        (shell("zstd", "-q", "-c"), "`zstd -c` (level 3)")
        if shutil.which("zstd")
        else (fresh(make_zst_module), "`zstandard` module (level 3)")
    )
    return {
        "gz": (csv.with_name(csv.name + ".gz"), shell("gzip", "-c"), "`gzip -c` (level 6)"),
        "zst": (csv.with_name(csv.name + ".zst"), *zstd),
        "bz2": (csv.with_name(csv.name + ".bz2"), shell("bzip2", "-c"), "`bzip2 -c` (level 9)"),
        "cp1254": (stem.with_name(stem.name + ".cp1254.csv"), fresh(make_cp1254), "re-encoded"),
        "tsv": (stem.with_suffix(".tsv"), fresh(make_tsv), "tab-separated, every cell as in the CSV"),
        "parquet": (
            stem.with_suffix(".parquet"),
            fresh(make_parquet),
            "pandas `to_parquet` (Snappy) of `read_csv(engine='pyarrow')`, dates as datetime64",
        ),
    }


def make_inputs(data: Path, kinds: list[str], rows: int, log_rows: int) -> dict[str, Input]:
    """Every input asked for, generated once (the heavy ones in fresh processes)."""
    inputs: dict[str, Input] = {}
    if any(k in CUSTOMER_KINDS for k in kinds):
        csv = sample_file(data, rows)
        size, copies = csv.stat().st_size, customer_copies(csv)
        for kind in kinds:
            if kind == "csv":
                inputs[kind] = Input(kind, csv, rows, size, f"`flo-rfm sample --seed {SEED}`")
            elif kind in copies:
                path, make, note = copies[kind]
                if not path.exists():
                    say(f"making {path.name}")
                    atomic(path, make)
                if kind == "cp1254":
                    same = filecmp.cmp(csv, path, shallow=False)
                    note += "; byte-identical to the CSV (the sample is ASCII)" if same else ""
                inputs[kind] = Input(kind, path, rows, size, note)
    if "log" in kinds:
        log = data / f"log_{log_rows}_seed{SEED}.csv"
        if not log.exists():
            say(f"making {log.name}")
            atomic(log, lambda tmp: in_fresh_process(make_log, tmp, log_rows))
        lines = count_lines(log) - 1
        if lines != log_rows:
            raise AssertionError(f"{log} has {lines:,} lines, not {log_rows:,}")
        note = f"`flo_rfm.datasets.write_transactions(path, {log_rows}, {SEED})`: `customer_id,date,amount,channel`"
        inputs["log"] = Input("log", log, log_rows, log.stat().st_size, note)
    return inputs


# --- jobs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    name: str
    #: Python jobs: the imports, the read (binds ``result`` and forces the work; ``path`` is the
    #: input) and the check (an expression giving the answer's fingerprint). Floors: ``argv``.
    imports: str = ""
    read: str = ""
    check: str = ""
    argv: tuple[str, ...] = ()
    #: Said in the legend when the code alone does not say it.
    note: str = ""

    @property
    def floor(self) -> bool:
        return bool(self.argv)

    @property
    def checked(self) -> bool:
        return bool(self.check)


#: Polars' types for the customer file, as flo_rfm types it (a line of the jobs' imports).
POLARS_TYPES = {
    **dict.fromkeys(TEXT_COLUMNS, "pl.String"),
    **dict.fromkeys(DATE_COLUMNS, "pl.Date"),
    **dict.fromkeys(NUMBER_COLUMNS, "pl.Float64"),
}
POLARS_SCHEMA = "SCHEMA = {" + ", ".join(f"{c!r}: {t}" for c, t in POLARS_TYPES.items()) + "}"
#: Start-up and `import flo_rfm` alone: what every flo_rfm job pays before reading (time, memory).
IMPORT_ONLY = Job(
    "import-only",
    "import flo_rfm",
    "result = None",
    note="start-up and `import flo_rfm` only, no read (the baseline under every flo_rfm row)",
)
CUSTOMER_CHECK = "readers.customer_fingerprint({})"
SUMMARY_CHECK = "readers.summary_fingerprint({})"

POLARS_SUMMARY = f"""\
days = (
    pl.scan_csv(path, schema_overrides={{"{LOG_ID}": pl.String, "{LOG_DATE}": pl.Date, "{LOG_AMOUNT}": pl.Float64}})
    .group_by("{LOG_ID}", "{LOG_DATE}").agg(pl.col("{LOG_AMOUNT}").sum())
    .with_columns(end=pl.col("{LOG_DATE}").max())
)
first = pl.col("{LOG_DATE}").min()
result = days.group_by("{LOG_ID}").agg(
    frequency=(pl.len() - 1).cast(pl.Float64),
    recency=(pl.col("{LOG_DATE}").max() - first).dt.total_days().cast(pl.Float64),
    T=(pl.col("end").first() - first).dt.total_days().cast(pl.Float64),
    monetary_value=pl.col("{LOG_AMOUNT}").filter(pl.col("{LOG_DATE}") != first).mean().fill_null(0.0),
).sort("{LOG_ID}").collect()"""

PANDAS_SUMMARY = f"""\
df = pd.read_csv(path, engine="pyarrow", usecols=["{LOG_ID}", "{LOG_DATE}", "{LOG_AMOUNT}"], parse_dates=["{LOG_DATE}"])
days = df.groupby(["{LOG_ID}", "{LOG_DATE}"], sort=False)["{LOG_AMOUNT}"].sum().reset_index()
by = days.groupby("{LOG_ID}")["{LOG_DATE}"]
first = by.min()
result = pd.DataFrame({{
    "frequency": (by.size() - 1).astype(float),
    "recency": (by.max() - first).dt.days.astype(float),
    "T": (days["{LOG_DATE}"].max() - first).dt.days.astype(float),
}})
repeat = days[days["{LOG_DATE}"] != by.transform("min")]
result["monetary_value"] = repeat.groupby("{LOG_ID}")["{LOG_AMOUNT}"].mean().reindex(result.index).fillna(0.0)"""


def customer_jobs(kind: str, path: Path) -> list[Job]:
    """The jobs on the customer file in one form: the floors, flo_rfm, Polars, pandas."""
    p = str(path)
    floors = [Job("cat", argv=("cat", p))]
    floors += {
        "gz": [Job("gzip -dc", argv=("gzip", "-dc", p))],
        "zst": [Job("zstd -dc", argv=("zstd", "-dc", p))] if shutil.which("zstd") else [],
        "bz2": [Job("bzip2 -dc", argv=("bzip2", "-dc", p))],
    }.get(kind, [])
    flo_args = ', encoding="windows-1254"' if kind == "cp1254" else ""
    flo = Job(
        "flo",
        "import flo_rfm",
        f"result = flo_rfm.read_csv(path{flo_args}); len(result)",
        CUSTOMER_CHECK.format("result.to_pandas(totals=False)"),
    )
    if kind == "parquet":
        pl_read, pd_read = "result = pl.read_parquet(path)", "result = pd.read_parquet(path)"
    elif kind == "bz2":
        pl_read = "result = pl.read_csv(bz2.open(path).read(), schema_overrides=SCHEMA)"
    else:
        pl_opts = {"tsv": ', separator="\\t"', "cp1254": ', encoding="windows-1254"'}.get(kind, "")
        pl_read = f"result = pl.read_csv(path, schema_overrides=SCHEMA{pl_opts})"
    if kind != "parquet":
        pd_opts = {"tsv": ', sep="\\t"', "cp1254": ', encoding="cp1254"'}.get(kind, "")
        pd_read = f'result = pd.read_csv(path, engine="pyarrow", parse_dates=DATES{pd_opts})'
    polars_note = {
        "bz2": "Polars reads no bzip2: the file is decompressed in Python first (`bz2`), inside the timed read",
        "cp1254": "Polars decodes a non-UTF-8 encoding in Python before parsing",
    }.get(kind, "")
    return [
        *floors,
        *([IMPORT_ONLY] if kind == "csv" else []),
        flo,
        Job(
            "polars",
            ("import bz2; " if kind == "bz2" else "") + "import polars as pl; " + POLARS_SCHEMA,
            pl_read,
            CUSTOMER_CHECK.format("result.to_pandas()"),
            note=polars_note,
        ),
        Job(
            "pandas-pyarrow",
            f"import pandas as pd; DATES = {DATE_COLUMNS!r}",
            pd_read,
            CUSTOMER_CHECK.format("result"),
        ),
    ]


def log_jobs(path: Path) -> list[Job]:
    """The jobs on the order log: the floor, flo_rfm's summary and its read alone, the peers'
    summaries (lifetimes' numbers: per customer and day, then per customer)."""
    cols = f'"{LOG_ID}", "{LOG_DATE}", "{LOG_AMOUNT}"'
    return [
        Job("cat", argv=("cat", str(path))),
        IMPORT_ONLY,
        Job(
            "flo-summary",
            "import flo_rfm",
            f"result = flo_rfm.summarize_transactions(path, {cols})",
            SUMMARY_CHECK.format("result"),
        ),
        Job(
            "flo-read",
            "import flo_rfm; from flo_rfm import _flo_rfm",
            f"result = _flo_rfm.read_log(path, {cols}); len(result)",
            "{'lines': len(result)}",
            note="the core's log reader alone, which summarize_transactions reads with; no summary",
        ),
        Job("polars", "import polars as pl", POLARS_SUMMARY, SUMMARY_CHECK.format("result.to_pandas()")),
        Job("pandas-pyarrow", "import pandas as pd", PANDAS_SUMMARY, SUMMARY_CHECK.format("result")),
    ]


def python_code(job: Job, check: bool) -> str:
    """The ``python -c`` program of a job: imports timed, the read timed, both printed; in check
    mode the answer's fingerprint printed after them."""
    code = [
        "import sys, time",
        "t0 = time.perf_counter()",
        job.imports,
        "t1 = time.perf_counter()",
        "path = sys.argv[1]",
        job.read,
        "t2 = time.perf_counter()",
        f'print(f"{TIMES_TAG} {{t1 - t0:.6f}} {{t2 - t1:.6f}}", flush=True)',
    ]
    if check:
        code += [
            f"sys.path.insert(0, {str(HERE)!r})",
            "import json, readers",
            f'print("{CHECK_TAG} " + json.dumps({job.check}), flush=True)',
        ]
    return "\n".join(code) + "\n"


def command(job: Job, path: Path, check: bool = False) -> list[str]:
    if job.floor:
        return list(job.argv)
    return [sys.executable, "-c", python_code(job, check), str(path)]


# --- fingerprints (run inside the jobs' processes, in check mode) -----------------------------


def customer_fingerprint(df: Any) -> dict[str, Any]:
    """What a customer table must agree on: rows, first/last/distinct ids, each text column's
    distinct values and total length, each date column's count, sum, min and max (as days), each
    number column's sum."""
    import pandas as pd

    out: dict[str, Any] = {"rows": len(df)}
    ids = df[ID].astype("string").fillna("")
    out["ids"] = [ids.iloc[0], ids.iloc[-1], int(ids.nunique())] if len(df) else []
    for c in TEXT_COLUMNS[1:]:
        text = df[c].astype("string").fillna("")
        out[c] = [int(text.nunique()), int(text.str.len().sum())]
    for c in DATE_COLUMNS:
        days = pd.to_datetime(df[c]).dropna().to_numpy().astype("datetime64[D]").astype("int64")
        out[c] = [len(days), int(days.sum()), int(days.min()), int(days.max())] if len(days) else [0]
    for c in NUMBER_COLUMNS:
        out[c] = float(df[c].astype("float64").sum())
    return out


def summary_fingerprint(df: Any) -> dict[str, Any]:
    """What a log summary must agree on: customers, first/last id, each column's sum."""
    import pandas as pd

    ids = df.index if df.index.name == LOG_ID else pd.Index(df[LOG_ID])
    out: dict[str, Any] = {"customers": len(df), "ids": [str(ids[0]), str(ids[-1])] if len(df) else []}
    for c in SUMMARY_COLUMNS:
        out[c] = float(df[c].astype("float64").sum())
    return out


def differences(got: dict[str, Any], want: dict[str, Any], rel: float = 1e-9) -> list[str]:
    """Where two fingerprints differ (floats within ``rel``, the rest exactly); keys one side
    lacks are not compared."""
    out = []
    for key in sorted(got.keys() & want.keys()):
        a, b = got[key], want[key]
        if isinstance(a, float) or isinstance(b, float):
            if abs(a - b) > rel * max(abs(a), abs(b), 1e-300):
                out.append(f"{key}: {a!r} ≠ {b!r}")
        elif a != b:
            out.append(f"{key}: {a!r} ≠ {b!r}")
    return out


# --- running ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    peak: int  # bytes
    returncode: int
    stdout: str
    stderr: str


def run_process(cmd: list[str], floor: bool = False) -> Run:
    """Wall time (spawn to reap, measured from outside) and peak RSS of one process; its output
    into files (not pipes: nothing blocks or is read while it runs), a floor's to /dev/null."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if floor else out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = (f.read().decode(errors="replace") for f in (out, err))
    return Run(seconds, usage.ru_maxrss * 1024, proc.returncode, stdout, stderr)  # ru_maxrss: KiB


def tagged(stdout: str, tag: str) -> str | None:
    for line in stdout.splitlines():
        if line.startswith(tag + " "):
            return line[len(tag) + 1 :]
    return None


def failure(run: Run) -> str:
    """A failed job's reason: the last non-empty line of its stderr (the exception)."""
    lines = [ln.strip() for ln in run.stderr.splitlines() if ln.strip()]
    return (lines[-1] if lines else f"exit status {run.returncode}")[:200]


@dataclass(frozen=True)
class Outcome:
    """One job on one input: timings (median wall and read, largest peak), or why there are none."""

    wall: float = float("nan")
    imports: Optional[float] = None  # in process
    read: Optional[float] = None  # in process; a floor's wall time
    peak: int = 0
    failed: str = ""  # the table's cell when set, e.g. "n/a (failed)"
    reason: str = ""  # for the notes

    @property
    def ok(self) -> bool:
        return not self.failed


Results = dict[tuple[str, str], Outcome]
Fingerprints = dict[tuple[str, str], dict[str, Any]]


def not_available(kind: str, job: str, why: str) -> Outcome:
    cell = "n/a (not supported)" if (kind == "parquet" and job == "flo") else "n/a (failed)"
    return Outcome(failed=cell, reason=why)


def check_job(job: Job, inp: Input) -> dict[str, Any] | Outcome:
    """A Python job once in check mode: its answer's fingerprint, or why it failed."""
    run = run_process(command(job, inp.path, check=True))
    found = tagged(run.stdout, CHECK_TAG)
    if run.returncode != 0 or found is None:
        return not_available(inp.kind, job.name, failure(run))
    fingerprint: dict[str, Any] = json.loads(found)
    return fingerprint


def time_job(job: Job, inp: Input, repeats: int) -> Outcome:
    """``repeats`` timed runs (a floor after one untimed run, which puts the file in the page
    cache as the check runs did for the Python jobs)."""
    if job.floor:
        run_process(command(job, inp.path), floor=True)
    runs = [run_process(command(job, inp.path), floor=job.floor) for _ in range(repeats)]
    bad = [r for r in runs if r.returncode != 0]
    if bad:
        return not_available(inp.kind, job.name, failure(bad[0]))
    imports, reads = [], []
    for r in runs:
        found = tagged(r.stdout, TIMES_TAG)
        if found is None:
            reads.append(r.seconds)
        else:
            t_import, t_read = (float(x) for x in found.split())
            imports.append(t_import)
            reads.append(t_read)
    return Outcome(
        wall=statistics.median(r.seconds for r in runs),
        imports=statistics.median(imports) if imports else None,
        read=statistics.median(reads),
        peak=max(r.peak for r in runs),
    )


def check_answers(inputs: dict[str, Input], fingerprints: Fingerprints, results: Results) -> list[str]:
    """Every fingerprint against its reference's (pandas on the plain CSV for the customer file
    in any form, pandas' summary for the log, or flo_rfm's when pandas' failed; the line count
    written for the log read). A job that differs gets "n/a (wrong answer)" and is not timed.
    Returns the notes."""
    notes = []
    groups = (
        ("customer tables", [REFERENCE_ANSWER, ("csv", "flo")], lambda k: k[0] != "log"),
        (
            "log summaries",
            [REFERENCE_LOG_ANSWER, ("log", "flo-summary")],
            lambda k: k[0] == "log" and k[1] != "flo-read",
        ),
    )
    for what, refs, member in groups:
        keys = [k for k in fingerprints if member(k)]
        ref = next((r for r in refs if r in fingerprints), None)
        if ref is None:
            if keys:
                notes.append(
                    f"{what}: no reference answer (pandas and flo_rfm on the plain file failed): not checked"
                )
            continue
        want, agreed = fingerprints[ref], []
        for key in keys:
            diff = differences(fingerprints[key], want)
            if diff:
                results[key] = Outcome(failed="n/a (wrong answer)", reason="; ".join(diff)[:300])
            elif key != ref:
                agreed.append(f"`{key[1]}` on {key[0]}")
        notes.append(
            f"{what}: equal to `{ref[1]}` on {ref[0]} (rows, ids, and every column's fingerprint; floats "
            f"within 1e-9): {', '.join(agreed) or 'none'}"
        )
    key = ("log", "flo-read")
    if key in fingerprints:
        lines, written = fingerprints[key].get("lines"), inputs["log"].rows
        if lines != written:
            results[key] = Outcome(failed="n/a (wrong answer)", reason=f"{lines} lines, not {written}")
        else:
            notes.append(f"`flo-read` on log: {lines:,} lines, as written")
    return notes


# --- the section ------------------------------------------------------------------------------


def fmt_s(s: Optional[float]) -> str:
    return "—" if s is None or s != s else f"{s:.3f}"


def table(inputs: dict[str, Input], jobs: dict[str, list[Job]], results: Results) -> list[str]:
    lines = [
        "| input | job | wall s | import s | read s | peak MiB | peak ÷ CSV | read ÷ ours | wall ÷ ours | CSV MB/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, inp in inputs.items():
        ours = results.get((kind, OURS[kind]))
        for job in jobs[kind]:
            r = results[(kind, job.name)]
            name = f"`{job.name}`"
            if not r.ok:
                lines.append(f"| {kind} | {name} | {r.failed} | | | | | | | |")
                continue
            rel_read = rel_wall = "—"
            if job.name == OURS[kind]:
                rel_read = rel_wall = "ours"
            elif job is IMPORT_ONLY:
                pass
            elif ours is not None and ours.ok and r.read is not None and ours.read:
                rel_read = f"{r.read / ours.read:.2f}×"
                rel_wall = f"{r.wall / ours.wall:.2f}×"
            mbs = f"{inp.text_bytes / 1e6 / r.read:,.0f}" if r.read and job is not IMPORT_ONLY else "—"
            lines.append(
                f"| {kind} | {name} | {r.wall:.3f} | {fmt_s(r.imports)} | {fmt_s(r.read)} | "
                f"{r.peak / MIB:,.0f} | {r.peak / inp.text_bytes:.2f} | {rel_read} | {rel_wall} | {mbs} |"
            )
    return lines


@dataclass(frozen=True)
class Target:
    text: str
    kind: str  # the input it is measured on
    n_rows: int  # the size the issue sets it at
    #: (results of that kind, the input) -> (value, how it reads), or None when a job is missing.
    value: Callable[[dict[str, Outcome], Input], Optional[tuple[float, str]]]
    bound: float
    higher: bool  # met when value >= bound, else when value <= bound


def _get(r: dict[str, Outcome], *names: str) -> Optional[list[Outcome]]:
    got = [r.get(n) for n in names]
    if any(o is None or not o.ok or o.read is None for o in got):
        return None
    return got  # type: ignore[return-value]


def read_under(job: str, limit: float) -> Callable[[dict[str, Outcome], Input], Optional[tuple[float, str]]]:
    def value(r: dict[str, Outcome], _inp: Input) -> Optional[tuple[float, str]]:
        got = _get(r, job)
        if got is None:
            return None
        read = got[0].read or 0.0
        extra = ""
        if job == "flo-summary" and _get(r, "flo-read"):
            extra = f"; the read alone (`flo-read`) {r['flo-read'].read:.3f} s"
        return read, f"{read:.3f} s in process (whole process {got[0].wall:.3f} s{extra})"

    return value


def faster_than(job: str, peer: str) -> Callable[[dict[str, Outcome], Input], Optional[tuple[float, str]]]:
    def value(r: dict[str, Outcome], _inp: Input) -> Optional[tuple[float, str]]:
        got = _get(r, job, peer)
        if got is None:
            return None
        ours, theirs = got
        ratio = (theirs.read or 0.0) / (ours.read or 1.0)
        return ratio, f"{ratio:.2f}× in process ({theirs.wall / ours.wall:.2f}× whole process)"

    return value


def floor_share(job: str, floor: str) -> Callable[[dict[str, Outcome], Input], Optional[tuple[float, str]]]:
    """The floor's time ÷ the job's read: the job's speed as a share of the floor's."""

    def value(r: dict[str, Outcome], _inp: Input) -> Optional[tuple[float, str]]:
        got = _get(r, job, floor)
        if got is None:
            return None
        ours, base = got
        share = base.wall / (ours.read or 1.0)
        return share, f"{share:.0%} (`{floor}` {base.wall:.3f} s, `{job}` {ours.read:.3f} s in process)"

    return value


def peak_share(job: str) -> Callable[[dict[str, Outcome], Input], Optional[tuple[float, str]]]:
    def value(r: dict[str, Outcome], inp: Input) -> Optional[tuple[float, str]]:
        got = _get(r, job)
        if got is None:
            return None
        peak = got[0].peak
        base = r.get(IMPORT_ONLY.name)
        extra = f"; `import flo_rfm` alone {base.peak / MIB:,.0f} MiB" if base is not None and base.ok else ""
        shown = f"{peak / inp.size:.2f}× ({peak / MIB:,.0f} MiB of {inp.size / MIB:,.0f} MiB, whole process{extra})"
        return peak / inp.size, shown

    return value


TARGETS = [
    Target("customer CSV: `flo` read ≤ 1.5 s on 2 cores", "csv", TEN_M, read_under("flo", 1.5), 1.5, False),
    Target(
        "customer CSV: `flo` faster than `polars` (Polars' time ÷ ours ≥ 1)",
        "csv",
        TEN_M,
        faster_than("flo", "polars"),
        1.0,
        True,
    ),
    Target("order log: `flo-summary` ≤ 1.5 s", "log", TEN_M, read_under("flo-summary", 1.5), 1.5, False),
    Target(
        "order log: `flo-summary` ≥ 2× faster than `polars` (read + summary)",
        "log",
        TEN_M,
        faster_than("flo-summary", "polars"),
        2.0,
        True,
    ),
    Target(
        "gzip: `flo` reads .csv.gz at ≥ 80 % of `gzip -dc`'s speed",
        "gz",
        TEN_M,
        floor_share("flo", "gzip -dc"),
        0.8,
        True,
    ),
    Target("customer CSV: `flo` peak ≤ 0.8× the file's size", "csv", TEN_M, peak_share("flo"), 0.8, False),
    Target(
        "order log: `flo-read` peak ≤ 0.8× the file's size", "log", TEN_M, peak_share("flo-read"), 0.8, False
    ),
]


def target_rows(inputs: dict[str, Input], results: Results) -> list[tuple[str, str, str]]:
    rows = []
    for tg in TARGETS:
        text = f"at {tg.n_rows:,}: {tg.text}"
        inp = inputs.get(tg.kind)
        got = None
        if inp is not None:
            got = tg.value({job: o for (kind, job), o in results.items() if kind == tg.kind}, inp)
        if inp is None or got is None:
            rows.append((text, "—", "not run" if inp is None else "n/a (a job failed)"))
            continue
        value, shown = got
        met = value >= tg.bound if tg.higher else value <= tg.bound
        status = "met" if met else "missed"
        if inp.rows != tg.n_rows:
            status = f"not run at {tg.n_rows:,} (at {inp.rows:,}: {status})"
        rows.append((text, f"{shown} at {inp.rows:,}", status))
    return rows


def versions() -> str:
    """Installed versions, from the packages' metadata (nothing imported here: this process must
    stay small)."""
    out = []
    for name in ("flo_rfm", "polars", "pandas", "pyarrow"):
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def legend(jobs: dict[str, list[Job]]) -> list[str]:
    """Each job's exact code (the timed part), per input where it differs."""
    out = [
        "Each Python job is `python -c PROGRAM FILE`: the imports timed (`import s`), then the read "
        "timed (`read s`, `time.perf_counter()` around the code below, `path` the file), both printed "
        "by the process; `wall s` is the whole process measured from outside (interpreter start-up, "
        "imports, the read, exit). The floors are shell tools writing to /dev/null (their `read s` "
        "is their wall time). `SCHEMA` types the 12 columns for Polars (text as String, the four "
        "dates as Date, counts and money as Float64), as flo_rfm types them.",
        "",
    ]
    seen: dict[tuple[str, str], list[str]] = {}
    for kind, js in jobs.items():
        for job in js:
            body = " ".join(job.argv[:-1]) + " FILE > /dev/null" if job.floor else job.read
            seen.setdefault((job.name, body), []).append(kind)
    for (name, body), kinds in seen.items():
        note = next((j.note for k in kinds for j in jobs[k] if j.name == name and j.note), "")
        head = f"- `{name}` on {', '.join(kinds)}" + (f", {note}" if note else "") + ":"
        if "\n" in body:
            out += [head, "", textwrap.indent(f"```python\n{body}\n```", "  "), ""]
        else:
            out.append(f"{head} `{body}`")
    out += [
        "",
        "The Polars and pandas log jobs compute lifetimes' `summary_data_from_transaction_data` "
        "(observation end = the log's last date, days): amounts summed per customer and day, then "
        "per customer `frequency` = days with a purchase − 1, `recency` = last day − first day, "
        "`T` = end − first day, `monetary_value` = mean daily spend over the days after the first "
        "(0 with none), sorted by id — the numbers `flo_rfm.summarize_transactions` gives.",
    ]
    return out


def markdown(
    args: argparse.Namespace,
    inputs: dict[str, Input],
    jobs: dict[str, list[Job]],
    results: Results,
    notes: list[str],
) -> str:
    failures = [
        f"`{job}` on {kind}: {o.failed} — {o.reason}"
        for (kind, job), o in results.items()
        if not o.ok and o.reason
    ]
    lines = [
        BEGIN,
        "## Readers: one reader for every input (bench/readers.py)",
        "",
        f"Machine: {machine()}; {versions()}. Run on {time.strftime('%Y-%m-%d')}.",
        "",
        "```bash",
        "python bench/readers.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        f"Median of {args.repeats} timed run(s) after one check run per job (which also puts the file "
        "in the page cache); peak = the process's maximum RSS (`os.wait4`), interpreter and imports "
        "included (a floor's peak is this harness's own RSS, which Linux carries over at exec, not "
        "the tool's). `peak ÷ CSV`, `CSV MB/s`: against the size of the CSV text the input holds (the "
        "plain CSV's for every form of the customer file), over `read s`. `read ÷ ours`, `wall ÷ "
        "ours`: the job's time over flo_rfm's on the same input (`flo`; `flo-summary` for the log).",
        "",
        "| input | file | on disk | rows | made with |",
        "|---|---|---|---|---|",
        *[
            f"| {k} | `{i.path.name}` | {fmt_size(i.size)} | {i.rows:,} | {i.note} |"
            for k, i in inputs.items()
        ],
        "",
        *legend(jobs),
        "",
        *table(inputs, jobs, results),
        "",
        "Answers checked before any timed run:",
        "",
        *[f"- {n}" for n in notes],
        *([""] + ["Failed or n/a:", ""] + [f"- {f}" for f in failures] if failures else []),
        "",
        "### Against the targets",
        "",
        "| target | measured | status |",
        "|---|---|---|",
        *[f"| {t} | {v} | {s} |" for t, v, s in target_rows(inputs, results)],
        END,
    ]
    return "\n".join(lines) + "\n"


def write_section(path: Path, section: str) -> None:
    """Replace the text between the markers in ``path`` (markers included), or append it; the
    rest of the file is kept."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start, end = old.find(BEGIN), old.find(END)
    if start >= 0 and end > start:
        new = old[:start] + section.rstrip("\n") + old[end + len(END) :]
    else:
        new = old.rstrip("\n") + ("\n\n" if old.strip() else "") + section
    path.write_text(new if new.endswith("\n") else new + "\n", encoding="utf-8")


# --- main -------------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=TEN_M, help="customers in the customer file")
    ap.add_argument("--log-rows", type=int, default=TEN_M, help="lines in the order log")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per job; the median is kept")
    ap.add_argument(
        "--data",
        type=Path,
        help="folder for the inputs (kept and reused across runs); default: a temporary folder, removed",
    )
    ap.add_argument(
        "--kinds", default=DEFAULT_KINDS, help=f"inputs, comma-separated, of {','.join(ALL_KINDS)}"
    )
    ap.add_argument("--with-bz2", action="store_true", help="add the bzip2 copy (slow to make and to read)")
    ap.add_argument(
        "--out-md",
        type=Path,
        help="write the section into this file between its readers markers (kept: the rest); default: stdout",
    )
    args = ap.parse_args(argv)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if args.with_bz2 and "bz2" not in kinds:
        kinds.append("bz2")
    unknown = sorted(set(kinds) - set(ALL_KINDS))
    if unknown:
        ap.error(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(ALL_KINDS)}")
    args.kinds = [k for k in ALL_KINDS if k in kinds]
    if args.repeats < 1:
        ap.error("--repeats must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results: Results = {}
    fingerprints: Fingerprints = {}
    with data_folder(args.data) as data:
        inputs = make_inputs(data, args.kinds, args.rows, args.log_rows)
        jobs = {k: log_jobs(i.path) if k == "log" else customer_jobs(k, i.path) for k, i in inputs.items()}
        for kind, inp in inputs.items():  # the answers first
            for job in jobs[kind]:
                if job.checked:
                    got = check_job(job, inp)
                    if isinstance(got, Outcome):
                        results[(kind, job.name)] = got
                        say(f"check {kind:<8} {job.name:<15} {got.failed}: {got.reason}")
                    else:
                        fingerprints[(kind, job.name)] = got
        notes = check_answers(inputs, fingerprints, results)
        for kind, inp in inputs.items():  # then the times, of the jobs that answered right
            for job in jobs[kind]:
                if (kind, job.name) in results:
                    continue
                results[(kind, job.name)] = out = time_job(job, inp, args.repeats)
                shown = f"wall {out.wall:.3f} s, read {fmt_s(out.read)} s" if out.ok else out.failed
                say(f"time  {kind:<8} {job.name:<15} {shown}, peak {out.peak / MIB:,.0f} MiB")
        section = markdown(args, inputs, jobs, results, notes)
    if args.out_md is None:
        print(section, end="")
    else:
        write_section(args.out_md, section)
        say(f"wrote the readers section of {args.out_md}")


if __name__ == "__main__":
    main()
