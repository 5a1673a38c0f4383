"""Plots of the study (matplotlib, an optional extra: ``pip install flo_rfm[plot]``).

Each function draws on ``ax`` when given (or makes a new figure) and returns the Axes, or the
Figure for multi-panel plots. Nothing is shown or saved here: that is the caller's choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._frames import as_float, as_int
from .exceptions import ArgumentTypeError, MissingDependencyError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .clv import BetaGeo, CltvResult, HoldoutValidation
    from .segment_migration import Migration
    from .segments import RfmResult

__all__ = [
    "calibration",
    "cltv_by_segment",
    "frequency_recency_matrix",
    "holdout_purchases",
    "migration_matrix",
    "probability_alive_matrix",
    "rfm_distributions",
    "segment_grid",
    "segment_means",
    "segment_sizes",
    "tracking",
]


def _plt() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise MissingDependencyError("flo_rfm.plot needs matplotlib: pip install matplotlib") from e
    return plt


def _check(obj: object, kind: str) -> None:
    """Raise :class:`ArgumentTypeError` unless ``obj`` is what the plot draws: ``"rfm"`` (an
    ``RfmResult``), ``"cltv"`` (a ``CltvResult``), ``"model"`` (a purchase model) or
    ``"validation"`` (a ``HoldoutValidation``)."""
    from .clv import CltvResult, HoldoutValidation
    from .clv._purchase import _PurchaseModel
    from .segments import RfmResult

    expected: dict[str, tuple[type, str]] = {
        "rfm": (RfmResult, "an RfmResult (flo_rfm.rfm(...))"),
        "cltv": (CltvResult, "a CltvResult (flo_rfm.cltv(...))"),
        "model": (_PurchaseModel, "a fitted BetaGeo, ModifiedBetaGeo or ParetoNBD"),
        "validation": (HoldoutValidation, "a HoldoutValidation (flo_rfm.holdout_validation(...))"),
    }
    cls, what = expected[kind]
    if not isinstance(obj, cls):
        raise ArgumentTypeError(f"expected {what}, got {type(obj).__name__}")


def _axes(ax: Axes | None, figsize: tuple[float, float] = (8, 6)) -> Axes:
    if ax is not None:
        return ax
    _fig, new = _plt().subplots(figsize=figsize)
    return new


def segment_grid(result: RfmResult, ax: Axes | None = None) -> Axes:
    """The classic recency × frequency grid: each cell coloured by its segment and labelled with
    the segment name and its customer count.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import flo_rfm, flo_rfm.plot
    >>> ax = flo_rfm.plot.segment_grid(flo_rfm.rfm(flo_rfm.datasets.sample(2000)))
    >>> ax.get_xlabel()
    'frequency score'
    """
    _check(result, "rfm")
    t = result.to_pandas()
    r_labels = list(t["recency_score"].cat.categories)
    f_labels = list(t["frequency_score"].cat.categories)
    cells = t.groupby(["recency_score", "frequency_score"], observed=True)["segment"].agg(
        lambda s: s.mode().iloc[0] if len(s.dropna()) else None
    )
    counts = t.groupby(["recency_score", "frequency_score"], observed=True).size()
    segments = sorted(str(s) for s in t["segment"].dropna().unique())
    index = {s: i for i, s in enumerate(segments)}
    r_order = sorted(r_labels, key=lambda v: str(v))
    grid = np.full((len(r_order), len(f_labels)), np.nan)
    ax = _axes(ax, (9, 7))
    for (r, f), seg in cells.items():
        if seg is None:
            continue
        i, j = r_order.index(r), f_labels.index(f)
        grid[i, j] = index[seg]
        ax.text(j, i, f"{seg}\n{counts[(r, f)]:,}", ha="center", va="center", fontsize=8)
    ax.imshow(grid, cmap="tab20", origin="lower", aspect="auto", vmin=0, vmax=max(len(segments) - 1, 1))
    ax.set_xticks(range(len(f_labels)), [str(v) for v in f_labels])
    ax.set_yticks(range(len(r_order)), [str(v) for v in r_order])
    ax.set_xlabel("frequency score")
    ax.set_ylabel("recency score")
    ax.set_title("RFM segments (recency × frequency)")
    return ax


def segment_sizes(result: RfmResult, ax: Axes | None = None) -> Axes:
    """Customers per segment, largest first."""
    _check(result, "rfm")
    counts = result.to_pandas()["segment"].value_counts().sort_values()
    ax = _axes(ax)
    ax.barh(counts.index.astype(str), counts.to_numpy())
    for y, v in enumerate(counts.to_numpy()):
        ax.text(v, y, f" {v:,}", va="center", fontsize=8)
    ax.set_xlabel("customers")
    ax.set_title("Segment sizes")
    return ax


def segment_means(result: RfmResult) -> Figure:
    """Mean recency, frequency and monetary per segment, side by side."""
    _check(result, "rfm")
    summary = result._summary_pd()
    fig, axes = _plt().subplots(1, 3, figsize=(15, 5), sharey=True)
    for ax, metric in zip(axes, ("recency", "frequency", "monetary")):
        means = summary[(metric, "mean")]
        ax.barh(means.index.astype(str), means.to_numpy())
        ax.set_title(f"mean {metric}")
    fig.tight_layout()
    return fig


def rfm_distributions(result: RfmResult, bins: int = 50) -> Figure:
    """Histograms of recency, frequency and monetary (frequency and monetary on log scales)."""
    _check(result, "rfm")
    bins = as_int(bins, "bins", 1)
    t = result.to_pandas()
    fig, axes = _plt().subplots(1, 3, figsize=(15, 4))
    for ax, metric in zip(axes, ("recency", "frequency", "monetary")):
        values = t[metric].dropna().to_numpy(dtype="float64")
        if metric != "recency" and (values > 0).all():
            ax.hist(values, bins=np.geomspace(values.min(), values.max(), bins))
            ax.set_xscale("log")
        else:
            ax.hist(values, bins=bins)
        ax.set_title(metric)
        ax.set_ylabel("customers")
    fig.tight_layout()
    return fig


def cltv_by_segment(result: CltvResult, ax: Axes | None = None) -> Axes:
    """CLV per CLTV segment: a box per segment (outliers hidden) with the mean marked."""
    _check(result, "cltv")
    t = result.to_pandas()
    labels = list(t["cltv_segment"].cat.categories)
    data = [t.loc[t["cltv_segment"] == s, "cltv"].to_numpy() for s in labels]
    ax = _axes(ax)
    ax.boxplot(data, tick_labels=[str(s) for s in labels], showfliers=False, showmeans=True)
    ax.set_xlabel("CLTV segment")
    ax.set_ylabel("CLV")
    ax.set_title("Customer lifetime value by segment")
    return ax


def _history_grid(bgf: BetaGeo, max_frequency: int | None, max_recency: float | None) -> tuple[int, float]:
    _check(bgf, "model")
    bgf.params_  # noqa: B018 - raises if the model is not fitted
    data = getattr(bgf, "_data", None)
    if max_frequency is None:
        max_frequency = int(np.nanmax(data["frequency"])) if data is not None else 30
    if max_recency is None:
        max_recency = float(np.nanmax(data["T"])) if data is not None else 100.0
    frequency = as_int(max_frequency, "max_frequency")
    recency = as_float(max_recency, "max_recency")
    return max(frequency, 1), max(recency, 1.0)


def _histories(max_frequency: int, max_recency: float) -> tuple[tuple[int, int], tuple[np.ndarray, ...]]:
    """Every (frequency 0..max, recency on 101 steps) history of a customer observed for
    ``max_recency`` periods, flattened as (frequency, recency, T); recency is 0 without repeats."""
    x, r = np.meshgrid(
        np.arange(max_frequency + 1, dtype="float64"), np.linspace(0, max_recency, 101), indexing="ij"
    )
    history = (x.ravel(), np.where(x.ravel() == 0, 0, r.ravel()), np.full(x.size, max_recency))
    return x.shape, history


def probability_alive_matrix(
    bgf: BetaGeo, max_frequency: int | None = None, max_recency: float | None = None, ax: Axes | None = None
) -> Axes:
    """P(alive) by frequency and recency for a customer observed for ``max_recency`` periods
    (lifetimes' ``plot_probability_alive_matrix``)."""
    max_frequency, max_recency = _history_grid(bgf, max_frequency, max_recency)
    shape, history = _histories(max_frequency, max_recency)
    z = np.asarray(bgf.conditional_probability_alive(*history))
    ax = _axes(ax)
    im = ax.imshow(
        z.reshape(shape),
        origin="lower",
        aspect="auto",
        cmap="viridis",
        vmin=0,
        vmax=1,
        extent=(0, max_recency, 0, max_frequency),
    )
    ax.figure.colorbar(im, ax=ax, label="P(alive)")
    ax.set_xlabel("recency (time of last purchase)")
    ax.set_ylabel("frequency")
    ax.set_title(f"Probability alive, by frequency and recency (T = {max_recency:g})")
    return ax


def frequency_recency_matrix(
    bgf: BetaGeo,
    t: float = 1.0,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Expected purchases in the next ``t`` periods by frequency and recency (lifetimes'
    ``plot_frequency_recency_matrix``)."""
    max_frequency, max_recency = _history_grid(bgf, max_frequency, max_recency)
    shape, history = _histories(max_frequency, max_recency)
    z = np.asarray(bgf.predict(t, *history))
    ax = _axes(ax)
    im = ax.imshow(
        z.reshape(shape),
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(0, max_recency, 0, max_frequency),
    )
    ax.figure.colorbar(im, ax=ax, label=f"expected purchases in {t:g} periods")
    ax.set_xlabel("recency (time of last purchase)")
    ax.set_ylabel("frequency")
    ax.set_title("Expected purchases, by frequency and recency")
    return ax


def holdout_purchases(validation: HoldoutValidation, max_frequency: int = 7, ax: Axes | None = None) -> Axes:
    """Mean actual and predicted holdout purchases by calibration frequency (the first
    ``max_frequency`` groups, as lifetimes' ``plot_calibration_purchases_vs_holdout_purchases``)."""
    _check(validation, "validation")
    max_frequency = as_int(max_frequency, "max_frequency", 1)
    t = validation.by_frequency.iloc[:max_frequency]
    ax = _axes(ax)
    ax.plot(t.index, t["actual_mean"], marker="o", label="actual")
    ax.plot(t.index, t["predicted_mean"], marker="s", label="predicted")
    ax.set_xlabel("purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Holdout purchases: actual against predicted")
    ax.legend()
    return ax


def calibration(validation: HoldoutValidation, ax: Axes | None = None) -> Axes:
    """Mean actual against mean predicted holdout purchases in bins of predicted purchases, with
    the diagonal a perfect model would follow."""
    _check(validation, "validation")
    t = validation.calibration
    ax = _axes(ax)
    top = float(max(t["actual_mean"].max(), t["predicted_mean"].max()))
    ax.plot([0, top], [0, top], color="grey", linestyle="--", label="perfect")
    ax.plot(t["predicted_mean"], t["actual_mean"], marker="o", label="model")
    ax.set_xlabel("mean predicted holdout purchases")
    ax.set_ylabel("mean actual holdout purchases")
    ax.set_title("Calibration of predicted purchases")
    ax.legend()
    return ax


def tracking(cumulative: Any, ax: Axes | None = None) -> Axes:
    """Cumulative repeat transactions, actual and predicted (a
    ``flo_rfm.cumulative_transactions`` table), as lifetimes' ``plot_cumulative_transactions``."""
    if not isinstance(cumulative, pd.DataFrame):
        raise ArgumentTypeError(
            f"expected a flo_rfm.cumulative_transactions table, got {type(cumulative).__name__}"
        )
    if not {"actual", "predicted"} <= set(cumulative.columns):
        from .exceptions import MissingColumnsError

        missing = [c for c in ("actual", "predicted") if c not in cumulative.columns]
        err = MissingColumnsError(f"<DataFrame>: missing required column(s): {', '.join(missing)}")
        err.columns = missing
        raise err
    ax = _axes(ax)
    ax.plot(cumulative.index, cumulative["actual"], label="actual")
    ax.plot(cumulative.index, cumulative["predicted"], linestyle="--", label="predicted")
    ax.set_xlabel("period")
    ax.set_ylabel("cumulative repeat transactions")
    ax.set_title("Tracking cumulative transactions")
    ax.legend()
    return ax


def migration_matrix(migration: Migration, ax: Axes | None = None, *, shares: bool = True) -> Axes:
    """The segment migration matrix as a heatmap: segments before (rows) and after (columns),
    each cell coloured by its row share and labelled with its customer count.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import flo_rfm, flo_rfm.plot
    >>> data = flo_rfm.datasets.sample(2000)
    >>> ax = flo_rfm.plot.migration_matrix(flo_rfm.migration(data, data, after_date="2021-09-01"))
    >>> ax.get_ylabel()
    'segment before'
    """
    from .segment_migration import Migration

    if not isinstance(migration, Migration):
        raise ArgumentTypeError(f"expected a Migration, got {type(migration).__name__}")
    counts = migration.matrix
    colour = migration.shares.fillna(0.0) if shares else counts
    k = len(counts)
    ax = _axes(ax, (1.2 * k + 3, 0.8 * k + 2))
    image = ax.imshow(colour.to_numpy(dtype="float64"), cmap="Blues", aspect="auto")
    top = float(colour.to_numpy().max()) if k else 0.0
    for i in range(k):
        for j in range(k):
            n = int(counts.iat[i, j])
            if n:
                dark = float(colour.iat[i, j]) > 0.6 * top
                ink = "white" if dark else "black"
                ax.text(j, i, f"{n:,}", ha="center", va="center", fontsize=8, color=ink)
    ax.set_xticks(range(k), [str(c) for c in counts.columns], rotation=40, ha="right")
    ax.set_yticks(range(k), [str(c) for c in counts.index])
    ax.set_xlabel("segment after")
    ax.set_ylabel("segment before")
    ax.set_title("Segment migration (colour: share of the row; numbers: customers)")
    ax.figure.colorbar(image, ax=ax, label="share of row" if shares else "customers")
    return ax
