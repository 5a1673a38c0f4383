"""One benchmark job, run in its own process by bench/run.py.

usage: python bench/jobs.py JOB FILE OUTDIR

Jobs: rfm-flo_rfm, rfm-pandas (the seeds' code), rfm-polars (idiomatic Polars), scan (read the
bytes once and count newlines), cltv-flo_rfm, cltv-lifetimes. Each prints one JSON line with its
wall time (the job only, not interpreter start-up) and writes its answers to OUTDIR.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from datetime import timedelta

# Polars 2 deprecates `Expr.cut` in name only; its semantics are the ones wanted here.
warnings.filterwarnings("ignore", message=".*cut.*deprecated", category=DeprecationWarning)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

SEGMENT_COLUMNS = ["recency", "frequency", "monetary"]


def rfm_flo(path: str, out: str) -> None:
    import flo_rfm

    res = flo_rfm.rfm(path)
    summary = res.segment_summary()
    res.write_targets(out)
    summary.to_csv(os.path.join(out, "summary.csv"))


def rfm_pandas(path: str, out: str) -> None:
    import pandas as pd
    import seeds

    df = seeds.data_prep(pd.read_csv(path))
    rfm = seeds.rfm_table(df)
    seeds.segment_summary(rfm).to_csv(os.path.join(out, "summary.csv"))
    seeds.new_brand_targets(df, rfm).rename("master_id").to_csv(
        os.path.join(out, "new_brand_target_customer_id.csv"), index=False
    )
    seeds.discount_targets(df, rfm).rename("master_id").to_csv(
        os.path.join(out, "discount_target_customer_ids.csv"), index=False
    )


def rfm_polars(path: str, out: str) -> None:
    import numpy as np
    import pandas as pd
    import polars as pl
    import seeds

    dates = ["first_order_date", "last_order_date", "last_order_date_online", "last_order_date_offline"]
    df = pl.read_csv(path).with_columns(
        (pl.col("order_num_total_ever_online") + pl.col("order_num_total_ever_offline")).alias("frequency"),
        (pl.col("customer_value_total_ever_offline") + pl.col("customer_value_total_ever_online")).alias(
            "monetary"
        ),
        *[pl.col(c).str.to_date("%Y-%m-%d") for c in dates],
    )
    analysis = df["last_order_date"].max() + timedelta(days=2)
    rfm = df.select(
        "master_id",
        "frequency",
        "monetary",
        "interested_in_categories_12",
        recency=(pl.lit(analysis) - pl.col("last_order_date")).dt.total_days(),
        frequency_rank=pl.col("frequency").rank("ordinal"),
    )
    # pandas' qcut edges: numpy's linear quantile at pandas 3's probabilities.
    probs = np.linspace(0, 1, 6)
    probs = np.where(5 * probs != np.arange(6), np.nextafter(probs, 1), probs)

    def cut(col: str, labels: list[str]) -> pl.Expr:
        edges = np.quantile(rfm[col].to_numpy(), probs)
        breaks = list(edges[1:-1])
        return pl.col(col).cut(breaks, labels=labels, left_closed=False).cast(pl.String)

    rfm = rfm.with_columns(
        cut("recency", ["5", "4", "3", "2", "1"]).alias("r"),
        cut("frequency_rank", ["1", "2", "3", "4", "5"]).alias("f"),
    ).with_columns(rf=pl.col("r") + pl.col("f"))
    # The regex map only ever sees 25 score strings: map those once.
    grid = [f"{r}{f}" for r in "12345" for f in "12345"]
    names = pd.Series(grid).replace(seeds.SEG_MAP, regex=True).tolist()
    rfm = rfm.with_columns(segment=pl.col("rf").replace_strict(grid, names))
    summary = (
        rfm.group_by("segment")
        .agg(*[pl.col(c).mean().alias(f"{c}_mean") for c in SEGMENT_COLUMNS], pl.len().alias("count"))
        .sort("segment")
    )
    summary.write_csv(os.path.join(out, "summary.csv"))
    cats = pl.col("interested_in_categories_12")
    rfm.filter(
        pl.col("segment").is_in(["champions", "loyal_customers"])
        & (pl.col("monetary") / pl.col("frequency") >= 250)
        & cats.str.contains("KADIN", literal=True)
    ).select("master_id").write_csv(os.path.join(out, "new_brand_target_customer_id.csv"))
    rfm.filter(
        pl.col("segment").is_in(["cant_loose", "hibernating", "new_customers"])
        & (cats.str.contains("ERKEK", literal=True) | cats.str.contains("COCUK", literal=True))
    ).select("master_id").write_csv(os.path.join(out, "discount_target_customer_ids.csv"))


def scan(path: str, out: str) -> None:
    lines = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            lines += chunk.count(b"\n")
    with open(os.path.join(out, "lines.txt"), "w") as fh:
        fh.write(str(lines))


PREDICTIONS = ["exp_sales_3_month", "exp_sales_6_month", "exp_average_value", "cltv"]


def save_predictions(out: str, ids: object, table: object) -> None:
    """Predictions as .npy (a CSV of a million rows would cost more than the model)."""
    import numpy as np

    np.save(os.path.join(out, "ids.npy"), np.asarray(ids, dtype=object), allow_pickle=True)
    np.save(os.path.join(out, "predictions.npy"), table[PREDICTIONS].to_numpy())  # type: ignore[index]


def cltv_flo(path: str, out: str) -> None:
    import flo_rfm

    res = flo_rfm.cltv(path)
    table = res.to_pandas()
    save_predictions(out, table.index, table)
    params = {**res.bgf.params_.to_dict(), **res.ggf.params_.to_dict()}
    with open(os.path.join(out, "params.json"), "w") as fh:
        json.dump(params, fh)


def cltv_lifetimes(path: str, out: str) -> None:
    import warnings

    import pandas as pd
    import seeds

    warnings.simplefilter("ignore")
    cltv_df, bgf, ggf = seeds.cltv_study(pd.read_csv(path))
    save_predictions(out, cltv_df["customer_id"], cltv_df)
    params = {**bgf.params_.to_dict(), **ggf.params_.to_dict()}
    with open(os.path.join(out, "params.json"), "w") as fh:
        json.dump(params, fh)


def _save_summary(out: str, ids: object, cols: dict[str, object]) -> None:
    import numpy as np

    np.save(os.path.join(out, "ids.npy"), np.asarray(ids, dtype=object), allow_pickle=True)
    np.save(
        os.path.join(out, "summary.npy"),
        np.column_stack([np.asarray(c, dtype="float64") for c in cols.values()]),
    )


def log_flo(path: str, out: str) -> None:
    import flo_rfm

    s = flo_rfm.summarize_transactions(path, "customer_id", "date", "amount")
    _save_summary(out, s.index, {c: s[c] for c in s.columns})


def log_lifetimes(path: str, out: str) -> None:
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    s = summary_data_from_transaction_data(pd.read_csv(path), "customer_id", "date", "amount")
    _save_summary(out, s.index, {c: s[c] for c in s.columns})


def log_polars(path: str, out: str) -> None:
    import polars as pl

    df = pl.read_csv(path).with_columns(pl.col("date").str.to_date())
    end = df["date"].max()
    per_day = df.group_by(["customer_id", "date"]).agg(pl.col("amount").sum()).sort(["customer_id", "date"])
    s = (
        per_day.group_by("customer_id", maintain_order=True)
        .agg(
            frequency=pl.len() - 1,
            first=pl.col("date").first(),
            last=pl.col("date").last(),
            monetary_value=pl.col("amount").slice(1).mean(),
        )
        .with_columns(
            recency=(pl.col("last") - pl.col("first")).dt.total_days(),
            T=(pl.lit(end) - pl.col("first")).dt.total_days(),
            monetary_value=pl.col("monetary_value").fill_null(0.0),
        )
    )
    _save_summary(out, s["customer_id"], {c: s[c] for c in ("frequency", "recency", "T", "monetary_value")})


MODELS = ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD")


def _history(path: str):
    """The weekly (frequency, recency, T) the CLTV study fits, saved next to the file."""
    import numpy as np

    return tuple(np.load(path)[k] for k in ("frequency", "recency", "T"))


def fit_flo(model: str, path: str, out: str) -> None:
    import flo_rfm

    m = getattr(flo_rfm, model)(0.001).fit(*_history(path))
    with open(os.path.join(out, "fit.json"), "w") as fh:
        json.dump({"params": list(m.params_), "objective": m.fit_info_["objective"]}, fh)


def fit_lifetimes(model: str, path: str, out: str) -> None:
    import warnings

    import lifetimes

    warnings.simplefilter("ignore")
    m = getattr(lifetimes, model + "Fitter")(0.001).fit(*_history(path))
    with open(os.path.join(out, "fit.json"), "w") as fh:
        json.dump({"params": list(m.params_), "objective": float(m._negative_log_likelihood_)}, fh)


def _fit_job(impl: str, model: str):
    fn = fit_flo if impl == "flo_rfm" else fit_lifetimes
    return lambda path, out: fn(model, path, out)


JOBS = {
    **{f"fit-{impl}-{m}": _fit_job(impl, m) for impl in ("flo_rfm", "lifetimes") for m in MODELS},
    "log-flo_rfm": log_flo,
    "log-lifetimes": log_lifetimes,
    "log-polars": log_polars,
    "rfm-flo_rfm": rfm_flo,
    "rfm-pandas": rfm_pandas,
    "rfm-polars": rfm_polars,
    "scan": scan,
    "cltv-flo_rfm": cltv_flo,
    "cltv-lifetimes": cltv_lifetimes,
}

#: Libraries each job imports before its clock starts: start-up is not what is measured.
IMPORTS = {
    "rfm-flo_rfm": ["flo_rfm"],
    "rfm-pandas": ["pandas", "seeds"],
    "rfm-polars": ["polars", "numpy", "pandas", "seeds"],
    "scan": [],
    "cltv-flo_rfm": ["flo_rfm"],
    "cltv-lifetimes": ["pandas", "seeds", "lifetimes"],
    "log-flo_rfm": ["flo_rfm"],
    "log-lifetimes": ["pandas", "lifetimes"],
    "log-polars": ["polars"],
    **{f"fit-flo_rfm-{m}": ["flo_rfm", "numpy"] for m in MODELS},
    **{f"fit-lifetimes-{m}": ["lifetimes", "numpy"] for m in MODELS},
}

if __name__ == "__main__":
    import importlib

    job, path, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    for name in IMPORTS[job]:
        importlib.import_module(name)
    start = time.perf_counter()
    JOBS[job](path, out)
    print(json.dumps({"job": job, "seconds": time.perf_counter() - start}))
