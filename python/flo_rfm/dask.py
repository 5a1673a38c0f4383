"""The study on a Dask DataFrame, with the answers one machine gives, bit for bit.

``run`` (Tasks 1–5), ``cltv`` (the CLTV study) and ``summarize_transactions`` take a Dask
DataFrame (e.g. ``dd.read_csv("orders-*.csv")``) and run on whatever scheduler is active — a
``dask.distributed`` cluster if a ``Client`` exists. Each partition is read and scored by the
Rust core inside the workers; the client only ever holds small things (counts, histograms,
parameters, one summary row per segment).

How the answers stay exact:

* **Quantile edges** (``qcut``): every order statistic a quantile reads is found by an exact
  distributed selection — four rounds of 16-bit histograms of the values' order-preserving
  bit patterns, summed over partitions — and the edges are then interpolated by the same code as
  on one machine.
* **``rank(method="first")``** (frequency): a customer's rank is the number of smaller values
  plus the number of equal values before it in input order (earlier partitions first); only
  the values at the bin boundaries are selected, and per partition the equal values before it are
  counted.
* **Segment means**: pandas' Kahan sums carried from one partition to the next in input order.
* **BG/NBD and Gamma-Gamma**: each partition's customers are collapsed into distinct histories
  and its likelihood and gradient are summed there, exactly (the sums do not depend on order or
  split); the optimiser on the client merges them, so the parameters equal one machine's.
* **Order logs** are shuffled by customer id (Dask's own shuffle); each customer's lines keep
  their input order, so every per-customer summary is computed as on one machine.

Errors name the partition (``partition 3``) and the row as a CSV line of that partition.

Needs the ``dask`` extra: ``pip install "flo_rfm[dask]"``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import Delayed, delayed

from . import _flo_rfm
from ._pandas import STR_DTYPE, text_series
from .data import from_pandas
from .lifetime_value import (
    CAPPED_COLUMNS,
    BetaGeo,
    GammaGamma,
    _check_finite,
    _cltv_table,
    _segments,
)
from .output import check_not_input, write_csv, write_ids
from .segmentation import DateLike, Match, _cut_options, _days, _result
from .transactions import summarize_transactions as _summarize_one

__all__ = ["DaskCltvResult", "DaskRunResult", "cltv", "run", "summarize_transactions"]

_EPOCH = pd.Timestamp("1970-01-01")
_SIGN = 1 << 63
_DIGIT = 16
_FAN_IN = 8

# --------------------------------------------------------------------------------------------
# Exact order statistics over partitions


def _keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving unsigned keys of the non-null values (``-0.0`` counted as ``0.0``)."""
    v = np.ascontiguousarray(values[~np.isnan(values)], dtype="float64") + 0.0
    bits = v.view(np.uint64)
    negative = (bits >> np.uint64(63)).astype(bool)
    return np.where(negative, ~bits, bits | np.uint64(_SIGN))


def _value_of(key: int) -> float:
    bits = key ^ _SIGN if key & _SIGN else ~key & (2**64 - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def _histograms(values: np.ndarray, prefixes: list[int], known: int) -> np.ndarray:
    """Per prefix (the top ``known`` bits), the counts of the next 16 bits of the keys."""
    keys = _keys(values)
    out = np.zeros((len(prefixes), 1 << _DIGIT), dtype=np.int64)
    low = np.uint64(64 - known - _DIGIT)
    for j, prefix in enumerate(prefixes):
        sel = keys if known == 0 else keys[(keys >> np.uint64(64 - known)) == np.uint64(prefix)]
        digits = ((sel >> low) & np.uint64((1 << _DIGIT) - 1)).astype(np.intp)
        out[j] = np.bincount(digits, minlength=1 << _DIGIT)
    return out


def _tree(parts: Sequence[Any], combine: Callable[..., Any]) -> Any:
    """Combines delayed parts in a tree (fan-in 8) so no node receives them all."""
    level = list(parts)
    while len(level) > 1:
        level = [delayed(combine)(*level[i : i + _FAN_IN]) for i in range(0, len(level), _FAN_IN)]
    return level[0]


def _add(*arrays: np.ndarray) -> np.ndarray:
    return np.sum(arrays, axis=0)


def _select(columns: Sequence[Any], positions: Sequence[int]) -> list[tuple[float, int]]:
    """The ``k``-th smallest non-null value (0-based, over all partitions in order) for each
    ``k`` in ``positions``, and how many values equal to it come before it in sorted order."""
    targets = [(int(k), 0) for k in positions]
    for known in range(0, 64, _DIGIT):
        prefixes = sorted({p for _, p in targets})
        parts = [delayed(_histograms)(c, prefixes, known) for c in columns]
        (total,) = dask.compute(_tree(parts, _add))
        moved = []
        for k, prefix in targets:
            cum = np.cumsum(total[prefixes.index(prefix)])
            digit = int(np.searchsorted(cum, k, side="right"))
            below = int(cum[digit - 1]) if digit else 0
            moved.append((k - below, (prefix << _DIGIT) | digit))
        targets = moved
    return [(_value_of(key), k) for k, key in targets]


def _quantile_edges(
    columns: Sequence[Any], n: int, q: int | None, probabilities: list[float] | None
) -> list[float]:
    """numpy's linear quantiles of all partitions' values (pandas ``qcut`` edges), exactly."""
    probs, positions = _flo_rfm.quantile_plan(n, q, probabilities)
    stats = [v for v, _ in _select(columns, positions)] if n else []
    return _flo_rfm.quantiles_from_order_stats(n, probs, positions, stats)


def _count(column: np.ndarray) -> int:
    return int(np.count_nonzero(~np.isnan(column)))


def _counts(columns: Sequence[Any]) -> list[int]:
    return [int(c) for c in dask.compute(*[delayed(_count)(c) for c in columns])]


# --------------------------------------------------------------------------------------------
# Partitions


def _customers(df: pd.DataFrame, number: int, on_bad_rows: str) -> Any:
    return from_pandas(df, on_bad_rows=on_bad_rows, source=f"partition {number}")  # type: ignore[arg-type]


def _dates(df: pd.DataFrame, number: int, on_bad_rows: str) -> dict[str, Any]:
    """One partition read: its latest ``last_order_date``, rows read and rows skipped."""
    data = _customers(df, number, on_bad_rows)
    return {
        "max_last": data._frame.max_last_order_date(),
        "rows": len(data),
        "skipped": [(number, line, msg) for line, msg in data.report.skipped],
    }


def _rfm_metrics(df: pd.DataFrame, number: int, on_bad_rows: str, analysis_date: int) -> np.ndarray:
    """(recency, frequency, monetary) of one partition, as rows of a (3, n) array."""
    data = _customers(df, number, on_bad_rows)
    return np.vstack(data._frame.rfm_metrics(analysis_date))


def _row(metrics: np.ndarray, i: int) -> np.ndarray:
    return np.ascontiguousarray(metrics[i])


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
    df: pd.DataFrame,
    number: int,
    metrics: np.ndarray,
    plan: dict[str, Any],
    frequency_bounds: list[tuple[float, int, int]],
) -> dict[str, Any]:
    """One partition's rfm table and target ids under the global cuts."""
    data = _customers(df, number, plan["on_bad_rows"])
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
    codes[present] = [index[s] for s in seg[present]]
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
    data: dict[tuple[str, str], Any] = {}
    for metric in ("recency", "frequency", "monetary"):
        counts, sums, _ = state[metric] if state else ([], [], [])
        c = np.asarray([counts[i] for i in order], dtype="int64")
        s = np.asarray([sums[i] for i in order], dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            data[(metric, "mean")] = np.where(c > 0, s / np.maximum(c, 1), np.nan)
        data[(metric, "count")] = c
    index = pd.Index([names[i] for i in order], dtype=object, name="segment").astype(
        text_series([], pd.RangeIndex(0), "x").dtype
    )
    return pd.DataFrame(data, index=index)


# --------------------------------------------------------------------------------------------
# Output


def _write_part(frame: pd.DataFrame | pd.Series, path: str, fmt: str, index: bool) -> str:
    """One partition's file, written atomically."""
    if fmt == "parquet":
        directory = os.path.dirname(path)
        tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp")
        out = frame.to_frame() if isinstance(frame, pd.Series) else frame
        out.to_parquet(tmp, index=index)
        os.replace(tmp, path)
    elif isinstance(frame, pd.Series):
        write_ids(frame, path)
    else:
        write_csv(frame, path, index=index)
    return path


def _part_writes(parts: Sequence[Any], directory: str, fmt: str, index: bool) -> list[Delayed]:
    os.makedirs(directory, exist_ok=True)
    ext = "parquet" if fmt == "parquet" else "csv"
    return [
        delayed(_write_part)(p, os.path.join(directory, f"part-{i:05d}.{ext}"), fmt, index)
        for i, p in enumerate(parts)
    ]


def _concat(*parts: Any) -> Any:
    return pd.concat(parts) if parts else pd.Series([], name="master_id", dtype=STR_DTYPE)


def _sources(ddf: dd.DataFrame) -> list[str]:
    """The files a ``dd.read_csv`` frame reads, where they can be told (never written over)."""
    try:
        expr = ddf.expr
        paths = getattr(expr, "operand", lambda _: None)("filename")  # not part of dask's API
    except Exception:
        paths = None
    return [p for p in (paths or []) if isinstance(p, str)]


# --------------------------------------------------------------------------------------------
# Tasks 1–5


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
        ``segment_summary.csv``. With ``single_file=True`` also the seeds' single files
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
    n_bins, probabilities, label_texts, rules = _cut_options(q, labels, segment_map)
    if probabilities is None and n_bins == 0:
        raise _invalid("`q` should be a positive integer.")
    parts = ddf.to_delayed()
    if check_duplicate_ids:
        _check_unique_ids(ddf)
    read = dask.compute(*[delayed(_dates)(p, i, on_bad_rows) for i, p in enumerate(parts)])
    customers = sum(r["rows"] for r in read)
    latest = [r["max_last"] for r in read if r["max_last"] is not None]
    if analysis_date is not None:
        day = _days(analysis_date)
    elif latest:
        day = max(latest) + 2
    else:
        raise _invalid("no last_order_date to derive the analysis date from; pass analysis_date")
    metrics = dask.persist(*[delayed(_rfm_metrics)(p, i, on_bad_rows, day) for i, p in enumerate(parts)])
    columns = {
        name: [delayed(_row)(m, j) for m in metrics]
        for j, name in enumerate(("recency", "frequency", "monetary"))
    }
    columns = {k: list(dask.persist(*v)) for k, v in columns.items()}
    counts = {k: _counts(v) for k, v in columns.items()}
    q_bins = n_bins if probabilities is None else None
    edges = {}
    for name, what in (("recency", "recency"), ("monetary", "monetary")):
        raw_edges = _quantile_edges(columns[name], sum(counts[name]), q_bins, probabilities)
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
    scored = [delayed(_score_partition)(p, i, metrics[i], plan, bounds[i]) for i, p in enumerate(parts)]
    tables = [delayed(_pick)(s, "rfm") for s in scored]
    state: Any = None
    for t in tables:
        state = delayed(_summary_step)(state, t)
    meta = _rfm_meta(plan, labels, n_bins, edges)
    ids_meta = pd.Series([], name="master_id", dtype=STR_DTYPE)
    result = DaskRunResult(
        rfm=dd.from_delayed(tables, meta=meta, verify_meta=False),
        new_brand_targets=dd.from_delayed([delayed(_pick)(s, "new_brand") for s in scored], meta=ids_meta),
        discount_targets=dd.from_delayed([delayed(_pick)(s, "discount") for s in scored], meta=ids_meta),
        segment_summary=pd.DataFrame(),
        analysis_date=_EPOCH + pd.Timedelta(days=day),
        edges={k: np.asarray(v) for k, v in edges.items()},
        customers=customers,
        skipped=[s for r in read for s in r["skipped"]],
    )
    writes: list[Any] = []
    if out_dir is not None:
        out = os.fspath(out_dir)
        inputs = _sources(ddf)
        for sub in ("rfm", "new_brand_targets", "discount_targets"):
            check_not_input(os.path.join(out, sub), inputs)
        writes = [
            _part_writes(tables, os.path.join(out, "rfm"), format, True),
            _part_writes(
                [delayed(_pick)(s, "new_brand") for s in scored],
                os.path.join(out, "new_brand_targets"),
                format,
                False,
            ),
            _part_writes(
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
        write_csv(summary, path, inputs=_sources(ddf), index=True)
        result.files["segment_summary"] = path
        if single_file:
            result.files.update(_single_files(result, out, _sources(ddf)))
    return result


def _rank_bounds(
    columns: Sequence[Any], n: int, edges: Sequence[float]
) -> list[list[tuple[float, int, int]]]:
    """Per partition, per inner rank edge: (value at the first rank past the edge, equal values
    before that rank in sorted order, equal values in earlier partitions)."""
    firsts = sorted({int(np.floor(e)) for e in edges[1:-1] if np.isfinite(e) and int(np.floor(e)) < n})
    if not firsts:
        return [[] for _ in columns]
    picked = _select(columns, firsts)
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


def _rfm_meta(
    plan: dict[str, Any], labels: Any, n_bins: int, edges: dict[str, Sequence[float]]
) -> pd.DataFrame:
    """An empty rfm table with the dtypes every partition has."""
    import flo_rfm

    sample = flo_rfm.datasets.sample_frame(0)
    data = from_pandas(sample)
    empty = np.zeros(0, dtype=np.int64)
    cuts = [(empty, list(edges[k])) for k in ("recency", "frequency", "monetary")]
    core = data._frame.rfm_with_cuts(0, cuts, plan["label_texts"], plan["rules"], plan["segment_on"])
    table = _result(data, core, labels).to_pandas()
    table["recency"] = table["recency"].astype("int64" if plan["recency_int"] else "float64")
    return table


def _single_files(result: DaskRunResult, out: str, inputs: list[str]) -> dict[str, str]:
    from .pipeline import DISCOUNT_FILE, NEW_BRAND_FILE

    files = {
        "rfm_csv": os.path.join(out, "rfm.csv"),
        "new_brand_csv": os.path.join(out, NEW_BRAND_FILE),
        "discount_csv": os.path.join(out, DISCOUNT_FILE),
    }
    for path in files.values():
        check_not_input(path, inputs)
    tmp = os.path.join(out, ".rfm.csv.tmp")
    result.rfm.to_csv(tmp, single_file=True, index=True)
    os.replace(tmp, files["rfm_csv"])
    nb, disc = dask.compute(result.new_brand_targets, result.discount_targets)
    write_ids(nb, files["new_brand_csv"], inputs=inputs)
    write_ids(disc, files["discount_csv"], inputs=inputs)
    return files


def _check_unique_ids(ddf: dd.DataFrame) -> None:
    counts = ddf["master_id"].value_counts(split_out=max(1, ddf.npartitions // 4))
    repeated = counts[counts > 1].head(5, npartitions=-1)
    if len(repeated):
        from .exceptions import InputError

        listed = ", ".join(f"{k} ({v} rows)" for k, v in repeated.items())
        raise InputError(f"master_id repeated across partitions: {listed}")


def _invalid(message: str) -> Exception:
    from .exceptions import InvalidArgumentError

    return InvalidArgumentError(message)


# --------------------------------------------------------------------------------------------
# The CLTV study


def _cltv_columns(df: pd.DataFrame, number: int, on_bad_rows: str) -> np.ndarray:
    """The four capped columns of one partition, as rows of a (4, n) array."""
    prepared = _customers(df, number, on_bad_rows).to_pandas(totals=False)
    return np.vstack([prepared[c].to_numpy(dtype="float64") for c in CAPPED_COLUMNS])


def _cltv_inputs(
    df: pd.DataFrame,
    number: int,
    on_bad_rows: str,
    day: int,
    repeat: bool,
    thresholds: list[tuple[float, float]],
) -> pd.DataFrame:
    data = _customers(df, number, on_bad_rows)
    _, rows, rec, T, freq, mon, _ = data._frame.cltv_frame(day, repeat, thresholds)
    ids = data._frame.ids_at(rows)
    index = pd.Index(text_series(ids, pd.RangeIndex(len(ids)), "master_id").to_numpy(), name="master_id")
    return pd.DataFrame(
        {"recency_cltv_weekly": rec, "T_weekly": T, "frequency": freq, "monetary_cltv_avg": mon}, index=index
    )


def _max_t(inputs: pd.DataFrame) -> float:
    return float(inputs["T_weekly"].max()) if len(inputs) else -np.inf


def _history_groups(inputs: pd.DataFrame, scale: float) -> tuple[np.ndarray, ...]:
    c = [
        np.ascontiguousarray(inputs[k].to_numpy(dtype="float64"))
        for k in ("frequency", "recency_cltv_weekly", "T_weekly")
    ]
    return tuple(_flo_rfm.history_groups(c[0], c[1], c[2], scale))


def _spend_groups(inputs: pd.DataFrame) -> tuple[np.ndarray, ...]:
    x = np.ascontiguousarray(inputs["frequency"].to_numpy(dtype="float64"))
    m = np.ascontiguousarray(inputs["monetary_cltv_avg"].to_numpy(dtype="float64"))
    return tuple(_flo_rfm.spend_groups(x, m))


def _group_count(groups: tuple[np.ndarray, ...]) -> tuple[int, float]:
    return len(groups[0]), float(np.sum(groups[-1]))


def _purchase_sums(params: list[float], groups: tuple[np.ndarray, ...]) -> list[list[float]]:
    return _flo_rfm.purchases_sums("bgnbd", params, *groups)


def _spend_sums(params: list[float], groups: tuple[np.ndarray, ...]) -> list[list[float]]:
    return _flo_rfm.gg_sums(params, *groups)


def _fit_purchases(groups: Sequence[Any], scale: float, penalizer: float) -> BetaGeo:
    shape = dask.compute(*[delayed(_group_count)(g) for g in groups])
    n_groups, customers = sum(s[0] for s in shape), sum(s[1] for s in shape)

    def sums(params: list[float]) -> list[list[list[float]]]:
        return list(dask.compute(*[delayed(_purchase_sums)(params, g) for g in groups]))

    params, _scale, info, cov = _flo_rfm.fit_purchases_from_sums(
        "bgnbd", sums, customers, n_groups, scale, penalizer
    )
    model = BetaGeo(penalizer)
    model.time_unit = "W"
    model._set(params, info, int(customers), cov)
    return model


def _fit_spend(groups: Sequence[Any], penalizer: float) -> GammaGamma:
    shape = dask.compute(*[delayed(_group_count)(g) for g in groups])
    n_groups, customers = sum(s[0] for s in shape), sum(s[1] for s in shape)

    def sums(params: list[float]) -> list[list[list[float]]]:
        return list(dask.compute(*[delayed(_spend_sums)(params, g) for g in groups]))

    params, info, cov = _flo_rfm.fit_gamma_gamma_from_sums(sums, customers, n_groups, penalizer)
    model = GammaGamma(penalizer)
    model._set(params, info, int(customers), cov)
    return model


def _predict(
    inputs: pd.DataFrame, bgf: BetaGeo, ggf: GammaGamma, months: int, discount_rate: float
) -> pd.DataFrame:
    c = {k: np.ascontiguousarray(inputs[k].to_numpy(dtype="float64")) for k in inputs.columns}
    table = _cltv_table(
        inputs.index.to_numpy(),
        c["recency_cltv_weekly"],
        c["T_weekly"],
        c["frequency"],
        c["monetary_cltv_avg"],
        bgf,
        ggf,
        months,
        discount_rate,
    )
    table.index = inputs.index
    _check_finite(table, bgf, ggf)
    return table


def _cltv_column(table: pd.DataFrame) -> np.ndarray:
    return np.ascontiguousarray(table["cltv"].to_numpy(dtype="float64"))


def _with_segment(table: pd.DataFrame, edges: list[float], segments: int) -> pd.DataFrame:
    out = table.copy()
    out["cltv_segment"] = _segments(_flo_rfm.cut_by_edges(_cltv_column(table), edges), segments)
    return out


@dataclass
class DaskCltvResult:
    """What :func:`cltv` found: ``table`` is a Dask DataFrame (input order, persisted on the
    cluster), the models and thresholds are the ones one machine fits."""

    table: dd.DataFrame
    bgf: BetaGeo
    ggf: GammaGamma
    thresholds: pd.DataFrame
    analysis_date: pd.Timestamp
    cltv_edges: np.ndarray
    files: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<DaskCltvResult: {self.table.npartitions} partitions, analysis date {self.analysis_date.date()}>"


def cltv(
    ddf: dd.DataFrame,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    months: int = 6,
    analysis_date: DateLike | None = None,
    bg_penalizer: float = 0.001,
    gg_penalizer: float = 0.01,
    discount_rate: float = 0.01,
    frequency: Literal["orders", "repeat_orders"] = "orders",
    segments: int = 4,
    on_bad_rows: Literal["raise", "skip"] = "raise",
    format: Literal["csv", "parquet"] = "csv",
    single_file: bool = False,
) -> DaskCltvResult:
    """:func:`flo_rfm.cltv` on a Dask DataFrame of FLO customer rows: the same thresholds,
    parameters (BG/NBD and Gamma-Gamma fitted on likelihoods summed per partition) and
    per-customer predictions, exactly.

    ``out_dir``: ``cltv/part-*.csv`` (or ``.parquet``) per partition, ``bgnbd.json``,
    ``gamma_gamma.json``; ``single_file=True`` adds ``cltv.csv``.

    Examples
    --------
    >>> import dask.dataframe as dd, flo_rfm, flo_rfm.dask
    >>> raw = flo_rfm.datasets.sample_frame(3000)
    >>> res = flo_rfm.dask.cltv(dd.from_pandas(raw, npartitions=3))
    >>> res.table.compute().equals(flo_rfm.cltv(flo_rfm.from_pandas(raw)).table)
    True
    """
    if frequency not in ("orders", "repeat_orders"):
        raise ValueError(f"frequency must be 'orders' or 'repeat_orders', got {frequency!r}")
    parts = ddf.to_delayed()
    read = dask.compute(*[delayed(_dates)(p, i, on_bad_rows) for i, p in enumerate(parts)])
    latest = [r["max_last"] for r in read if r["max_last"] is not None]
    if analysis_date is not None:
        day = _days(analysis_date)
    elif latest:
        day = max(latest) + 2
    else:
        raise _invalid("no last_order_date to derive the analysis date from; pass analysis_date")
    capped = dask.persist(*[delayed(_cltv_columns)(p, i, on_bad_rows) for i, p in enumerate(parts)])
    thresholds = []
    for j in range(len(CAPPED_COLUMNS)):
        column = list(dask.persist(*[delayed(_row)(c, j) for c in capped]))
        n = sum(_counts(column))
        q1, q3 = _quantile_edges(column, n, None, list(_flo_rfm.OUTLIER_QUANTILES))
        thresholds.append(_flo_rfm.outlier_thresholds_of(q1, q3))
    del capped
    inputs = dask.persist(
        *[
            delayed(_cltv_inputs)(p, i, on_bad_rows, day, frequency == "repeat_orders", thresholds)
            for i, p in enumerate(parts)
        ]
    )
    max_t = max(dask.compute(*[delayed(_max_t)(x) for x in inputs]))
    if not np.isfinite(max_t):
        raise _invalid("no customers to fit: every customer has at most one order")
    scale = _flo_rfm.history_scale(max_t)
    history = dask.persist(*[delayed(_history_groups)(x, scale) for x in inputs])
    bgf = _fit_purchases(history, scale, bg_penalizer)
    del history
    spend = dask.persist(*[delayed(_spend_groups)(x) for x in inputs])
    ggf = _fit_spend(spend, gg_penalizer)
    del spend
    tables = dask.persist(*[delayed(_predict)(x, bgf, ggf, months, discount_rate) for x in inputs])
    values = [delayed(_cltv_column)(t) for t in tables]
    n = sum(_counts(values))
    edges = _quantile_edges(values, n, segments, None)
    edges = _flo_rfm.unique_bin_edges(edges, "raise", "values")
    final = dask.persist(*[delayed(_with_segment)(t, edges, segments) for t in tables])
    meta = _with_segment(
        pd.DataFrame(
            {c: pd.Series([], dtype="float64") for c in _CLTV_COLUMNS},
            index=pd.Index([], name="master_id", dtype=STR_DTYPE),
        ),
        edges,
        segments,
    )
    result = DaskCltvResult(
        table=dd.from_delayed(list(final), meta=meta, verify_meta=False),
        bgf=bgf,
        ggf=ggf,
        thresholds=pd.DataFrame(thresholds, index=list(CAPPED_COLUMNS), columns=["low", "up"]),
        analysis_date=_EPOCH + pd.Timedelta(days=day),
        cltv_edges=np.asarray(edges),
    )
    if out_dir is not None:
        out = os.fspath(out_dir)
        inputs_paths = _sources(ddf)
        check_not_input(os.path.join(out, "cltv"), inputs_paths)
        (written,) = dask.compute(_part_writes(list(final), os.path.join(out, "cltv"), format, True))
        result.files["cltv"] = written
        for name, model in (("bgnbd.json", bgf), ("gamma_gamma.json", ggf)):
            path = os.path.join(out, name)
            check_not_input(path, inputs_paths)
            model.save(path)
            result.files[name] = path
        if single_file:
            path = os.path.join(out, "cltv.csv")
            check_not_input(path, inputs_paths)
            tmp = os.path.join(out, ".cltv.csv.tmp")
            result.table.to_csv(tmp, single_file=True, index=True)
            os.replace(tmp, path)
            result.files["cltv_csv"] = path
    return result


_CLTV_COLUMNS = (
    "recency_cltv_weekly",
    "T_weekly",
    "frequency",
    "monetary_cltv_avg",
    "exp_sales_3_month",
    "exp_sales_6_month",
    "exp_average_value",
    "cltv",
)


# --------------------------------------------------------------------------------------------
# Order logs


def _numbered(df: pd.DataFrame, partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    number = partition_info["number"] if partition_info else 0
    return df.assign(_flo_part=np.int64(number), _flo_row=np.arange(len(df), dtype=np.int64))


def _latest(df: pd.DataFrame, customer: str, when: str, amount: str | None) -> int | None:
    from .transactions import _log

    return _log(df, customer, when, amount).max_time()  # type: ignore[no-any-return]


def _summarize_part(
    df: pd.DataFrame,
    customer: str,
    when: str,
    amount: str | None,
    end: pd.Timestamp,
    freq: str,
    multiplier: float,
    include_first: bool,
) -> pd.DataFrame:
    # The shuffle moved whole customers here; their lines go back to input order.
    df = df.sort_values(["_flo_part", "_flo_row"], kind="stable").drop(columns=["_flo_part", "_flo_row"])
    if not len(df):
        cols = ["frequency", "recency", "T"] + (["monetary_value"] if amount else [])
        return pd.DataFrame(
            {c: pd.Series([], dtype="float64") for c in cols}, index=pd.Index([], name=customer)
        )
    return _summarize_one(df, customer, when, amount, end, freq, multiplier, include_first)  # type: ignore[arg-type]


def summarize_transactions(
    ddf: dd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: str | None = None,
    observation_period_end: Any = None,
    freq: Literal["D", "W"] = "D",
    freq_multiplier: float = 1,
    include_first_transaction: bool = False,
    npartitions: int | None = None,
) -> dd.DataFrame:
    """:func:`flo_rfm.summarize_transactions` of an order log held as a Dask DataFrame: the
    lines are shuffled by customer id (Dask's shuffle) so each customer's lines meet in one
    partition, in input order; each partition is summarised by the Rust core. Every customer's
    ``frequency``, ``recency``, ``T`` and ``monetary_value`` equal the one-machine result;
    each output partition is sorted by id (the whole is not: ``.compute().sort_index()`` gives
    the one-machine order).

    ``observation_period_end`` defaults to the latest purchase of the whole log (found first).

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, flo_rfm, flo_rfm.dask
    >>> log = pd.DataFrame({"id": ["a", "b", "a", "c", "a"], "date": ["2021-01-01", "2021-01-03",
    ...                     "2021-01-05", "2021-01-02", "2021-01-09"], "spend": [10.0, 7.0, 20.0, 3.0, 5.0]})
    >>> out = flo_rfm.dask.summarize_transactions(dd.from_pandas(log, npartitions=2), "id", "date", "spend")
    >>> out.compute().sort_index().equals(flo_rfm.summarize_transactions(log, "id", "date", "spend"))
    True
    """
    if observation_period_end is None:
        latest = [
            t
            for t in dask.compute(
                *[
                    delayed(_latest)(p, customer_id_col, datetime_col, monetary_value_col)
                    for p in ddf.to_delayed()
                ]
            )
            if t is not None
        ]
        if not latest:
            raise _invalid("the order log has no purchases")
        end = _EPOCH + pd.Timedelta(seconds=max(latest))
    else:
        end = pd.Timestamp(observation_period_end)
    numbered = ddf.map_partitions(_numbered, meta=_numbered(ddf._meta))
    shuffled = numbered.shuffle(on=customer_id_col, npartitions=npartitions or ddf.npartitions)
    meta = _summarize_part(
        _numbered(ddf._meta),
        customer_id_col,
        datetime_col,
        monetary_value_col,
        end,
        freq,
        freq_multiplier,
        False,
    )
    return shuffled.map_partitions(
        _summarize_part,
        customer_id_col,
        datetime_col,
        monetary_value_col,
        end,
        freq,
        freq_multiplier,
        include_first_transaction,
        meta=meta,
    )
