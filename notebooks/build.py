"""Writes the study notebooks from the cell texts below (run: python notebooks/build.py).

Each notebook reads the built-in sample by default, or the file named by the FLO_DATA
environment variable (or the `path` parameter cell)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

PARAMS = """# Parameters: a path to your FLO file, or None for the built-in 20,000-customer sample.
import os

path = os.environ.get("FLO_DATA") or None"""

PREP = [
    new_markdown_cell(
        "# Task 1 — data understanding and preparation\n\n"
        "Each step of the seed study as a `flo_rfm` call. Runs on the built-in synthetic "
        "sample unless `FLO_DATA` names a file (e.g. `flo_data_20k.csv`)."
    ),
    new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
    new_code_cell(
        "import flo_rfm\n\n"
        "data = flo_rfm.read_csv(path) if path else flo_rfm.datasets.sample()\n"
        "data, data.report"
    ),
    new_markdown_cell("## First rows, columns, types, missing values"),
    new_code_cell("data.head(10)"),
    new_code_cell("list(data.columns)"),
    new_code_cell("data.dtypes()"),
    new_code_cell("data.null_counts()"),
    new_markdown_cell("## Descriptive statistics (pandas' `describe()`, bit for bit)"),
    new_code_cell("data.describe().T"),
    new_markdown_cell(
        "## Omnichannel totals and date conversion\n\n"
        "`order_num_total` = online + offline orders; `customer_value_total` = online + "
        "offline spend; date columns become `datetime64`."
    ),
    new_code_cell("df = data.to_pandas()\ndf[['order_num_total', 'customer_value_total']].describe().T"),
    new_code_cell("df.dtypes"),
    new_markdown_cell("## Per channel: customers, orders and spend"),
    new_code_cell("data.channel_breakdown()"),
    new_markdown_cell("## Top 10 customers by spend and by orders"),
    new_code_cell(
        "data.top(10, by='customer_value_total')[['master_id', 'order_channel', "
        "'customer_value_total', 'order_num_total']]"
    ),
    new_code_cell(
        "data.top(10, by='order_num_total')[['master_id', 'order_channel', "
        "'order_num_total', 'customer_value_total']]"
    ),
    new_markdown_cell("## The whole preparation in one call"),
    new_code_cell(
        "source = path if path else flo_rfm.datasets.sample()\n"
        "prepared = flo_rfm.prepare(source)\n"
        "prepared.shape"
    ),
]

RFM = [
    new_markdown_cell(
        "# Tasks 2–6 — RFM metrics, scores, segments and campaign targets\n\n"
        "Scores and segments are identical to the seeds' pandas code (`pd.qcut`, "
        "`rank(method='first')`, `replace(seg_map, regex=True)`)."
    ),
    new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
    new_code_cell(
        "import tempfile\n\nimport pandas as pd\n\nimport flo_rfm\n\n"
        "data = flo_rfm.read_csv(path) if path else flo_rfm.datasets.sample()\n"
        "data.report"
    ),
    new_markdown_cell(
        "## Task 2 — metrics\n\nThe analysis date defaults to the latest "
        "`last_order_date` + 2 days (2021-06-01 on the FLO file)."
    ),
    new_code_cell("res = flo_rfm.rfm(data)\nres.analysis_date"),
    new_markdown_cell("## Task 3 — scores\n\nQuantile edges as pandas computes them:"),
    new_code_cell("res.edges['recency'], res.edges['monetary']"),
    new_code_cell("rfm = res.table\nrfm.head()"),
    new_markdown_cell("## Task 4 — segments\n\nThe seeds' regex map over `RF_SCORE`:"),
    new_code_cell("flo_rfm.DEFAULT_SEGMENT_MAP"),
    new_code_cell("rfm['segment'].value_counts()"),
    new_markdown_cell("## Task 5 — segment summary\n\nOn the real file this is SPEC.md's reference table."),
    new_code_cell("summary = res.segment_summary()\nsummary.round(3)"),
    new_markdown_cell(
        "### Case a: new women's brand\n\nChampions and loyal customers interested in "
        "`KADIN` whose average order (`monetary / frequency`) is at least 250. Published "
        "solutions differ: some drop the 250 rule, some use total spend > 250 instead."
    ),
    new_code_cell(
        "case_a = res.new_brand_targets()\n"
        "no_rule = res.select(segments=['champions', 'loyal_customers'], categories='KADIN')\n"
        "total_spend = res.select(segments=['champions', 'loyal_customers'], categories='KADIN',\n"
        "                         bounds={'monetary': (250.0000000001, None)})\n"
        "pd.Series({'average order >= 250 (this study)': len(case_a),\n"
        "           'no spend rule': len(no_rule),\n"
        "           'total spend > 250': len(total_spend)})"
    ),
    new_markdown_cell(
        "### Case b: discount on men's and children's products\n\n"
        "`cant_loose`, `hibernating` and `new_customers` interested in `ERKEK` or `COCUK`. "
        "The seeds' `str.contains` also matches `AKTIFCOCUK`; `match='token'` matches "
        "whole list items only."
    ),
    new_code_cell("case_b = res.discount_targets()\nlen(case_b), len(res.discount_targets(match='token'))"),
    new_markdown_cell("### The two target files"),
    new_code_cell(
        "out = tempfile.mkdtemp()\nfiles = res.write_targets(out)\n"
        "for name, p in files.items():\n"
        "    print(name, len(pd.read_csv(p)), 'ids')"
    ),
    new_markdown_cell("## Task 6 — the whole study in one call (also `flo-rfm run FILE --out DIR`)"),
    new_code_cell("run = flo_rfm.run(path, tempfile.mkdtemp())\nrun"),
]

CLTV = [
    new_markdown_cell(
        "# The CLTV study — BG/NBD and Gamma-Gamma\n\n"
        "Outliers capped, weekly recency and tenure, BG/NBD (penalizer 0.001) for purchases, "
        "Gamma-Gamma (penalizer 0.01) for spend, 6-month CLV, segments A–D. The fits reach the "
        "same optimum as `lifetimes` (see tests/test_cltv.py)."
    ),
    new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
    new_code_cell(
        "import flo_rfm\n\n"
        "data = flo_rfm.read_csv(path) if path else flo_rfm.datasets.sample()\n"
        "res = flo_rfm.cltv(data, months=6)\nres"
    ),
    new_markdown_cell("## Outlier thresholds (quantiles 0.01/0.99, 1.5 × range, rounded)"),
    new_code_cell("res.thresholds"),
    new_markdown_cell("## Fitted parameters and fit diagnostics"),
    new_code_cell("res.bgf.summary, res.bgf.fit_info_"),
    new_code_cell("res.ggf.summary, res.ggf.fit_info_"),
    new_markdown_cell("## Expected purchases, spend and CLV per customer"),
    new_code_cell("res.table.head(10)"),
    new_markdown_cell("## Top 10 customers by 6-month CLV"),
    new_code_cell("res.table.sort_values('cltv', ascending=False).head(10)"),
    new_markdown_cell("## Segments A–D"),
    new_code_cell("res.segment_summary()[['cltv', 'exp_sales_6_month', 'exp_average_value']]"),
    new_markdown_cell("## The models on their own, in the lifetimes style"),
    new_code_cell(
        "t = res.table\n"
        "history = t['frequency'], t['recency_cltv_weekly'], t['T_weekly']\n"
        "bgf = flo_rfm.BetaGeo(penalizer_coef=0.001).fit(*history)\n"
        "bgf.conditional_probability_alive(*history).describe()"
    ),
]

LOGS = [
    new_markdown_cell(
        "# From an order log to segments and CLTV\n\n"
        "Most retailers have an order log (customer, date, amount, channel), not FLO's one row per "
        "customer. flo_rfm summarises a log the way `lifetimes` does (`summarize_transactions`, "
        "`calibration_holdout`) and into the FLO shape (`customers_from_transactions`), so the "
        "whole RFM and CLTV study runs on it. This notebook makes a log from the built-in sample."
    ),
    new_code_cell("import flo_rfm\n\nlog = flo_rfm.datasets.sample_transactions(5_000, seed=4)\nlog.head()"),
    new_markdown_cell(
        "## The BTYD summary (lifetimes' definition: repeat periods, recency, T, mean repeat spend)"
    ),
    new_code_cell(
        "summary = flo_rfm.summarize_transactions(log, 'master_id', 'date', 'amount', freq='W')\n"
        "summary.describe().T"
    ),
    new_markdown_cell("## Calibration and holdout"),
    new_code_cell(
        "ch = flo_rfm.calibration_holdout(log, 'master_id', 'date', calibration_period_end='2021-01-31',\n"
        "                                 observation_period_end='2021-05-30', freq='W')\n"
        "ch.head()"
    ),
    new_markdown_cell("## The FLO customer summary of the log, and the RFM study on it"),
    new_code_cell(
        "source = flo_rfm.TransactionLog(log, customer='master_id', datetime='date', amount='amount',\n"
        "                                channel='channel')\n"
        "run = flo_rfm.run(source)\n"
        "run.segment_summary.round(2)"
    ),
    new_markdown_cell("## CLTV on the log"),
    new_code_cell("cltv = flo_rfm.cltv(source)\ncltv.segment_summary()[['cltv']].round(2)"),
]

MODELS = [
    new_markdown_cell(
        "# CLV models compared: BG/NBD, modified BG/NBD and Pareto/NBD\n\n"
        "All three purchase models fitted on the same calibration period of an order log, judged "
        "on the holdout period with numbers (MAE, RMSE, bias, a calibration table), with standard "
        "errors and intervals for every parameter, P(alive) now and later, CLV per month in an "
        "explicit time unit, and a bootstrap interval for each customer's CLV."
    ),
    new_code_cell(
        "import flo_rfm\nimport flo_rfm.plot as fplot\n\n"
        "log = flo_rfm.datasets.sample_transactions(8_000, seed=5)\n"
        "ch = flo_rfm.calibration_holdout(log, 'master_id', 'date', calibration_period_end='2020-12-31',\n"
        "                                 observation_period_end='2021-05-30', freq='W',\n"
        "                                 monetary_value_col='amount')\n"
        "history = ch['frequency_cal'], ch['recency_cal'], ch['T_cal']\n"
        "ch.head()"
    ),
    new_markdown_cell("## Fit every model on the calibration period (times in weeks)"),
    new_code_cell(
        "models = {\n"
        "    cls.__name__: cls(penalizer_coef=0.001).fit(*history, time_unit='W')\n"
        "    for cls in (flo_rfm.BetaGeo, flo_rfm.ModifiedBetaGeo, flo_rfm.ParetoNBD)\n"
        "}\n"
        "{name: m.fit_info_['objective'] for name, m in models.items()}"
    ),
    new_markdown_cell("## Parameters with standard errors and 95% intervals (from the Hessian)"),
    new_code_cell(
        "for name, m in models.items():\n    print(name)\n    print(m.summary.round(4), end='\\n\\n')"
    ),
    new_markdown_cell("## Holdout validation: predicted against actual purchases"),
    new_code_cell(
        "import pandas as pd\n\n"
        "spenders = (ch['frequency_cal'] > 0) & (ch['monetary_value_cal'] > 0)\n"
        "ggf = flo_rfm.GammaGamma(0.01).fit(ch.loc[spenders, 'frequency_cal'], "
        "ch.loc[spenders, 'monetary_value_cal'])\n"
        "checks = {name: flo_rfm.holdout_validation(m, ch, spend_model=ggf) for name, m in models.items()}\n"
        "pd.concat({name: v.metrics for name, v in checks.items()}).round(4)"
    ),
    new_code_cell("checks['BetaGeo'].by_frequency.head(8).round(3)"),
    new_code_cell("checks['BetaGeo'].calibration.round(3)"),
    new_code_cell("fplot.holdout_purchases(checks['ParetoNBD']);"),
    new_code_cell("fplot.calibration(checks['ModifiedBetaGeo']);"),
    new_markdown_cell(
        "## Tracking: cumulative repeat transactions over calibration and holdout\n\n"
        "(lifetimes' `expected_cumulative_transactions`; the model saw only the weeks up to "
        "2020-12-31.)"
    ),
    new_code_cell(
        "first_week = pd.to_datetime(log['date']).min().to_period('W')\n"
        "weeks = (pd.Period('2021-05-30', 'W') - first_week).n\n"
        "pnbd = models['ParetoNBD']\n"
        "track = flo_rfm.cumulative_transactions(pnbd, log, 'master_id', 'date', t=weeks, freq='W')\n"
        "fplot.tracking(track);\n"
        "track.tail(3).round(1)"
    ),
    new_markdown_cell("## P(alive) now and in 13 weeks (for a customer who buys nothing until then)"),
    new_code_cell(
        "bgf = models['BetaGeo']\n"
        "now = bgf.conditional_probability_alive(*history)\n"
        "later = bgf.conditional_probability_alive(*history, future_t=13)\n"
        "pd.DataFrame({'now': now, 'in 13 weeks': later}).describe().round(3)"
    ),
    new_markdown_cell(
        "## CLV per month, in the unit the model was fitted in\n\n"
        "The models know their time unit (weeks here), so the CLV uses 4.345 weeks a month "
        "(`flo_rfm.PERIODS_PER_MONTH['W']`, the seeds' factor); asking for days raises."
    ),
    new_code_cell(
        "m = ch['monetary_value_cal'].where(spenders, 0.0)\n"
        "months = ggf.customer_lifetime_value_by_period(bgf, *history, m, time=6)\n"
        "months[spenders].mean().round(2)"
    ),
    new_code_cell(
        "try:\n"
        "    ggf.customer_lifetime_value(bgf, *history, m, time=6, freq='D')\n"
        "except ValueError as e:\n"
        "    print(e)"
    ),
    new_markdown_cell("## A bootstrap interval for every customer's 6-month CLV (seeded, in parallel)"),
    new_code_cell(
        "spend = ch.loc[spenders, 'monetary_value_cal']\n"
        "boot = flo_rfm.bootstrap_clv(*(c[spenders] for c in history), spend, freq='W', replicates=50,\n"
        "                             seed=1, penalizer_coef=0.001, gg_penalizer_coef=0.01)\n"
        "boot.sort_values('clv', ascending=False).head(10).round(2)"
    ),
]

DASK = [
    new_markdown_cell(
        "# Past one machine: the same study on Dask\n\n"
        "`flo_rfm.dask` runs Tasks 1–5, the CLTV study and the order-log summary on a Dask "
        "DataFrame (many files, a cluster) and gives exactly the answers of one machine: quantile "
        "edges from an exact distributed selection, frequency ranks in input order across "
        "partitions, model likelihoods summed exactly per partition, logs shuffled by customer. "
        "Here a two-worker local cluster stands in for a real one."
    ),
    new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
    new_code_cell(
        "import dask.dataframe as dd\n"
        "from dask.distributed import Client, LocalCluster\n\n"
        "import flo_rfm\nimport flo_rfm.dask\n\n"
        "client = Client(LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None))\n"
        "if path:\n"
        "    ddf = dd.read_csv(path, blocksize='512KB')\n"
        "    one_machine = flo_rfm.read_csv(path)\n"
        "else:\n"
        "    raw = flo_rfm.datasets.sample_frame()\n"
        "    ddf = dd.from_pandas(raw, npartitions=8)\n"
        "    one_machine = flo_rfm.from_pandas(raw)\n"
        "ddf.npartitions"
    ),
    new_markdown_cell("## Tasks 1–5: scores, segments, summary and target lists"),
    new_code_cell("res = flo_rfm.dask.run(ddf)\nres"),
    new_code_cell("res.segment_summary"),
    new_code_cell(
        "one = flo_rfm.run(one_machine)\n"
        "{\n"
        "    'rfm table equal': res.rfm.compute().equals(one.rfm),\n"
        "    'summary equal': res.segment_summary.equals(one.segment_summary),\n"
        "    'new-brand targets': len(res.new_brand_targets.compute()),\n"
        "    'discount targets': len(res.discount_targets.compute()),\n"
        "}"
    ),
    new_markdown_cell("## The CLTV study: the same parameters, bit for bit"),
    new_code_cell(
        "clv = flo_rfm.dask.cltv(ddf)\n"
        "single = flo_rfm.cltv(one_machine)\n"
        "print(list(clv.bgf.params_) == list(single.bgf.params_), "
        "list(clv.ggf.params_) == list(single.ggf.params_))\n"
        "clv.bgf.summary"
    ),
    new_code_cell("clv.table.nlargest(5, 'cltv').compute()"),
    new_markdown_cell("## An order log, shuffled by customer"),
    new_code_cell(
        "log = flo_rfm.datasets.sample_transactions()\n"
        "summary = flo_rfm.dask.summarize_transactions(dd.from_pandas(log, npartitions=6), "
        "'master_id', 'date', 'amount')\n"
        "got = summary.compute().sort_index()\n"
        "want = flo_rfm.summarize_transactions(log, 'master_id', 'date', 'amount')\n"
        "print((got.to_numpy() == want.to_numpy()).all(), got.index.tolist() == want.index.tolist())\n"
        "got.head()"
    ),
    new_code_cell("client.close()"),
]


def write(name: str, cells: list) -> None:
    nb = new_notebook(
        cells=cells,
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    import subprocess
    import sys

    write("01_data_preparation.ipynb", PREP)
    write("02_rfm_segmentation.ipynb", RFM)
    write("03_cltv.ipynb", CLTV)
    write("04_transaction_logs.ipynb", LOGS)
    write("05_clv_models.ipynb", MODELS)
    write("06_dask.ipynb", DASK)
    # Keep the cells in the project's style.
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(HERE)], check=True)
