"""The report's pictures, as inline SVG: the recency × frequency map, bars, the treemap and the
heatmaps."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .style import (
    _count,
    _e,
    _share,
)

if TYPE_CHECKING:
    from ..run import RunResult


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
