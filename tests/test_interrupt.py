"""Ctrl-C during a read stops it promptly and leaves no thread running.

The read runs in the core with the GIL released, in a worker thread; the interrupt cancels it at
its next block. A child process reads a generated file in a loop and gets SIGINT at several
points."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import flo_rfm

CHILD = textwrap.dedent(
    """
    import sys, threading, time
    import flo_rfm

    started = time.monotonic()
    flo_rfm.read_csv(sys.argv[1])
    print("ready", time.monotonic() - started, flush=True)
    try:
        for _ in range(100):
            print("start", flush=True)
            flo_rfm.read_csv(sys.argv[1])
    except KeyboardInterrupt as e:
        time.sleep(0.05)
        alive = [t.name for t in threading.enumerate() if t.is_alive() and t.name != "MainThread"]
        cancelled = str(e).endswith(": cancelled")
        print("interrupted", "cancelled" if cancelled else "finished", alive, flush=True)
    """
)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("interrupt") / "big.csv"
    flo_rfm.datasets.write_sample(path, 1_000_000, 3)
    return path


# The signal goes out a fraction of one read after the child says a read starts (the first,
# second or third of the loop), so it lands inside that read whatever the machine's speed between
# reads; the check is what the core reports (the read ended with "cancelled"), not a wall-clock
# bound, which a loaded machine can miss.
@pytest.mark.parametrize(("reads", "fraction"), [(1, 0.1), (2, 0.3), (3, 0.35)])
def test_ctrl_c_stops_a_read_promptly_without_leaving_threads(
    big_file: Path, reads: int, fraction: float
) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(big_file)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    ready, whole_read = child.stdout.readline().split()
    assert ready == "ready"
    for _ in range(reads):
        assert child.stdout.readline().strip() == "start"
    time.sleep(fraction * float(whole_read))
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    words = out.replace("start\n", "").split(maxsplit=2)
    assert words[0] == "interrupted", out
    assert words[1] == "cancelled", out
    assert words[2].strip() == "[]", f"threads still running: {out}"
    assert child.returncode == 0
