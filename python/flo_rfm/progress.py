"""Progress bars for long work (reading large files, the CLTV study, the bootstrap): the core
runs in a worker thread with the GIL released and counts bytes or steps; this thread draws the
bar — ``tqdm.auto``'s (a widget in Jupyter) when tqdm is installed, else a text line on stderr
when stderr is a terminal (the command line), else nothing (a notebook without tqdm)."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any, Callable, TextIO, TypeVar

from . import _flo_rfm

T = TypeVar("T")


def _text_stream(stream: TextIO | None) -> TextIO | None:
    """Where a text bar goes without tqdm: ``stream`` if given, else stderr on a terminal."""
    if stream is not None:
        return stream
    isatty = getattr(sys.stderr, "isatty", None)
    return sys.stderr if isatty is not None and isatty() else None


def _bar(done: int, total: int, started: float, width: int = 30) -> str:
    frac = min(done / total, 1.0) if total else 1.0
    filled = int(frac * width)
    rate = done / max(time.monotonic() - started, 1e-9) / 1e6
    bar = "#" * filled + "." * (width - filled)
    return f"\r[{bar}] {frac:6.1%}  {done / 1e6:,.0f}/{total / 1e6:,.0f} MB  {rate:,.0f} MB/s"


def run_watched(
    work: Callable[[_flo_rfm.Progress], T],
    on_tick: Callable[[int], None] | None = None,
    interval: float = 0.2,
    steps: bool = False,
) -> T:
    """Run ``work(progress)`` in a worker thread (the core works with the GIL released) while
    this thread waits, calling ``on_tick(bytes_read)`` (``on_tick(steps_done)`` with ``steps``)
    every ``interval`` seconds.

    Ctrl-C stops it promptly: ``KeyboardInterrupt`` cancels the read, which ends at its next
    block, the worker is joined (no thread is left running) and the interrupt re-raised: the
    core's (``"FILE: cancelled"``) when the work was stopped, the original when it had finished.
    The worker's result is returned and its exception (a :mod:`flo_rfm.exceptions` class)
    re-raised.
    """
    counter = _flo_rfm.Progress()
    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["result"] = work(counter)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e
        finally:
            done.set()

    thread = threading.Thread(target=run, name="flo_rfm-read", daemon=True)
    thread.start()
    # Waiting on an Event, not on Thread.join: a join interrupted by Ctrl-C marks a thread that
    # is still running as stopped (CPython's bpo-45274 handling), and the read would outlive us.
    try:
        while not done.wait(interval):
            if on_tick is not None:
                on_tick(counter.steps_done if steps else counter.bytes_read)
    except KeyboardInterrupt:
        counter.cancel()
        done.wait()
        thread.join()
        stopped = box.get("error")
        if isinstance(stopped, KeyboardInterrupt):
            # The core's own interrupt names what it stopped ("FILE: cancelled").
            raise stopped from None
        raise
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def _tqdm_bar(total: int, unit: str = "B", desc: str = "reading") -> Any | None:
    """``tqdm.auto``'s bar for ``total`` bytes (or other units), or None when tqdm is not
    installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    scaled = unit == "B"
    return tqdm(total=total, unit=unit, unit_scale=scaled, unit_divisor=1000, desc=desc)


def _shown(
    work: Callable[[_flo_rfm.Progress], T],
    total: int,
    steps: bool,
    tqdm_args: tuple[str, str],
    line: Callable[[int], str],
    stream: TextIO | None,
    interval: float,
) -> T:
    """:func:`run_watched` with ``total`` bytes (or ``steps``) shown: tqdm's bar (``tqdm_args``:
    unit and description) when it is installed and no ``stream`` is given, else ``line(done)``
    on ``stream`` (or on stderr when it is a terminal), else nothing."""
    bar = _tqdm_bar(total, *tqdm_args) if stream is None else None
    if bar is not None:
        try:
            result = run_watched(work, lambda done: bar.update(done - bar.n), interval, steps)
            bar.update(total - bar.n)
            return result
        finally:
            bar.close()
    out = _text_stream(stream)
    if out is None:
        return run_watched(work, interval=interval, steps=steps)

    def draw(done: int) -> None:
        out.write(line(done))
        out.flush()

    try:
        result = run_watched(work, draw, interval, steps)
    except BaseException:
        out.write("\n")
        raise
    out.write(line(total) + "\n")
    out.flush()
    return result


def with_step_progress(
    total: int,
    work: Callable[[_flo_rfm.Progress], T],
    unit: str,
    desc: str,
    stream: TextIO | None = None,
    interval: float = 0.2,
) -> T:
    """:func:`run_watched` showing the steps done (``Progress.steps_done``) out of ``total``
    (see :func:`_shown`)."""
    return _shown(
        work, total, True, (unit, desc), lambda done: f"\r{desc}: {done}/{total} {unit}", stream, interval
    )


def with_progress(
    path: str, work: Callable[[_flo_rfm.Progress], T], stream: TextIO | None = None, interval: float = 0.2
) -> T:
    """:func:`run_watched` drawing a bar of the bytes read against the size of ``path`` (see
    :func:`_shown`)."""
    try:
        total = os.path.getsize(path)
    except OSError:
        # No bar for a file that cannot be read: the reader raises the flo_rfm error saying why.
        return run_watched(work)
    started = time.monotonic()
    return _shown(
        work, total, False, ("B", "reading"), lambda done: _bar(done, total, started), stream, interval
    )
