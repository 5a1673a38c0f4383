"""The report's look: segment colours and words, the campaigns, the CSS, and the formatting of
numbers, cells and tables."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..rules import discount_rule, new_brand_rule

if TYPE_CHECKING:
    pass

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

#: The two standard campaigns: key, title, the rule (as data, printed from the core's own
#: rule for the run's category match), the RunResult's file name.
CAMPAIGNS = (
    ("new_brand", "New women's shoe brand", new_brand_rule, "new_brand_targets"),
    ("discount", "Men's and children's discount", discount_rule, "discount_targets"),
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
    exact = repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
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


def _date_range(prepared: pd.DataFrame) -> tuple[str, str]:
    first = pd.to_datetime(prepared["first_order_date"]).min()
    last = pd.to_datetime(prepared["last_order_date"]).max()
    show = [("—" if pd.isna(d) else str(d.date())) for d in (first, last)]
    return show[0], show[1]
