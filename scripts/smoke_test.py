"""Smoke test of an installed flo_rfm (a wheel or an sdist build), run from outside the source tree.

It checks the import (the compiled core, the version, the type stubs), the study on the built-in
20,000-customer sample against the seeds' pandas code written out below (segment sizes, the
segment summary's means, both campaign lists), and the ``flo-rfm`` command. Standard library,
pandas and flo_rfm only, so it runs on every platform the release workflow builds for.

Usage: python scripts/smoke_test.py      (exit status 0 and a last line "smoke ok: ..." on success)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from importlib import metadata
from pathlib import Path

import pandas as pd

import flo_rfm

SEG_MAP = {
    r"[1-2][1-2]": "hibernating",
    r"[1-2][3-4]": "at_Risk",
    r"[1-2]5": "cant_loose",
    r"3[1-2]": "about_to_sleep",
    r"33": "need_attention",
    r"[3-4][4-5]": "loyal_customers",
    r"41": "promising",
    r"51": "new_customers",
    r"[4-5][2-3]": "potential_loyalists",
    r"5[4-5]": "champions",
}


def seeds_rfm(df: pd.DataFrame) -> pd.DataFrame:
    """The course notebook's pandas code (tests/seeds.py, abridged): prepare, score, segment."""
    df = df.copy()
    df["order_num_total"] = df["order_num_total_ever_online"] + df["order_num_total_ever_offline"]
    df["customer_value_total"] = (
        df["customer_value_total_ever_offline"] + df["customer_value_total_ever_online"]
    )
    for col in df.columns[df.columns.str.contains("date")]:
        df[col] = pd.to_datetime(df[col])
    analysis_date = df["last_order_date"].max() + pd.Timedelta(days=2)
    rfm = pd.DataFrame()
    rfm["customer_id"] = df["master_id"]
    rfm["recency"] = (analysis_date - df["last_order_date"]).dt.days
    rfm["frequency"] = df["order_num_total"]
    rfm["monetary"] = df["customer_value_total"]
    rfm["recency_score"] = pd.qcut(rfm["recency"], 5, labels=[5, 4, 3, 2, 1])
    rfm["frequency_score"] = pd.qcut(rfm["frequency"].rank(method="first"), 5, labels=[1, 2, 3, 4, 5])
    rfm["monetary_score"] = pd.qcut(rfm["monetary"], 5, labels=[1, 2, 3, 4, 5])
    rfm["RF_SCORE"] = rfm["recency_score"].astype(str) + rfm["frequency_score"].astype(str)
    rfm["segment"] = rfm["RF_SCORE"].replace(SEG_MAP, regex=True)
    rfm["interested_in_categories_12"] = df["interested_in_categories_12"]
    return rfm


def main() -> None:
    # 1. The installed package, not a source tree: the module and its compiled core.
    installed = {Path(sysconfig.get_path(k)).resolve() for k in ("purelib", "platlib")}
    here = Path(flo_rfm.__file__).resolve().parent
    assert here.parent in installed, f"flo_rfm imported from {here}, not from site-packages"
    core = Path(flo_rfm._flo_rfm.__file__)
    version = metadata.version("flo_rfm")  # the wheel's metadata: Cargo.toml's version via maturin
    assert flo_rfm.__version__ == version, f"core says {flo_rfm.__version__}, metadata {version}"
    for typed in ("py.typed", "_flo_rfm.pyi"):
        assert (here / typed).is_file(), f"{typed} missing from the installed package"

    # 2. The study on the built-in sample equals the seeds' pandas code on the same rows.
    run = flo_rfm.run(flo_rfm.datasets.sample())
    ref = seeds_rfm(flo_rfm.datasets.sample_frame())
    ours = run.rfm
    assert len(ours) == len(ref) == flo_rfm.datasets.DEFAULT_CUSTOMERS
    assert list(ours["segment"]) == list(ref["segment"]), "segments differ from pandas"
    summary = ref[["segment", "recency", "frequency", "monetary"]].groupby("segment").agg(["mean", "count"])
    pd.testing.assert_frame_equal(run.segment_summary, summary, check_exact=True, check_dtype=False)
    kadin = ref["interested_in_categories_12"].str.contains("KADIN")
    new_brand = ref[
        ref["segment"].isin(["champions", "loyal_customers"])
        & (ref["monetary"] / ref["frequency"] >= 250)
        & kadin
    ]["customer_id"]
    discount = ref[
        ref["segment"].isin(["cant_loose", "hibernating", "new_customers"])
        & ref["interested_in_categories_12"].str.contains("ERKEK|COCUK")
    ]["customer_id"]
    assert list(run.new_brand_targets) == list(new_brand), "new-brand list differs from pandas"
    assert list(run.discount_targets) == list(discount), "discount list differs from pandas"
    assert len(new_brand) > 0 and len(discount) > 0

    # 3. The command: its console script, on the same sample, writes the same list.
    exe = shutil.which("flo-rfm", path=sysconfig.get_path("scripts"))
    assert exe, "the flo-rfm console script is not installed"
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([exe, "run", "--out", out], check=True, stdout=subprocess.DEVNULL)
        written = pd.read_csv(os.path.join(out, "new_brand_target_customer_id.csv"))["master_id"]
        assert list(written) == list(new_brand), "flo-rfm run wrote a different new-brand list"

    champions = summary.loc["champions", ("monetary", "mean")]
    print(
        f"smoke ok: flo_rfm {flo_rfm.__version__} ({core.name}) on Python {sys.version.split()[0]}: "
        f"{len(ours)} customers, {summary.shape[0]} segments as pandas, "
        f"{len(new_brand)} new-brand and {len(discount)} discount targets, "
        f"champions' mean monetary {champions:.2f}"
    )


if __name__ == "__main__":
    main()
