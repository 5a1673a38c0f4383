"""One self-contained HTML report of a study: inline CSS and SVG, no script, nothing loaded from
the network, readable on screen and on paper."""

from __future__ import annotations

import html
import math
import os
import platform
import shlex
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .exceptions import ArgumentTypeError

if TYPE_CHECKING:
    from .lifetime_value import CltvResult
    from .pipeline import RunResult

__all__ = ["report"]

#: Colours of the seeds' segments (light enough for dark text, distinct on paper).
SEGMENT_COLOURS: dict[str, str] = {
    "champions": "#4caf50",
    "loyal_customers": "#9ccc65",
    "potential_loyalists": "#d4e157",
    "new_customers": "#4dd0e1",
    "promising": "#90caf9",
    "need_attention": "#fff176",
    "about_to_sleep": "#ffcc80",
    "at_Risk": "#ff8a65",
    "cant_loose": "#e57373",
    "hibernating": "#b0bec5",
}
_SPARE_COLOURS = ("#ce93d8", "#80cbc4", "#bcaaa4", "#f48fb1", "#a5d6a7", "#ffe082", "#9fa8da")

#: What each seed segment means, in a marketer's words.
SEGMENT_WORDS: dict[str, str] = {
    "champions": "bought recently and often",
    "loyal_customers": "buy often, fairly recently",
    "potential_loyalists": "recent, buying a few times",
    "new_customers": "bought very recently, once or twice",
    "promising": "recent, not yet frequent",
    "need_attention": "middling recency and frequency",
    "about_to_sleep": "slipping away, few purchases",
    "at_Risk": "bought often, but long ago",
    "cant_loose": "bought very often, but long ago",
    "hibernating": "long ago and rarely",
}

#: The two seed campaigns: key, title, rule in words, the RunResult's file name.
CAMPAIGNS = (
    (
        "new_brand",
        "New women's shoe brand",
        "Segments champions or loyal_customers, interested in a category containing KADIN "
        "(women), with an average order value (monetary / frequency) of at least 250.",
        "new_brand_targets",
    ),
    (
        "discount",
        "Men's and children's discount",
        "Segments cant_loose, hibernating or new_customers, interested in a category "
        "containing ERKEK (men) or COCUK (children).",
        "discount_targets",
    ),
)

CSS = """
:root { --ink: #1d2430; --muted: #5b6575; --line: #d5dae1; --band: #f3f5f8; --accent: #2f5d8a; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif;
       color: var(--ink); margin: 0; background: #fff; font-size: 14px; line-height: 1.45; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 8px; padding-bottom: 8px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; color: var(--accent); margin: 28px 0 8px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.lead, p.note { color: var(--muted); margin: 4px 0 10px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--band); }
td.name { white-space: nowrap; }
.figures > div { max-width: 500px; }
table.compact { font-size: 12px; }
table.compact th, table.compact td { padding: 3px 5px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.swatch { display: inline-block; width: 11px; height: 11px; border: 1px solid #0003;
          margin-right: 6px; vertical-align: -1px; }
.facts { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; margin: 10px 0; }
.fact { background: var(--band); border-radius: 6px; padding: 8px 10px; }
.fact .label { color: var(--muted); font-size: 12px; }
.fact .value { font-size: 18px; font-weight: 600; }
.figures { display: flex; flex-wrap: wrap; gap: 20px; align-items: flex-start; }
figure { margin: 0; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 2px; }
svg text { font-family: inherit; }
code, pre { font-family: "DejaVu Sans Mono", Consolas, monospace; font-size: 12px; }
pre { background: var(--band); padding: 8px 10px; white-space: pre-wrap; word-break: break-all; }
.ok { color: #2e7d32; }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 11px; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  section, figure, table { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .facts { grid-template-columns: repeat(4, 1fr); }
}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _count(n: float) -> str:
    return f"{int(n):,}"


def _money(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:,.2f}"


def _share(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{100 * x:.1f}%"


def _cell(value: float, text: str, col: str) -> str:
    """A number cell: shown ``text``, the exact value in ``data-value``, its column in ``data-col``."""
    exact = repr(float(value)) if isinstance(value, float | np.floating) else str(int(value))
    return f'<td class="num" data-col="{_e(col)}" data-value="{_e(exact)}">{_e(text)}</td>'


def _table(
    table_id: str,
    headers: Sequence[tuple[str, bool]],
    rows: Iterable[tuple[str, Sequence[str]]],
    caption: str | None = None,
) -> str:
    """``headers``: (title, numeric); ``rows``: (data-key, cells already rendered as <td>)."""
    head = "".join(f'<th class="{"num" if num else ""}">{_e(h)}</th>' for h, num in headers)
    body = "".join(f'<tr data-key="{_e(key)}">{"".join(cells)}</tr>' for key, cells in rows)
    cap = f'<p class="note">{_e(caption)}</p>' if caption else ""
    klass = ' class="compact"' if len(headers) > 9 else ""
    return (
        f'<table id="{_e(table_id)}"{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{cap}'
    )


def _text(value: object) -> str:
    return f"<td>{_e(value)}</td>"


def _colours(segments: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    spare = 0
    for s in segments:
        if s in SEGMENT_COLOURS:
            out[s] = SEGMENT_COLOURS[s]
        else:
            out[s] = _SPARE_COLOURS[spare % len(_SPARE_COLOURS)]
            spare += 1
    return out


def _swatch(colour: str) -> str:
    return f'<span class="swatch" style="background:{colour}"></span>'


# --- the data -------------------------------------------------------------------------------


def _date_range(prepared: pd.DataFrame) -> tuple[str, str]:
    first = pd.to_datetime(prepared["first_order_date"]).min()
    last = pd.to_datetime(prepared["last_order_date"]).max()
    show = [("—" if pd.isna(d) else str(d.date())) for d in (first, last)]
    return show[0], show[1]


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


def _grid_svg(res: RunResult, colours: dict[str, str]) -> str:
    """The recency × frequency map: frequency score up, recency score across (best top right)."""
    t = res.result.to_pandas()
    r_labels = [str(v) for v in t["recency_score"].cat.categories]
    f_labels = [str(v) for v in t["frequency_score"].cat.categories]
    scored = t.dropna(subset=["recency_score", "frequency_score"])
    keys = scored["recency_score"].astype(str) + "|" + scored["frequency_score"].astype(str)
    counts = keys.value_counts()
    modes = scored["segment"].groupby(keys).agg(lambda s: s.mode().iloc[0] if len(s.dropna()) else "")
    total = max(int(counts.sum()), 1)
    r_order = sorted(r_labels, key=lambda v: (len(v), v))
    f_order = sorted(f_labels, key=lambda v: (len(v), v))
    cw, chh, left, top = 150, 92, 70, 14
    w, h = left + cw * len(r_order) + 10, top + chh * len(f_order) + 58
    parts = [
        f'<svg id="segment-grid" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="RFM segment map">'
    ]
    for j, f in enumerate(reversed(f_order)):
        y = top + j * chh
        parts.append(
            f'<text x="{left - 10}" y="{y + chh / 2 + 5}" text-anchor="end" font-size="14">{_e(f)}</text>'
        )
        for i, r in enumerate(r_order):
            x = left + i * cw
            key = f"{r}|{f}"
            n = int(counts.get(key, 0))
            seg = str(modes.get(key, "")) if n else ""
            fill = colours.get(seg, "#eeeeee")
            parts.append(
                f'<g class="cell" data-recency="{_e(r)}" data-frequency="{_e(f)}" data-segment="{_e(seg)}" '
                f'data-value="{n}"><rect x="{x}" y="{y}" width="{cw}" height="{chh}" fill="{fill}" '
                f'stroke="#fff" stroke-width="2"/>'
                f'<text x="{x + cw / 2}" y="{y + 30}" text-anchor="middle" font-size="13" '
                f'font-weight="600">{_e(seg or "—")}</text>'
                f'<text x="{x + cw / 2}" y="{y + 52}" text-anchor="middle" font-size="14">{_count(n)}</text>'
                f'<text x="{x + cw / 2}" y="{y + 71}" text-anchor="middle" font-size="12" '
                f'fill="#333">{_share(n / total)}</text></g>'
            )
    base = top + chh * len(f_order)
    for i, r in enumerate(r_order):
        parts.append(
            f'<text x="{left + i * cw + cw / 2}" y="{base + 20}" text-anchor="middle" '
            f'font-size="14">{_e(r)}</text>'
        )
    parts.append(
        f'<text x="{left + cw * len(r_order) / 2}" y="{base + 46}" text-anchor="middle" font-size="14" '
        f'font-weight="600">recency score (5 = bought most recently) →</text>'
        f'<text x="18" y="{top + chh * len(f_order) / 2}" text-anchor="middle" font-size="14" '
        f'font-weight="600" transform="rotate(-90 18 {top + chh * len(f_order) / 2})">'
        f"frequency score (5 = most orders) →</text></svg>"
    )
    return "".join(parts)


def _bars_svg(svg_id: str, items: Sequence[tuple[str, float, str, str]], width: int = 500) -> str:
    """Horizontal bars: (label, value, shown text, colour)."""
    bar_h, label_w, text_w = 24, 170, 120
    h = bar_h * len(items) + 8
    top = max((v for _, v, _, _ in items), default=1.0) or 1.0
    span = width - label_w - text_w
    parts = [f'<svg id="{_e(svg_id)}" width="{width}" height="{h}" viewBox="0 0 {width} {h}" role="img">']
    for k, (label, v, text, colour) in enumerate(items):
        y = 4 + k * bar_h
        bw = max(span * v / top, 1.0)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" font-size="13">{_e(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{bw:.1f}" height="{bar_h - 6}" fill="{colour}" '
            f'stroke="#0003"/>'
            f'<text x="{label_w + bw + 6:.1f}" y="{y + 16}" font-size="12">{_e(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _squarify(
    values: Sequence[float], x: float, y: float, w: float, h: float
) -> list[tuple[float, float, float, float]]:
    """Squarified treemap (Bruls, Huizing, van Wijk) of positive ``values`` sorted descending."""
    total = float(sum(values))
    if total <= 0:
        return [(x, y, 0.0, 0.0) for _ in values]
    areas = [v * w * h / total for v in values]
    rects: list[tuple[float, float, float, float]] = []

    def worst(row: list[float], side: float) -> float:
        s = sum(row)
        return max(max(side * side * r / (s * s), (s * s) / (side * side * r)) for r in row)

    i = 0
    while i < len(areas):
        side = min(w, h)
        row = [areas[i]]
        i += 1
        while i < len(areas) and worst([*row, areas[i]], side) <= worst(row, side):
            row.append(areas[i])
            i += 1
        s = sum(row)
        if w >= h:  # lay the row down the left edge
            cw = s / h if h else 0.0
            yy = y
            for a in row:
                rh = a / cw if cw else 0.0
                rects.append((x, yy, cw, rh))
                yy += rh
            x, w = x + cw, w - cw
        else:  # lay the row along the top edge
            rh = s / w if w else 0.0
            xx = x
            for a in row:
                rw = a / rh if rh else 0.0
                rects.append((xx, y, rw, rh))
                xx += rw
            y, h = y + rh, h - rh
    return rects


def _treemap_svg(seg: pd.DataFrame, colours: dict[str, str], w: int = 500, h: int = 340) -> str:
    seg = seg[seg["customers"] > 0]
    rects = _squarify([float(v) for v in seg["customers"]], 0, 0, w, h)
    parts = [
        f'<svg id="segment-treemap" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="segment treemap">'
    ]
    for (name, row), (x, y, rw, rh) in zip(seg.iterrows(), rects):
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{rw:.1f}" height="{rh:.1f}" fill="{colours[str(name)]}" '
            f'stroke="#fff" stroke-width="2"/>'
        )
        if rw > 7.2 * max(len(str(name)), 13) + 10 and rh > 36:
            parts.append(
                f'<text x="{x + 6:.1f}" y="{y + 17:.1f}" font-size="12" font-weight="600">{_e(name)}</text>'
                f'<text x="{x + 6:.1f}" y="{y + 32:.1f}" font-size="12">{_count(row["customers"])} · '
                f"{_share(row['share'])}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


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
                    _text(rule),
                    _cell(n, _count(n), "customers"),
                    _cell(n / total, _share(n / total), "share"),
                    f"<td>{where}</td>",
                ],
            )
        )
    match = (
        "Categories match as text inside the list (COCUK also matches AKTIFCOCUK), as the seeds do."
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


# --- CLTV -----------------------------------------------------------------------------------

_VIRIDIS = ((68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37))


def _ramp(x: float) -> str:
    if not math.isfinite(x):
        return "#dddddd"  # no value (the model is undefined there)
    x = min(max(x, 0.0), 1.0) * (len(_VIRIDIS) - 1)
    i = min(int(x), len(_VIRIDIS) - 2)
    t = x - i
    c = [round(a + (b - a) * t) for a, b in zip(_VIRIDIS[i], _VIRIDIS[i + 1])]
    return f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}"


def _heatmap_svg(
    svg_id: str, z: np.ndarray, freqs: np.ndarray, recs: np.ndarray, lo: float, hi: float, label: str
) -> str:
    """``z[i, j]``: frequency ``freqs[i]`` (up), recency ``recs[j]`` (across)."""
    nf, nr = z.shape
    cell_w, cell_h, left, top = 12, max(5, min(12, 300 // max(nf, 1))), 46, 6
    w, h = left + nr * cell_w + 90, top + nf * cell_h + 44
    parts = [f'<svg id="{_e(svg_id)}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">']
    span = (hi - lo) or 1.0
    for i in range(nf):
        y = top + (nf - 1 - i) * cell_h
        for j in range(nr):
            colour = _ramp((float(z[i, j]) - lo) / span)
            parts.append(
                f'<rect x="{left + j * cell_w}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{colour}"/>'
            )
        if i % max(nf // 6, 1) == 0:
            parts.append(
                f'<text x="{left - 4}" y="{y + 10}" text-anchor="end" font-size="10">{int(freqs[i])}</text>'
            )
    base = top + nf * cell_h
    for j in range(0, nr, max(nr // 6, 1)):
        parts.append(
            f'<text x="{left + j * cell_w + cell_w / 2}" y="{base + 13}" text-anchor="middle" '
            f'font-size="10">{recs[j]:.0f}</text>'
        )
    parts.append(
        f'<text x="{left + nr * cell_w / 2}" y="{base + 32}" text-anchor="middle" font-size="12">'
        f"recency (weeks from first to last purchase)</text>"
        f'<text x="12" y="{top + nf * cell_h / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {top + nf * cell_h / 2})">frequency</text>'
    )
    lx = left + nr * cell_w + 16
    for k in range(20):
        parts.append(
            f'<rect x="{lx}" y="{top + (19 - k) * nf * cell_h / 20:.1f}" width="14" '
            f'height="{nf * cell_h / 20 + 0.5:.1f}" fill="{_ramp(k / 19)}"/>'
        )
    parts.append(
        f'<text x="{lx + 18}" y="{top + 10}" font-size="10">{hi:.2f}</text>'
        f'<text x="{lx + 18}" y="{top + nf * cell_h}" font-size="10">{lo:.2f}</text>'
        f'<text x="{lx + 18}" y="{top + nf * cell_h / 2}" font-size="10">{_e(label)}</text></svg>'
    )
    return "".join(parts)


def _params_table(name: str, model: Any) -> str:
    s = model.summary
    cols = [c for c in ("coef", "se(coef)", "lower 95% bound", "upper 95% bound") if c in s.columns]
    rows = [
        (
            f"{name}:{p}",
            [_text(p)] + [_cell(float(s.loc[p, c]), f"{float(s.loc[p, c]):.4f}", c) for c in cols],
        )
        for p in s.index
    ]
    info = s.attrs
    caption = ", ".join(
        f"{k.replace('_', ' ')} {v:,}" if isinstance(v, int) else f"{k.replace('_', ' ')} {v:.4g}"
        for k, v in info.items()
        if isinstance(v, int | float)
    )
    return _table(
        f"params-{name}",
        [("Parameter", False)] + [(c, True) for c in cols],
        rows,
        f"Fit: {caption}. Intervals: coef ± 1.96 se." if caption else None,
    )


def _cltv_frame(c: CltvResult) -> pd.DataFrame:
    s = c.segment_summary()
    out = pd.DataFrame(
        {
            "customers": s[("cltv", "count")].astype("int64"),
            "recency_cltv_weekly": s[("recency_cltv_weekly", "mean")],
            "T_weekly": s[("T_weekly", "mean")],
            "frequency": s[("frequency", "mean")],
            "monetary_cltv_avg": s[("monetary_cltv_avg", "mean")],
            "exp_sales_3_month": s[("exp_sales_3_month", "mean")],
            "exp_sales_6_month": s[("exp_sales_6_month", "mean")],
            "exp_average_value": s[("exp_average_value", "mean")],
            "cltv": s[("cltv", "mean")],
            "cltv_sum": s[("cltv", "sum")],
        },
        index=[str(i) for i in s.index],
    )
    total = float(out["cltv_sum"].sum())
    out["cltv_share"] = out["cltv_sum"] / total if total else np.nan
    return out


def _model_surface(c: CltvResult) -> tuple[np.ndarray, np.ndarray, float]:
    t = c._numbers()
    f_max = int(min(max(np.nanquantile(t["frequency"], 0.99), 2), 40))
    t_max = float(np.nanmax(t["T_weekly"]))
    return np.arange(0, f_max + 1, dtype="float64"), np.linspace(0, t_max, 30), t_max


def _cltv_section(c: CltvResult, res: RunResult) -> str:
    seg = _cltv_frame(c)
    cols = [
        ("recency_cltv_weekly", "Recency (weeks)"),
        ("T_weekly", "Age (weeks)"),
        ("frequency", "Orders"),
        ("monetary_cltv_avg", "Average order"),
        ("exp_sales_3_month", "Purchases, next 3 months"),
        ("exp_sales_6_month", "Purchases, next 6 months"),
        ("exp_average_value", "Expected order value"),
        ("cltv", "CLV"),
    ]
    rows = []
    for name, row in seg.iterrows():
        cells = [_text(name), _cell(int(row["customers"]), _count(row["customers"]), "customers")]
        cells += [_cell(float(row[k]), _money(row[k]), k) for k, _ in cols]
        cells += [
            _cell(float(row["cltv_sum"]), _money(row["cltv_sum"]), "cltv_sum"),
            _cell(float(row["cltv_share"]), _share(row["cltv_share"]), "cltv_share"),
        ]
        rows.append((str(name), cells))
    table = _table(
        "cltv-segments",
        [("CLTV segment", False), ("Customers", True)]
        + [(title, True) for _, title in cols]
        + [("CLV (total)", True), ("CLV share", True)],
        rows,
        "Segments are CLV quartiles, A the most valuable. All columns but the last two: the mean per "
        "customer.",
    )
    shades = {"A": "#2f5d8a", "B": "#5b89b5", "C": "#8fb3d6", "D": "#c7d9ea"}
    bars = _bars_svg(
        "cltv-by-segment",
        [
            (str(n), float(r["cltv"]), _money(r["cltv"]), shades.get(str(n), "#8fb3d6"))
            for n, r in seg.iloc[::-1].iterrows()
        ],
    )
    # CLV by RFM segment: the CLTV frame's customers joined to their RFM segment.
    t = c.to_pandas()
    rfm_seg = res.result.to_pandas()["segment"]
    joined = t[["cltv"]].join(rfm_seg, how="left")
    by_rfm = (
        joined.groupby("segment")["cltv"].agg(["count", "mean", "sum"]).sort_values("mean", ascending=False)
    )
    colours = _colours(sorted(str(s) for s in by_rfm.index))
    rfm_rows = [
        (
            str(n),
            [
                f"<td>{_swatch(colours[str(n)])}{_e(n)}</td>",
                _cell(int(r["count"]), _count(r["count"]), "customers"),
                _cell(float(r["mean"]), _money(r["mean"]), "cltv_mean"),
                _cell(float(r["sum"]), _money(r["sum"]), "cltv_sum"),
            ],
        )
        for n, r in by_rfm.iterrows()
    ]
    rfm_table = _table(
        "cltv-by-rfm-segment",
        [("RFM segment", False), ("Customers in CLTV", True), ("CLV (mean)", True), ("CLV (total)", True)],
        rfm_rows,
    )
    rfm_bars = _bars_svg(
        "cltv-by-rfm-bars",
        [(str(n), float(r["mean"]), _money(r["mean"]), colours[str(n)]) for n, r in by_rfm.iterrows()],
    )
    freqs, recs, t_max = _model_surface(c)
    ff, rr = np.meshgrid(freqs, recs, indexing="ij")
    rr = np.where(ff == 0, 0.0, rr)
    tt = np.full(ff.size, t_max)
    alive = np.asarray(c.bgf.conditional_probability_alive(ff.ravel(), rr.ravel(), tt)).reshape(ff.shape)
    purchases = np.asarray(c.bgf.predict(4, ff.ravel(), rr.ravel(), tt)).reshape(ff.shape)
    alive_svg = _heatmap_svg("p-alive", alive, freqs, recs, 0.0, 1.0, "P(alive)")
    buy_svg = _heatmap_svg(
        "frequency-recency",
        purchases,
        freqs,
        recs,
        float(np.nanmin(purchases)),
        float(np.nanmax(purchases)),
        "purchases",
    )
    exp3 = float(t["exp_sales_3_month"].sum())
    exp6 = float(t["exp_sales_6_month"].sum())
    total_clv = float(t["cltv"].sum())
    facts = (
        '<div class="facts">'
        f'<div class="fact"><div class="label">Customers in the CLTV study</div>'
        f'<div class="value" id="fact-cltv-customers" data-value="{len(c)}">{_count(len(c))}</div></div>'
        f'<div class="fact"><div class="label">Expected purchases, next 3 months</div>'
        f'<div class="value" id="fact-exp3" data-value="{exp3!r}">{_money(exp3)}</div></div>'
        f'<div class="fact"><div class="label">Expected purchases, next 6 months</div>'
        f'<div class="value" id="fact-exp6" data-value="{exp6!r}">{_money(exp6)}</div></div>'
        f'<div class="fact"><div class="label">Total CLV</div>'
        f'<div class="value" id="fact-total-clv" data-value="{total_clv!r}">{_money(total_clv)}</div></div>'
        "</div>"
    )
    return (
        '<section id="cltv"><h2>Customer lifetime value</h2>'
        '<p class="lead">BG/NBD predicts how many purchases each repeat customer will make and how likely '
        "they are still active; Gamma-Gamma predicts the value of an order. Their product over the "
        f"horizon, discounted, is the CLV. Analysis date {_e(c.analysis_date.date())}.</p>{facts}"
        f'<h3>Model parameters</h3><div class="figures"><div><p class="note">BG/NBD (purchases)</p>'
        f'{_params_table("bgnbd", c.bgf)}</div><div><p class="note">Gamma-Gamma (order value)</p>'
        f"{_params_table('gamma_gamma', c.ggf)}</div></div>"
        f"<h3>CLTV segment table</h3>{table}"
        f'<h3>CLV by segment</h3><div class="figures"><figure>{bars}<figcaption>Mean CLV per CLTV '
        f"segment.</figcaption></figure><figure>{rfm_bars}<figcaption>Mean CLV per RFM segment."
        f"</figcaption></figure></div>{rfm_table}"
        '<h3>P(alive) and expected purchases by frequency and recency</h3><div class="figures">'
        f"<figure>{alive_svg}<figcaption>Probability a customer observed for {t_max:.0f} weeks is still "
        f"active.</figcaption></figure><figure>{buy_svg}<figcaption>Expected purchases in the next 4 weeks."
        "</figcaption></figure></div></section>"
    )


# --- left out, reproduce --------------------------------------------------------------------


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
    from . import __version__

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


def render(
    result: RunResult, *, cltv: CltvResult | None = None, command: str | None = None, out: str = "report.html"
) -> str:
    """The report's HTML text (see :func:`report`)."""
    from .lifetime_value import CltvResult
    from .pipeline import RunResult

    if not isinstance(result, RunResult):
        raise ArgumentTypeError(f"result must be a RunResult (flo_rfm.run(...)), got {type(result).__name__}")
    if cltv is not None and not isinstance(cltv, CltvResult):
        raise ArgumentTypeError(f"cltv must be a CltvResult (flo_rfm.cltv(...)), got {type(cltv).__name__}")
    out_dir = os.path.dirname(os.path.abspath(out))
    title = f"Customer report: {result.data.source}"
    body = [
        f'<header><h1>Customer segmentation report</h1><p class="lead">{_e(result.data.source)} · '
        f"{_count(len(result.data))} customers · analysis date {_e(result.result.analysis_date.date())}</p>"
        "</header>",
        _data_section(result),
        _segments_section(result),
        _campaigns_section(result, out_dir),
    ]
    if cltv is not None:
        body.append(_cltv_section(cltv, result))
    body += [_left_out_section(result, cltv), _reproduce_section(result, cltv, command, out)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def report(
    result: RunResult,
    path: str | os.PathLike[str],
    *,
    cltv: CltvResult | None = None,
    command: str | None = None,
) -> str:
    """Write the study as one self-contained HTML page a marketer can open, read and print.

    The page holds the data read (rows read, kept, skipped, missing; dates; channels), the
    recency × frequency segment map, segment sizes and a treemap, the segment table, the two
    campaign lists (rules, counts, links to the files in ``result.files``), with ``cltv`` the
    CLTV study (model parameters with intervals, CLV by segment, the CLTV segment table, the
    P(alive) and expected-purchase matrices), what was left out and how to reproduce it. CSS
    and pictures (SVG) are inline: no script, nothing is loaded from the network. Numbers are
    the result's tables; each number cell carries its exact value in ``data-value``.

    Parameters
    ----------
    result : RunResult
        The RFM study (:func:`flo_rfm.run`).
    path : path
        The HTML file to write (atomically, never over the input file).
    cltv : CltvResult, optional
        The CLTV study of the same data (:func:`flo_rfm.cltv`), to add its section.
    command : str, optional
        The command shown under "How to reproduce" (default: the ``flo-rfm report`` command).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import flo_rfm, os, tempfile
    >>> res = flo_rfm.run(flo_rfm.datasets.sample(2000))
    >>> path = flo_rfm.report(res, os.path.join(tempfile.mkdtemp(), "report.html"))
    >>> "RFM segments" in open(path, encoding="utf-8").read()
    True
    """
    from . import _flo_rfm

    out = os.fspath(path)
    text = render(result, cltv=cltv, command=command, out=out)
    _flo_rfm.write_file(out, text.encode("utf-8"), [result.data.source])
    return out
