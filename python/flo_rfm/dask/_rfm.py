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
from ..io import from_pandas
from ..run import DISCOUNT_FILE, NEW_BRAND_FILE
from ..segments import Match, _result, summary_frame
from ..write import write_csv, write_ids
from ._files import Files
from ._parts import (
    check_format,
    check_outputs,
    check_source,
    check_unique_ids,
    day_of,
    input_files,
    pandas_text,
    part_writes,
    read_customers,
    read_reports,
    write_single_csv,
)
from ._ranks import _first_ranks, _rank_bins, _rank_bounds
from ._select import first_cells, first_round, row_quantile_edges, value_counts


def _rfm_metrics(data: Any, analysis_date: int) -> np.ndarray:
    """(recency, frequency, monetary) of one partition, as rows of a (3, n) array."""
    return np.vstack(data._frame.rfm_metrics(analysis_date))


def _selection_rows(data: Any) -> np.ndarray:
    """What the cuts are selected from, before the analysis date is known: minus each last
    order's day (recency less the analysis date: whole days, so adding the date back to an
    order statistic is exact), frequency and monetary, as rows of a (3, n) array."""
    own = data._frame.max_last_order_date()
    day = 0 if own is None else own  # no last order after it, so the core accepts it
    rows = _rfm_metrics(data, day)
    rows[0] -= day
    return rows


def _metrics_at(rows: np.ndarray, day: int) -> np.ndarray:
    """A partition's (recency, frequency, monetary) at the analysis date ``day``, from its
    :func:`_selection_rows`: the core's ``day - last order's day``, exactly (whole days). The
    date was checked against every last order before (the core's error)."""
    metrics = rows.copy()
    metrics[0] += day
    return metrics


def _scored(
    data: Any, metrics: np.ndarray, plan: dict[str, Any], frequency_bounds: list[tuple[float, int, int]]
) -> Any:
    """One partition's core rfm table under the global cuts, from its ``metrics``
    (:func:`_metrics_at`)."""
    r, f, m = (np.ascontiguousarray(x) for x in metrics)
    e = plan["edges"]
    cuts = [
        (_flo_rfm.cut_by_edges(r, e["recency"]), e["recency"]),
        (_rank_bins(f, frequency_bounds), e["frequency"]),
        (_flo_rfm.cut_by_edges(m, e["monetary"]), e["monetary"]),
    ]
    return data._frame.rfm_with_cuts(
        plan["analysis_date"], cuts, plan["label_texts"], plan["rules"], plan["segment_on"]
    )


def _segments(
    data: Any, rows: np.ndarray, plan: dict[str, Any], frequency_bounds: list[tuple[float, int, int]]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """All the segment summary needs of one partition: the core's segment codes (-1 for none),
    their names and the metrics (what the run itself computes; tables and targets wait)."""
    metrics = _metrics_at(rows, plan["analysis_date"])
    codes, names = _scored(data, metrics, plan, frequency_bounds).segment()
    return codes, names, metrics


def _score_partition(
    data: Any, rows: np.ndarray, plan: dict[str, Any], frequency_bounds: list[tuple[float, int, int]]
) -> dict[str, Any]:
    """One partition's rfm table and target ids under the global cuts (built when asked for)."""
    metrics = _metrics_at(rows, plan["analysis_date"])
    core = _scored(data, metrics, plan, frequency_bounds)
    res = _result(data, core, plan["labels"])
    table = res._pd  # built once here, not copied
    table["recency"] = table["recency"].astype("int64" if plan["recency_int"] else "float64", copy=False)
    codes, names = core.segment()
    return {
        "rfm": table,
        "new_brand": res._pandas_targets("new_brand", plan["match"]),
        "discount": res._pandas_targets("discount", plan["match"]),
        "segments": (codes, names, metrics),
    }


def _pick(part: dict[str, Any], name: str) -> Any:
    return part[name]


def _summary_step(
    state: dict[str, list[Any]] | None, segments: tuple[np.ndarray, list[str], np.ndarray]
) -> dict[str, list[Any]]:
    """pandas' per-segment Kahan sums carried on over one more partition, in input order, from
    the core's segment codes (-1 for none) and metrics."""
    state = {k: list(v) for k, v in state.items()} if state else {}
    names: list[str] = state.setdefault("names", [])
    part_codes, part_names, metrics = segments
    for name in part_names:
        if name not in names:
            names.append(str(name))
    # The partition's segment codes as codes into the carried names (-1 stays -1).
    to_global = np.asarray([names.index(n) for n in part_names] + [-1], dtype=np.int64)
    codes = to_global[np.asarray(part_codes, dtype=np.int64)]
    for metric, values in zip(("recency", "frequency", "monetary"), metrics):
        counts, sums, comps = state.get(metric, [[], [], []])
        grow = len(names) - len(counts)
        start = (list(counts) + [0] * grow, list(sums) + [0.0] * grow, list(comps) + [0.0] * grow)
        state[metric] = list(_flo_rfm.continue_group_sums(codes, np.ascontiguousarray(values), start))
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
    ddf: dd.DataFrame | Files,
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
    blocksize: int | str | None = None,
) -> DaskRunResult:
    """:func:`flo_rfm.run` on a Dask DataFrame of FLO customer rows: the same scores, segments,
    segment summary and target lists, exactly.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame, or path(s)
        The customer file(s): a path, a glob (``"flo-*.csv"``) or a list of them, read by the
        Rust core inside the workers (a byte range of ``blocksize`` per partition; a whole file
        per partition where it is compressed, in another encoding or Parquet); or a Dask
        DataFrame already in the cluster, e.g. ``dd.read_csv("flo-*.csv")``. Partitions in
        input order.
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
    blocksize : int or str, optional
        Bytes of a CSV file per partition when ``ddf`` names files (default ``"64MB"``).

    Examples
    --------
    >>> import dask.dataframe as dd, flo_rfm, flo_rfm.dask
    >>> raw = flo_rfm.datasets.sample_frame(3000)
    >>> res = flo_rfm.dask.run(dd.from_pandas(raw, npartitions=4))
    >>> one = flo_rfm.run(flo_rfm.from_pandas(raw))
    >>> res.rfm.compute().equals(one.rfm)
    True
    """
    check_source(ddf)
    check_format(format)
    n_bins, probabilities, label_texts, rules = _cut_options(q, labels, segment_map)
    with argument_errors():  # the core's rule, as one machine's
        _flo_rfm.score_probabilities(n_bins, probabilities)
    if analysis_date is not None:
        days(analysis_date)  # a bad date raises before any work
    input_paths = input_files(ddf)
    if out_dir is not None:
        out_dir = as_path(out_dir, "out_dir")
        names = ["rfm", "new_brand_targets", "discount_targets", "segment_summary.csv"]
        check_outputs(out_dir, names + (list(SINGLE_FILES) if single_file else []), input_paths)
    datas = read_customers(ddf, on_bad_rows, blocksize)
    # The selection's first round needs no target and no analysis date: taken with the read
    # reports (a bad row raises here), it also counts each metric's values.
    rows = dask.persist(*[delayed(_selection_rows)(d) for d in datas])
    total, read = dask.compute(first_round(rows, [0, 1, 2]), read_reports(datas, check_duplicate_ids))
    first = first_cells(total, [0, 1, 2])
    day = day_of(read, analysis_date)
    if check_duplicate_ids:
        check_unique_ids(datas, [r["hashes"] for r in read])
    late = [i for i, r in enumerate(read) if r["max_last"] is not None and r["max_last"] > day]
    if late:  # a given date before some last order: the core's error for the first partition
        dask.compute(delayed(_rfm_metrics)(datas[late[0]], day))  # raises, before any file is written
    customers = sum(r["rows"] for r in read)
    n_r, n_f, n_m = value_counts(first, [0, 1, 2])
    q_bins = n_bins if probabilities is None else None
    probs, _ = _flo_rfm.quantile_plan(n_f, q_bins, probabilities)
    rank_edges = _flo_rfm.rank_bin_edges(n_f, probs)
    # Duplicates dropped here only to know which ranks to find; they raise below, in turn.
    firsts = _first_ranks(n_f, _flo_rfm.unique_bin_edges(rank_edges, "drop", "frequency rank"))
    # One selection for the recency and monetary quantiles and the frequency ranks.
    plans = {0: (n_r, q_bins, probabilities), 2: (n_m, q_bins, probabilities)}
    raw_edges, picked = row_quantile_edges(rows, plans, {1: firsts}, first, offsets={0: day})
    edges = {
        name: _flo_rfm.unique_bin_edges(raw_edges[r], duplicates, name)
        for name, r in (("recency", 0), ("monetary", 2))
    }
    edges["frequency"] = _flo_rfm.unique_bin_edges(rank_edges, duplicates, "frequency rank")
    bounds = _rank_bounds(rows, firsts, picked[1], edges["frequency"])
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
        "recency_int": n_r == customers,
    }
    # Tables and target lists are built when asked for (or written); the run itself computes
    # the segments, for the summary, alone.
    scored = [delayed(_score_partition)(d, rows[i], plan, bounds[i]) for i, d in enumerate(datas)]
    tables = [delayed(_pick)(s, "rfm") for s in scored]
    if out_dir is None:
        segments = [delayed(_segments)(d, rows[i], plan, bounds[i]) for i, d in enumerate(datas)]
    else:
        segments = [delayed(_pick)(s, "segments") for s in scored]
    state: Any = None
    for seg in segments:
        state = delayed(_summary_step)(state, seg)
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
        write_csv(summary, path, inputs=input_paths, index=True)
        result.files["segment_summary"] = path
        if single_file:
            result.files.update(_single_files(result, out, input_paths))
    return result


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
