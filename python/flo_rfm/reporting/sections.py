"""The report's sections on the RFM study: the data read, the segments, the campaigns, what was
left out and how to reproduce the report."""

from __future__ import annotations

import os
import platform
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._flo_rfm import __version__
from .charts import (
    _bars_svg,
    _grid_svg,
    _treemap_svg,
)
from .style import (
    CAMPAIGNS,
    SEGMENT_WORDS,
    _cell,
    _colours,
    _count,
    _date_range,
    _e,
    _money,
    _share,
    _swatch,
    _table,
    _text,
)

if TYPE_CHECKING:
    from ..clv import CltvResult
    from ..run import RunResult


def _data_section(res: RunResult) -> str:
    r = res.report
    first, last = _date_range(res.data.to_pandas())
    facts = [
        ("rows_read", "Rows read", r.rows_read),
        ("rows", "Customers kept", r.rows),
        ("skipped", "Rows skipped", len(r.skipped)),
        ("merged", "Duplicate ids merged", r.merged),
        ("missing_customers", "Customers with missing values", r.missing_customers),
    ]
    boxes = "".join(
        f'<div class="fact"><div class="label">{_e(label)}</div>'
        f'<div class="value" id="fact-{key}" data-value="{int(v)}">{_count(v)}</div></div>'
        for key, label, v in facts
    )
    boxes += (
        f'<div class="fact"><div class="label">Orders from – to</div>'
        f'<div class="value" id="fact-date-range">{_e(first)} – {_e(last)}</div></div>'
        f'<div class="fact"><div class="label">Analysis date</div>'
        f'<div class="value" id="fact-analysis-date">{_e(res.result.analysis_date.date())}</div></div>'
        f'<div class="fact"><div class="label">Source</div>'
        f'<div class="value" style="font-size:14px;word-break:break-all">{_e(res.data.source)}</div></div>'
    )
    ch = res.data.channel_breakdown()
    total = float(ch["customers"].sum()) or 1.0
    rows = []
    for name, row in ch.iterrows():
        rows.append(
            (
                str(name),
                [
                    _text(name),
                    _cell(int(row["customers"]), _count(row["customers"]), "customers"),
                    _cell(row["customers"] / total, _share(row["customers"] / total), "share"),
                    _cell(float(row["order_num_total_sum"]), _count(row["order_num_total_sum"]), "orders"),
                    _cell(
                        float(row["order_num_total_mean"]), _money(row["order_num_total_mean"]), "orders_mean"
                    ),
                    _cell(
                        float(row["customer_value_total_sum"]),
                        _money(row["customer_value_total_sum"]),
                        "spend",
                    ),
                    _cell(
                        float(row["customer_value_total_mean"]),
                        _money(row["customer_value_total_mean"]),
                        "spend_mean",
                    ),
                ],
            )
        )
    channels = _table(
        "channels",
        [
            ("Channel", False),
            ("Customers", True),
            ("Share", True),
            ("Orders", True),
            ("Orders per customer", True),
            ("Spend", True),
            ("Spend per customer", True),
        ],
        rows,
        "order_channel: the channel of the customer's first order; orders and spend are online + offline.",
    )
    return (
        '<section id="data"><h2>The data</h2>'
        f'<div class="facts">{boxes}</div>'
        f"<h3>Channels</h3>{channels}</section>"
    )


# --- segments -------------------------------------------------------------------------------


def _segment_frame(res: RunResult) -> pd.DataFrame:
    """Per segment: the summary's means and counts, the share of customers and of spend."""
    summary = res.result.to_pandas_summary()
    t = res.result.to_pandas()
    spend = t.groupby("segment")["monetary"].sum()
    out = pd.DataFrame(
        {
            "customers": summary[("recency", "count")].astype("int64"),
            "recency_mean": summary[("recency", "mean")],
            "frequency_mean": summary[("frequency", "mean")],
            "monetary_mean": summary[("monetary", "mean")],
        },
        index=[str(s) for s in summary.index],
    )
    out["share"] = out["customers"] / max(int(out["customers"].sum()), 1)
    out["spend"] = [float(spend.get(s, 0.0)) for s in out.index]
    total = float(out["spend"].sum())
    out["spend_share"] = out["spend"] / total if total else np.nan
    return out.sort_values("customers", ascending=False, kind="stable")


def _segments_section(res: RunResult) -> str:
    seg = _segment_frame(res)
    colours = _colours(sorted(seg.index))
    unsegmented = len(res.data) - int(seg["customers"].sum())
    rows = []
    for name, row in seg.iterrows():
        rows.append(
            (
                str(name),
                [
                    f"<td>{_swatch(colours[str(name)])}{_e(name)}</td>",
                    _text(SEGMENT_WORDS.get(str(name), "")),
                    _cell(int(row["customers"]), _count(row["customers"]), "customers"),
                    _cell(float(row["share"]), _share(row["share"]), "share"),
                    _cell(float(row["recency_mean"]), _money(row["recency_mean"]), "recency_mean"),
                    _cell(float(row["frequency_mean"]), _money(row["frequency_mean"]), "frequency_mean"),
                    _cell(float(row["monetary_mean"]), _money(row["monetary_mean"]), "monetary_mean"),
                    _cell(float(row["spend"]), _money(row["spend"]), "spend"),
                    _cell(float(row["spend_share"]), _share(row["spend_share"]), "spend_share"),
                ],
            )
        )
    table = _table(
        "segments",
        [
            ("Segment", False),
            ("Who they are", False),
            ("Customers", True),
            ("Share", True),
            ("Recency, days (mean)", True),
            ("Orders (mean)", True),
            ("Spend (mean)", True),
            ("Spend (total)", True),
            ("Spend share", True),
        ],
        rows,
        "Recency: days from the last order to the analysis date. Orders and spend: online + offline, "
        "per customer. Shares are of the customers with a segment.",
    )
    bars = _bars_svg(
        "segment-sizes",
        [
            (
                str(n),
                float(r["customers"]),
                f"{_count(r['customers'])} ({_share(r['share'])})",
                colours[str(n)],
            )
            for n, r in seg.iterrows()
        ],
    )
    note = (
        f'<p class="note">{_count(unsegmented)} customer(s) have no segment (a missing recency or '
        'frequency): see <a href="#left-out">What was left out</a>.</p>'
        if unsegmented
        else ""
    )
    return (
        '<section id="segments"><h2>RFM segments</h2>'
        '<p class="lead">Each customer gets a recency and a frequency score from 1 to 5 (quintiles); '
        "the pair of scores places them in one of the segments below. Each cell shows the segment, "
        "its customers and their share of all segmented customers.</p>"
        f"<figure>{_grid_svg(res, colours)}<figcaption>The recency × frequency map.</figcaption></figure>"
        f"{note}"
        '<h3>Segment sizes</h3><div class="figures">'
        f"<figure>{bars}<figcaption>Customers per segment.</figcaption></figure>"
        f"<figure>{_treemap_svg(seg, colours)}<figcaption>Treemap: area = customers.</figcaption></figure>"
        f"</div><h3>Segment table</h3>{table}</section>"
    )


# --- campaigns ------------------------------------------------------------------------------


def _link(target: str, base: str) -> str:
    try:
        rel = os.path.relpath(target, base)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(target)
    href = rel.replace(os.sep, "/")
    return f'<a href="{_e(href)}">{_e(os.path.basename(target))}</a>'


def _campaigns_section(res: RunResult, out_dir: str) -> str:
    total = max(len(res.data), 1)
    rows = []
    for key, title, rule, file_key in CAMPAIGNS:
        n = len(res.result._preset_rows(key, res.match))
        path = res.files.get(file_key)
        where = _link(path, out_dir) if path else "not written"
        rows.append(
            (
                key,
                [
                    f"<td><strong>{_e(title)}</strong></td>",
                    _text(rule(res.match).describe()),
                    _cell(n, _count(n), "customers"),
                    _cell(n / total, _share(n / total), "share"),
                    f"<td>{where}</td>",
                ],
            )
        )
    match = (
        "Categories match as text inside the list (COCUK also matches AKTIFCOCUK), as str.contains does."
        if res.match == "substring"
        else "Categories match whole list items only (token match)."
    )
    table = _table(
        "campaigns",
        [("Campaign", False), ("Rule", False), ("Customers", True), ("Share of all", True), ("File", False)],
        rows,
        match,
    )
    others = [
        f"<li>{_link(p, out_dir)} ({_e(name)})</li>"
        for name, p in res.files.items()
        if name not in {c[3] for c in CAMPAIGNS}
    ]
    files = f"<h3>Other files written</h3><ul>{''.join(others)}</ul>" if others else ""
    hint = (
        ""
        if res.files
        else '<p class="note">No files were written with this report: <code>flo-rfm run --out DIR</code> '
        "(or <code>flo-rfm report --files DIR</code>) writes the lists.</p>"
    )
    return f'<section id="campaigns"><h2>Campaign lists</h2>{table}{hint}{files}</section>'


def _lines(values: Sequence[int] | np.ndarray, most: int = 20) -> str:
    shown = ", ".join(str(int(v)) for v in list(values)[:most])
    return shown + (f", … ({len(values) - most:,} more)" if len(values) > most else "")


def _left_out_section(res: RunResult, c: CltvResult | None) -> str:
    r = res.report
    parts = ['<section id="left-out"><h2>What was left out, and why</h2>']
    if not r.skipped and not r.merged and not r.missing_customers:
        parts.append('<p class="ok">Nothing: every row read was kept, with every value present.</p>')
    if r.skipped:
        shown = r.skipped[:100]
        rows = [(str(ln), [_cell(int(ln), str(int(ln)), "line"), _text(msg)]) for ln, msg in shown]
        more = f" The first {len(shown)} are listed." if len(r.skipped) > len(shown) else ""
        parts.append(
            f"<h3>Rows skipped ({_count(len(r.skipped))})</h3><p>These rows could not be read and were "
            f"left out (<code>--on-bad-rows skip</code>).{more}</p>"
            + _table("skipped", [("Line", True), ("Why", False)], rows)
        )
    if r.merged:
        parts.append(
            f"<h3>Duplicate ids merged ({_count(r.merged)})</h3><p>Rows repeating a master_id were "
            "merged into one customer (<code>--duplicates merge</code>).</p>"
        )
    if r.missing_customers:
        rows = [
            (col, [_text(col), _cell(len(v), _count(len(v)), "count"), _text(_lines(v))])
            for col, v in r.missing.items()
        ]
        parts.append(
            f"<h3>Missing values ({_count(r.missing_customers)} customers)</h3><p>These customers are kept "
            "but lack a value; without a recency or frequency they have no segment.</p>"
            + _table("missing", [("Column", False), ("Customers", True), ("Lines", False)], rows)
        )
    if c is not None:
        out = len(res.data) - len(c)
        th = c.thresholds
        rows = [
            (
                str(col),
                [
                    _text(col),
                    _cell(float(th.loc[col, "low"]), _money(th.loc[col, "low"]), "low"),
                    _cell(float(th.loc[col, "up"]), _money(th.loc[col, "up"]), "up"),
                ],
            )
            for col in th.index
        ]
        parts.append(
            f"<h3>Not in the CLTV study ({_count(out)} customers)</h3><p>The CLTV models need repeat "
            "buyers: customers with one order (or a missing value) are not in the CLTV tables. Before "
            "fitting, these columns were capped at their outlier thresholds (quantiles 1% and 99%, "
            "± 1.5 × the range):</p>"
            + _table("thresholds", [("Column", False), ("Low", True), ("Up", True)], rows)
        )
    parts.append("</section>")
    return "".join(parts)


def _reproduce_section(res: RunResult, c: CltvResult | None, command: str | None, out: str) -> str:
    if command is None:
        words = ["flo-rfm", "report"]
        if res.data.source != "<sample>":
            words.append(res.data.source)
        words += ["--out", out]
        if c is not None:
            words.append("--cltv")
        if res.match != "substring":
            words += ["--match", res.match]
        command = shlex.join(words)
    return (
        '<section id="reproduce"><h2>How to reproduce</h2>'
        f'<pre id="command">{_e(command)}</pre>'
        f'<p>flo_rfm <span id="version">{_e(__version__)}</span>, Python {_e(platform.python_version())}; '
        f"analysis date {_e(res.result.analysis_date.date())}; category match {_e(res.match)}. "
        "The same input and options give the same numbers.</p></section>"
    )
