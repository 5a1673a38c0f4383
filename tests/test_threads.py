"""Reproducible whatever the thread count: the CLTV study (both fits, every prediction), a
Pareto/NBD fit and the RFM files are the same numbers on one core as on all of them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import flo_rfm

JOB = """
import hashlib, json, sys, tempfile, os
import flo_rfm
out = tempfile.mkdtemp()
cltv = flo_rfm.cltv(sys.argv[1])
files = cltv.write(out)
files.update(flo_rfm.run(sys.argv[1], out).files)
pareto = []
if sys.argv[2] == "pareto":
    t = cltv.to_pandas()
    fit = flo_rfm.ParetoNBD().fit(t["frequency"], t["recency_cltv_weekly"], t["T_weekly"])
    pareto = [float(v).hex() for v in fit.params_]
print(json.dumps({
    "pareto": pareto,
    "bgnbd": cltv.bgf.params_.tolist(),
    "gamma_gamma": cltv.ggf.params_.tolist(),
    "objectives": [cltv.bgf.fit_info_["objective"], cltv.ggf.fit_info_["objective"]],
    "files": {os.path.basename(p): hashlib.sha256(open(p, "rb").read()).hexdigest() for p in files.values()},
}))
"""


def _study(path: Path, threads: int | None, pareto: bool) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("RAYON_NUM_THREADS", None)
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    done = subprocess.run(
        [sys.executable, "-c", JOB, str(path), "pareto" if pareto else "-"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("threads") / "generated.csv"
    flo_rfm.datasets.write_sample(path, 150_000, seed=8)
    return path


@pytest.mark.parametrize("which", ["real", "generated"])
def test_one_thread_and_all_threads_give_the_same_study(which, real_path, generated):
    path = real_path if which == "real" else generated
    # Pareto/NBD on the generated file only: on the real file its optimum sits where the 2F1
    # series converges slowly (a fit takes minutes).
    pareto = which == "generated"
    one, many, three = (_study(path, n, pareto) for n in (1, None, 3))
    assert one == many == three
    assert bool(one["pareto"]) == pareto
    assert len(one["files"]) == 7  # type: ignore[arg-type]
    assert hashlib.sha256(b"").hexdigest() not in one["files"].values()  # type: ignore[union-attr]
