"""The benchmark harness end to end at a tiny size (a smoke test: answers are checked equal
across implementations inside the harness; no time is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_harness_runs_and_writes_results(tmp_path):
    results = tmp_path / "RESULTS.md"
    cmd = [
        sys.executable,
        str(BENCH),
        "--sizes",
        "2000",
        "--repeats",
        "1",
        "--cltv-size",
        "2000",
        "--log-sizes",
        "5000",
        "--models-size",
        "2000",
        "--data",
        str(tmp_path / "data"),
        "--results",
        str(results),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=900)
    text = results.read_text(encoding="utf-8")
    for heading in (
        "## End-to-end RFM",
        "## CLTV on 2,000 customers",
        "## Order-log summary",
        "## Purchase-model fits",
        "## Against the targets",
    ):
        assert heading in text, heading
    assert "| 2,000 |" in text and "| ParetoNBD |" in text
