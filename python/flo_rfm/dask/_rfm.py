"""The RFM study on a Dask DataFrame: exact global cuts, per-partition scoring, summary sums carried
in input order."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from .. import _flo_rfm
from .._dates import EPOCH, DateLike, days
from .._frames import argument_errors, as_path
from .._pandas import STR_DTYPE
from .._rfm_options import _cut_options
from ..exceptions import InputError
from ..io import from_pandas
from ..run import DISCOUNT_FILE, NEW_BRAND_FILE
from ..segments import Match, _result, summary_frame
from ..write import write_csv, write_ids
from ._parts import (
    analysis_day,
    check_format,
    check_frame,
    check_outputs,
    pandas_text,
    part_writes,
    read_parts,
    sources,
    write_single_csv,
)
from ._select import non_null_counts, quantile_edges, row, select


def _rfm_metrics(data: Any, analysis_date: int) -> np.ndarray:
    """(recency, frequency, monetary) of one partition, as rows of a (3, n) array."""
    return np.vstack(data._frame.rfm_metrics(analysis_date))


def _equal_counts(values: np.ndarray, at: list[float]) -> list[int]:
    return [int(np.count_nonzero(values == v)) for v in at]


def _rank_bins(values: np.ndarray, bounds: list[tuple[float, int, int]]) -> np.ndarray:
    """Bins of ``rank(method="first")`` from the boundaries: for each inner edge, the value at
    the first rank past it, how many equal values precede that rank in sorted order, and how
    many equal values precede this partition in input order."""
    codes = np.where(np.isnan(values), -1, 0).astype(np.int64)
    for value, equal_before_rank, equal_before_part in bounds:
        equal = values == value
        position = equal_before_part + np.cumsum(equal) - 1  # among equal values, input order
        past = (values > value) | (equal & (position >= equal_before_rank))
        codes += past
    return codes


def _score_partition(
    data: Any,
    metrics: np.ndarray,
    plan: dict[str, Any],
    frequency_bounds: list[tuple[float, int, int]],
) -> dict[str, Any]:
    """One partition's rfm table and target ids under the global cuts."""
    r, f, m = (np.ascontiguousarray(x) for x in metrics)
    e = plan["edges"]
    cuts = [
        (_flo_rfm.cut_by_edges(r, e["recency"]), e["recency"]),
        (_rank_bins(f, frequency_bounds), e["frequency"]),
        (_flo_rfm.cut_by_edges(m, e["monetary"]), e["monetary"]),
    ]
    core = data._frame.rfm_with_cuts(
        plan["analysis_date"], cuts, plan["label_texts"], plan["rules"], plan["segment_on"]
    )
    res = _result(data, core, plan["labels"])
    table = res.to_pandas()
    if plan["recency_int"]:
        table["recency"] = table["recency"].astype("int64")
    else:
        table["recency"] = table["recency"].astype("float64")
    return {
        "rfm": table,
        "new_brand": res._pandas_targets("new_brand", plan["match"]),
        "discount": res._pandas_targets("discount", plan["match"]),
    }


def _pick(part: dict[str, Any], name: str) -> Any:
    return part[name]


def _summary_step(state: dict[str, list[Any]] | None, table: pd.DataFrame) -> dict[str, list[Any]]:
    """pandas' per-segment Kahan sums carried on over one more partition, in input order."""
    state = {k: list(v) for k, v in state.items()} if state else {}
    names: list[str] = state.setdefault("names", [])
    seg = table["segment"]
    codes = np.full(len(table), -1, dtype=np.int64)
    present = seg.notna().to_numpy()
    for name in pd.unique(seg[present]):
        if name not in names:
            names.append(str(name))
    index = {n: i for i, n in enumerate(names)}
    codes[present] = seg[present].map(index).to_numpy(dtype=np.int64)
    for metric in ("recency", "frequency", "monetary"):
        counts, sums, comps = state.get(metric, [[], [], []])
        grow = len(names) - len(counts)
        start = (list(counts) + [0] * grow, list(sums) + [0.0] * grow, list(comps) + [0.0] * grow)
        values = np.ascontiguousarray(table[metric].to_numpy(dtype="float64"))
        state[metric] = list(_flo_rfm.continue_group_sums(codes, values, start))
    return state


def _summary_frame(state: dict[str, list[Any]] | None) -> pd.DataFrame:
    """The segment summary (sorted by name) from the carried sums, as ``RfmResult``'s."""
    names = list((state or {}).get("names", []))
    order = sorted(range(len(names)), key=lambda i: names[i])
    columns = []
    for metric in ("recency", "frequency", "monetary"):
        counts, sums, _ = state[metric] if state else ([], [], [])
        c = np.asarray([counts[i] for i in order], dtype="int64")
        s = np.asarray([sums[i] for i in order], dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            columns.append((np.where(c > 0, s / np.maximum(c, 1), np.nan), c))
    return summary_frame([names[i] for i in order], columns)


@dataclass
class DaskRunResult:
    """What :func:`run` found. ``rfm``, ``new_brand_targets`` and ``discount_targets`` are lazy
    Dask collections (one partition per input partition, input order); the rest is small and
    computed. ``files`` lists what was written."""

    rfm: dd.DataFrame
    new_brand_targets: dd.Series
    discount_targets: dd.Series
    segment_summary: pd.DataFrame
    analysis_date: pd.Timestamp
    edges: dict[str, np.ndarray]
    customers: int
    skipped: list[tuple[int, int, str]] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"<DaskRunResult: {self.customers} customers in {self.rfm.npartitions} partitions, "
            f"{len(self.segment_summary)} segments, analysis date {self.analysis_date.date()}>"
        )


def run(
    ddf: dd.DataFrame,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    match: Match = "substring",
    analysis_date: DateLike | None = None,
    q: int | Sequence[float] = 5,
    duplicates: Literal["raise", "drop"] = "raise",
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None = None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
    segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
    on_bad_rows: Literal["raise", "skip"] = "raise",
    check_duplicate_ids: bool = True,
    format: Literal["csv", "parquet"] = "csv",
    single_file: bool = False,
) -> DaskRunResult:
    """:func:`flo_rfm.run` on a Dask DataFrame of FLO customer rows: the same scores, segments,
    segment summary and target lists, exactly.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The customer file(s), e.g. ``dd.read_csv("flo-*.csv")``; partitions in input order.
    out_dir : path, optional
        Write ``rfm/``, ``new_brand_targets/`` and ``discount_targets/`` there, one file per
        partition (``part-00000.csv``...; written by the workers, each atomically), plus the
        ``segment_summary.csv``. With ``single_file=True`` also the single files one machine writes
        ``rfm.csv``, ``new_brand_target_customer_id.csv`` and ``discount_target_customer_ids.csv``
        (assembled on the client: the target lists hold ids only).
    match, analysis_date, q, duplicates, labels, segment_map, segment_on
        As :func:`flo_rfm.rfm` and :func:`flo_rfm.run`.
    on_bad_rows : {"raise", "skip"}
        As :func:`flo_rfm.read_csv`; skipped rows are listed as ``(partition, line, message)``.
    check_duplicate_ids : bool
        Look for a ``master_id`` in more than one row across partitions (a shuffle of the ids);
        within a partition duplicates always raise.
    format : {"csv", "parquet"}
        Format of the per-partition files.

    Examples
    --------
    >>> import dask.dataframe as dd, flo_rfm, flo_rfm.dask
    >>> raw = flo_rfm.datasets.sample_frame(3000)
    >>> res = flo_rfm.dask.run(dd.from_pandas(raw, npartitions=4))
    >>> one = flo_rfm.run(flo_rfm.from_pandas(raw))
    >>> res.rfm.compute().equals(one.rfm)
    True
    """
    check_frame(ddf)
    check_format(format)
    n_bins, probabilities, label_texts, rules = _cut_options(q, labels, segment_map)
    with argument_errors():  # the core's rule, as one machine's
        _flo_rfm.score_probabilities(n_bins, probabilities)
    if analysis_date is not None:
        days(analysis_date)  # a bad date raises before any work
    input_files = sources(ddf)
    if out_dir is not None:
        out_dir = as_path(out_dir, "out_dir")
        names = ["rfm", "new_brand_targets", "discount_targets", "segment_summary.csv"]
        check_outputs(out_dir, names + (list(SINGLE_FILES) if single_file else []), input_files)
    parts = ddf.to_delayed()
    if check_duplicate_ids:
        _check_unique_ids(ddf)
    datas = read_parts(parts, on_bad_rows)
    read, day = analysis_day(datas, analysis_date)
    customers = sum(r["rows"] for r in read)
    metrics = dask.persist(*[delayed(_rfm_metrics)(d, day) for d in datas])
    columns = {
        name: [delayed(row)(m, j) for m in metrics]
        for j, name in enumerate(("recency", "frequency", "monetary"))
    }
    columns = {k: list(dask.persist(*v)) for k, v in columns.items()}
    counts = {k: non_null_counts(v) for k, v in columns.items()}
    q_bins = n_bins if probabilities is None else None
    edges = {}
    for name, what in (("recency", "recency"), ("monetary", "monetary")):
        raw_edges = quantile_edges(columns[name], sum(counts[name]), q_bins, probabilities)
        edges[name] = _flo_rfm.unique_bin_edges(raw_edges, duplicates, what)
    n_f = sum(counts["frequency"])
    probs, _ = _flo_rfm.quantile_plan(n_f, q_bins, probabilities)
    edges["frequency"] = _flo_rfm.unique_bin_edges(
        _flo_rfm.rank_bin_edges(n_f, probs), duplicates, "frequency rank"
    )
    bounds = _rank_bounds(columns["frequency"], n_f, edges["frequency"])
    plan = {
        "analysis_date": day,
        "edges": edges,
        "label_texts": label_texts,
        "labels": labels,
        "rules": rules,
        "segment_on": segment_on,
        "match": match,
        "on_bad_rows": on_bad_rows,
        # One machine gives int64 recency unless some customer has none.
        "recency_int": sum(counts["recency"]) == customers,
    }
    scored = [delayed(_score_partition)(d, metrics[i], plan, bounds[i]) for i, d in enumerate(datas)]
    tables = [delayed(_pick)(s, "rfm") for s in scored]
    state: Any = None
    for t in tables:
        state = delayed(_summary_step)(state, t)
    meta = _rfm_meta(plan, labels, edges)
    ids_meta = pd.Series([], name="master_id", dtype=STR_DTYPE)
    with pandas_text():
        rfm = dd.from_delayed(tables, meta=meta, verify_meta=False)
        new_brand = dd.from_delayed([delayed(_pick)(s, "new_brand") for s in scored], meta=ids_meta)
        discount = dd.from_delayed([delayed(_pick)(s, "discount") for s in scored], meta=ids_meta)
    result = DaskRunResult(
        rfm=rfm,
        new_brand_targets=new_brand,
        discount_targets=discount,
        segment_summary=pd.DataFrame(),
        analysis_date=EPOCH + pd.Timedelta(days=day),
        edges={k: np.asarray(v) for k, v in edges.items()},
        customers=customers,
        skipped=[s for r in read for s in r["skipped"]],
    )
    writes: list[Any] = []
    if out_dir is not None:
        out = os.fspath(out_dir)
        writes = [
            part_writes(tables, os.path.join(out, "rfm"), format, True),
            part_writes(
                [delayed(_pick)(s, "new_brand") for s in scored],
                os.path.join(out, "new_brand_targets"),
                format,
                False,
            ),
            part_writes(
                [delayed(_pick)(s, "discount") for s in scored],
                os.path.join(out, "discount_targets"),
                format,
                False,
            ),
        ]
    final_state, written = dask.compute(state, writes)
    result.segment_summary = _summary_frame(final_state)
    if out_dir is not None:
        out = os.fspath(out_dir)
        result.files = {
            "rfm": written[0],
            "new_brand_targets": written[1],
            "discount_targets": written[2],
        }
        summary = result.segment_summary.copy()
        summary.columns = [f"{m}_{s}" for m, s in summary.columns]
        path = os.path.join(out, "segment_summary.csv")
        write_csv(summary, path, inputs=input_files, index=True)
        result.files["segment_summary"] = path
        if single_file:
            result.files.update(_single_files(result, out, input_files))
    return result


def _rank_bounds(
    columns: Sequence[Any], n: int, edges: Sequence[float]
) -> list[list[tuple[float, int, int]]]:
    """Per partition, per inner rank edge: (value at the first rank past the edge, equal values
    before that rank in sorted order, equal values in earlier partitions)."""
    firsts = sorted({int(np.floor(e)) for e in edges[1:-1] if np.isfinite(e) and int(np.floor(e)) < n})
    if not firsts:
        return [[] for _ in columns]
    picked = select(columns, firsts)
    at = [v for v, _ in picked]
    per_part = dask.compute(*[delayed(_equal_counts)(c, at) for c in columns])
    bounds = []
    before = np.zeros(len(at), dtype=np.int64)
    for counts in per_part:
        bounds.append([(v, int(k), int(b)) for (v, k), b in zip(picked, before)])
        before = before + np.asarray(counts, dtype=np.int64)
    # Inner edges past the last rank never bin anyone up; repeated floors bin twice.
    mult = [sum(1 for e in edges[1:-1] if np.isfinite(e) and int(np.floor(e)) == f) for f in firsts]
    return [[b for b, k in zip(part, mult) for _ in range(k)] for part in bounds]


def _rfm_meta(plan: dict[str, Any], labels: Any, edges: dict[str, list[float]]) -> pd.DataFrame:
    """An empty rfm table with the dtypes every partition has."""
    from ..datasets import sample_frame

    sample = sample_frame(0)
    data = from_pandas(sample)
    empty = np.zeros(0, dtype=np.int64)
    cuts = [(empty, list(edges[k])) for k in ("recency", "frequency", "monetary")]
    core = data._frame.rfm_with_cuts(0, cuts, plan["label_texts"], plan["rules"], plan["segment_on"])
    table = _result(data, core, labels).to_pandas()
    table["recency"] = table["recency"].astype("int64" if plan["recency_int"] else "float64")
    return table


#: The one-machine files ``single_file=True`` adds: the rfm table and the two target lists.
SINGLE_FILES = ("rfm.csv", NEW_BRAND_FILE, DISCOUNT_FILE)


def _single_files(result: DaskRunResult, out: str, inputs: list[str]) -> dict[str, str]:
    rfm_csv, new_brand_csv, discount_csv = (os.path.join(out, name) for name in SINGLE_FILES)
    write_single_csv(result.rfm, rfm_csv, inputs)
    nb, disc = dask.compute(result.new_brand_targets, result.discount_targets)
    write_ids(nb, new_brand_csv, inputs=inputs)
    write_ids(disc, discount_csv, inputs=inputs)
    return {"rfm_csv": rfm_csv, "new_brand_csv": new_brand_csv, "discount_csv": discount_csv}


def _check_unique_ids(ddf: dd.DataFrame) -> None:
    counts = ddf["master_id"].value_counts(split_out=max(1, ddf.npartitions // 4))
    repeated = counts[counts > 1].head(5, npartitions=-1)
    if len(repeated):
        listed = ", ".join(f"{k} ({v} rows)" for k, v in repeated.items())
        raise InputError(f"master_id repeated across partitions: {listed}")
