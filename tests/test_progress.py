"""Progress bars: tqdm.auto's when tqdm is installed, else a text bar on stderr when it is a
terminal, else (a notebook without tqdm) nothing; nothing under progress=False."""

from __future__ import annotations

import io
import sys
import types
from pathlib import Path
from typing import ClassVar

import pytest

import flo_rfm


class FakeTqdm:
    """Records what a tqdm bar is told."""

    made: ClassVar[list[FakeTqdm]] = []

    def __init__(self, total: int, **kwargs: object) -> None:
        self.total = total
        self.kwargs = kwargs
        self.n = 0
        self.closed = False
        FakeTqdm.made.append(self)

    def update(self, k: int) -> None:
        self.n += k

    def close(self) -> None:
        self.closed = True


def fake_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = FakeTqdm  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    FakeTqdm.made.clear()


@pytest.fixture
def sample(tmp_path: Path) -> str:
    return flo_rfm.datasets.write_sample(str(tmp_path / "s.csv"), 3000)


def test_tqdm_bar_when_tqdm_is_installed(
    sample: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_tqdm(monkeypatch)
    data = flo_rfm.read_csv(sample, progress=True)
    assert len(data) == 3000
    (bar,) = FakeTqdm.made
    size = Path(sample).stat().st_size
    assert bar.total == size and bar.n == size and bar.closed
    assert bar.kwargs["unit"] == "B"
    assert capsys.readouterr().err == ""


def test_failed_read_closes_the_bar_without_filling_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tqdm(monkeypatch)
    bad = tmp_path / "bad.csv"
    bad.write_text("master_id,whatever\n1,2\n")
    with pytest.raises(flo_rfm.exceptions.MissingColumnsError):
        flo_rfm.read_csv(str(bad), progress=True)
    (bar,) = FakeTqdm.made
    assert bar.closed and bar.n < bar.total


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_bar_without_tqdm_on_a_terminal_only(
    sample: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import raises ImportError
    flo_rfm.read_csv(sample, progress=True)
    assert capsys.readouterr().err == ""  # not a terminal (a notebook's stderr): quiet
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    flo_rfm.read_csv(sample, progress=True)
    assert "100.0%" in terminal.getvalue() and "MB" in terminal.getvalue()


def test_quiet_without_progress(
    sample: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_tqdm(monkeypatch)
    flo_rfm.read_csv(sample)
    assert FakeTqdm.made == [] and capsys.readouterr().err == ""


@pytest.fixture(scope="module")
def weekly() -> tuple[object, ...]:
    t = flo_rfm.cltv(flo_rfm.datasets.sample(800)).to_pandas()
    return (t["frequency"], t["recency_cltv_weekly"], t["T_weekly"], t["monetary_cltv_avg"])


def _bootstrap(weekly: tuple[object, ...], **kw: object) -> object:
    return flo_rfm.bootstrap_clv(
        *weekly, freq="W", replicates=12, seed=3, penalizer_coef=0.001, gg_penalizer_coef=0.01, **kw
    )


def test_bootstrap_progress_counts_replicates(
    weekly: tuple[object, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = _bootstrap(weekly)
    assert capsys.readouterr().err == ""
    fake_tqdm(monkeypatch)
    shown = _bootstrap(weekly, progress=True)
    (bar,) = FakeTqdm.made
    assert (bar.total, bar.n, bar.closed, bar.kwargs["unit"]) == (12, 12, True, "replicates")
    # The bar changes nothing in the numbers.
    assert quiet.equals(shown)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    _bootstrap(weekly, progress=True)
    assert capsys.readouterr().err == ""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    _bootstrap(weekly, progress=True)
    assert terminal.getvalue().endswith("bootstrap: 12/12 replicates\n")


def test_a_cancelled_bootstrap_stops_with_keyboard_interrupt(weekly: tuple[object, ...]) -> None:
    import numpy as np

    from flo_rfm import _flo_rfm

    cols = [np.asarray(c, dtype=np.float64) for c in weekly]
    counter = _flo_rfm.Progress()
    counter.cancel()
    with pytest.raises(KeyboardInterrupt, match="bootstrap_clv: cancelled"):
        _flo_rfm.bootstrap_clv("bgnbd", *cols, (0.001, 0.01), (6, 0.01, 4.345), 12, 3, 0.95, counter)
    assert counter.steps_done == 0


def test_cltv_progress_reads_then_counts_the_study_steps(
    sample: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flo_rfm import _flo_rfm

    quiet = flo_rfm.cltv(sample)
    assert capsys.readouterr().err == ""
    fake_tqdm(monkeypatch)
    shown = flo_rfm.cltv(sample, progress=True)
    read, study = FakeTqdm.made
    assert (read.n, read.total, read.closed) == (Path(sample).stat().st_size,) * 2 + (True,)
    assert (study.total, study.n, study.closed, study.kwargs["unit"]) == (_flo_rfm.CLTV_STEPS,) * 2 + (
        True,
        "steps",
    )
    # The bar changes nothing in the numbers.
    assert quiet.to_pandas().equals(shown.to_pandas())
    assert quiet.bgf.params_.equals(shown.bgf.params_)
    # A table has no file to read: the study's bar only.
    FakeTqdm.made.clear()
    flo_rfm.cltv(flo_rfm.datasets.sample(2000), progress=True)
    assert [b.kwargs["unit"] for b in FakeTqdm.made] == ["steps"]


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "pareto_nbd"])
def test_a_cancelled_fit_stops_with_keyboard_interrupt(weekly: tuple[object, ...], model: str) -> None:
    import numpy as np

    from flo_rfm import _flo_rfm

    x, t_x, t, m = (np.asarray(c, dtype=np.float64) for c in weekly)
    counter = _flo_rfm.Progress()
    assert len(_flo_rfm.fit_purchases(model, x, t_x, t, None, 0.001, counter).params) == 4
    counter.cancel()
    with pytest.raises(KeyboardInterrupt, match="fit: cancelled"):
        _flo_rfm.fit_purchases(model, x, t_x, t, None, 0.001, counter)
    with pytest.raises(KeyboardInterrupt, match="Gamma-Gamma fit: cancelled"):
        _flo_rfm.fit_gamma_gamma(x, m, None, 0.01, counter)


def test_a_cancelled_study_stops_with_keyboard_interrupt() -> None:
    from flo_rfm import _flo_rfm

    frame = flo_rfm.datasets.sample(2000)._frame
    counter = _flo_rfm.Progress()
    counter.cancel()
    with pytest.raises(KeyboardInterrupt, match="fit: cancelled"):
        frame.cltv_study(progress=counter)
    assert counter.steps_done == 1  # the frame was made, no fit finished
