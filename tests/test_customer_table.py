"""The customer table (flo_rfm.customers): every customer once; the RFM columns are
flo_rfm.rfm's (and the seeds' pandas table), the CLV columns flo_rfm.cltv's; the customers the
CLTV study leaves out, and why, computed here with pandas from the study's rules (SPEC.md's
CLTV preparation); select with CLV conditions against the same filter in pandas; the CLI file."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import seeds

import flo_rfm
from flo_rfm.cli import main
from flo_rfm.exceptions import InvalidArgumentError
from flo_rfm.rules import Bound, Rule

RFM_COLUMNS = [
    "recency",
    "frequency",
    "monetary",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "RF_SCORE",
    "RFM_SCORE",
    "segment",
]
PREDICTIONS = ["exp_sales_3_month", "exp_sales_6_month", "exp_average_value", "cltv", "cltv_segment"]
ONLINE, OFFLINE = "order_num_total_ever_online", "order_num_total_ever_offline"


def _expected_reasons(raw: pd.DataFrame) -> pd.Series:
    """Why the study leaves each customer out, by SPEC.md's preparation done in pandas: cap the
    four columns at the seeds' thresholds, keep capped ``order_num_total > 1``; the reason reads
    the customer's own (uncapped) order total. Null for a customer kept."""
    capped = raw.copy()
    for col in seeds.CLTV_COLUMNS:
        seeds.replace_with_thresholds(capped, col)
    kept = (capped[ONLINE] + capped[OFFLINE]) > 1
    orders = raw[ONLINE] + raw[OFFLINE]
    reason = np.select(
        [orders.isna(), orders == 0, orders <= 1],
        ["missing order count", "no orders", "one order"],
        "one order or fewer after outlier capping",
    )
    out = pd.Series(reason, index=pd.Index(raw["master_id"], name="master_id"), name="clv_reason")
    return out.where(~kept.to_numpy(), None)


def _check_table(raw: pd.DataFrame, table: flo_rfm.CustomerTable) -> pd.DataFrame:
    """Every customer once and in file order; RFM columns as flo_rfm.rfm and the seeds; CLV
    columns as flo_rfm.cltv for those in the study, empty for the others, with the reasons."""
    df = table.to_pandas()
    assert df.index.is_unique and len(df) == len(raw)
    assert df.index.tolist() == raw["master_id"].tolist()
    rfm = flo_rfm.rfm(raw).table
    pdt.assert_frame_equal(df[RFM_COLUMNS], rfm, check_exact=True)
    if not raw[[ONLINE, OFFLINE]].isna().any().any():
        theirs = seeds.rfm_table(seeds.data_prep(raw)).set_index("customer_id")[RFM_COLUMNS]
        pdt.assert_frame_equal(df[RFM_COLUMNS], theirs.rename_axis("master_id"), check_exact=True)

    res = flo_rfm.cltv(raw)
    clv = res.table
    inside = df.loc[clv.index]
    pdt.assert_frame_equal(inside[PREDICTIONS], clv[PREDICTIONS], check_exact=True)
    p_alive = res.bgf.conditional_probability_alive(
        clv["frequency"], clv["recency_cltv_weekly"], clv["T_weekly"]
    )
    np.testing.assert_array_equal(inside["p_alive"].to_numpy(), np.asarray(p_alive))

    expected = _expected_reasons(raw)
    assert set(clv.index) == set(expected.index[expected.isna()])
    got = df["clv_reason"]
    assert np.array_equal(got.isna().to_numpy(), expected.isna().to_numpy())
    assert np.array_equal(got.dropna().to_numpy(dtype=object), expected.dropna().to_numpy(dtype=object))
    out = df[df["clv_reason"].notna()]
    assert out[["p_alive", *PREDICTIONS[:-1]]].isna().all().all() and out["cltv_segment"].isna().all()
    counts = expected.value_counts()
    left = table.left_out()
    assert {k: v for k, v in left.items() if v} == counts.to_dict()
    return df


def test_real_file_every_customer_once(real_path, real_raw):
    table = flo_rfm.customers(real_path)
    df = _check_table(real_raw, table)
    # On the FLO file every customer has at least two orders: nobody is left out (SPEC: 19,945 kept).
    assert len(table.cltv) == len(df) == 19_945
    assert df["clv_reason"].isna().all()
    # The source is read once and both studies run on it.
    assert table.rfm.data is table.cltv._data


@pytest.fixture(scope="module")
def left_out_raw(real_raw) -> pd.DataFrame:
    """The real file with customers the CLTV study leaves out, for each reason: offline orders
    zero except for 50 customers (under 1 %), so its cap is 0 and those 50, with one online
    order, fall to one order; one-order, no-order and missing-count customers."""
    raw = real_raw.copy()
    raw[OFFLINE] = 0.0
    raw.loc[100:149, [ONLINE, OFFLINE]] = [1.0, 5.0]
    raw.loc[0:29, ONLINE] = 1.0
    raw.loc[30:39, ONLINE] = 0.0
    raw.loc[40:44, ONLINE] = np.nan
    return raw


def test_left_out_customers_are_kept_with_the_reason(left_out_raw):
    table = flo_rfm.customers(left_out_raw)
    df = _check_table(left_out_raw, table)
    reasons = df["clv_reason"].value_counts()
    assert set(reasons.index) == {
        "missing order count",
        "no orders",
        "one order",
        "one order or fewer after outlier capping",
    }
    assert reasons["one order or fewer after outlier capping"] == 50
    assert len(table.cltv) + int(reasons.sum()) == len(df) == len(left_out_raw)


SELECTIONS = [
    {"segments": ["champions"], "clv_segments": ["A"], "bounds": {"p_alive": (None, 0.5)}},
    {"segments": ["at_Risk", "cant_loose"], "clv_segments": "A", "bounds": {"p_alive": (None, 0.5)}},
    {"clv_segments": ["A", "B"], "bounds": {"cltv": (200, 400), "recency": (30, None)}},
    {"bounds": [Bound("p_alive", min=0.9, min_inclusive=False), Bound("exp_sales_6_month", max=1)]},
    {
        "rule": Rule(
            "x",
            segments=("loyal_customers",),
            categories=("KADIN",),
            clv_segments=("C", "D"),
            bounds=(Bound("average_order_value", min=150), Bound("exp_average_value", max=200)),
        )
    },
]


def _pandas_select(df: pd.DataFrame, raw: pd.DataFrame, conditions: dict) -> pd.Index:
    """The same conditions as a pandas filter on the joined frame."""
    rule = conditions.get("rule")
    if rule is None:
        from flo_rfm.rules import rule_of

        rule = rule_of(
            conditions.get("segments"),
            None,
            "substring",
            "any",
            None,
            conditions.get("bounds"),
            conditions.get("clv_segments"),
        )
    keep = pd.Series(True, index=df.index)
    if rule.segments is not None:
        keep &= df["segment"].isin(rule.segments)
    if rule.clv_segments is not None:
        keep &= df["cltv_segment"].isin(rule.clv_segments)
    if rule.categories is not None:
        text = raw.set_index("master_id")["interested_in_categories_12"]
        keep &= np.logical_or.reduce([text.str.contains(c, regex=False) for c in rule.categories])
    for b in rule.bounds:
        if b.metric == "average_order_value":
            v = df["monetary"] / df["frequency"]
        else:
            v = df[b.metric]
        if b.min is not None:
            keep &= (v >= b.min) if b.min_inclusive else (v > b.min)
        if b.max is not None:
            keep &= (v <= b.max) if b.max_inclusive else (v < b.max)
    return df.index[keep.to_numpy()]


@pytest.fixture(scope="module")
def sample_raw() -> pd.DataFrame:
    """The built-in sample: unlike the FLO file (whose BG/NBD fit has a ~ 0, so P(alive) is 1
    for everyone, in lifetimes too), its P(alive) spreads over 0..1."""
    return flo_rfm.datasets.sample_frame(20_000)


@pytest.mark.parametrize("conditions", SELECTIONS)
def test_select_with_clv_conditions_is_the_pandas_filter(
    real_path, real_raw, left_out_raw, sample_raw, conditions
):
    sizes = []
    for raw, source in ((real_raw, real_path), (left_out_raw, left_out_raw), (sample_raw, sample_raw)):
        table = flo_rfm.customers(source)
        df = table.to_pandas()
        ids = table.select(**conditions)
        expected = _pandas_select(df, raw, conditions)
        assert ids.name == "master_id"
        assert ids.tolist() == expected.tolist()
        sizes.append(len(ids))
    assert sizes[2] > 0, "each selection picks someone on the sample"


def test_select_refusals(real_path):
    table = flo_rfm.customers(flo_rfm.datasets.sample(2000))
    with pytest.raises(InvalidArgumentError, match="unknown CLV segments"):
        table.select(clv_segments=["E"])
    with pytest.raises(InvalidArgumentError, match="not both"):
        table.select(Rule("x"), clv_segments=["A"])
    # The RFM table alone has no CLV columns: a CLV condition there is refused, not ignored.
    with pytest.raises(InvalidArgumentError, match="CLV conditions"):
        table.rfm.select(bounds={"p_alive": (None, 0.5)})
    with pytest.raises(InvalidArgumentError, match="CLV conditions"):
        table.rfm.select(Rule("x", clv_segments=("A",)))
    # Options are checked before the file is read.
    with pytest.raises(InvalidArgumentError):
        flo_rfm.customers("no such file.csv", months=0)


def test_rule_with_clv_conditions_round_trips():
    rule = Rule("c", segments=("champions",), clv_segments=("A",), bounds=(Bound("p_alive", max=0.5),))
    assert rule.describe() == "segment in champions; CLV segment in A; p_alive <= 0.5"
    assert Rule.from_json(rule.to_json()) == rule and rule.needs_clv


def test_files_arrow_and_polars(real_path, tmp_path):
    table = flo_rfm.customers(real_path)
    df = table.to_pandas()
    path = table.write(tmp_path / "out" / "customers.csv")
    with open(path, encoding="utf-8", newline="") as f:
        assert f.read() == df.to_csv()
    pq = table.write(tmp_path / "customers.parquet")
    back = pd.read_parquet(pq).set_index("master_id")
    pdt.assert_frame_equal(
        back[["p_alive", "cltv"]], df[["p_alive", "cltv"]], check_exact=True, check_index_type=False
    )
    assert back["clv_reason"].isna().all()
    import pyarrow as pa

    arrow = pa.table(table)
    assert arrow.column_names == ["master_id", *df.columns]
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(table)
    assert frame.shape == (len(df), len(df.columns) + 1)
    polars_table = flo_rfm.customers(pl.from_pandas(pd.read_csv(real_path))).table
    assert isinstance(polars_table, pl.DataFrame) and polars_table.columns[0] == "master_id"
    assert "CLTV study" in table._repr_html_() and "19,945" in table._repr_html_()


def test_cli_run_cltv_writes_the_customer_table(real_path, tmp_path, capsys):
    assert main(["run", str(real_path), "--out", str(tmp_path), "--cltv"]) == 0
    out = capsys.readouterr().out
    assert "wrote customers:" in out and "CLTV study: 19945 of 19945 customers" in out
    expected = flo_rfm.customers(real_path).to_pandas().to_csv()
    assert (tmp_path / "customers.csv").read_text(encoding="utf-8") == expected
    assert (tmp_path / "rfm.csv").exists()
    assert main(["run", str(real_path), "--cltv", "--json", "--months", "3"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["cltv"]["customers"] == 19945 and sum(payload["cltv"]["left_out"].values()) == 0
