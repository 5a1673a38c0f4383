"""A text progress bar for reading large files: the Rust reader runs in a worker thread with the
GIL released and counts bytes; this thread draws the bar."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Callable, TextIO, TypeVar

from . import _flo_rfm

T = TypeVar("T")


def _bar(done: int, total: int, started: float, width: int = 30) -> str:
    frac = min(done / total, 1.0) if total else 1.0
    filled = int(frac * width)
    rate = done / max(time.monotonic() - started, 1e-9) / 1e6
    bar = "#" * filled + "." * (width - filled)
    return f"\r[{bar}] {frac:6.1%}  {done / 1e6:,.0f}/{total / 1e6:,.0f} MB  {rate:,.0f} MB/s"


def with_progress(
    path: str, work: Callable[[_flo_rfm.Progress], T], stream: TextIO | None = None, interval: float = 0.2
) -> T:
    """Run ``work(progress)`` in a thread and draw a bar of ``progress.bytes_read`` against the
    size of ``path`` until it returns; its result is returned and its exception re-raised."""
    out = stream if stream is not None else sys.stderr
    total = os.path.getsize(path)
    counter = _flo_rfm.Progress()
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = work(counter)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    started = time.monotonic()
    thread = threading.Thread(target=run, name="flo_rfm-read", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(interval)
        out.write(_bar(counter.bytes_read, total, started))
        out.flush()
    out.write(_bar(total if "result" in box else counter.bytes_read, total, started) + "\n")
    out.flush()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
