"""Builds the study notebooks: writes each from the cell texts below, executes it on the built-in
sample and saves it with its outputs.

Usage::

    python notebooks/build.py                 # rewrite every notebook, with outputs
    python notebooks/build.py 03_cltv.ipynb   # only the named ones
    python notebooks/build.py --check         # execute in memory; exit 1 naming each stale cell

The outputs always come from the built-in sample: ``FLO_DATA`` is forced empty, so a real file
never enters the repository (the tests run the notebooks on the real file and keep nothing).
They are deterministic: fixed cell ids and notebook metadata, no execution timestamps, stdout of
a cell merged into one stream, stderr (warnings, logs: they depend on the machine) left out and
echoed to the console instead, ``PYTHONHASHSEED=0``, figures as PNG at a fixed dpi. A memory
address, a temporary folder or this machine's path in an output is an error.

``--check`` compares with the committed files: cell types, sources and metadata, text outputs
(stream text, ``text/plain``, ``text/html``, ...) exactly, images by presence and pixel size.
"""

from __future__ import annotations

import argparse
import base64
import copy
import difflib
import os
import re
import struct
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNEL = "python3"
TIMEOUT = 600  # seconds per cell
DPI = 100
# Runs in the kernel before the first cell (not part of the notebook).
KERNEL_SETUP = (
    "import matplotlib; matplotlib.rcParams.update("
    f"{{'figure.dpi': {DPI}, 'savefig.dpi': {DPI}, 'svg.hashsalt': 'flo_rfm'}})"
)
METADATA = {
    "kernelspec": {"name": KERNEL, "display_name": "Python 3", "language": "python"},
    # What the kernel reports, less the Python version (which would differ between machines).
    "language_info": {
        "name": "python",
        "mimetype": "text/x-python",
        "file_extension": ".py",
        "codemirror_mode": {"name": "ipython", "version": 3},
        "pygments_lexer": "ipython3",
        "nbconvert_exporter": "python",
    },
}


def md(text: str) -> NotebookNode:
    """A markdown cell from an indented block of text."""
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str, *tags: str) -> NotebookNode:
    """A code cell from an indented block of code, with optional cell tags."""
    return new_code_cell(textwrap.dedent(text).strip(), metadata={"tags": list(tags)} if tags else {})


PARAMS = """
    # Parameters: a path to your FLO file, or None for the built-in 20,000-customer sample.
    import os

    path = os.environ.get("FLO_DATA") or None
"""

PREP = [
    md("""
    # Task 1 — data understanding and preparation

    Each step of the seed study as a `flo_rfm` call. Runs on the built-in synthetic sample
    unless `FLO_DATA` names a file (e.g. `flo_data_20k.csv`).
    """),
    code(PARAMS, "parameters"),
    code("""
    import flo_rfm

    data = flo_rfm.read_csv(path) if path else flo_rfm.datasets.sample()
    data, data.report
    """),
    md("## First rows, columns, types, missing values"),
    code("data.head(10)"),
    code("list(data.columns)"),
    code("data.dtypes()"),
    code("data.null_counts()"),
    md("## Descriptive statistics (pandas' `describe()`, bit for bit)"),
    code("data.describe().T"),
    md("""
    ## Omnichannel totals and date conversion

    `order_num_total` = online + offline orders; `customer_value_total` = online + offline
    spend; date columns become `datetime64`.
    """),
    code("""
    df = data.to_pandas()
    df[["order_num_total", "customer_value_total"]].describe().T
    """),
    code("df.dtypes"),
    md("## Per channel: customers, orders and spend"),
    code("data.channel_breakdown()"),
    md("## Top 10 customers by spend and by orders"),
    code("""
    data.top(10, by="customer_value_total")[
        ["master_id", "order_channel", "customer_value_total", "order_num_total"]
    ]
    """),
    code("""
    data.top(10, by="order_num_total")[["master_id", "order_channel", "order_num_total", "customer_value_total"]]
    """),  # noqa: E501 (the cell's own line length is the project's 110)
    md("## The whole preparation in one call"),
    code("""
    source = path if path else flo_rfm.datasets.sample()
    prepared = flo_rfm.prepare(source)
    prepared.shape
    """),
]

RFM = [
    md("""
    # Tasks 2–6 — RFM metrics, scores, segments and campaign targets

    Scores and segments are identical to the seeds' pandas code (`pd.qcut`,
    `rank(method='first')`, `replace(seg_map, regex=True)`).
    """),
    code(PARAMS, "parameters"),
    code("""
    import tempfile

    import pandas as pd

    import flo_rfm

    data = flo_rfm.read_csv(path) if path else flo_rfm.datasets.sample()
    data.report
    """),
    md("""
    ## Task 2 — metrics

    The analysis date defaults to the latest `last_order_date` + 2 days (2021-06-01 on the FLO
    file).
    """),
    code("""
    res = flo_rfm.rfm(data)
    res.analysis_date
    """),
    md("""
    ## Task 3 — scores

    Quantile edges as pandas computes them:
    """),
    code('res.edges["recency"], res.edges["monetary"]'),
    code("""
    rfm = res.table
    rfm.head()
    """),
    md("""
    ## Task 4 — segments

    The seeds' regex map over `RF_SCORE`:
    """),
    code("flo_rfm.DEFAULT_SEGMENT_MAP"),
    code('rfm["segment"].value_counts()'),
    md("""
    ## Task 5 — segment summary

    On the real file this equals pandas' own summary of the same table (tests/test_rfm.py checks it).
    """),
    code("""
    summary = res.segment_summary()
    summary.round(3)
    """),
    md("""
    ### Case a: new women's brand

    Champions and loyal customers interested in `KADIN` whose average order
    (`monetary / frequency`) is at least 250. Published solutions differ: some read "> 250",
    some use total spend instead, some drop the spend rule. Each reading is the same rule with
    another bound, stated as data (`flo_rfm.rules`), so it prints and saves as JSON.
    """),
    code("""
    from flo_rfm.rules import new_brand_rule

    readings = {
        "average order >= 250 (this study)": new_brand_rule(),
        "average order > 250": new_brand_rule(inclusive=False),
        "total spend > 250": new_brand_rule(spend="monetary", inclusive=False),
        "no spend rule": new_brand_rule(spend=None),
    }
    pd.Series({name: len(res.select(rule)) for name, rule in readings.items()})
    """),
    code("""
    print(new_brand_rule().describe())
    print(new_brand_rule(spend="monetary", inclusive=False).to_json())
    """),
    md("""
    ### Case b: discount on men's and children's products

    `cant_loose`, `hibernating` and `new_customers` interested in `ERKEK` or `COCUK`. pandas'
    `str.contains` also matches `AKTIFCOCUK`; `match='token'` matches whole list items only.
    """),
    code("""
    case_b = res.discount_targets()
    len(case_b), len(res.discount_targets(match="token"))
    """),
    md("### The two target files"),
    code("""
    out = tempfile.mkdtemp()
    files = res.write_targets(out)
    for name, p in files.items():
        print(name, len(pd.read_csv(p)), "ids")
    """),
    md("## Task 6 — the whole study in one call (also `flo-rfm run FILE --out DIR`)"),
    code("""
    run = flo_rfm.run(path, tempfile.mkdtemp())
    run
    """),
]

CLTV = [
    md("""
    # The CLTV study — BG/NBD and Gamma-Gamma

    Outliers capped, weekly recency and tenure, BG/NBD (penalizer 0.001) for purchases,
    Gamma-Gamma (penalizer 0.01) for spend, 6-month CLV, segments A–D. The fits reach the same
    optimum as `lifetimes` (see tests/test_cltv.py).
    """),
    code(PARAMS, "parameters"),
    code("""
    import flo_rfm

    data = flo_rfm.read_csv(path) if path else flo_rfm.datasets.sample()
    res = flo_rfm.cltv(data, months=6)
    res
    """),
    md("## Outlier thresholds (quantiles 0.01/0.99, 1.5 × range, rounded)"),
    code("res.thresholds"),
    md("## Fitted parameters and fit diagnostics"),
    code("res.bgf.summary, res.bgf.fit_info_"),
    code("res.ggf.summary, res.ggf.fit_info_"),
    md("## Expected purchases, spend and CLV per customer"),
    code("res.table.head(10)"),
    md("## Top 10 customers by 6-month CLV"),
    code('res.table.sort_values("cltv", ascending=False).head(10)'),
    md("## Segments A–D"),
    code('res.segment_summary()[["cltv", "exp_sales_6_month", "exp_average_value"]]'),
    md("## The models on their own, in the lifetimes style"),
    code("""
    t = res.table
    history = t["frequency"], t["recency_cltv_weekly"], t["T_weekly"]
    bgf = flo_rfm.BetaGeo(penalizer_coef=0.001).fit(*history)
    bgf.conditional_probability_alive(*history).describe()
    """),
]

LOGS = [
    md("""
    # From an order log to segments and CLTV

    Most retailers have an order log (customer, date, amount, channel), not FLO's one row per
    customer. flo_rfm summarises a log the way `lifetimes` does (`summarize_transactions`,
    `calibration_holdout`) and into the FLO shape (`customers_from_transactions`), so the whole
    RFM and CLTV study runs on it. This notebook makes a log from the built-in sample.
    """),
    code("""
    import flo_rfm

    log = flo_rfm.datasets.sample_transactions(5_000, seed=4)
    log.head()
    """),
    md("## The BTYD summary (lifetimes' definition: repeat periods, recency, T, mean repeat spend)"),
    code("""
    summary = flo_rfm.summarize_transactions(log, "master_id", "date", "amount", freq="W")
    summary.describe().T
    """),
    md("## Calibration and holdout"),
    code("""
    ch = flo_rfm.calibration_holdout(
        log,
        "master_id",
        "date",
        calibration_period_end="2021-01-31",
        observation_period_end="2021-05-30",
        freq="W",
    )
    ch.head()
    """),
    md("## The FLO customer summary of the log, and the RFM study on it"),
    code("""
    source = flo_rfm.OrderLog(log, customer="master_id", datetime="date", amount="amount", channel="channel")
    run = flo_rfm.run(source)
    run.segment_summary.round(2)
    """),
    md("## CLTV on the log"),
    code("""
    cltv = flo_rfm.cltv(source)
    cltv.segment_summary()[["cltv"]].round(2)
    """),
]

MODELS = [
    md("""
    # CLV models compared: BG/NBD, modified BG/NBD and Pareto/NBD

    All three purchase models fitted on the same calibration period of an order log, judged on
    the holdout period with numbers (MAE, RMSE, bias, a calibration table), with standard errors
    and intervals for every parameter, P(alive) now and later, CLV per month in an explicit time
    unit, and a bootstrap interval for each customer's CLV.
    """),
    code("""
    import flo_rfm
    import flo_rfm.plot as fplot

    log = flo_rfm.datasets.sample_transactions(8_000, seed=5)
    ch = flo_rfm.calibration_holdout(
        log,
        "master_id",
        "date",
        calibration_period_end="2020-12-31",
        observation_period_end="2021-05-30",
        freq="W",
        monetary_value_col="amount",
    )
    history = ch["frequency_cal"], ch["recency_cal"], ch["T_cal"]
    ch.head()
    """),
    md("""
    ## Fit every model on the calibration period (times in weeks) and compare them

    One row per model: log-likelihood of the calibration histories, AIC and BIC (k = 4
    parameters, n = customers; lower is better), and the holdout errors of predicted against
    actual purchases (MAE, RMSE, bias).
    """),
    code("""
    models = {
        cls.__name__: cls(penalizer_coef=0.001).fit(*history, time_unit="W")
        for cls in (flo_rfm.BetaGeo, flo_rfm.ModifiedBetaGeo, flo_rfm.ParetoNBD)
    }
    flo_rfm.compare_models(ch, models=list(models.values())).round(4)
    """),
    md("## Parameters with standard errors and 95% intervals (from the Hessian)"),
    code("""
    for name, m in models.items():
        print(name)
        print(m.summary.round(4), end="\\n\\n")
    """),
    md("""
    ## Holdout validation: predicted against actual purchases and spend

    Gamma-Gamma assumes spend per purchase independent of frequency: its fit warns
    (`AssumptionWarning`) when their Pearson correlation exceeds 0.3 in size.
    """),
    code("""
    import pandas as pd

    spenders = (ch["frequency_cal"] > 0) & (ch["monetary_value_cal"] > 0)
    print(
        "frequency-monetary correlation:",
        round(
            flo_rfm.frequency_monetary_correlation(
                ch.loc[spenders, "frequency_cal"], ch.loc[spenders, "monetary_value_cal"]
            ),
            4,
        ),
    )
    ggf = flo_rfm.GammaGamma(0.01).fit(
        ch.loc[spenders, "frequency_cal"],
        ch.loc[spenders, "monetary_value_cal"],
    )
    checks = {name: flo_rfm.holdout_validation(m, ch, spend_model=ggf) for name, m in models.items()}
    checks["BetaGeo"].metrics.round(4)
    """),
    code('checks["BetaGeo"].by_frequency.head(8).round(3)'),
    code('checks["BetaGeo"].calibration.round(3)'),
    code('fplot.holdout_purchases(checks["ParetoNBD"]);'),
    code('fplot.calibration(checks["ModifiedBetaGeo"]);'),
    md("""
    ## Tracking: cumulative repeat transactions over calibration and holdout

    (lifetimes' `expected_cumulative_transactions`; the model saw only the weeks up to
    2020-12-31.)
    """),
    code("""
    first_week = pd.to_datetime(log["date"]).min().to_period("W")
    weeks = (pd.Period("2021-05-30", "W") - first_week).n
    pnbd = models["ParetoNBD"]
    track = flo_rfm.cumulative_transactions(pnbd, log, "master_id", "date", t=weeks, freq="W")
    fplot.tracking(track)
    track.tail(3).round(1)
    """),
    md("## P(alive) now and in 13 weeks (for a customer who buys nothing until then)"),
    code("""
    bgf = models["BetaGeo"]
    now = bgf.conditional_probability_alive(*history)
    later = bgf.conditional_probability_alive(*history, future_t=13)
    pd.DataFrame({"now": now, "in 13 weeks": later}).describe().round(3)
    """),
    md("""
    ## CLV per month, in the unit the model was fitted in

    The models know their time unit (weeks here), so the CLV uses 4.345 weeks a month
    (`flo_rfm.PERIODS_PER_MONTH['W']`, the seeds' factor); asking for days raises.
    """),
    code("""
    print("weeks a month:", flo_rfm.PERIODS_PER_MONTH["W"])
    m = ch["monetary_value_cal"].where(spenders, 0.0)
    months = ggf.customer_lifetime_value_by_period(bgf, *history, m, time=6)
    months[spenders].mean().round(2)
    """),
    code("""
    try:
        ggf.customer_lifetime_value(bgf, *history, m, time=6, freq="D")
    except ValueError as e:
        print(e)
    """),
    md("## A bootstrap interval for every customer's 6-month CLV (seeded, in parallel)"),
    code("""
    spend = ch.loc[spenders, "monetary_value_cal"]
    boot = flo_rfm.bootstrap_clv(
        *(c[spenders] for c in history),
        spend,
        freq="W",
        replicates=50,
        seed=1,
        penalizer_coef=0.001,
        gg_penalizer_coef=0.01,
    )
    boot.sort_values("clv", ascending=False).head(10).round(2)
    """),
]

DASK = [
    md("""
    # Past one machine: the same study on Dask

    `flo_rfm.dask` runs Tasks 1–5, the CLTV study and the order-log summary on a Dask DataFrame
    (many files, a cluster) and gives exactly the answers of one machine: quantile edges from an
    exact distributed selection, frequency ranks in input order across partitions, model
    likelihoods summed exactly per partition, logs shuffled by customer. Here a two-worker local
    cluster stands in for a real one.
    """),
    code(PARAMS, "parameters"),
    code("""
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    import flo_rfm
    import flo_rfm.dask

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None))
    if path:
        ddf = dd.read_csv(path, blocksize="512KB")
        one_machine = flo_rfm.read_csv(path)
    else:
        raw = flo_rfm.datasets.sample_frame()
        ddf = dd.from_pandas(raw, npartitions=8)
        one_machine = flo_rfm.from_pandas(raw)
    ddf.npartitions
    """),
    md("## Tasks 1–5: scores, segments, summary and target lists"),
    code("""
    res = flo_rfm.dask.run(ddf)
    res
    """),
    code("res.segment_summary"),
    code("""
    one = flo_rfm.run(one_machine)
    {
        "rfm table equal": res.rfm.compute().equals(one.rfm),
        "summary equal": res.segment_summary.equals(one.segment_summary),
        "new-brand targets": len(res.new_brand_targets.compute()),
        "discount targets": len(res.discount_targets.compute()),
    }
    """),
    md("## The CLTV study: the same parameters, bit for bit"),
    code("""
    clv = flo_rfm.dask.cltv(ddf)
    single = flo_rfm.cltv(one_machine)
    print(
        list(clv.bgf.params_) == list(single.bgf.params_),
        list(clv.ggf.params_) == list(single.ggf.params_),
    )
    clv.bgf.summary
    """),
    code('clv.table.nlargest(5, "cltv").compute()'),
    md("## An order log, shuffled by customer"),
    code("""
    log = flo_rfm.datasets.sample_transactions()
    summary = flo_rfm.dask.summarize_transactions(
        dd.from_pandas(log, npartitions=6), "master_id", "date", "amount"
    )
    got = summary.compute().sort_index()
    want = flo_rfm.summarize_transactions(log, "master_id", "date", "amount")
    print((got.to_numpy() == want.to_numpy()).all(), got.index.tolist() == want.index.tolist())
    got.head()
    """),
    code("client.close()"),
]

OVER_TIME = [
    md("""
    # Segments over time

    Keep the cut points of one snapshot so the next month's scores mean the same thing, and see
    who moved from segment to segment. Runs on the built-in synthetic sample unless `FLO_DATA`
    names a file; the later snapshot is simulated (`flo_rfm.datasets.later_snapshot`: three more
    months of orders, some customers gone, some new).
    """),
    code(PARAMS, "parameters"),
    code("""
    import pandas as pd

    import flo_rfm

    before = pd.read_csv(path) if path else flo_rfm.datasets.sample_frame()
    after = flo_rfm.datasets.later_snapshot(before, months=3)
    len(before), len(after)
    """),
    md("""
    ## One table per customer

    RFM scores and segment beside P(alive), expected purchases, expected average value, CLV and
    CLV segment, keyed by `master_id`. Customers the CLTV study leaves out keep their row, with
    empty CLV columns and the reason in `clv_reason`.
    """),
    code("""
    table = flo_rfm.customers(before, months=6)
    table
    """),
    code("""
    table.to_pandas().head()
    """),
    md("""
    On a FLO file nobody is left out (every customer has an online and an offline order); on
    an order log, one-order customers are:
    """),
    code("table.left_out()"),
    md("Champions with a top CLV whose P(alive) has fallen below one half:"),
    code("""
    fading = table.select(segments=["champions"], clv_segments=["A"], bounds={"p_alive": (None, 0.5)})
    len(fading), fading.head().tolist()
    """),
    md("""
    ## A scheme you can keep

    Learned from the first snapshot it gives `flo_rfm.rfm`'s (pandas') scores back exactly.
    Frequency is cut on its first-rank, so an edge can fall inside a run of equal order counts:
    the scheme keeps how many of them stay below.
    """),
    code("""
    scheme = flo_rfm.Segmentation.fit(before)
    print(scheme.apply(before).table.equals(flo_rfm.rfm(before).table))
    scheme.table
    """),
    code("""
    import os
    import tempfile

    folder = tempfile.mkdtemp()
    scheme.to_json(os.path.join(folder, "scheme.json"))
    kept = flo_rfm.Segmentation.load(os.path.join(folder, "scheme.json"))
    later = kept.apply(after)
    later.segment_summary()
    """),
    md("""
    Or state the thresholds yourself (as R's `rfm` takes them), saying which side a value on a
    threshold falls:
    """),
    code("""
    by_hand = flo_rfm.Segmentation.given(
        recency=[30, 90, 180, 365], frequency=[1, 2, 3, 5], monetary=[200, 400, 700, 1200], closed="left"
    )
    by_hand.table.loc["recency"]
    """),
    md("## Segment migration"),
    code("""
    moved = flo_rfm.migration(before, after, scheme=kept)
    moved
    """),
    code("moved.matrix"),
    code("""
    import flo_rfm.plot

    flo_rfm.plot.migration_matrix(moved);
    """),
    md("Who slipped from loyal to at risk, and who is new:"),
    code("""
    slipped = moved.movers("loyal_customers", "at_Risk")
    gone = len(moved.disappeared)
    print(f"{len(slipped)} loyal customers now at risk; {len(moved.appeared)} new, {gone} gone")
    slipped.head()
    """),
    code("""
    files = moved.write(os.path.join(folder, "migration"))
    sorted(files)[:6]
    """),
]

NOTEBOOKS: dict[str, list[NotebookNode]] = {
    "01_data_preparation.ipynb": PREP,
    "02_rfm_segmentation.ipynb": RFM,
    "03_cltv.ipynb": CLTV,
    "04_transaction_logs.ipynb": LOGS,
    "05_clv_models.ipynb": MODELS,
    "06_dask.ipynb": DASK,
    "07_segments_over_time.ipynb": OVER_TIME,
}

# Outputs that would differ from run to run or from machine to machine.
LEAKS = [
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "a memory address"),
    (re.compile(re.escape(tempfile.gettempdir().rstrip(os.sep)) + r"[\\/]"), "a temporary folder"),
    (re.compile(re.escape(str(HERE.parent))), "this machine's path"),
]


def notebook(name: str) -> NotebookNode:
    """The notebook ``name`` as the cell texts above make it, without outputs.

    Parameters
    ----------
    name : str
        File name of the notebook, a key of :data:`NOTEBOOKS`.

    Returns
    -------
    nbformat.NotebookNode
        A fresh notebook with fixed cell ids (``cell-0``, ``cell-1``, ...) and fixed metadata.
    """
    cells = copy.deepcopy(NOTEBOOKS[name])
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    return new_notebook(cells=cells, metadata=nbformat.from_dict(METADATA))


def execute(nb: NotebookNode, data: str | None = None) -> NotebookNode:
    """Run every cell of ``nb`` in a fresh ``python3`` kernel started in notebooks/.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook; its outputs are replaced in place.
    data : str, optional
        Path of a FLO file, given to the notebooks as ``FLO_DATA``; ``None`` (the default, and
        the only value the build uses) runs them on the built-in sample.

    Returns
    -------
    nbformat.NotebookNode
        ``nb`` with its outputs, as the kernel produced them (see :func:`normalise`).

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        When a cell raises.
    """
    env = dict(os.environ)
    env.update(
        FLO_DATA=data or "",
        MPLBACKEND="module://matplotlib_inline.backend_inline",  # figures as outputs
        PYTHONHASHSEED="0",
    )
    client = NotebookClient(
        nb,
        timeout=TIMEOUT,
        kernel_name=KERNEL,
        record_timing=False,
        resources={"metadata": {"path": str(HERE)}},
        extra_arguments=[f"--IPKernelApp.exec_lines={KERNEL_SETUP}"],
    )
    client.execute(env=env)
    return nb


def normalise(nb: NotebookNode, name: str = "notebook") -> NotebookNode:
    """Make an executed notebook's outputs reproducible (in place).

    Merges each cell's stdout into one stream output, takes stderr out (echoing it to this
    process's stderr), resets the notebook metadata, and rejects outputs that show a memory
    address or a local path.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook.
    name : str
        The notebook's name for messages.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``.

    Raises
    ------
    ValueError
        When an output would differ between runs or machines.
    """
    nb.metadata = nbformat.from_dict(METADATA)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        outputs: list[NotebookNode] = []
        stdout: NotebookNode | None = None
        for out in cell.outputs:
            if out.output_type == "stream" and out.name == "stderr":
                sys.stderr.write(f"[{name} cell {i} stderr] {out.text}")
            elif out.output_type == "stream" and stdout is not None:
                stdout.text += out.text
            else:
                stdout = out if out.output_type == "stream" else stdout
                outputs.append(out)
        cell.outputs = outputs
        for pattern, what in LEAKS:
            if any(pattern.search(text) for text in _texts(cell)):
                raise ValueError(f"{name} cell {i}: an output shows {what}; change the cell")
    return nb


def build(name: str) -> NotebookNode:
    """Write, execute on the built-in sample and normalise the notebook ``name``.

    Parameters
    ----------
    name : str
        File name of the notebook, a key of :data:`NOTEBOOKS`.

    Returns
    -------
    nbformat.NotebookNode
        The notebook as it should be committed.
    """
    return normalise(execute(notebook(name)), name)


def _texts(cell: NotebookNode) -> list[str]:
    """Every text output of a code cell: stream text and the non-image mime bundles."""
    texts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            texts.append(out.text)
        elif out.output_type == "error":
            texts.append(f"{out.ename}: {out.evalue}")
        for mime, value in out.get("data", {}).items():
            if not mime.startswith("image/"):
                texts.append(value if isinstance(value, str) else repr(value))
    return texts


def png_size(data: str) -> tuple[int, int]:
    """Width and height in pixels of a base64-encoded PNG, read from its IHDR header.

    Parameters
    ----------
    data : str
        The image as stored in a notebook output (base64, possibly with line breaks).

    Returns
    -------
    tuple of int
        ``(width, height)``.

    Examples
    --------
    >>> png_size(base64.b64encode(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8) + struct.pack(">II", 3, 2)).decode())
    (3, 2)
    """
    head = base64.b64decode("".join(data.split())[:32])
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _outputs(cell: NotebookNode) -> list[Any]:
    """A code cell's outputs as compared by the check: texts exactly, images by size."""
    summary: list[Any] = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            summary.append((out.name, out.text))
        elif out.output_type == "error":
            summary.append(("error", out.ename, out.evalue))
        else:
            bundle = {}
            for mime, value in sorted(out.get("data", {}).items()):
                if mime == "image/png":
                    bundle[mime] = "{}x{} pixels".format(*png_size(value))
                elif mime.startswith("image/"):
                    bundle[mime] = "an image"
                else:
                    bundle[mime] = value if isinstance(value, str) else repr(value)
            summary.append((out.output_type, bundle))
    return summary


def _show(outputs: list[Any]) -> list[str]:
    """Lines for a readable diff of :func:`_outputs`."""
    lines = []
    for out in outputs:
        kind, rest = out[0], out[1:]
        for part in rest:
            items = part.items() if isinstance(part, dict) else [("", part)]
            for mime, value in items:
                lines += [f"{kind} {mime}: {line}" for line in str(value).splitlines()]
    return lines


def differences(name: str, committed: NotebookNode | None, built: NotebookNode) -> list[str]:
    """What differs between a committed notebook and the one the build makes now.

    Parameters
    ----------
    name : str
        The notebook's file name, for the messages.
    committed : nbformat.NotebookNode or None
        The notebook in the repository (``None`` when it is missing).
    built : nbformat.NotebookNode
        The notebook :func:`build` made.

    Returns
    -------
    list of str
        One message per differing cell (with a short diff of its outputs); empty when the
        committed notebook is current.
    """
    if committed is None:
        return [f"{name}: missing"]
    if len(committed.cells) != len(built.cells):
        return [f"{name}: {len(committed.cells)} cells, the build makes {len(built.cells)}"]
    problems = []
    for i, (old, new) in enumerate(zip(committed.cells, built.cells)):
        where = f"{name} cell {i}"
        if old.cell_type != new.cell_type or old.source != new.source:
            problems.append(f"{where}: source differs (the build makes {new.source[:60]!r}...)")
        elif old.metadata != new.metadata:
            problems.append(f"{where}: metadata differ")
        elif _outputs(old) != _outputs(new):
            diff = difflib.unified_diff(
                _show(_outputs(old)), _show(_outputs(new)), "committed", "built", n=0, lineterm=""
            )
            lines = list(diff)[2:]
            shown = "\n".join(f"    {line}" for line in lines[:12])
            more = f"\n    ... {len(lines) - 12} more lines" if len(lines) > 12 else ""
            problems.append(f"{where}: outputs differ\n{shown}{more}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Build (or with ``--check``, verify) the notebooks; the command line entry point.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when done (or every committed notebook is current), 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="execute in memory and compare with the committed files"
    )
    parser.add_argument("names", nargs="*", metavar="NOTEBOOK", help="notebooks to build (default: all)")
    args = parser.parse_args(argv)
    names = [Path(n).name for n in args.names] or list(NOTEBOOKS)
    unknown = [n for n in names if n not in NOTEBOOKS]
    if unknown:
        parser.error(f"unknown notebooks: {', '.join(unknown)} (known: {', '.join(NOTEBOOKS)})")
    problems = []
    if args.check and not args.names:
        strays = sorted({p.name for p in HERE.glob("*.ipynb")} - set(NOTEBOOKS))
        problems += [f"{n}: not made by build.py" for n in strays]
    for name in names:
        start = time.perf_counter()
        built = build(name)
        path = HERE / name
        if args.check:
            found = differences(name, nbformat.read(path, as_version=4) if path.exists() else None, built)
            problems += found
            status = "STALE" if found else "current"
        else:
            nbformat.write(built, path)
            status = "written"
        print(f"{name}: {status} ({time.perf_counter() - start:.0f} s)", flush=True)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("Rebuild with: python notebooks/build.py", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
