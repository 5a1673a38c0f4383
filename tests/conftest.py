"""Shared fixtures. The real FLO file is read from ../shared/data (never copied here); under
CI=true a missing file is a failure, not a skip."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A two-worker ``LocalCluster`` (one thread each) and its client, for the flo_rfm.dask tests.
    Module-scoped: while it is open it is Dask's default scheduler, so it must not outlive the
    module that asked for it (other modules compute on Dask's local schedulers). A test that
    kills a worker makes a cluster of its own."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c
