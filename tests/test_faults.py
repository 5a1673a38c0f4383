"""Faults around the files flo_rfm writes (docs/faults.md): concurrent writers, a writer killed
mid-write, a full disk, a read-only folder, file modes, an output over an input, an interrupted
read. Every file goes through the core's atomic writer (src/core/io/write/atomic.rs).

Children do what the test process cannot: a private mount namespace with a small or read-only
tmpfs (as root, gone when the child exits), a file-size limit, a dropped uid, a umask, SIGKILL."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import flo_rfm
from flo_rfm.exceptions import InputError, OutputIsInputError

#: The run's five files with ``prepared=True``.
RUN_FILES = (
    "prepared.csv",
    "rfm.csv",
    "segment_summary.csv",
    "new_brand_target_customer_id.csv",
    "discount_target_customer_ids.csv",
)
CLTV_FILES = ("cltv.csv", "bgnbd.json", "gamma_gamma.json")
#: The core writer's temporary: ``.<name>.<pid>-<seq>-<nanos hex>.tmp``.
TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-(?P<seq>\d+)-(?P<nanos>[0-9a-f]+)\.tmp$")
NOBODY = 65534

ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}


def temporaries(folder: Path) -> list[str]:
    """Every hidden ``*.tmp`` file under ``folder`` (any writer's), relative paths."""
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.startswith(".") and name.endswith(".tmp"):
                found.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(found)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def listing(folder: Path) -> dict[str, int]:
    """Relative path -> size of every file under ``folder``."""
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = os.path.join(root, name)
            out[os.path.relpath(p, folder)] = os.path.getsize(p)
    return out


# ---------------------------------------------------------------------------------------------
# Child processes
# ---------------------------------------------------------------------------------------------

#: Run at the start of every child script: a private tmpfs and a way to report an exception.
PRELUDE = textwrap.dedent(
    '''
    import ctypes, hashlib, json, os, sys

    CLONE_NEWNS, MS_RDONLY, MS_REMOUNT, MS_REC, MS_PRIVATE = 0x20000, 1, 32, 16384, 1 << 18

    def _check(result, what):
        if result != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"{what}: {os.strerror(e)}")

    def private_tmpfs(folder, options):
        """A tmpfs on folder that only this process sees (a mount namespace of its own, made
        before any thread exists): it goes away when the process exits."""
        libc = ctypes.CDLL(None, use_errno=True)
        _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        _check(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", 0, options.encode()), "mount tmpfs")
        def read_only():
            flags = MS_REMOUNT | MS_RDONLY
            _check(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", flags, options.encode()), "remount ro")
        return read_only

    def describe(e):
        return {
            "mro": [f"{c.__module__}.{c.__qualname__}" for c in type(e).__mro__],
            "errno": getattr(e, "errno", None),
            "strerror": getattr(e, "strerror", None),
            "filename": getattr(e, "filename", None),
            "message": str(e),
        }

    def attempt(fn):
        try:
            fn()
        except Exception as e:
            return describe(e)
        return None

    def files_under(folder):
        out = {}
        for root, _dirs, names in os.walk(folder):
            for name in names:
                p = os.path.join(root, name)
                with open(p, "rb") as fh:
                    out[os.path.relpath(p, folder)] = hashlib.sha256(fh.read()).hexdigest()
        return out
    '''
)


def child(code: str, *args: object, timeout: float = 300, **popen: object) -> dict:
    """Run ``PRELUDE + code`` in a new interpreter with ``args`` as ``sys.argv[1:]``; its last
    stdout line is JSON, returned. A non-zero exit fails the test with the child's stderr."""
    proc = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        **popen,  # type: ignore[arg-type]
    )
    assert proc.returncode == 0, f"child exited {proc.returncode}:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_file_error(err: dict | None, cls: str, code: int, path: str) -> None:
    """``err`` (a child's ``describe``) is flo_rfm's ``cls``, an OSError with ``errno`` ``code``,
    naming ``path`` in its message and as its ``filename``."""
    assert err is not None, "no error was raised"
    assert "builtins.OSError" in err["mro"], err
    assert err["errno"] == code, f"errno {err['errno']}, expected {errno.errorcode[code]}: {err}"
    assert path in err["message"], err
    assert f"flo_rfm.exceptions.{cls}" in err["mro"], err
    assert err["filename"] == path, err


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """Generated customer files (``flo-rfm sample``'s writer): 2,000, 30,000 and 400,000
    customers, written once for the module."""
    base = tmp_path_factory.mktemp("inputs")
    sizes = {"small": (2_000, 11), "medium": (30_000, 12), "large": (400_000, 13)}
    return {
        name: Path(flo_rfm.datasets.write_sample(base / f"{name}.csv", n, seed))
        for name, (n, seed) in sizes.items()
    }


# ---------------------------------------------------------------------------------------------
# 1. Concurrency
# ---------------------------------------------------------------------------------------------

WORKER = """
import contextlib, io, time
import flo_rfm, flo_rfm.cli

src, out, sync, wid, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
flo_rfm.run(src)  # imports and first-call work done before the rounds start
open(os.path.join(sync, f"ready-{wid}"), "w").close()
for r in range(rounds):
    while not os.path.exists(os.path.join(sync, f"go-{r}")):
        time.sleep(0.0005)
    if wid % 2:  # half the writers through the command, half through the API
        with contextlib.redirect_stdout(io.StringIO()):
            rc = flo_rfm.cli.main(["run", src, "--out", out, "--prepared", "--no-progress"])
        if rc != 0:
            sys.exit(10 + r)
    else:
        flo_rfm.run(src, out_dir=out, prepared=True)
    open(os.path.join(sync, f"done-{wid}-{r}"), "w").close()
print("{}")
"""


class Reader(threading.Thread):
    """Reads every file of ``folder`` over and over while writers replace them: each read must
    be the reference bytes (a file may not exist yet)."""

    def __init__(self, folder: Path, reference: dict[str, bytes]) -> None:
        super().__init__(daemon=True)
        self.folder, self.reference = folder, reference
        self.stop, self.reads, self.bad = threading.Event(), 0, []

    def run(self) -> None:
        while not self.stop.is_set():
            for name, want in self.reference.items():
                try:
                    got = (self.folder / name).read_bytes()
                except FileNotFoundError:
                    continue
                self.reads += 1
                if got != want:
                    self.bad.append((name, len(got), len(want)))
            time.sleep(0.002)  # leave the writers the GIL now and then


def assert_folder_is(folder: Path, reference: dict[str, bytes]) -> None:
    """``folder`` holds exactly the reference files, byte for byte, each parsing, and no
    temporary."""
    assert temporaries(folder) == []
    assert sorted(listing(folder)) == sorted(reference)
    for name, want in reference.items():
        path = folder / name
        assert path.read_bytes() == want, name
        if name.endswith(".csv"):
            assert len(pd.read_csv(path)) > 0, name
        elif name.endswith(".parquet"):
            assert len(pd.read_parquet(path)) > 0, name
        else:
            json.loads(path.read_text())


def test_eight_processes_write_one_folder_five_rounds(inputs, tmp_path):
    src = inputs["medium"]
    flo_rfm.run(src, out_dir=tmp_path / "one", prepared=True)
    reference = {name: (tmp_path / "one" / name).read_bytes() for name in RUN_FILES}
    out, sync = tmp_path / "shared", tmp_path / "sync"
    out.mkdir()
    sync.mkdir()
    procs, rounds = 8, 5
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", PRELUDE + WORKER, str(src), str(out), str(sync), str(w), str(rounds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        for w in range(procs)
    ]
    reader = Reader(out, reference)
    try:

        def wait_for(names: list[str]) -> None:
            deadline = time.monotonic() + 120
            while not all((sync / n).exists() for n in names):
                failed = [w for w in workers if w.poll() not in (None, 0)]
                assert not failed, failed[0].communicate()[1]
                assert time.monotonic() < deadline, f"timed out waiting for {names}"
                time.sleep(0.005)

        wait_for([f"ready-{w}" for w in range(procs)])
        reader.start()
        for r in range(rounds):
            (sync / f"go-{r}").touch()
            wait_for([f"done-{w}-{r}" for w in range(procs)])
        for w in workers:
            _, err = w.communicate(timeout=60)
            assert w.returncode == 0, err
    finally:
        reader.stop.set()
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    reader.join()
    assert reader.reads > 0 and reader.bad == [], reader.bad
    assert_folder_is(out, reference)


def test_four_threads_write_one_folder(inputs, tmp_path):
    src = inputs["medium"]
    res = flo_rfm.run(src)
    cltv = flo_rfm.cltv(inputs["small"])
    one = tmp_path / "one"

    def write_all(out: Path) -> None:
        flo_rfm.run(src, out_dir=out, prepared=True)  # read and written without the GIL
        res.write(out, prepared=True, format="parquet")
        cltv.write(out)

    write_all(one)
    reference = {name: p.read_bytes() for name, p in ((p.name, p) for p in one.iterdir())}
    out = tmp_path / "shared"
    barrier, errors = threading.Barrier(4), []

    def worker() -> None:
        try:
            for _ in range(5):
                barrier.wait(timeout=60)
                write_all(out)
        except BaseException as e:  # any error fails the test below
            errors.append(repr(e))
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    reader = Reader(out, reference)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reader.stop.set()
    reader.join()
    assert errors == []
    assert reader.bad == [], reader.bad
    assert_folder_is(out, reference)


def test_four_threads_write_dask_parquet_parts(tmp_path):
    import dask  # a test dependency: no skip
    import dask.dataframe as dd

    import flo_rfm.dask as fd

    ddf = dd.from_pandas(flo_rfm.datasets.sample_frame(3_000, seed=21), npartitions=3)
    errors: list[str] = []
    with dask.config.set(scheduler="synchronous"):
        fd.run(ddf, tmp_path / "one", format="parquet")
        barrier = threading.Barrier(4)

        def worker() -> None:
            try:
                for _ in range(2):
                    barrier.wait(timeout=60)
                    fd.run(ddf, tmp_path / "shared", format="parquet")
            except BaseException as e:
                errors.append(repr(e))
                barrier.abort()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert temporaries(tmp_path / "shared") == []
    ref = listing(tmp_path / "one")
    assert sorted(listing(tmp_path / "shared")) == sorted(ref)
    for name in ref:
        assert (tmp_path / "shared" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name


# ---------------------------------------------------------------------------------------------
# 2. SIGKILL mid-write
# ---------------------------------------------------------------------------------------------

#: Says "ready" once imported (and, for the study, once its input is read and scored), writes on
#: "go", says "done" and waits to be told to exit. "sample" is ``flo-rfm sample``'s writer (one
#: file of 200 MB, nothing to read first); "study" is ``RunResult.write(prepared=True)``, the
#: calls of ``flo-rfm run --prepared`` (five files).
KILLED_WRITER = """
import flo_rfm
what, out = sys.argv[1], sys.argv[2]
if what == "study":
    res = flo_rfm.run(sys.argv[3])
print("ready", flush=True)
sys.stdin.readline()
if what == "study":
    res.write(out, prepared=True)
else:
    flo_rfm.datasets.write_sample(out, int(sys.argv[3]), int(sys.argv[4]))
print("done", flush=True)
sys.stdin.readline()
"""

SAMPLE_CUSTOMERS, SAMPLE_SEED = 1_500_000, 31
#: Kill points: right after "go"; when the temporary of a file holds this fraction of the final
#: size (1.0: all bytes written, being flushed to disk and renamed); after "done".
SAMPLE_KILLS = (
    ("go",),
    *(("temp", "s.csv", f) for f in (0.0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.0)),
    ("done",),
)
STUDY_KILLS = (("temp", "prepared.csv", 0.5), ("temp", "rfm.csv", 0.3), ("temp", "rfm.csv", 1.0))


def start_writer(*args: object) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + KILLED_WRITER, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready", proc.communicate()[1]
    assert proc.stdin is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return proc


def wait_for_temporary(proc: subprocess.Popen, folder: Path, name: str, size: float) -> bool:
    """Until the writer's temporary of ``name`` in ``folder`` holds ``size`` bytes: True, or
    False if it was renamed (or the writer ended) before that was seen."""
    seen, deadline = False, time.monotonic() + 300
    while time.monotonic() < deadline:
        current = None
        with contextlib.suppress(FileNotFoundError):  # no folder yet, or just renamed
            for entry in os.scandir(folder):
                m = TEMPORARY.match(entry.name)
                if m and m["name"] == name:
                    current = entry.stat().st_size
        if current is not None:
            seen = True
            if current >= size:
                return True
        elif seen or proc.poll() is not None:
            return False
        time.sleep(0.001)
    raise AssertionError(f"no temporary of {name} in {folder} after 300 s")


def kill_at(when: tuple, folder: Path, sizes: dict[str, int], *writer: object) -> dict:
    """Start a writer and SIGKILL it at ``when``; its pid and whether the kill point was hit."""
    proc = start_writer(*writer)
    hit = True
    if when[0] == "done":
        assert proc.stdout is not None and proc.stdout.readline().strip() == "done"
    elif when[0] == "temp":
        hit = wait_for_temporary(proc, folder, when[1], when[2] * sizes[when[1]])
    proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL, err
    return {"pid": proc.pid, "hit": hit}


def fingerprint(path: Path) -> tuple[int, str]:
    return os.path.getsize(path), digest(path)


def state_of(path: Path, new: tuple[int, str], old: bytes) -> str:
    """``absent``, ``old`` (the previous content), ``new`` (the complete new file) or
    ``partial``."""
    if not path.exists():
        return "absent"
    if os.path.getsize(path) == new[0] and digest(path) == new[1]:
        return "new"
    if os.path.getsize(path) == len(old) and path.read_bytes() == old:
        return "old"
    return "partial"


def reference_write(*writer: object) -> None:
    proc = start_writer(*writer)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "done", proc.communicate()[1]
    proc.communicate(timeout=60)
    assert proc.returncode == 0


@pytest.fixture(scope="module")
def sample_reference(tmp_path_factory) -> Iterator[dict]:
    """The 200 MB sample file (kept for the module: the interrupted-read test reads it), its
    size and digest, and a small sample as the previous content of its path."""
    path = tmp_path_factory.mktemp("sample_reference") / "big.csv"
    reference_write("sample", path, SAMPLE_CUSTOMERS, SAMPLE_SEED)
    yield {
        "path": path,
        "new": {"s.csv": fingerprint(path)},
        "old": {"s.csv": flo_rfm.datasets.sample_bytes(500, 32)},
    }
    path.unlink()  # pytest keeps the last runs' folders: not 200 MB each


@pytest.fixture(scope="module")
def study_reference(inputs, tmp_path_factory) -> dict:
    """The same for the large file's study (old: the small file's study)."""
    base = tmp_path_factory.mktemp("study_reference")
    reference_write("study", base / "new", inputs["large"])
    new = {name: fingerprint(base / "new" / name) for name in RUN_FILES}
    shutil.rmtree(base / "new")
    flo_rfm.run(inputs["small"], out_dir=base / "old", prepared=True)
    return {"new": new, "old": {name: (base / "old" / name).read_bytes() for name in RUN_FILES}}


def run_trials(kills: tuple, out: Path, ref: dict, writer: tuple) -> list[dict]:
    """The write killed at each kill point: every other trial over the previous content, the
    others into an empty folder. What each file was after the kill and which temporaries were
    left (then removed, to keep the disk use down)."""
    trials = []
    sizes = {name: size for name, (size, _) in ref["new"].items()}
    for i, when in enumerate(kills):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        with_old = i % 2 == 0
        if with_old:
            for name, data in ref["old"].items():
                (out / name).write_bytes(data)
        trial = {"when": when, "with_old": with_old, **kill_at(when, out, sizes, *writer)}
        trial["states"] = {name: state_of(out / name, ref["new"][name], ref["old"][name]) for name in sizes}
        trial["left"] = temporaries(out)
        trials.append(trial)
    shutil.rmtree(out)
    return trials


@pytest.fixture(scope="module")
def sample_kills(sample_reference, tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("sample_kills") / "out"
    return run_trials(
        SAMPLE_KILLS, out, sample_reference, ("sample", out / "s.csv", SAMPLE_CUSTOMERS, SAMPLE_SEED)
    )


@pytest.fixture(scope="module")
def study_kills(inputs, study_reference, tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("study_kills") / "out"
    return run_trials(STUDY_KILLS, out, study_reference, ("study", out, inputs["large"]))


def assert_old_or_new(trials: list[dict]) -> None:
    for t in trials:
        allowed = {"old", "new"} if t["with_old"] else {"absent", "new"}
        bad = {name: s for name, s in t["states"].items() if s not in allowed}
        assert not bad, f"killed at {t['when']}: {bad} ({t})"
        # Every leftover is the killed writer's own temporary of one of the files.
        for left in t["left"]:
            m = TEMPORARY.match(left)
            assert m and m["name"] in t["states"] and int(m["pid"]) == t["pid"], left


def test_sample_file_is_over_200_mb(sample_reference):
    assert sample_reference["new"]["s.csv"][0] >= 200_000_000


def test_sigkill_leaves_the_old_file_or_the_new_one_never_partial(sample_kills):
    assert_old_or_new(sample_kills)
    # The kill points were hit: the temporary held that much when the writer was killed (and
    # was left behind), and the new file was in place after "done".
    missed = [t["when"] for t in sample_kills if not t["hit"]]
    assert len(missed) <= 1, f"kill points missed: {missed}"
    for t in sample_kills:
        if t["when"][0] == "temp" and t["hit"]:
            assert len(t["left"]) == 1, t
    assert sample_kills[-1]["states"] == {"s.csv": "new"} and sample_kills[-1]["left"] == []


def test_sigkill_mid_study_leaves_each_file_old_or_new(study_kills):
    assert_old_or_new(study_kills)
    # Killed while rfm.csv was written: prepared.csv is already the new one, the rest not yet —
    # each file is whole, but the folder holds files of two runs.
    later = study_kills[1]["states"]
    assert study_kills[1]["hit"] and later["prepared.csv"] == "new" and later["rfm.csv"] == "absent", later


def test_next_write_after_sigkill_leaves_no_temporary(sample_reference, tmp_path):
    target, sizes = tmp_path / "s.csv", {"s.csv": sample_reference["new"]["s.csv"][0]}
    kill_at(("temp", "s.csv", 0.3), tmp_path, sizes, "sample", target, SAMPLE_CUSTOMERS, SAMPLE_SEED)
    assert len(temporaries(tmp_path)) == 1
    flo_rfm.datasets.write_sample(target, SAMPLE_CUSTOMERS, SAMPLE_SEED)
    assert fingerprint(target) == sample_reference["new"]["s.csv"]
    # A SIGKILLed writer cannot remove its temporary; the next writer of the same file should.
    left = temporaries(tmp_path)
    for p in tmp_path.iterdir():
        p.unlink()
    assert left == [], f"the killed writer's temporary is still there: {left}"


# ---------------------------------------------------------------------------------------------
# 3. Full disk: a 1 MiB tmpfs (ENOSPC), and a 1 MiB file-size limit (EFBIG)
# ---------------------------------------------------------------------------------------------

FULL_DISK = """
folder, ref = sys.argv[1], sys.argv[2]
private_tmpfs(folder, "size=1m,mode=0755")  # first: before any thread exists
import contextlib, io, shutil
import flo_rfm, flo_rfm.cli

df = flo_rfm.datasets.sample_frame(20_000)  # 2.7 MB as CSV
data = flo_rfm.datasets.sample(20_000)
flo_rfm.run(data).write(ref, prepared=True)  # the complete files, on the real disk
out = {"mounts": [l.split()[1] for l in open("/proc/self/mounts") if l.split()[1] == folder]}

def case(name, fn):
    os.makedirs(os.path.join(folder, name))
    out[name] = {"error": attempt(fn)}
    out[name]["files"] = files_under(os.path.join(folder, name))
    shutil.rmtree(os.path.join(folder, name))

target = os.path.join(folder, "write_csv", "t.csv")
def write_over_old():
    with open(target, "w") as fh:
        fh.write("old\\n")
    flo_rfm.write_csv(df, target)
case("write_csv", write_over_old)
case("run", lambda: flo_rfm.run(data, out_dir=os.path.join(folder, "run"), prepared=True))
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    code = flo_rfm.cli.main(["run", "--out", os.path.join(folder, "cli"), "--prepared"])
out["cli"] = {"code": code, "stderr": err.getvalue(), "files": files_under(os.path.join(folder, "cli"))}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("full_disk")
    (base / "disk").mkdir()
    out = child(FULL_DISK, base / "disk", base / "ref")
    ref = {p.name: digest(p) for p in (base / "ref").iterdir()}
    return {"out": out, "ref": ref, "disk": base / "disk"}


def test_full_disk_leaves_old_file_and_no_temporary(full_disk):
    out, ref, disk = full_disk["out"], full_disk["ref"], full_disk["disk"]
    assert out["mounts"] == [str(disk)], "the child's tmpfs was not mounted"
    assert str(disk) not in Path("/proc/self/mounts").read_text(), "the tmpfs is visible outside the child"
    assert list(disk.iterdir()) == [], "the tmpfs' files leaked to the real folder"
    # write_csv over an old file: the old file is untouched, no temporary is left.
    assert out["write_csv"]["error"] is not None
    assert out["write_csv"]["files"] == {"t.csv": hashlib.sha256(b"old\n").hexdigest()}
    # run(out_dir=...) and the command: what was written before the disk filled is complete, the
    # file that did not fit is absent, no temporary.
    for case in ("run", "cli"):
        files = out[case]["files"]
        assert not any(name.startswith(".") for name in files), files
        assert all(ref[name] == h for name, h in files.items()), files
        assert len(files) < len(RUN_FILES), files
    assert out["run"]["error"] is not None
    assert out["cli"]["code"] == 1 and "No space left on device" in out["cli"]["stderr"], out["cli"]


def test_full_disk_raises_file_error_enospc(full_disk):
    folder = full_disk["disk"]
    assert_file_error(
        full_disk["out"]["write_csv"]["error"], "FileError", errno.ENOSPC, f"{folder}/write_csv/t.csv"
    )
    # The first file of the study, prepared.csv, is the one that does not fit.
    assert_file_error(
        full_disk["out"]["run"]["error"], "FileError", errno.ENOSPC, f"{folder}/run/prepared.csv"
    )


FILE_SIZE_LIMIT = """
folder = sys.argv[1]
import resource, signal
import flo_rfm

assert signal.getsignal(signal.SIGXFSZ) == signal.SIG_IGN  # Python ignores it: writes get EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
df = flo_rfm.datasets.sample_frame(20_000)
target = os.path.join(folder, "t.csv")
print(json.dumps({"error": attempt(lambda: flo_rfm.write_csv(df, target))}))
"""


def test_file_size_limit_raises_file_error_efbig_and_leaves_old_file(tmp_path):
    (tmp_path / "t.csv").write_text("old\n")
    err = child(FILE_SIZE_LIMIT, tmp_path)["error"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
    assert (tmp_path / "t.csv").read_text() == "old\n"
    assert_file_error(err, "FileError", errno.EFBIG, str(tmp_path / "t.csv"))


# ---------------------------------------------------------------------------------------------
# 4. Read-only folder: a dropped uid (EACCES), a read-only tmpfs (EROFS)
# ---------------------------------------------------------------------------------------------

NOT_ROOT = """
writable, ro, uid = sys.argv[1], sys.argv[2], int(sys.argv[3])
import flo_rfm

df = flo_rfm.datasets.sample_frame(500)
data = flo_rfm.datasets.sample(500)
# Every lazy import done before dropping (the interpreter's files may be root's only).
flo_rfm.run(data).write(os.path.join(writable, "warm"))
flo_rfm.write_csv(df, os.path.join(writable, "warm", "t.csv"))
if os.getuid() == 0:
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
out = {"uid": os.getuid()}
out["control"] = attempt(lambda: flo_rfm.write_csv(df, os.path.join(writable, "t.csv")))
out["write_csv"] = attempt(lambda: flo_rfm.write_csv(df, os.path.join(ro, "t.csv")))
out["run"] = attempt(lambda: flo_rfm.run(data).write(ro))
out["run_new_folder"] = attempt(lambda: flo_rfm.run(data).write(os.path.join(ro, "new")))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def read_only_folder() -> dict:
    # Not under pytest's 0700 base folder: the other user must reach the folder to be refused
    # by it (and not by a parent).
    base = Path(tempfile.mkdtemp(prefix="flo_rfm_faults_"))
    try:
        base.chmod(0o755)
        writable, ro = base / "writable", base / "ro"
        writable.mkdir(mode=0o777)
        writable.chmod(0o777)
        ro.mkdir()
        (ro / "t.csv").write_text("old\n")
        (ro / "t.csv").chmod(0o666)  # the file itself is writable: only the folder is not
        ro.chmod(0o555)
        out = child(NOT_ROOT, writable, ro, NOBODY)
        return {"out": out, "ro": ro, "after": listing(ro), "old": (ro / "t.csv").read_text()}
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


def test_read_only_folder_leaves_it_as_it_was(read_only_folder):
    out = read_only_folder["out"]
    assert out["uid"] != 0
    assert out["control"] is None, out["control"]
    assert read_only_folder["after"] == {"t.csv": 4} and read_only_folder["old"] == "old\n"
    for case in ("write_csv", "run", "run_new_folder"):
        assert out[case] is not None, case


def test_read_only_folder_raises_file_access_error(read_only_folder):
    out, ro = read_only_folder["out"], str(read_only_folder["ro"])
    assert_file_error(out["write_csv"], "FileAccessError", errno.EACCES, f"{ro}/t.csv")
    assert "builtins.PermissionError" in out["write_csv"]["mro"]
    assert_file_error(out["run"], "FileAccessError", errno.EACCES, f"{ro}/rfm.csv")
    assert_file_error(out["run_new_folder"], "FileAccessError", errno.EACCES, f"{ro}/new")


READ_ONLY_MOUNT = """
folder = sys.argv[1]
read_only = private_tmpfs(folder, "size=4m,mode=0755")
with open(os.path.join(folder, "t.csv"), "w") as fh:
    fh.write("old\\n")
read_only()
import flo_rfm

df = flo_rfm.datasets.sample_frame(500)
out = {
    "write_csv": attempt(lambda: flo_rfm.write_csv(df, os.path.join(folder, "t.csv"))),
    "run": attempt(lambda: flo_rfm.run(flo_rfm.datasets.sample(500), out_dir=folder)),
    "run_new_folder": attempt(lambda: flo_rfm.run(flo_rfm.datasets.sample(500), out_dir=folder + "/new")),
    "files": files_under(folder),
}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def read_only_mount(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("read_only_mount")
    return {"out": child(READ_ONLY_MOUNT, folder), "folder": folder}


def test_read_only_filesystem_leaves_it_as_it_was(read_only_mount):
    out, folder = read_only_mount["out"], read_only_mount["folder"]
    assert out["files"] == {"t.csv": hashlib.sha256(b"old\n").hexdigest()}
    assert list(folder.iterdir()) == [] and str(folder) not in Path("/proc/self/mounts").read_text()
    for case in ("write_csv", "run", "run_new_folder"):
        assert out[case] is not None, case


def test_read_only_filesystem_raises_file_error_erofs(read_only_mount):
    out, folder = read_only_mount["out"], str(read_only_mount["folder"])
    assert_file_error(out["write_csv"], "FileError", errno.EROFS, f"{folder}/t.csv")
    assert_file_error(out["run"], "FileError", errno.EROFS, f"{folder}/rfm.csv")
    assert_file_error(out["run_new_folder"], "FileError", errno.EROFS, f"{folder}/new")


# ---------------------------------------------------------------------------------------------
# 5. File modes
# ---------------------------------------------------------------------------------------------

EVERY_OUTPUT = """
src, base = sys.argv[1], sys.argv[2]
import contextlib, io
import matplotlib
import flo_rfm, flo_rfm.cli

for mask in (0o022, 0o077):
    os.umask(mask)
    out = os.path.join(base, f"{mask:03o}")
    os.mkdir(out)
    res = flo_rfm.run(src, out_dir=os.path.join(out, "run_csv"), prepared=True)
    res.write(os.path.join(out, "run_parquet"), prepared=True, format="parquet")
    # prepared by pandas: a DataFrame with an extra column
    frame = flo_rfm.datasets.sample_frame(300).assign(extra=1.5)
    by_pandas = flo_rfm.run(frame)
    by_pandas.write(os.path.join(out, "run_frame_csv"), prepared=True)
    by_pandas.write(os.path.join(out, "run_frame_parquet"), prepared=True, format="parquet")
    cltv = flo_rfm.cltv(src)
    cltv.write(os.path.join(out, "cltv_csv"))
    cltv.write(os.path.join(out, "cltv_parquet"), format="parquet")
    os.mkdir(os.path.join(out, "models"))
    cltv.bgf.save(os.path.join(out, "models", "bgf.json"))
    os.mkdir(os.path.join(out, "write_csv"))
    flo_rfm.write_csv(frame, os.path.join(out, "write_csv", "t.csv"))
    flo_rfm.datasets.write_sample(os.path.join(out, "sample", "s.csv"), 100, 1)
    flo_rfm.datasets.write_transactions(os.path.join(out, "sample", "log.csv"), 1000, 1)
    # Replacing a file gives the new one the umask mode, not the old file's.
    os.mkdir(os.path.join(out, "replaced"))
    old = os.path.join(out, "replaced", "t.csv")
    with open(old, "w") as fh:
        fh.write("old\\n")
    os.chmod(old, 0o666)
    flo_rfm.write_csv(frame, old)
    with contextlib.redirect_stdout(io.StringIO()):
        assert flo_rfm.cli.main(["run", src, "--out", os.path.join(out, "cli_run"), "--plots"]) == 0
        assert flo_rfm.cli.main(["cltv", src, "--out", os.path.join(out, "cli_cltv"), "--plots"]) == 0
        assert flo_rfm.cli.main(["sample", "--customers", "50", "--out", os.path.join(out, "cli.csv")]) == 0
print(json.dumps({"matplotlib": matplotlib.__version__}))
"""

EXPECTED_KINDS = {
    *RUN_FILES,
    *(n.replace(".csv", ".parquet") for n in RUN_FILES),
    *CLTV_FILES,
    "cltv.parquet",
    "bgf.json",
    "t.csv",
    "s.csv",
    "log.csv",
    "cli.csv",
    "segment_grid.png",
    "segment_sizes.png",
    "cltv_by_segment.png",
    "probability_alive.png",
}


def assert_modes(base: Path, expected_names: set[str]) -> None:
    for mask in (0o022, 0o077):
        out = base / f"{mask:03o}"
        names, wrong = set(), []
        for root, dirs, files in os.walk(out):
            for d in dirs:
                mode = stat.S_IMODE(os.stat(os.path.join(root, d)).st_mode)
                if mode != 0o777 & ~mask:
                    wrong.append((os.path.relpath(os.path.join(root, d), base), oct(mode)))
            for f in files:
                names.add(f)
                mode = stat.S_IMODE(os.stat(os.path.join(root, f)).st_mode)
                if mode != 0o666 & ~mask:
                    wrong.append((os.path.relpath(os.path.join(root, f), base), oct(mode)))
        assert expected_names <= names, expected_names - names
        assert temporaries(out) == []
        assert wrong == [], f"umask {mask:03o}: wrong modes {wrong}"


def test_every_output_gets_the_umask_mode(inputs, tmp_path):
    child(EVERY_OUTPUT, inputs["small"], tmp_path)
    assert_modes(tmp_path, EXPECTED_KINDS)


DASK_OUTPUTS = """
base = sys.argv[1]
import dask, dask.dataframe as dd
import flo_rfm, flo_rfm.dask as fd

ddf = dd.from_pandas(flo_rfm.datasets.sample_frame(3_000, seed=4), npartitions=2)
with dask.config.set(scheduler="synchronous"):
    for mask in (0o022, 0o077):
        os.umask(mask)
        out = os.path.join(base, f"{mask:03o}")
        os.mkdir(out)
        fd.run(ddf, os.path.join(out, "csv"), single_file=True)
        fd.run(ddf, os.path.join(out, "parquet"), format="parquet")
        fd.cltv(ddf, os.path.join(out, "cltv"), single_file=True)
print("{}")
"""


def test_dask_outputs_get_the_umask_mode(tmp_path):
    child(DASK_OUTPUTS, tmp_path)
    assert_modes(
        tmp_path,
        {"part-00000.csv", "part-00001.parquet", "segment_summary.csv", "rfm.csv", "cltv.csv", "bgnbd.json"},
    )


# ---------------------------------------------------------------------------------------------
# 6. Output over an input
# ---------------------------------------------------------------------------------------------

OVER_INPUT_CASES = {
    # case: (file name the input gets or is linked as, how the study is written)
    "run rfm.csv": ("rfm.csv", "run"),
    "run prepared.csv": ("prepared.csv", "run_prepared"),
    "run rfm.parquet": ("rfm.parquet", "run_parquet"),
    "cltv cltv.csv": ("cltv.csv", "cltv"),
    "cltv bgnbd.json": ("bgnbd.json", "cltv"),
    "write_csv": ("t.csv", "write_csv"),
    "command run": ("rfm.csv", "cli_run"),
    "command run --plots": ("segment_grid.png", "cli_plots"),
}


def write_study(how: str, src: Path, out: Path) -> None:
    """Write ``how``'s outputs into ``out`` from the input ``src``; the command's exit code 1 and
    message become an OutputIsInputError."""
    if how == "run":
        flo_rfm.run(src, out_dir=out)
    elif how == "run_prepared":
        flo_rfm.run(src, out_dir=out, prepared=True)
    elif how == "run_parquet":
        flo_rfm.run(src, out_dir=out, format="parquet")
    elif how == "cltv":
        flo_rfm.cltv(src).write(out)
    elif how == "write_csv":
        flo_rfm.write_csv(pd.read_csv(src), out / "t.csv", inputs=[str(src)])
    else:
        args = ["run", str(src), "--out", str(out)] + (["--plots"] if how == "cli_plots" else [])
        proc = subprocess.run(
            [sys.executable, "-m", "flo_rfm.cli", *args], capture_output=True, text=True, env=ENV
        )
        if proc.returncode == 1 and "it is an input file" in proc.stderr:
            raise OutputIsInputError(proc.stderr)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("link", ["same path", "hard link", "symlink"])
@pytest.mark.parametrize("case", list(OVER_INPUT_CASES))
def test_output_over_an_input_is_refused(case, link, tmp_path):
    name, how = OVER_INPUT_CASES[case]
    out = tmp_path / "out"
    out.mkdir()
    if link == "same path":
        src = out / name
        flo_rfm.datasets.write_sample(src, 300, 5)
    else:
        src = tmp_path / "in.csv"
        flo_rfm.datasets.write_sample(src, 300, 5)
        (os.link if link == "hard link" else os.symlink)(src, out / name)
    before, inode = src.read_bytes(), src.stat().st_ino
    refused: OutputIsInputError | None = None
    try:
        write_study(how, src, out)
    except OutputIsInputError as e:
        refused = e
    overwritten = src.read_bytes() != before
    assert not overwritten, "the input was overwritten" + ("" if refused else " and nothing was refused")
    assert refused is not None, f"{out / name} was written, not refused: {sorted(os.listdir(out))}"
    assert src.stat().st_ino == inode
    if link == "hard link":
        assert (out / name).stat().st_ino == inode and src.stat().st_nlink == 2
    if link == "symlink":
        assert (out / name).is_symlink() and os.readlink(out / name) == str(src)
    assert temporaries(out) == []
    if how == "cli_plots":  # the command writes the tables before it checks the plots' paths
        assert {"rfm.csv", name} <= set(os.listdir(out))
    else:
        assert sorted(p.name for p in out.iterdir()) == [name], "files were written before the refusal"


# ---------------------------------------------------------------------------------------------
# 7. Interrupted read
# ---------------------------------------------------------------------------------------------


def test_ctrl_c_during_the_read_writes_nothing(sample_reference, tmp_path):
    out = tmp_path / "out"
    code = (
        "import flo_rfm.cli\n"
        'print("ready", flush=True)\n'
        f"sys.exit(flo_rfm.cli.main(['run', {str(sample_reference['path'])!r}, '--out', {str(out)!r}, "
        "'--prepared', '--no-progress']))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", PRELUDE + code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.3)  # inside the read of the 200 MB file
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().endswith("flo-rfm: interrupted"), err
    assert not out.exists(), listing(out)


def test_input_cut_short_mid_row_is_an_error_and_writes_nothing(tmp_path):
    src = Path(flo_rfm.datasets.write_sample(tmp_path / "full.csv", 2_000, 6))
    text = src.read_bytes()
    lines = text.split(b"\n")
    cut = tmp_path / "cut.csv"
    cut.write_bytes(b"\n".join(lines[:1001]) + b"\n" + lines[1001][:30])  # line 1002 cut short
    with pytest.raises(InputError, match=r"cut\.csv:1002: expected 12 fields") as info:
        flo_rfm.run(cut, out_dir=tmp_path / "out")
    assert info.value.line == 1002
    assert not (tmp_path / "out").exists()
    # Cut at a line end the file is shorter but well formed: it reads, with fewer customers.
    cut.write_bytes(b"\n".join(lines[:1001]) + b"\n")
    assert len(flo_rfm.run(cut, out_dir=tmp_path / "out").rfm) == 1000
