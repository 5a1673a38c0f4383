"""The CLTV study on a Dask DataFrame: thresholds from exact quantiles, BG/NBD and Gamma-Gamma
fitted on likelihood sums merged exactly from the partitions, predictions per partition."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import delayed

from .. import _flo_rfm
from .._dates import EPOCH, DateLike, days
from .._frames import as_float, as_path
from .._pandas import STR_DTYPE, text_series
from ..clv.bgnbd import BetaGeo
from ..clv.gamma_gamma import GammaGamma
from ..clv.study import CAPPED_COLUMNS, CLTV_COLUMNS, _check_finite, _check_study, _cltv_table, _segments
from ._parts import (
    analysis_day,
    check_format,
    check_frame,
    check_outputs,
    invalid,
    pandas_text,
    part_writes,
    read_parts,
    sources,
    write_single_csv,
)
from ._select import non_null_counts, quantile_edges, row


def _cltv_columns(data: Any) -> np.ndarray:
    """The four capped columns of one partition, as rows of a (4, n) array."""
    prepared = data.to_pandas(totals=False)
    return np.vstack([prepared[c].to_numpy(dtype="float64") for c in CAPPED_COLUMNS])


def _cltv_inputs(
    data: Any,
    day: int,
    repeat: bool,
    thresholds: list[tuple[float, float]],
) -> pd.DataFrame:
    c = data._frame.cltv_frame(day, repeat, thresholds)
    ids = data._frame.ids_at(c.rows)
    index = pd.Index(text_series(ids, pd.RangeIndex(len(ids)), "master_id").to_numpy(), name="master_id")
    return pd.DataFrame(
        {
            "recency_cltv_weekly": c.recency_weekly,
            "T_weekly": c.t_weekly,
            "frequency": c.frequency,
            "monetary_cltv_avg": c.monetary_avg,
        },
        index=index,
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


PartSums = Callable[[list[float], bool, "int | None", tuple[np.ndarray, ...]], list[list[float]]]


def _purchase_sums(
    params: list[float], hessian: bool, sample: int | None, groups: tuple[np.ndarray, ...]
) -> list[list[float]]:
    return _flo_rfm.purchases_sums("bgnbd", params, *groups, hessian=hessian, sample=sample)


def _spend_sums(
    params: list[float], hessian: bool, sample: int | None, groups: tuple[np.ndarray, ...]
) -> list[list[float]]:
    return _flo_rfm.gg_sums(params, *groups, hessian=hessian, sample=sample)


def _likelihood(
    groups: Sequence[Any], part_sums: PartSums
) -> tuple[Callable[[list[float], bool, int | None], list[list[list[float]]]], int, float]:
    """The function the optimiser calls (every partition's order-free sums at some parameters, with the
    Hessian's or over the fit's subsample as it asks, computed where the partition lives), the distinct
    groups and the customers."""
    shape = dask.compute(*[delayed(_group_count)(g) for g in groups])

    def sums(params: list[float], hessian: bool, sample: int | None) -> list[list[list[float]]]:
        return list(dask.compute(*[delayed(part_sums)(params, hessian, sample, g) for g in groups]))

    return sums, sum(s[0] for s in shape), sum(s[1] for s in shape)


def _fit_purchases(groups: Sequence[Any], scale: float, penalizer: float) -> BetaGeo:
    sums, n_groups, customers = _likelihood(groups, _purchase_sums)
    fit = _flo_rfm.fit_purchases_from_sums("bgnbd", sums, customers, n_groups, scale, penalizer)
    model = BetaGeo(penalizer)
    model.time_unit = "W"
    model._set(fit, int(customers))
    return model


def _fit_spend(groups: Sequence[Any], penalizer: float) -> GammaGamma:
    sums, n_groups, customers = _likelihood(groups, _spend_sums)
    fit = _flo_rfm.fit_gamma_gamma_from_sums(sums, customers, n_groups, penalizer)
    model = GammaGamma(penalizer)
    model._set(fit, int(customers))
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
        when = self.analysis_date.date()
        return f"<DaskCltvResult: {self.table.npartitions} partitions, analysis date {when}>"


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
    check_frame(ddf)
    check_format(format)
    months, discount_rate, _ = _check_study(frequency, months, discount_rate, segments)  # before any work
    segments = int(segments)
    bg_penalizer, gg_penalizer = (
        as_float(bg_penalizer, "bg_penalizer"),
        as_float(gg_penalizer, "gg_penalizer"),
    )
    if analysis_date is not None:
        days(analysis_date)  # a bad date raises before any work
    input_files = sources(ddf)
    if out_dir is not None:
        out_dir = as_path(out_dir, "out_dir")
        names = ["cltv", "bgnbd.json", "gamma_gamma.json"] + (["cltv.csv"] if single_file else [])
        check_outputs(out_dir, names, input_files)
    parts = ddf.to_delayed()
    datas = read_parts(parts, on_bad_rows)
    _, day = analysis_day(datas, analysis_date)
    capped = dask.persist(*[delayed(_cltv_columns)(d) for d in datas])
    thresholds = []
    for j in range(len(CAPPED_COLUMNS)):
        column = list(dask.persist(*[delayed(row)(c, j) for c in capped]))
        n = sum(non_null_counts(column))
        q1, q3 = quantile_edges(column, n, None, list(_flo_rfm.OUTLIER_QUANTILES))
        thresholds.append(_flo_rfm.outlier_thresholds_of(q1, q3))
    del capped
    inputs = dask.persist(
        *[delayed(_cltv_inputs)(d, day, frequency == "repeat_orders", thresholds) for d in datas]
    )
    max_t = max(dask.compute(*[delayed(_max_t)(x) for x in inputs]))
    if not np.isfinite(max_t):
        raise invalid("no customers to fit: every customer has at most one order")
    scale = _flo_rfm.history_scale(max_t)
    history = dask.persist(*[delayed(_history_groups)(x, scale) for x in inputs])
    bgf = _fit_purchases(history, scale, bg_penalizer)
    del history
    spend = dask.persist(*[delayed(_spend_groups)(x) for x in inputs])
    ggf = _fit_spend(spend, gg_penalizer)
    del spend
    tables = dask.persist(*[delayed(_predict)(x, bgf, ggf, months, discount_rate) for x in inputs])
    values = [delayed(_cltv_column)(t) for t in tables]
    n = sum(non_null_counts(values))
    edges = quantile_edges(values, n, segments, None)
    edges = _flo_rfm.unique_bin_edges(edges, "raise", "values")
    final = dask.persist(*[delayed(_with_segment)(t, edges, segments) for t in tables])
    meta = _with_segment(
        pd.DataFrame(
            {c: pd.Series([], dtype="float64") for c in CLTV_COLUMNS},
            index=pd.Index([], name="master_id", dtype=STR_DTYPE),
        ),
        edges,
        segments,
    )
    with pandas_text():
        table = dd.from_delayed(list(final), meta=meta, verify_meta=False)
    result = DaskCltvResult(
        table=table,
        bgf=bgf,
        ggf=ggf,
        thresholds=pd.DataFrame(thresholds, index=list(CAPPED_COLUMNS), columns=["low", "up"]),
        analysis_date=EPOCH + pd.Timedelta(days=day),
        cltv_edges=np.asarray(edges),
    )
    if out_dir is not None:
        out = os.fspath(out_dir)
        (written,) = dask.compute(part_writes(list(final), os.path.join(out, "cltv"), format, True))
        result.files["cltv"] = written
        for name, model in (("bgnbd.json", bgf), ("gamma_gamma.json", ggf)):
            path = os.path.join(out, name)
            model.save(path)
            result.files[name] = path
        if single_file:
            result.files["cltv_csv"] = write_single_csv(
                result.table, os.path.join(out, "cltv.csv"), input_files
            )
    return result
