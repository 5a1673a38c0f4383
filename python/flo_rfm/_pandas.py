"""Conversions between the core's typed columns and pandas objects, in one place."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from ._flo_rfm import set_versions


def _major_minor(version: str) -> tuple[int, int]:
    """``(2, 2)`` for ``"2.2.3"`` (or ``"2.2.0rc1"``)."""
    numbers = re.findall(r"\d+", version)
    return int(numbers[0]), int(numbers[1])


#: The installed pandas' and numpy's ``(major, minor)``, read once: the core follows their rules
#: (pandas 2 hands ``np.percentile`` ``p * 100``, pandas 3 nudges ``qcut``'s probabilities; numpy
#: before 2.3 sums in blocks of 8192), set here for the whole process.
PANDAS_VERSION = _major_minor(pd.__version__)
NUMPY_VERSION = _major_minor(np.__version__)
set_versions(PANDAS_VERSION, NUMPY_VERSION)

#: What ``pd.read_csv`` gives a text column on the installed pandas (``str`` on 3.x, ``object``
#: on 2.x), so our frames compare equal to pandas' own.
STR_DTYPE: Any = pd.read_csv(__import__("io").StringIO("a\nx")).dtypes.iloc[0]
#: What ``pd.to_datetime`` gives a column of ISO dates on the installed pandas.
DATE_DTYPE: Any = pd.to_datetime(pd.Series(["2000-01-01"])).dtype

NULL_DATE = np.iinfo(np.int32).min


def text_series(values: list[str] | np.ndarray, index: pd.Index, name: str) -> pd.Series:
    """A text column with the dtype ``read_csv`` would give it."""
    return pd.Series(values, index=index, name=name, dtype=object).astype(STR_DTYPE)


def days_to_dates(days: np.ndarray, index: pd.Index, name: str) -> pd.Series:
    """Days since 1970-01-01 (``NULL_DATE`` = missing) to a datetime column."""
    d = days.astype("int64")
    out = d.astype("datetime64[D]").astype(DATE_DTYPE)
    out[d == NULL_DATE] = np.datetime64("NaT")
    return pd.Series(out, index=index, name=name)


def dates_to_days(col: pd.Series) -> np.ndarray:
    """A datetime column to days since 1970-01-01, NaT as int64 min (the core reads it as null)."""
    days = col.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype("int64")
    return days


def text_values(col: pd.Series) -> list[str | None]:
    """Any column as a list of texts, ``None`` where missing."""
    obj = col.astype(object)
    mask = obj.isna().to_numpy()
    values = obj.astype(str).tolist()
    if mask.any():
        for i in np.flatnonzero(mask):
            values[i] = None
    return values


def is_numeric(col: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
