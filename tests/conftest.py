"""Shared fixtures. The real FLO file is read from ../shared/data (never copied here); under
CI=true a missing file is a failure, not a skip."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
# Plots render off-screen in tests.
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
REAL_FILE = Path(os.environ.get("FLO_REAL_FILE", ROOT.parent / "shared" / "data" / "flo_data_20k.csv"))


@pytest.fixture(scope="session")
def real_path() -> Path:
    if not REAL_FILE.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the real FLO file is required under CI and was not found at {REAL_FILE}")
        pytest.skip(f"real FLO file not found at {REAL_FILE}")
    return REAL_FILE


@pytest.fixture(scope="session")
def real_raw(real_path: Path) -> pd.DataFrame:
    return pd.read_csv(real_path)
