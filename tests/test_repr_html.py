"""Jupyter shows results as small cards (``_repr_html_``): the figures of the result, never the
customer table."""

from __future__ import annotations

import flo_rfm


def test_cards_hold_the_results_figures_and_no_customer_rows() -> None:
    data = flo_rfm.datasets.sample()
    run = flo_rfm.run(data)
    cltv = flo_rfm.cltv(data)
    ids = set(run.rfm.index[:50])
    for obj in (data, run, run.result, cltv, cltv.bgf, cltv.ggf):
        card = obj._repr_html_()
        assert card.startswith("<div") and card.endswith("</div>")
        assert len(card) < 20_000, type(obj).__name__
        assert not any(i in card for i in ids), f"{type(obj).__name__} shows customer ids"
    summary = run.segment_summary
    card = run._repr_html_()
    for segment, row in summary.iterrows():
        assert f"<th>{segment}</th>" in card
        assert f"<td>{row[('recency', 'mean')]:,.3f}</td>" in card
    assert f"new-brand targets: <b>{len(run.new_brand_targets):,}</b>" in card
    card = cltv._repr_html_()
    for segment, row in cltv.segment_summary().iterrows():
        assert f"<th>{segment}</th>" in card
        assert f"<td>{row[('cltv', 'mean')]:,.3f}</td>" in card
    assert f"{cltv.bgf.params_['r']:.6g}" in card
    assert f"{cltv.bgf.fit_info_['iterations']:.6g}" in cltv.bgf._repr_html_()
    assert "fitted: <b>no</b>" in flo_rfm.BetaGeo()._repr_html_()
