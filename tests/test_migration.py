"""Segment migration: the matrix, movers, appeared and disappeared customers against the same
counts made here with pandas (qcut on the earlier snapshot, pd.cut on its edges for the later,
a crosstab of the two), on the real file with a moved analysis date and with a later snapshot;
the files and the command."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import seeds
from test_segmentation import _cut

import flo_rfm
from flo_rfm import Segmentation, Threshold, cli
from flo_rfm.exceptions import ArgumentTypeError

LABELS = {"recency": [5, 4, 3, 2, 1], "frequency": [1, 2, 3, 4, 5], "monetary": [1, 2, 3, 4, 5]}


def _pandas_segments(raw: pd.DataFrame, date: pd.Timestamp, edges: dict | None = None) -> pd.Series:
    """Each customer's segment in pandas: ``qcut`` as the seed study (``edges=None``), or the
    earlier snapshot's inner edges with open ends (frequency: its kept rank ties)."""
    prepared = seeds.data_prep(raw)
    metrics = {
        "recency": (date - prepared["last_order_date"]).dt.days,
        "frequency": prepared["order_num_total"],
        "monetary": prepared["customer_value_total"],
    }
    if edges is None:
        rfm = seeds.rfm_table(prepared, date)
        scores = {m: rfm[f"{m}_score"].astype(str) for m in metrics}
    else:
        scores = {
            m: pd.Series(np.asarray(LABELS[m])[_cut(v.reset_index(drop=True), edges[m])]).astype(str)
            for m, v in metrics.items()
        }
    rf = (scores["recency"].to_numpy() + scores["frequency"].to_numpy()).astype(str)
    segments = pd.Series(rf).replace(seeds.SEG_MAP, regex=True)
    return pd.Series(segments.to_numpy(), index=raw["master_id"].to_numpy())


def _pandas_thresholds(raw: pd.DataFrame, date: pd.Timestamp) -> dict[str, list[Threshold]]:
    """The earlier snapshot's cut points found with pandas: qcut's inner edges for recency and
    monetary; for frequency (cut on its first-rank) the value at each rank edge and, when the
    edge splits a run of equal values, how many of them rank below it."""
    prepared = seeds.data_prep(raw)
    recency = (date - prepared["last_order_date"]).dt.days
    out = {}
    for name, values in (("recency", recency), ("monetary", prepared["customer_value_total"])):
        _, bins = pd.qcut(values, 5, retbins=True)
        out[name] = [Threshold(e) for e in bins[1:-1]]
    frequency = prepared["order_num_total"]
    _, bins = pd.qcut(frequency.rank(method="first"), 5, retbins=True)
    ordered = np.sort(frequency.to_numpy())
    out["frequency"] = []
    for edge in bins[1:-1]:
        k = int(np.floor(edge))
        value = ordered[k - 1]
        split = k < len(ordered) and ordered[k] == value
        below = k - int((ordered < value).sum())
        out["frequency"].append(Threshold(value, below if split else "below"))
    return out


def _crosstab(before: pd.Series, after: pd.Series) -> pd.DataFrame:
    both = before.index.intersection(after.index, sort=False)
    table = pd.crosstab(before[both].rename("before"), after[both].rename("after"))
    return table


def _same_counts(got: pd.DataFrame, want: pd.DataFrame) -> None:
    names = sorted(set(got.index) | set(got.columns) | set(want.index) | set(want.columns))
    g = got.reindex(index=names, columns=names, fill_value=0)
    w = want.reindex(index=names, columns=names, fill_value=0)
    assert (g.to_numpy() == w.to_numpy()).all(), (g - w).loc[(g != w).any(axis=1)]


def test_moving_the_analysis_date_on_the_real_file_is_pandas(real_raw):
    first, later = pd.Timestamp("2021-06-01"), pd.Timestamp("2021-08-15")
    moved = flo_rfm.migration(real_raw, real_raw, after_date=later)
    before = _pandas_segments(real_raw, first)
    after = _pandas_segments(real_raw, later, _pandas_thresholds(real_raw, first))
    _same_counts(moved.matrix, _crosstab(before, after))
    assert len(moved.appeared) == len(moved.disappeared) == 0
    changed = before[before != after]
    movers = moved.movers()
    assert movers["master_id"].tolist() == changed.index.tolist()
    assert movers["after"].tolist() == after[changed.index].tolist()
    # Moving the date only ages customers: recency scores can only fall, nobody becomes a champion.
    assert "champions" not in set(movers["after"])


def test_a_later_snapshot_of_the_real_file_is_pandas(real_raw):
    later = flo_rfm.datasets.later_snapshot(real_raw, months=3, seed=5)
    moved = flo_rfm.migration(real_raw, later)
    date_after = pd.to_datetime(later["last_order_date"]).max() + pd.Timedelta(days=2)
    first = pd.Timestamp("2021-06-01")
    before = _pandas_segments(real_raw, first)
    after = _pandas_segments(later, date_after, _pandas_thresholds(real_raw, first))
    _same_counts(moved.matrix, _crosstab(before, after))
    assert set(moved.appeared) == set(later["master_id"]) - set(real_raw["master_id"])
    assert set(moved.disappeared) == set(real_raw["master_id"]) - set(later["master_id"])
    assert moved.appeared.tolist() == [i for i in later["master_id"] if i in set(moved.appeared)]
    for (src, dst), group in moved.movers().groupby(["before", "after"]):
        want = [i for i in before.index if before[i] == src and after.get(i) == dst]
        assert group["master_id"].tolist() == want
        break  # one pair by hand is enough; the crosstab checks the counts of all


def test_own_schemes_score_each_snapshot_as_rfm(real_raw):
    later = flo_rfm.datasets.later_snapshot(real_raw, seed=2)
    moved = flo_rfm.migration(real_raw, later, own_schemes=True)
    assert moved.scheme is None
    assert moved.after.table.equals(flo_rfm.rfm(later).table)
    date = pd.to_datetime(later["last_order_date"]).max() + pd.Timedelta(days=2)
    want = _crosstab(_pandas_segments(real_raw, pd.Timestamp("2021-06-01")), _pandas_segments(later, date))
    _same_counts(moved.matrix, want)


def test_shares_are_rows_of_the_matrix(real_raw):
    moved = flo_rfm.migration(real_raw, flo_rfm.datasets.later_snapshot(real_raw))
    m = moved.matrix
    assert np.allclose(moved.shares.to_numpy(), (m.T / m.sum(axis=1)).T.to_numpy())


def test_a_given_scheme_scores_both(real_raw):
    scheme = Segmentation.given([30, 90, 180, 365], [1, 2, 3, 5], [200, 400, 700, 1200])
    moved = flo_rfm.migration(real_raw, real_raw, scheme=scheme, after_date="2021-09-01")
    assert moved.before.table.equals(scheme.apply(real_raw).table)
    assert moved.after.table.equals(scheme.apply(real_raw, analysis_date="2021-09-01").table)


def test_bad_arguments():
    data = flo_rfm.datasets.sample(200)
    with pytest.raises(ArgumentTypeError, match="Segmentation"):
        flo_rfm.migration(data, data, scheme={"recency": [1]})  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="not both"):
        flo_rfm.migration(data, data, scheme=Segmentation.fit(data), own_schemes=True)
    with pytest.raises(ArgumentTypeError, match="segment name"):
        flo_rfm.migration(data, data).movers(3)  # type: ignore[arg-type]


def test_files_and_command(real_path, tmp_path):
    later = tmp_path / "later.csv"
    flo_rfm.datasets.later_snapshot(pd.read_csv(real_path), seed=9).to_csv(later, index=False)
    out = tmp_path / "out"
    code = cli.main(
        ["migrate", str(real_path), str(later), "--out", str(out), "--save-scheme", str(out / "s.json")]
    )
    assert code == 0
    moved = flo_rfm.migration(real_path, later)
    written = pd.read_csv(out / "matrix.csv", index_col=0)
    assert (written.to_numpy() == moved.matrix.to_numpy()).all()
    assert pd.read_csv(out / "movers.csv")["master_id"].tolist() == moved.movers()["master_id"].tolist()
    assert pd.read_csv(out / "appeared.csv")["master_id"].tolist() == moved.appeared.tolist()
    pair = moved.movers("loyal_customers", "at_Risk")["master_id"].tolist()
    assert pd.read_csv(out / "movers" / "loyal_customers__to__at_Risk.csv")["master_id"].tolist() == pair
    assert Segmentation.load(out / "s.json") == moved.scheme
    # Never over an input; a scheme that is no JSON is an error, not a traceback.
    clash = tmp_path / "clash"
    clash.mkdir()
    shutil.copy(later, clash / "matrix.csv")
    assert cli.main(["migrate", str(real_path), str(clash / "matrix.csv"), "--out", str(clash)]) == 1
    assert (clash / "matrix.csv").read_bytes() == later.read_bytes()
    assert cli.main(["migrate", str(later), str(later), "--out", str(out), "--scheme", str(later)]) == 1
