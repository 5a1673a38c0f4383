"""The benchmark harness end to end at a tiny size (a smoke test: answers are checked equal
across implementations inside the harness, which fails if they differ; no time is asserted)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"
RFM_JOBS = ["scan", "cli-run", "notebook-run", "polars-run", "pandas-run"]


def run_harness(tmp_path: Path, *options: str) -> str:
    results = tmp_path / "RESULTS.md"
    cmd = [
        sys.executable,
        str(BENCH),
        "--sizes",
        "2000",
        "--repeats",
        "1",
        "--data",
        str(tmp_path / "data"),
        "--out-md",
        str(results),
        *options,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return results.read_text(encoding="utf-8")


def test_harness_runs_and_writes_results(tmp_path):
    text = run_harness(tmp_path, "--cltv-sizes", "2000")
    assert "| customers | file | job | seconds | peak MiB |" in text
    for job in [*RFM_JOBS, "cli-cltv", "lifetimes-cltv"]:
        assert re.search(rf"^\| 2,000 \| [^|]+ \| `{job}` \|", text, re.MULTILINE), job
    assert "both target files byte-identical" in text
    assert "CLTV predictions" in text
    # The stage table: every stage timed by both jobs.
    for stage in ("read", "prepare", "BG/NBD fit", "Gamma-Gamma fit", "predictions and CLV", "write files"):
        row = rf"^\| 2,000 \| {re.escape(stage)} \| \d+\.\d+ \| \d+\.\d+ \|"
        assert re.search(row, text, re.MULTILINE), stage
    assert "## Against the targets" in text
    assert (tmp_path / "data" / "flo_2000_seed42.csv").exists()  # the input is kept in --data


def test_harness_prepared_files(tmp_path):
    """With `flo-rfm run --prepared` the peers write prepared.csv too, checked like rfm.csv."""
    text = run_harness(tmp_path, "--cltv-sizes", "--prepared")
    assert "prepared.csv: CLI and pandas equal read back" in text
    assert re.search(r"^\| 2,000 \| [^|]+ \| `pandas-run` \|", text, re.MULTILINE)
    assert not re.search(r"^\| 2,000 \| [^|]+ \| `cli-cltv` \|", text, re.MULTILINE)  # no CLTV sizes
