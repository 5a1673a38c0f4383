"""Small HTML cards for Jupyter (``_repr_html_``): a title, a few facts and at most one small
table; never a whole customer table."""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

_STYLE = (
    "font-family:system-ui,sans-serif;font-size:13px;border:1px solid #ccc;border-radius:6px;"
    "padding:8px 12px;display:inline-block;max-width:100%"
)


def card(title: str, facts: Sequence[tuple[str, object]], table: pd.DataFrame | None = None) -> str:
    """``title`` in bold, ``facts`` as ``label: value`` lines, then ``table`` (already small).

    Examples
    --------
    >>> card("T", [("customers", 3)]).count("<li>")
    1
    """
    items = "".join(f"<li>{html.escape(k)}: <b>{html.escape(str(v))}</b></li>" for k, v in facts)
    body = ""
    if table is not None:
        body = f'<div style="font-size:12px">{table.to_html(float_format=_number, border=0)}</div>'
    return (
        f'<div style="{_STYLE}"><div style="font-weight:600">{html.escape(title)}</div>'
        f'<ul style="margin:4px 0 8px 16px;padding:0">{items}</ul>{body}</div>'
    )


def _number(v: float) -> str:
    return f"{v:,.3f}"
