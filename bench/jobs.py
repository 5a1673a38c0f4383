"""The peer jobs of the benchmark, each run as a whole process by bench/run.py.

usage: python bench/jobs.py JOB FILE OUTDIR [--files NAME,NAME,...]

Jobs: scan (read the bytes once), pandas-run (the seeds' pandas code), polars-run (idiomatic lazy
Polars), lifetimes-cltv (the seeds' lifetimes CLTV study). The harness times the whole process
from outside (interpreter start-up and imports included, as a user running the script pays them),
so nothing here measures time. Every job writes its answers as the files `flo-rfm` writes, with
the same names, so that the work of formatting and writing them counts for every implementation;
``--files`` says which of the RFM study's files to write (the harness lists what `flo-rfm run`
wrote and asks the peers for the same set).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))  # tests/seeds.py: the seeds' own code

PREPARED = "prepared.csv"
RFM = "rfm.csv"
SUMMARY = "segment_summary.csv"
NEW_BRAND = "new_brand_target_customer_id.csv"
DISCOUNT = "discount_target_customer_ids.csv"
#: The files `flo-rfm run` writes by default; ``--prepared`` adds PREPARED.
RFM_FILES = [RFM, SUMMARY, NEW_BRAND, DISCOUNT]
KNOWN_FILES = {PREPARED, *RFM_FILES}
METRICS = ["recency", "frequency", "monetary"]
SCORES = ["recency_score", "frequency_score", "monetary_score"]
#: rfm.csv's columns, as `flo-rfm run` writes them.
RFM_COLUMNS = ["master_id", *METRICS, *SCORES, "RF_SCORE", "RFM_SCORE", "segment"]
#: pandas' qcut edges for q=5, as numpy's linear quantile sees them: pandas 3 asks for
#: np.linspace(0, 1, 6), whose 0.6000000000000001 it nudges up one more ulp.
QCUT_PROBS = [0.2, 0.4, 0.6000000000000002, 0.8]


def scan(path: str, out: str, files: list[str]) -> None:
    """The floor: read the file's bytes once and count its lines (no parsing)."""
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            lines += chunk.count(b"\n")
    with open(os.path.join(out, "lines.txt"), "w") as fh:
        fh.write(str(lines))


def pandas_run(path: str, out: str, files: list[str]) -> None:
    """The seeds' notebook as a script: their functions, their ``to_csv`` calls."""
    import pandas as pd
    import seeds

    df = seeds.data_prep(pd.read_csv(path))
    rfm = seeds.rfm_table(df)
    if PREPARED in files:
        df.to_csv(os.path.join(out, PREPARED), index=False)
    if RFM in files:  # flo-rfm's rfm.csv is the seeds' table indexed by master_id
        rfm.set_index("customer_id").rename_axis("master_id").to_csv(os.path.join(out, RFM))
    if SUMMARY in files:
        summary = seeds.segment_summary(rfm)
        summary.columns = [f"{m}_{stat}" for m, stat in summary.columns]
        summary.to_csv(os.path.join(out, SUMMARY))
    if NEW_BRAND in files:
        ids = seeds.new_brand_targets(df, rfm).rename("master_id")
        ids.to_csv(os.path.join(out, NEW_BRAND), index=False)
    if DISCOUNT in files:
        ids = seeds.discount_targets(df, rfm).rename("master_id")
        ids.to_csv(os.path.join(out, DISCOUNT), index=False)


def _polars_scores(c: str, labels: list[int]):
    """pandas' ``qcut(col, 5, labels=labels)`` as one Polars expression: the bin is the number
    of inner edges (linear quantiles, one sort) below the value, as right-closed bins give."""
    import polars as pl

    edges = pl.col(c).quantile(QCUT_PROBS, interpolation="linear").explode()
    bins = edges.search_sorted(pl.col(c), side="left")
    return bins.replace_strict(list(range(5)), [str(v) for v in labels], return_dtype=pl.String)


def _polars_rfm(lf):
    """The seeds' rfm table (indexed by master_id) as a lazy Polars query."""
    import pandas as pd
    import polars as pl
    import seeds

    analysis = pl.col("last_order_date").max() + pl.duration(days=2)
    rfm = lf.select(
        "master_id",
        "interested_in_categories_12",
        recency=(analysis - pl.col("last_order_date")).dt.total_days(),
        frequency=pl.col("order_num_total"),
        monetary=pl.col("customer_value_total"),
    ).with_columns(frequency_rank=pl.col("frequency").rank("ordinal"))
    rfm = rfm.with_columns(
        recency_score=_polars_scores("recency", [5, 4, 3, 2, 1]),
        frequency_score=_polars_scores("frequency_rank", [1, 2, 3, 4, 5]),
        monetary_score=_polars_scores("monetary", [1, 2, 3, 4, 5]),
    ).with_columns(RF_SCORE=pl.col("recency_score") + pl.col("frequency_score"))
    # The regex map only ever sees 25 score strings: map those once.
    grid = [f"{r}{f}" for r in "12345" for f in "12345"]
    names = pd.Series(grid).replace(seeds.SEG_MAP, regex=True).tolist()
    return rfm.with_columns(
        RFM_SCORE=pl.col("RF_SCORE") + pl.col("monetary_score"),
        segment=pl.col("RF_SCORE").replace_strict(grid, names),
    )


def _summary_columns():
    """The segment summary's flattened columns: recency_mean, recency_count, ..."""
    import polars as pl

    return [
        agg
        for m in METRICS
        for agg in (pl.col(m).mean().alias(f"{m}_mean"), pl.col(m).count().alias(f"{m}_count"))
    ]


def polars_run(path: str, out: str, files: list[str]) -> None:
    """Idiomatic lazy Polars: scan only the needed columns, one plan, every file sunk from it.

    ``pl.collect_all`` runs the sinks as one query, so the file is scanned once."""
    import polars as pl

    dates = ["first_order_date", "last_order_date", "last_order_date_online", "last_order_date_offline"]
    lf = pl.scan_csv(path)
    if PREPARED not in files:  # projection: only what the RFM study reads
        lf = lf.select(
            "master_id",
            "last_order_date",
            "order_num_total_ever_online",
            "order_num_total_ever_offline",
            "customer_value_total_ever_offline",
            "customer_value_total_ever_online",
            "interested_in_categories_12",
        )
        dates = ["last_order_date"]
    lf = lf.with_columns(
        *[pl.col(c).str.to_date("%Y-%m-%d") for c in dates],
        order_num_total=pl.col("order_num_total_ever_online") + pl.col("order_num_total_ever_offline"),
        customer_value_total=pl.col("customer_value_total_ever_offline")
        + pl.col("customer_value_total_ever_online"),
    )
    rfm = _polars_rfm(lf)
    cats = pl.col("interested_in_categories_12")
    plans = {
        PREPARED: lf,
        RFM: rfm.select(RFM_COLUMNS),
        SUMMARY: rfm.group_by("segment").agg(*_summary_columns()).sort("segment"),
        NEW_BRAND: rfm.filter(
            pl.col("segment").is_in(["champions", "loyal_customers"])
            & (pl.col("monetary") / pl.col("frequency") >= 250)
            & cats.str.contains("KADIN", literal=True)
        ).select("master_id"),
        DISCOUNT: rfm.filter(
            pl.col("segment").is_in(["cant_loose", "hibernating", "new_customers"])
            & (cats.str.contains("ERKEK", literal=True) | cats.str.contains("COCUK", literal=True))
        ).select("master_id"),
    }
    sinks = [plans[name].sink_csv(os.path.join(out, name), lazy=True) for name in files]
    pl.collect_all(sinks)


def lifetimes_cltv(path: str, out: str, files: list[str]) -> None:
    """The seeds' CLTV study with lifetimes, writing what `flo-rfm cltv` writes: the table as
    cltv.csv indexed by master_id, and each model's parameters as JSON."""
    import pandas as pd
    import seeds

    warnings.simplefilter("ignore")  # lifetimes' and pandas' deprecation chatter
    import lifetimes  # noqa: F401 - imported before the timers start, as the CLI imports first

    last = time.perf_counter()

    def lap(stage: str) -> None:
        """The stage timer line bench/run.py reads from stderr."""
        nonlocal last
        now = time.perf_counter()
        print(f"lifetimes: {stage}: {now - last:.3f} s", file=sys.stderr)
        last = now

    raw = pd.read_csv(path)
    lap("read")
    cltv_df, bgf, ggf = seeds.cltv_study(raw, lap=lap)
    cltv_df.set_index("customer_id").rename_axis("master_id").to_csv(os.path.join(out, "cltv.csv"))
    for name, model, kind in (("bgnbd.json", bgf, "BetaGeo"), ("gamma_gamma.json", ggf, "GammaGamma")):
        with open(os.path.join(out, name), "w") as fh:
            json.dump({"model": kind, "params": model.params_.to_dict()}, fh)
    lap("write files")


JOBS = {
    "scan": scan,
    "pandas-run": pandas_run,
    "polars-run": polars_run,
    "lifetimes-cltv": lifetimes_cltv,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("job", choices=sorted(JOBS))
    ap.add_argument("file")
    ap.add_argument("out")
    ap.add_argument("--files", default=",".join(RFM_FILES), help="comma-separated RFM files to write")
    args = ap.parse_args()
    files = [f for f in args.files.split(",") if f]
    unknown = set(files) - KNOWN_FILES
    if unknown:
        ap.error(f"no peer writes {sorted(unknown)}")
    os.makedirs(args.out, exist_ok=True)
    JOBS[args.job](args.file, args.out, files)


if __name__ == "__main__":
    main()
