"""Campaign rules as data: every reading of the new-brand rule (average order >= 250, > 250,
total spend) is one parameter and picks what pandas picks; rules print, and survive JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import seeds
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import flo_rfm
from flo_rfm.exceptions import ArgumentTypeError, InvalidArgumentError
from flo_rfm.rules import Bound, Rule, discount_rule, new_brand_rule

READINGS = [
    ("average_order_value", True, lambda t: t["monetary"] / t["frequency"] >= 250),
    ("average_order_value", False, lambda t: t["monetary"] / t["frequency"] > 250),
    ("monetary", True, lambda t: t["monetary"] >= 250),
    ("monetary", False, lambda t: t["monetary"] > 250),
]
NO_SPEND_RULE = (None, True, lambda t: t["monetary"].notna())


def _pandas_new_brand(raw: pd.DataFrame, keep) -> list[str]:
    """The rule as pandas code: the seeds' rfm table and their category test."""
    rfm = seeds.rfm_table(seeds.data_prep(raw))
    rfm["interested_in_categories_12"] = raw["interested_in_categories_12"].to_numpy()
    picked = rfm[
        rfm["segment"].isin(["champions", "loyal_customers"])
        & keep(rfm)
        & rfm["interested_in_categories_12"].str.contains("KADIN")
    ]
    return picked["customer_id"].tolist()


@pytest.mark.parametrize(("spend", "inclusive", "keep"), [*READINGS, NO_SPEND_RULE])
def test_each_reading_of_the_new_brand_rule_is_pandas(real_raw, spend, inclusive, keep):
    res = flo_rfm.rfm(real_raw)
    got = res.select(new_brand_rule(spend=spend, inclusive=inclusive)).tolist()
    assert got == _pandas_new_brand(real_raw, keep)


def test_the_default_rule_is_the_core_standard_list(real_raw):
    res = flo_rfm.rfm(real_raw)
    for match in ("substring", "token"):
        assert res.select(new_brand_rule(match)).equals(res.new_brand_targets(match))
        assert res.select(discount_rule(match)).equals(res.discount_targets(match))


@settings(max_examples=examples(60), deadline=None)
@given(
    st.lists(st.sampled_from([1.0, 2.0, 4.0]), min_size=30, max_size=60),
    st.lists(st.sampled_from([100.0, 250.0, 500.0, 750.0, 1000.0]), min_size=30, max_size=60),
    st.sampled_from(READINGS),
)
def test_edge_equal_spend_on_generated_customers(orders, spend, reading):
    """Average orders and totals exactly at 250 (the bound's edge) fall on the stated side."""
    n = min(len(orders), len(spend))
    # Two more customers far from the edge, so the one-bin scores always have a range.
    orders, spend = np.asarray([*orders[:n], 8.0, 1.0]), np.asarray([*spend[:n], 5000.0, 10.0])
    raw = flo_rfm.datasets.sample_frame(n + 2, seed=3)
    raw["order_num_total_ever_online"] = orders - 1.0
    raw["order_num_total_ever_offline"] = 1.0
    raw["customer_value_total_ever_online"] = spend * orders / 2
    raw["customer_value_total_ever_offline"] = raw["customer_value_total_ever_online"]
    metric, inclusive, keep = reading
    got = flo_rfm.rfm(raw, q=[0.0, 1.0]).select(
        Rule("edge", bounds=[Bound(metric, min=250, min_inclusive=inclusive)])
    )
    prepared = seeds.data_prep(raw)
    table = pd.DataFrame(
        {
            "frequency": prepared["order_num_total"],
            "monetary": prepared["customer_value_total"],
        }
    )
    assert got.tolist() == raw["master_id"][keep(table)].tolist()


def test_max_bounds_state_their_side(real_raw):
    res = flo_rfm.rfm(real_raw)
    table = res.to_pandas()
    closed = res.select(bounds=[Bound("recency", max=100)])
    opened = res.select(bounds=[Bound("recency", max=100, max_inclusive=False)])
    assert closed.tolist() == table.index[table["recency"] <= 100].tolist()
    assert opened.tolist() == table.index[table["recency"] < 100].tolist()


def test_rules_print_and_survive_json():
    rule = new_brand_rule("token", spend="monetary", at_least=300, inclusive=False)
    assert rule.describe() == "segment in champions, loyal_customers; interests lists KADIN; monetary > 300"
    data = json.loads(rule.to_json())
    assert data["bounds"] == [
        {"metric": "monetary", "min": 300.0, "max": None, "min_inclusive": False, "max_inclusive": True}
    ]
    assert Rule.from_json(rule.to_json()) == rule
    assert Rule.from_dict(discount_rule().to_dict()) == discount_rule()


@pytest.mark.parametrize(
    ("make", "error", "text"),
    [
        (lambda: Bound("spend", min=1), InvalidArgumentError, "metric must be one of"),
        (lambda: Bound("monetary", min=5, max=1), InvalidArgumentError, "min 5.0 is above max 1.0"),
        (lambda: Bound("monetary", min=float("nan")), InvalidArgumentError, "NaN"),
        (lambda: Rule("x", match="regex"), InvalidArgumentError, "match must be"),
        (lambda: Rule("x", segments=5), ArgumentTypeError, "segments must be a list of str"),
        (lambda: Rule("x", bounds=[("monetary", 1, 2)]), ArgumentTypeError, "list of flo_rfm.rules.Bound"),
        (lambda: Rule.from_dict({"name": "x", "limit": 3}), InvalidArgumentError, "unknown rule keys"),
    ],
)
def test_bad_rules_say_what_is_wrong(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_a_rule_and_conditions_together_are_refused():
    res = flo_rfm.rfm(flo_rfm.datasets.sample(500))
    with pytest.raises(InvalidArgumentError, match="either a rule or the conditions"):
        res.select(discount_rule(), segments=["champions"])
