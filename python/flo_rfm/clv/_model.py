"""What every fitted CLV model shares: array arguments, time units, parameters, standard
errors, the summary table, and saving to / loading from JSON.

The models follow ``lifetimes`` 0.11.3 (Fader, Hardie & Lee 2005; Fader & Hardie 2013): the
same objective (``-mean(weights * LL) + penalizer * sum(params**2)`` in log-parameters, times
scaled by ``1 / max(T)`` during the BG/NBD fit, as lifetimes' ``_scale_time`` does), the same
start, the same predictions. Names follow lifetimes so code written for lifetimes ports line
for line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any, Literal, Union

import numpy as np
import pandas as pd

from .. import _flo_rfm
from .._frames import as_float, as_int, as_path
from ..exceptions import ArgumentTypeError, FloRfmError, InputError, InvalidArgumentError

ArrayLike = Union[Sequence[float], np.ndarray, pd.Series]
TimeUnit = Literal["D", "W", "M", "H"]

#: Model time units in one CLV month, by unit name: lifetimes' ``freq`` factors. ``"W"`` is the
#: 4.345 weeks a month (52.14 / 12); a CLV is only ever computed in the unit its model was fitted in.
PERIODS_PER_MONTH: dict[str, float] = dict(_flo_rfm.PERIODS_PER_MONTH)


def _arr(values: ArrayLike) -> np.ndarray:
    try:
        return np.ascontiguousarray(np.asarray(values, dtype="float64"))
    except TypeError as e:
        raise ArgumentTypeError(f"expected an array of numbers, got {type(values).__name__}: {e}") from e
    except ValueError as e:
        raise InvalidArgumentError(f"expected an array of numbers: {e}") from e


def _like(result: np.ndarray, template: ArrayLike) -> Any:
    """Results come back as a Series when the input was one (keeping its index), as a number
    when it was a number (one customer, as lifetimes answers), else as an array."""
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index)
    if np.ndim(template) == 0 and result.shape == (1,):
        return float(result[0])
    return result


def _check_unit(unit: str | None) -> str | None:
    if unit is not None and unit not in PERIODS_PER_MONTH:
        raise InvalidArgumentError(
            f"time_unit must be one of {sorted(PERIODS_PER_MONTH)} or None, got {unit!r}"
        )
    return unit


class _Model:
    _names: tuple[str, ...] = ()
    _kind = ""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = as_float(penalizer_coef, "penalizer_coef")
        self._params: pd.Series | None = None
        self.fit_info_: dict[str, float] = {}
        self._covariance: np.ndarray | None = None

    @property
    def params_(self) -> pd.Series:
        """The fitted parameters (raises ``ValueError`` before ``fit``)."""
        if self._params is None:
            raise InvalidArgumentError(f"{type(self).__name__} is not fitted: call fit(...) first")
        return self._params

    @params_.setter
    def params_(self, value: pd.Series) -> None:
        self._params = value

    def _repr_html_(self) -> str:
        from .._html import card

        if self._params is None:
            return card(type(self).__name__, [("fitted", "no"), ("penalizer_coef", self.penalizer_coef)])
        facts = [(k, f"{v:.6g}") for k, v in self.fit_info_.items()]
        return card(type(self).__name__, facts, self.summary)

    def __repr__(self) -> str:
        if self._params is None:
            return f"<{type(self).__name__}: not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}: {v:.4g}" for k, v in self.params_.items())
        customers = self.fit_info_.get("customers", 0)
        return f"<{type(self).__name__}: fitted with {customers:.0f} customers, {params}>"

    def _p(self) -> list[float]:
        return [float(self.params_[n]) for n in self._names]

    def _set(self, fit: _flo_rfm.Fit, customers: int) -> None:
        self.params_ = pd.Series(list(fit.params), index=list(self._names), dtype="float64")
        k = len(self._names)
        self._covariance = np.asarray(fit.covariance, dtype="float64").reshape(k, k)
        self.fit_info_ = {
            "iterations": fit.iterations,
            "objective": fit.objective,
            "gradient_norm": fit.gradient_norm,
            "groups": fit.groups,
            "customers": customers,
        }

    @property
    def variance_matrix_(self) -> pd.DataFrame:
        """The parameters' covariance from the Hessian of the objective at the optimum (delta
        method from the log-parameters); its diagonal is lifetimes' ``variance_matrix_``'s.

        Examples
        --------
        >>> import flo_rfm
        >>> ggf = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf
        >>> ggf.variance_matrix_.shape
        (3, 3)
        """
        if self._covariance is None:
            raise InvalidArgumentError(
                f"{type(self).__name__} has no covariance: fit it (a loaded model has none)"
            )
        names = list(self._names)
        return pd.DataFrame(self._covariance, index=names, columns=names)

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard errors of the parameters (square roots of ``variance_matrix_``'s diagonal)."""
        return pd.Series(np.sqrt(np.diag(self.variance_matrix_.to_numpy())), index=list(self._names))

    @property
    def confidence_intervals_(self) -> pd.DataFrame:
        """95% intervals, ``coef +- 1.96 se`` (as lifetimes)."""
        se = self.standard_errors_
        return pd.DataFrame(
            {"lower 95% bound": self.params_ - 1.96 * se, "upper 95% bound": self.params_ + 1.96 * se}
        )

    @property
    def summary(self) -> pd.DataFrame:
        """Parameters, standard errors and 95% intervals (lifetimes' ``summary`` columns), with the
        fit's diagnostics as attributes of the table.

        Examples
        --------
        >>> import flo_rfm
        >>> s = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf.summary
        >>> s.index.tolist(), s.columns.tolist()[:2]
        (['p', 'q', 'v'], ['coef', 'se(coef)'])
        """
        table = pd.DataFrame({"coef": self.params_})
        if self._covariance is not None:
            table["se(coef)"] = self.standard_errors_
            table = table.join(self.confidence_intervals_)
        table.attrs.update(self.fit_info_)
        return table

    def _json_fields(self) -> dict[str, Any]:
        return {}

    def _report(self, verbose: bool) -> None:
        """With ``verbose``, what lifetimes' ``fit(verbose=True)`` shows (scipy's ``disp``): the
        optimiser's outcome, the objective it reached and its iterations, and here the largest
        gradient component (lifetimes' ``tol`` bounds it)."""
        if not verbose:
            return
        info = self.fit_info_
        print(
            "Optimization terminated successfully.\n"
            f"         Current function value: {info['objective']:.6f}\n"
            f"         Iterations: {int(info['iterations'])}\n"
            f"         Gradient norm: {info['gradient_norm']:.3g}"
        )

    def to_json(self) -> str:
        """The fitted model as JSON (``from_json`` reads it back).

        Examples
        --------
        >>> import flo_rfm
        >>> bgf = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).bgf
        >>> flo_rfm.BetaGeo.from_json(bgf.to_json()).params_.equals(bgf.params_)
        True
        """
        return json.dumps(
            {
                "model": self._kind,
                "penalizer_coef": self.penalizer_coef,
                "params": dict(zip(self._names, self._p())),
                "fit_info": self.fit_info_,
                "covariance": None if self._covariance is None else self._covariance.ravel().tolist(),
                **self._json_fields(),
            }
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to a JSON file.

        Examples
        --------
        >>> import flo_rfm, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "ggf.json")
        >>> ggf = flo_rfm.cltv(flo_rfm.datasets.sample(2000)).ggf
        >>> ggf.save(path); flo_rfm.GammaGamma.load(path).params_.equals(ggf.params_)
        True
        """
        from ..write import _atomic_text

        _atomic_text(as_path(path), self.to_json())

    @classmethod
    def from_json(cls, text: str) -> Any:
        if not isinstance(text, (str, bytes, bytearray)):
            raise ArgumentTypeError(f"from_json takes the JSON text, got {type(text).__name__}")
        try:
            data = json.loads(text)
        except ValueError as e:
            raise InputError(f"not a {cls._kind} model: the text is not JSON ({e})") from e
        if not isinstance(data, dict) or data.get("model") != cls._kind:
            held = data.get("model") if isinstance(data, dict) else None
            raise InputError(f"this JSON holds a {held!r} model, not {cls._kind!r}")
        try:
            model = cls(data["penalizer_coef"])
            model.params_ = pd.Series(data["params"], dtype="float64")[list(cls._names)]
            model.fit_info_ = data.get("fit_info", {})
            if data.get("covariance") is not None:
                k = len(cls._names)
                model._covariance = np.asarray(data["covariance"], dtype="float64").reshape(k, k)
            if "time_unit" in data:
                model.time_unit = _check_unit(data["time_unit"])
        except FloRfmError as e:
            raise InputError(f"this {cls._kind} JSON is not a model flo_rfm wrote: {e}") from e
        except (KeyError, TypeError, ValueError) as e:
            what = f"no {e}" if isinstance(e, KeyError) else str(e)
            raise InputError(f"this {cls._kind} JSON is not a model flo_rfm wrote: {what}") from e
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Any:
        """Read a model written by ``save``.

        Examples
        --------
        >>> import flo_rfm
        >>> flo_rfm.GammaGamma.from_json('{"model": "GammaGamma", "penalizer_coef": 0.01, '
        ...                              '"params": {"p": 4.0, "q": 0.5, "v": 4.0}}').params_.tolist()
        [4.0, 0.5, 4.0]
        """
        from ..write import file_errors

        path = as_path(path)
        try:
            with file_errors(), open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError as e:
            raise InputError(f"{path}: not a model file flo_rfm wrote: {e}") from e
        try:
            return cls.from_json(text)
        except InputError as e:
            err = InputError(f"{path}: {e}")
            err.source = path
            raise err from e

    def save_model(self, path: str | os.PathLike[str]) -> None:
        """lifetimes' ``save_model``: the model written to ``path``, as JSON rather than
        lifetimes' pickle (parameters, penalizer, fit diagnostics, covariance, time unit; no
        customer data is kept to save), atomically (a temporary file renamed into place).

        Examples
        --------
        >>> import flo_rfm, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "bgf.json")
        >>> bgf = flo_rfm.BetaGeoFitter(0.01).fit([0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35])
        >>> bgf.save_model(path)
        >>> again = flo_rfm.BetaGeoFitter()
        >>> again.load_model(path)
        >>> again.params_.equals(bgf.params_), again.penalizer_coef
        (True, 0.01)
        """
        self.save(path)

    def load_model(self, path: str | os.PathLike[str]) -> None:
        """lifetimes' ``load_model``: this model becomes the one ``save_model`` (or ``save``)
        wrote to ``path``. A file that is not such a model raises
        :class:`~flo_rfm.exceptions.InputError` naming the file; a missing one
        :class:`~flo_rfm.exceptions.FileMissingError`.

        Examples
        --------
        >>> import flo_rfm, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "ggf.json")
        >>> with open(path, "w") as fh:
        ...     _ = fh.write('{"model": "BetaGeo", "penalizer_coef": 0.0, "params": {}}')
        >>> flo_rfm.GammaGammaFitter().load_model(path)
        Traceback (most recent call last):
        ...
        flo_rfm.exceptions.InputError: .../ggf.json: this JSON holds a 'BetaGeo' model, not 'GammaGamma'
        """
        self.__dict__.update(type(self).load(path).__dict__)


def _months(unit: str, time: int, discount_rate: float) -> tuple[int, float, float]:
    """(months, discount, model units a month) for recency and T measured in ``unit``."""
    if not isinstance(unit, str) or unit not in PERIODS_PER_MONTH:
        raise InvalidArgumentError(f"freq must be one of {sorted(PERIODS_PER_MONTH)}, got {unit!r}")
    months = as_int(time, "time")
    if months < 1:
        raise InvalidArgumentError(f"time must be a whole number of months >= 1, got {time!r}")
    return months, as_float(discount_rate, "discount_rate"), PERIODS_PER_MONTH[unit]
