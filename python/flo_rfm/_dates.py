"""Dates as the Rust core takes them: whole days (or seconds) since 1970-01-01.

A value that is no date raises :class:`~flo_rfm.exceptions.InvalidArgumentError` (a
``ValueError``), one of a type that cannot be a date
:class:`~flo_rfm.exceptions.ArgumentTypeError`, as ``pd.Timestamp`` would.
"""

from __future__ import annotations

import datetime as dt
from typing import Union

import numpy as np
import pandas as pd

from .exceptions import ArgumentTypeError, InvalidArgumentError

__all__ = ["EPOCH", "DateLike", "days", "seconds", "timestamp"]

DateLike = Union[str, dt.date, pd.Timestamp, np.datetime64]

#: Day 0 of the core's date numbers.
EPOCH = pd.Timestamp("1970-01-01")


def timestamp(date: DateLike, name: str = "analysis_date") -> pd.Timestamp:
    """``pd.Timestamp(date)``; a value that is no date raises :class:`InvalidArgumentError` (a
    ``ValueError``), one of a type that cannot be a date :class:`ArgumentTypeError`."""
    try:
        when = pd.Timestamp(date)  # type: ignore[arg-type]
    except TypeError as e:
        raise ArgumentTypeError(f"{name} must be a date, got {type(date).__name__}: {e}") from e
    except (ValueError, OverflowError) as e:
        raise InvalidArgumentError(f"{name}: cannot read {date!r} as a date: {e}") from e
    if pd.isna(when):
        raise InvalidArgumentError(f"{name} must be a date, got {date!r}")
    return when


def days(date: DateLike, name: str = "analysis_date") -> int:
    """The calendar day of ``date`` (its time of day dropped) as days since 1970-01-01."""
    return int((timestamp(date, name).normalize() - EPOCH).days)


def seconds(when: DateLike, name: str) -> int:
    """``when`` as whole seconds since 1970-01-01."""
    return int((timestamp(when, name) - EPOCH) // pd.Timedelta(seconds=1))
