"""The CLTV study on a customer file: BG/NBD and Gamma-Gamma fitted on the customers, 6-month
CLV, capped outliers, CLV segments (:func:`cltv`, :class:`CltvResult`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import _arrow, _flo_rfm
from .._dates import EPOCH, DateLike, days
from .._frames import Kind, argument_errors, as_float, as_int, as_path, to_kind
from .._pandas import text_series
from ..customer_data import CustomerData
from ..exceptions import InvalidArgumentError
from ..io import Source, load
from ._model import _months
from .bgnbd import BetaGeo
from .gamma_gamma import GammaGamma

__all__ = ["CltvResult", "cltv"]


class CltvResult:
    """The CLTV study's outputs: ``table`` (per customer kept: history, predictions, CLV and
    segment), the fitted ``bgf`` and ``ggf``, the capping ``thresholds`` and the
    ``analysis_date``. The table stays in the core until it is first asked for; :meth:`write`
    writes it from there."""

    def __init__(
        self,
        core: _flo_rfm.Cltv,
        data: CustomerData,
        bgf: BetaGeo,
        ggf: GammaGamma,
        thresholds: pd.DataFrame,
        analysis_date: pd.Timestamp,
        kind: Kind = "pandas",
    ) -> None:
        self._core = core
        self._data = data
        self._table: pd.DataFrame | None = None
        self.kind: Kind = kind
        self.bgf = bgf
        self.ggf = ggf
        self.thresholds = thresholds
        self.analysis_date = analysis_date

    def __repr__(self) -> str:
        return f"<CltvResult: {len(self)} customers, analysis date {self.analysis_date.date()}>"

    def _repr_html_(self) -> str:
        from .._html import card

        params = {**self.bgf.params_.to_dict(), **self.ggf.params_.to_dict()}
        facts = [
            ("customers in the CLTV frame", f"{len(self):,}"),
            ("analysis date", self.analysis_date.date()),
            *((k, f"{v:.6g}") for k, v in params.items()),
        ]
        s = pd.DataFrame(self._pd if self._table is not None else self._numbers())
        summary = s.groupby("cltv_segment", observed=False).agg(
            customers=("cltv", "count"),
            cltv_mean=("cltv", "mean"),
            cltv_sum=("cltv", "sum"),
            exp_sales_6_month=("exp_sales_6_month", "mean"),
            exp_average_value=("exp_average_value", "mean"),
        )
        return card("CLTV study", facts, summary)

    def __len__(self) -> int:
        return len(self._core)

    @property
    def _pd(self) -> pd.DataFrame:
        if self._table is None:
            self._table = self._build()
        return self._table

    def _build(self) -> pd.DataFrame:
        t = _arrow.table(self._core)
        table = pd.DataFrame(
            {name: _arrow.numbers(t.column(name)) for name in CLTV_COLUMNS},
            index=pd.Index(_arrow.texts(t.column("master_id")), name="master_id"),
        )
        table["cltv_segment"] = self._segments(_arrow.codes(t.column("cltv_segment")))
        return table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The table (``master_id`` first) through the Arrow PyCapsule interface.

        Examples
        --------
        >>> import flo_rfm, pyarrow as pa
        >>> pa.table(flo_rfm.cltv(flo_rfm.datasets.sample(2000))).column_names[-1]
        'cltv_segment'
        """
        return self._core.__arrow_c_stream__(requested_schema)

    def _numbers(self) -> pd.DataFrame:
        """The table's columns on a range index: all the summary needs, no id built."""
        table = pd.DataFrame(dict(zip(CLTV_COLUMNS, self._core.columns())))
        table["cltv_segment"] = self._segments(self._core.segment()[0])
        return table

    def _segments(self, codes: np.ndarray) -> pd.Categorical:
        labels = self._core.segment_labels()
        return pd.Categorical.from_codes(codes, categories=labels, ordered=True)

    @property
    def table(self) -> Any:
        """The CLTV table, as the kind of table the data came in.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).table.index.name
        'master_id'
        """
        return to_kind(self._pd, self.kind)

    def to_pandas(self) -> pd.DataFrame:
        """``cltv_final`` as a pandas DataFrame indexed by ``master_id``.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.cltv(flo_rfm.datasets.sample(2000)).to_pandas()["cltv_segment"].cat.categories.tolist()
        ['D', 'C', 'B', 'A']
        """
        return self._pd.copy()

    @property
    def stages(self) -> dict[str, float]:
        """The seconds each stage of the study took in the core, in order: ``prepare`` (the
        capped weekly frame), ``BG/NBD fit``, ``Gamma-Gamma fit``, ``predictions and CLV``
        and ``segments``.

        Examples
        --------
        >>> import flo_rfm
        >>> list(flo_rfm.cltv(flo_rfm.datasets.sample(2000)).stages)
        ['prepare', 'BG/NBD fit', 'Gamma-Gamma fit', 'predictions and CLV', 'segments']
        """
        return dict(self._core.stages())

    def segment_summary(self) -> Any:
        """Per CLTV segment: count, mean and sum of each numeric column, computed in the core
        with pandas' arithmetic (equal to ``table.groupby("cltv_segment", observed=False)
        .agg(["count", "mean", "sum"])``).

        Examples
        --------
        >>> import flo_rfm
        >>> s = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).segment_summary()
        >>> s.index.tolist()
        ['D', 'C', 'B', 'A']
        """
        labels = self._core.segment_labels()
        columns: dict[tuple[str, str], np.ndarray] = {}
        for name, (count, total) in zip(CLTV_COLUMNS, self._core.segment_summary()):
            n = np.asarray(count, dtype=np.int64)
            sums = np.asarray(total, dtype=np.float64)
            columns[(name, "count")] = n
            columns[(name, "mean")] = np.divide(sums, n, out=np.full(len(n), np.nan), where=n > 0)
            columns[(name, "sum")] = sums
        index = pd.CategoricalIndex(labels, categories=labels, ordered=True, name="cltv_segment")
        summary = pd.DataFrame(columns, index=index)
        return to_kind(summary, self.kind)

    def write(self, out_dir: str | os.PathLike[str], *, format: str = "csv") -> dict[str, str]:
        """Write ``cltv.csv`` (the table, by the core, as pandas' ``to_csv`` writes it; or
        ``cltv.parquet`` with ``format="parquet"``), ``bgnbd.json`` and ``gamma_gamma.json``
        into ``out_dir``; returns name -> path.

        Examples
        --------
        >>> import flo_rfm, tempfile
        >>> sorted(flo_rfm.cltv(flo_rfm.datasets.sample(2000)).write(tempfile.mkdtemp()))
        ['bgnbd.json', 'cltv.csv', 'gamma_gamma.json']
        """
        from ..write import _atomic_text, check_not_input

        out = as_path(out_dir, "out_dir")
        if format not in ("csv", "parquet"):
            raise InvalidArgumentError(f'format must be "csv" or "parquet", got {format!r}')
        table = f"cltv.{format}"
        files = {name: os.path.join(out, name) for name in (table, "bgnbd.json", "gamma_gamma.json")}
        for path in files.values():
            check_not_input(path, [self._data.source])
        self._core.write_table(files[table], format)
        inputs = [self._data.source]
        _atomic_text(files["bgnbd.json"], self.bgf.to_json(), inputs)
        _atomic_text(files["gamma_gamma.json"], self.ggf.to_json(), inputs)
        return files


#: The CLTV table's float columns, in the table's order (``cltv_segment`` follows).
CLTV_COLUMNS = (
    "recency_cltv_weekly",
    "T_weekly",
    "frequency",
    "monetary_cltv_avg",
    "exp_sales_3_month",
    "exp_sales_6_month",
    "exp_average_value",
    "cltv",
)


#: The four columns the CLTV study caps at its outlier thresholds, in the order it caps them.
CAPPED_COLUMNS = (
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
)


def _cltv_table(
    ids: Sequence[str],
    rec: np.ndarray,
    T: np.ndarray,
    freq: np.ndarray,
    mon: np.ndarray,
    bgf: BetaGeo,
    ggf: GammaGamma,
    months: int,
    discount_rate: float,
) -> pd.DataFrame:
    """The CLTV table of some customers (all of them, or one partition's) under fitted models."""
    return pd.DataFrame(
        {
            "recency_cltv_weekly": rec,
            "T_weekly": T,
            "frequency": freq,
            "monetary_cltv_avg": mon,
            "exp_sales_3_month": bgf.predict(4 * 3, freq, rec, T),
            "exp_sales_6_month": bgf.predict(4 * 6, freq, rec, T),
            "exp_average_value": ggf.conditional_expected_average_profit(freq, mon),
            "cltv": ggf.customer_lifetime_value(
                bgf, freq, rec, T, mon, time=months, freq="W", discount_rate=discount_rate
            ),
        },
        index=pd.Index(text_series(ids, pd.RangeIndex(len(ids)), "master_id").to_numpy(), name="master_id"),
    )


def _check_finite(table: pd.DataFrame, bgf: BetaGeo, ggf: GammaGamma) -> None:
    bad = ~np.isfinite(table.to_numpy(dtype="float64")).all(axis=1)
    if bad.any():
        from ..exceptions import ConvergenceError

        first = table.index[int(np.flatnonzero(bad)[0])]
        raise ConvergenceError(
            f"{int(bad.sum())} customer(s) got a non-finite prediction (first: {first}); the fitted "
            f"parameters are {dict(bgf.params_)} and {dict(ggf.params_)}. Try larger penalizers."
        )


def _check_study(
    frequency: str, months: int, discount_rate: float, segments: int
) -> tuple[int, float, float]:
    """The CLTV study's options checked (one machine and Dask): the horizon, as :func:`_months`."""
    if frequency not in ("orders", "repeat_orders"):
        raise InvalidArgumentError(f"frequency must be 'orders' or 'repeat_orders', got {frequency!r}")
    horizon = _months("W", months, discount_rate)
    if as_int(segments, "segments") < 1:
        raise InvalidArgumentError(f"segments must be a whole number >= 1, got {segments!r}")
    return horizon


def _segments(codes: np.ndarray, segments: int) -> pd.Categorical:
    """CLV quantile bins labelled ``D, C, B, A`` (worst to best) for 4."""
    labels = [chr(ord("A") + i) for i in range(segments)][::-1]
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


def cltv(
    source: Source,
    *,
    months: int = 6,
    analysis_date: DateLike | None = None,
    bg_penalizer: float = 0.001,
    gg_penalizer: float = 0.01,
    discount_rate: float = 0.01,
    frequency: Literal["orders", "repeat_orders"] = "orders",
    segments: int = 4,
    progress: bool = False,
    **read_options: object,
) -> CltvResult:
    """The CLTV study in one call: the capped weekly frame, BG/NBD and Gamma-Gamma fits, CLV and segments.

    Steps: cap outliers of the four order/value columns (quantiles 0.01/0.99, 1.5 × range,
    Python's ``round``), add totals, build ``recency_cltv_weekly``, ``T_weekly``, ``frequency``,
    ``monetary_cltv_avg``; fit BG/NBD (penalizer 0.001) and Gamma-Gamma (0.01); predict 3- and
    6-month purchases, the expected average value and the CLV over ``months``; cut the CLV into
    ``segments`` quantile groups labelled ``D, C, B, A`` (worst to best).

    Parameters
    ----------
    frequency : {"orders", "repeat_orders"}
        ``"orders"`` (the default): all orders, customers with more than one kept.
        ``"repeat_orders"`` (the textbook BTYD definition): orders − 1, the same customers.
    progress : bool
        Show the study's progress (reading a file, then the frame, each fit, the predictions):
        ``tqdm.auto``'s bar when tqdm is installed (a bar in Jupyter), else a line on stderr when it
        is a terminal.
        Ctrl-C stops the study at the fits' next evaluation either way (``KeyboardInterrupt``).

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.cltv(flo_rfm.datasets.sample(3000))
    >>> list(res.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['recency_cltv_weekly', 'T_weekly', 'frequency', 'monetary_cltv_avg', 'exp_sales_3_month',
     'exp_sales_6_month', 'exp_average_value', 'cltv', 'cltv_segment']
    """
    n_months, discount, _ = _check_study(frequency, months, discount_rate, segments)  # before any work
    day = days(analysis_date) if analysis_date is not None else None
    penalizers = as_float(bg_penalizer, "bg_penalizer"), as_float(gg_penalizer, "gg_penalizer")
    if progress and isinstance(source, (str, os.PathLike)):
        read_options["progress"] = True
    data = load(source, **read_options)

    def work(counter: _flo_rfm.Progress) -> _flo_rfm.Cltv:
        return data._frame.cltv_study(
            day, frequency == "repeat_orders", *penalizers, n_months, discount, int(segments), counter
        )

    from ..progress import run_watched, with_step_progress

    with argument_errors():
        if progress:
            core = with_step_progress(_flo_rfm.CLTV_STEPS, work, "steps", "CLTV study")
        else:
            core = run_watched(work)
    bgf, ggf = BetaGeo(bg_penalizer), GammaGamma(gg_penalizer)
    for model, fit in ((bgf, core.purchases()), (ggf, core.spend())):
        model._set(fit, len(core))
    bgf.time_unit = "W"
    th = pd.DataFrame(core.thresholds(), index=list(CAPPED_COLUMNS), columns=["low", "up"])
    when = EPOCH + pd.Timedelta(days=core.analysis_date)
    return CltvResult(core, data, bgf, ggf, th, when, data.kind)
