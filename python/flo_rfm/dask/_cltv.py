"""The CLTV study on a Dask DataFrame: thresholds from exact quantiles, BG/NBD and Gamma-Gamma
fitted as one machine fits them (``_fits``), predictions per partition."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from dask.delayed import delayed

from .. import _arrow, _flo_rfm
from .._dates import EPOCH, DateLike, days
from .._frames import as_float, as_path
from .._pandas import STR_DTYPE
from ..clv._purchase import _horizon
from ..clv.bgnbd import BetaGeo
from ..clv.gamma_gamma import GammaGamma
from ..clv.study import CAPPED_COLUMNS, CLTV_COLUMNS, _check_finite, _check_study, _segments
from ._files import Files
from ._fits import Columns, _fits
from ._parts import (
    check_format,
    check_outputs,
    check_source,
    day_of,
    input_files,
    pandas_text,
    part_writes,
    read_customers,
    read_reports,
    write_single_csv,
)
from ._select import first_cells, first_round, quantile_edges, row_quantile_edges, value_counts


def _cltv_columns(data: Any) -> np.ndarray:
    """The four capped columns of one partition, as rows of a (4, n) array: the core's counts
    (online, offline) then money (offline, online), ``CAPPED_COLUMNS``' order."""
    return np.vstack([*data._frame.counts(), *data._frame.money()])


def _cltv_inputs(data: Any, day: int, repeat: bool, thresholds: list[tuple[float, float]]) -> Columns:
    c = data._frame.cltv_frame(day, repeat, thresholds)
    return {
        "rows": c.rows,
        "recency_cltv_weekly": c.recency_weekly,
        "T_weekly": c.t_weekly,
        "frequency": c.frequency,
        "monetary_cltv_avg": c.monetary_avg,
    }


def _predict(
    data: Any, inputs: Columns, bgf: BetaGeo, ggf: GammaGamma, months: int, discount_rate: float
) -> Columns:
    """One partition's CLTV columns: its four inputs and the four predictions, made by the core in
    one pass as one machine's study makes them (a non-finite one raises as one machine's does)."""
    names = ("frequency", "recency_cltv_weekly", "T_weekly", "monetary_cltv_avg")
    x, rec, t, mon = (inputs[k] for k in names)
    horizon = _horizon(bgf, months, discount_rate, "W")
    predicted = _flo_rfm.cltv_predictions(bgf._rust, bgf._p(), ggf._p(), x, rec, t, mon, horizon)
    out = {**inputs, **dict(zip(CLTV_COLUMNS[4:], predicted))}
    finite = np.ones(len(x), dtype=bool)
    for name in CLTV_COLUMNS:
        finite &= np.isfinite(out[name])
    if not finite.all():  # the rows at fault, with their ids, as one machine names them
        bad = np.flatnonzero(~finite)
        _check_finite(_table(data, {k: v[bad] for k, v in out.items()}, None), bgf, ggf)
    return out


def _cltv_column(columns: Columns) -> np.ndarray:
    return columns["cltv"]


def _with_segment(columns: Columns, edges: list[float]) -> Columns:
    return {**columns, "cltv_segment": _flo_rfm.cut_by_edges(columns["cltv"], edges)}


def _table(data: Any, columns: Columns, segments: int | None) -> pd.DataFrame:
    """One partition's CLTV table as one machine's: indexed by ``master_id`` (taken from the
    core's Arrow columns, no Python object per id), the eight columns and the segment."""
    ids = _arrow.table(data._frame).column("master_id").take(pa.array(columns["rows"]))
    table = pd.DataFrame(
        {name: columns[name] for name in CLTV_COLUMNS},
        index=pd.Index(_arrow.texts(ids), name="master_id"),
    )
    if segments is not None:
        table["cltv_segment"] = _segments(columns["cltv_segment"], segments)
    return table


@dataclass
class DaskCltvResult:
    """What :func:`cltv` found: ``table`` is a Dask DataFrame (input order), each partition built
    when computed from the columns persisted on the cluster (predictions and segments are
    computed, only ids and pandas wait); the models and thresholds are the ones one machine fits."""

    table: dd.DataFrame
    bgf: BetaGeo
    ggf: GammaGamma
    thresholds: pd.DataFrame
    analysis_date: pd.Timestamp
    cltv_edges: np.ndarray
    files: dict[str, Any] = field(default_factory=dict)
    #: The persisted columns ``table`` is built from (one per partition), to wait on.
    _columns: list[Any] = field(default_factory=list, repr=False)

    def __repr__(self) -> str:
        when = self.analysis_date.date()
        return f"<DaskCltvResult: {self.table.npartitions} partitions, analysis date {when}>"


def cltv(
    ddf: dd.DataFrame | Files,
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
    blocksize: int | str | None = None,
) -> DaskCltvResult:
    """:func:`flo_rfm.cltv` on a Dask DataFrame of FLO customer rows: the same thresholds,
    parameters (BG/NBD and Gamma-Gamma fitted on likelihoods summed per partition) and
    per-customer predictions, exactly.

    ``ddf`` is a Dask DataFrame or names files (a path, a glob or a list), read by the Rust core
    a ``blocksize`` byte range per partition, as :func:`run` reads them.

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
    check_source(ddf)
    check_format(format)
    months, discount_rate, _ = _check_study(frequency, months, discount_rate, segments)  # before any work
    segments = int(segments)
    bg_penalizer, gg_penalizer = (
        as_float(bg_penalizer, "bg_penalizer"),
        as_float(gg_penalizer, "gg_penalizer"),
    )
    if analysis_date is not None:
        days(analysis_date)  # a bad date raises before any work
    input_paths = input_files(ddf)
    if out_dir is not None:
        out_dir = as_path(out_dir, "out_dir")
        names = ["cltv", "bgnbd.json", "gamma_gamma.json"] + (["cltv.csv"] if single_file else [])
        check_outputs(out_dir, names, input_paths)
    datas = read_customers(ddf, on_bad_rows, blocksize)
    outliers = list(_flo_rfm.OUTLIER_QUANTILES)
    # One selection for the four columns, its first round counting their values; the capped
    # columns need no analysis date, so that round is taken with the partitions' read reports.
    rows = range(len(CAPPED_COLUMNS))
    capped = list(dask.persist(*[delayed(_cltv_columns)(d) for d in datas]))
    total, read = dask.compute(first_round(capped, rows), read_reports(datas))
    first = first_cells(total, rows)
    day = day_of(read, analysis_date)
    plans = {j: (n, None, outliers) for j, n in enumerate(value_counts(first, range(len(CAPPED_COLUMNS))))}
    quartiles, _ = row_quantile_edges(capped, plans, first=first)
    thresholds = [_flo_rfm.outlier_thresholds_of(*quartiles[j]) for j in range(len(CAPPED_COLUMNS))]
    del capped
    inputs = dask.persist(
        *[delayed(_cltv_inputs)(d, day, frequency == "repeat_orders", thresholds) for d in datas]
    )
    bgf, ggf = _fits(inputs, sum(r["rows"] for r in read), bg_penalizer, gg_penalizer)
    predicted = [delayed(_predict)(d, x, bgf, ggf, months, discount_rate) for d, x in zip(datas, inputs)]
    predicted = list(dask.persist(*predicted))
    values = [delayed(_cltv_column)(t) for t in predicted]
    edges = quantile_edges(values, segments, None)
    edges = _flo_rfm.unique_bin_edges(edges, "raise", "values")
    # The columns stay on the workers; a partition's table (ids, pandas) is built when asked for.
    final = dask.persist(*[delayed(_with_segment)(t, edges) for t in predicted])
    tables = [delayed(_table)(d, f, segments) for d, f in zip(datas, final)]
    meta = pd.DataFrame(
        {c: pd.Series([], dtype="float64") for c in CLTV_COLUMNS},
        index=pd.Index([], name="master_id", dtype=STR_DTYPE),
    )
    meta["cltv_segment"] = _segments(np.zeros(0, dtype=np.int64), segments)
    with pandas_text():
        table = dd.from_delayed(tables, meta=meta, verify_meta=False)
    result = DaskCltvResult(
        table=table,
        bgf=bgf,
        ggf=ggf,
        thresholds=pd.DataFrame(thresholds, index=list(CAPPED_COLUMNS), columns=["low", "up"]),
        analysis_date=EPOCH + pd.Timedelta(days=day),
        cltv_edges=np.asarray(edges),
        _columns=list(final),
    )
    if out_dir is not None:
        out = os.fspath(out_dir)
        (written,) = dask.compute(part_writes(tables, os.path.join(out, "cltv"), format, True))
        result.files["cltv"] = written
        for name, model in (("bgnbd.json", bgf), ("gamma_gamma.json", ggf)):
            path = os.path.join(out, name)
            model.save(path)
            result.files[name] = path
        if single_file:
            result.files["cltv_csv"] = write_single_csv(
                result.table, os.path.join(out, "cltv.csv"), input_paths
            )
    return result
