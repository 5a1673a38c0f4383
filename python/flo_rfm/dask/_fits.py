"""The CLTV study's two fits on partitions: up to ``COLUMNS_LIMIT`` customers their fit columns
gathered and fitted by the core's own fits, as on one machine; past that, the partitions'
distinct histories gathered when few, or summed where they live at every likelihood evaluation.
Either way the parameters are one machine's, bit for bit."""

from __future__ import annotations

import concurrent.futures
import functools
from collections.abc import Sequence
from typing import Any, Callable

import dask
import numpy as np
from dask.delayed import delayed

from .. import _flo_rfm
from ..clv.bgnbd import BetaGeo
from ..clv.gamma_gamma import GammaGamma
from ._parts import invalid

#: One partition's CLTV inputs and, once predicted, its columns: numpy arrays keyed by
#: ``CLTV_COLUMNS`` names, plus ``rows`` (the customers' rows in the partition) and, once cut,
#: ``cltv_segment`` (bin codes). No pandas and no ids until a table is asked for.
Columns = dict[str, np.ndarray]


def _max_t(inputs: Columns) -> float:
    t = inputs["T_weekly"]
    return float(t.max()) if len(t) else -np.inf


def _history_groups(inputs: Columns, scale: float) -> tuple[np.ndarray, ...]:
    x, rec, t = (inputs[k] for k in ("frequency", "recency_cltv_weekly", "T_weekly"))
    return tuple(_flo_rfm.history_groups(x, rec, t, scale))


def _spend_groups(inputs: Columns) -> tuple[np.ndarray, ...]:
    return tuple(_flo_rfm.spend_groups(inputs["frequency"], inputs["monetary_cltv_avg"]))


PartSums = Callable[[list[float], bool, "int | None", tuple[np.ndarray, ...]], list[list[float]]]


def _purchase_sums(
    params: list[float], hessian: bool, sample: int | None, groups: tuple[np.ndarray, ...]
) -> list[list[float]]:
    return _flo_rfm.purchases_sums("bgnbd", params, *groups, hessian=hessian, sample=sample)


def _spend_sums(
    params: list[float], hessian: bool, sample: int | None, groups: tuple[np.ndarray, ...]
) -> list[list[float]]:
    return _flo_rfm.gg_sums(params, *groups, hessian=hessian, sample=sample)


#: Customers up to which the fits gather their columns and fit them as one machine does:
#: 10 million customers are 320 MB of float64.
COLUMNS_LIMIT = 10_000_000

#: Past ``COLUMNS_LIMIT``, distinct histories (summed over partitions) up to which a fit
#: gathers them on the client: 10 million groups are at most 320 MB of float64. Beyond that
#: the histories stay on the workers and each likelihood evaluation is a round trip.
GATHER_LIMIT = 10_000_000


def _group_count(groups: tuple[np.ndarray, ...]) -> tuple[int, float]:
    return len(groups[0]), float(np.sum(groups[-1]))


Held = Callable[[tuple[np.ndarray, ...]], Any]
Sums = Callable[[list[float], bool, "int | None"], list[list[list[float]]]]


def _likelihoods(
    kinds: Sequence[tuple[Sequence[Any], PartSums, Held]],
) -> list[tuple[Callable[[], Sums], int, float]]:
    """For each kind of histories (its per-partition groups, the sums of one partition, how
    the gathered ones are held): what makes the function the optimiser calls (every part's
    order-free sums at some parameters, with the Hessian's or over the fit's subsample as it
    asks), the distinct groups and the customers.

    The sums are exact and order-free over groups (a group split over partitions is summed as
    its pieces were), so a fit on them equals one machine's bit for bit wherever they are
    computed. When the histories are few they are gathered once and every evaluation runs on
    the client; otherwise each evaluation sums the parts where they live. Every kind shares
    the same three round trips (persist, count, gather)."""
    flat = list(dask.persist(*[g for parts, _, _ in kinds for g in parts]))
    shapes = list(dask.compute(*[delayed(_group_count)(g) for g in flat]))
    ends = np.cumsum([0] + [len(parts) for parts, _, _ in kinds])
    spans = list(zip(ends[:-1], ends[1:]))
    few = [sum(s[0] for s in shapes[a:b]) <= GATHER_LIMIT for a, b in spans]
    got = iter(dask.compute(*[g for (a, b), f in zip(spans, few) if f for g in flat[a:b]]))
    out: list[tuple[Callable[[], Sums], int, float]] = []
    for (_, part_sums, hold), (a, b), f in zip(kinds, spans, few):
        n_groups, customers = sum(s[0] for s in shapes[a:b]), sum(s[1] for s in shapes[a:b])
        if f:
            gathered = [next(got) for _ in range(a, b)]
            out.append((functools.partial(_hold, gathered, hold), n_groups, customers))
        else:
            out.append((functools.partial(_part_sums, flat[a:b], part_sums), n_groups, customers))
    return out


def _hold(parts: Sequence[tuple[np.ndarray, ...]], hold: Held) -> Sums:
    """The gathered groups laid end to end and held in the core once (``hold``), not rebuilt on
    each evaluation."""
    columns = (np.ascontiguousarray(np.concatenate([p[j] for p in parts])) for j in range(len(parts[0])))
    return _held_sums(hold(tuple(columns)))


def _held_sums(held: Any) -> Sums:
    def sums(params: list[float], hessian: bool, sample: int | None) -> list[list[list[float]]]:
        return [held.sums(params, hessian, sample)]

    return sums


def _part_sums(groups: Sequence[Any], part_sums: PartSums) -> Sums:
    def sums(params: list[float], hessian: bool, sample: int | None) -> list[list[list[float]]]:
        return list(dask.compute(*[delayed(part_sums)(params, hessian, sample, g) for g in groups]))

    return sums


def _held_purchases(groups: tuple[np.ndarray, ...]) -> Any:
    return _flo_rfm.PurchaseHistories("bgnbd", *groups)


def _held_spend(groups: tuple[np.ndarray, ...]) -> Any:
    return _flo_rfm.SpendHistories(*groups)


def _fit_columns(inputs: Columns) -> tuple[np.ndarray, ...]:
    return tuple(inputs[k] for k in ("frequency", "recency_cltv_weekly", "T_weekly", "monetary_cltv_avg"))


def _fits(
    inputs: Sequence[Any], rows: int, bg_penalizer: float, gg_penalizer: float
) -> tuple[BetaGeo, GammaGamma]:
    """Both models, fitted as one machine fits them. Up to ``COLUMNS_LIMIT`` customers (``rows``
    read) their four columns are gathered (32 bytes a customer, one round trip) and fitted by
    the core's own fits; past it, on every partition's distinct histories (BG/NBD: frequency,
    recency and age; Gamma-Gamma: frequency and mean spend), built where the partitions live
    and gathered when few (:func:`_likelihoods`). The two fits run side by side, in the core
    without the GIL."""
    if rows <= COLUMNS_LIMIT:
        parts = dask.compute(*[delayed(_fit_columns)(x) for x in inputs])
        x, rec, t, mon = (np.ascontiguousarray(np.concatenate([p[j] for p in parts])) for j in range(4))
        customers = float(len(x))  # none: the core's own error, as one machine's
        return _side_by_side(
            lambda: _purchase_model(
                _flo_rfm.fit_purchases("bgnbd", x, rec, t, None, bg_penalizer), customers, bg_penalizer
            ),
            lambda: _spend_model(
                _flo_rfm.fit_gamma_gamma(x, mon, None, gg_penalizer), customers, gg_penalizer
            ),
        )
    max_t = max(dask.compute(*[delayed(_max_t)(x) for x in inputs]))
    if not np.isfinite(max_t):
        raise invalid("no customers to fit")  # the core's words, as one machine says them
    scale = _flo_rfm.history_scale(max_t)
    purchases, spend = _likelihoods(
        [
            ([delayed(_history_groups)(x, scale) for x in inputs], _purchase_sums, _held_purchases),
            ([delayed(_spend_groups)(x) for x in inputs], _spend_sums, _held_spend),
        ]
    )
    return _side_by_side(
        lambda: _fit_purchases(*purchases, scale, bg_penalizer),
        lambda: _fit_spend(*spend, gg_penalizer),
    )


def _side_by_side(bg: Callable[[], BetaGeo], gg: Callable[[], GammaGamma]) -> tuple[BetaGeo, GammaGamma]:
    """Both fits at once, in two threads (the core fits without the GIL); BG/NBD's error first."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        purchases, spend = pool.submit(bg), pool.submit(gg)
        return purchases.result(), spend.result()


def _purchase_model(fit: Any, customers: float, penalizer: float) -> BetaGeo:
    bgf = BetaGeo(penalizer)
    bgf.time_unit = "W"
    bgf._set(fit, int(customers))
    return bgf


def _spend_model(fit: Any, customers: float, penalizer: float) -> GammaGamma:
    ggf = GammaGamma(penalizer)
    ggf._set(fit, int(customers))
    return ggf


def _fit_purchases(
    make: Callable[[], Sums], n_groups: int, customers: float, scale: float, penalizer: float
) -> BetaGeo:
    fit = _flo_rfm.fit_purchases_from_sums("bgnbd", make(), customers, n_groups, scale, penalizer)
    return _purchase_model(fit, customers, penalizer)


def _fit_spend(make: Callable[[], Sums], n_groups: int, customers: float, penalizer: float) -> GammaGamma:
    fit = _flo_rfm.fit_gamma_gamma_from_sums(make(), customers, n_groups, penalizer)
    return _spend_model(fit, customers, penalizer)
