"""The report's CLTV section: model parameters with intervals, CLV by segment, the CLTV segment
table and the P(alive) and expected-purchase matrices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .charts import (
    _bars_svg,
    _heatmap_svg,
)
from .style import (
    _cell,
    _colours,
    _count,
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
        if isinstance(v, (int, float))
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
