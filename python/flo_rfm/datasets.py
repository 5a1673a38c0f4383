"""The built-in synthetic FLO sample: deterministic, any size, no real file needed.

Same schema and formats as ``flo_data_20k.csv``; channel shares, heavy-tailed order counts, spend
roughly proportional to orders, category combinations and dates (last orders in the year to
2021-05-30) are shaped like the real file. The same ``(customers, seed)`` always gives the same
bytes.
"""

from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd

from . import _flo_rfm
from ._frames import as_int, as_path
from .customer_data import CustomerData
from .exceptions import InvalidArgumentError

__all__ = [
    "DEFAULT_CUSTOMERS",
    "DEFAULT_SEED",
    "later_snapshot",
    "sample",
    "sample_bytes",
    "sample_frame",
    "sample_transactions",
    "write_sample",
    "write_transactions",
]

DEFAULT_CUSTOMERS = 20_000
DEFAULT_SEED = 20_210_601


def _size(count: int, seed: int, name: str = "customers") -> tuple[int, int]:
    """``(count, seed)`` checked: whole numbers >= 0 (the core takes unsigned 64-bit ints)."""
    checked = as_int(count, name, 0, exact=True), as_int(seed, "seed", 0, exact=True)
    for what, value in zip((name, "seed"), checked):
        if value >= 1 << 64:
            raise InvalidArgumentError(f"{what} must be below 2**64, got {value}")
    return checked


def sample_bytes(customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> bytes:
    """The sample as CSV bytes.

    Examples
    --------
    >>> sample_bytes(3, seed=1) == sample_bytes(3, seed=1)
    True
    >>> sample_bytes(3).splitlines()[0].startswith(b"master_id,order_channel")
    True
    """
    return bytes(_flo_rfm.sample_csv_bytes(*_size(customers, seed)))


def sample(customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> CustomerData:
    """The sample, read by the Rust reader.

    Examples
    --------
    >>> from flo_rfm.datasets import sample
    >>> len(sample(1000))
    1000
    """
    return CustomerData(_flo_rfm.read_bytes(sample_bytes(customers, seed), "<sample>"))


def sample_frame(customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """The sample as pandas reads it: ``pd.read_csv`` of the CSV text.

    Examples
    --------
    >>> sample_frame(5).shape
    (5, 12)
    """
    return pd.read_csv(io.BytesIO(sample_bytes(customers, seed)))


def write_sample(
    path: str | os.PathLike[str], customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED
) -> str:
    """Write the sample to ``path`` (atomically, streamed: fine for 10 million customers).

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = write_sample(os.path.join(tempfile.mkdtemp(), "s.csv"), customers=50, seed=3)
    >>> len(pd.read_csv(path))
    50
    """
    path = as_path(path)
    _flo_rfm.write_sample_csv(path, *_size(customers, seed))
    return path


def sample_transactions(customers: int = 2_000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """An order log (one line per order) made from the sample's customers: each customer's
    online and offline order counts and totals, and last order dates per side, are kept (amounts
    split at random to the cent); a side with two or more orders also has one on the customer's
    first order date. Columns: ``master_id``, ``date``, ``amount``, ``channel``. Deterministic.

    Examples
    --------
    >>> log = sample_transactions(50, seed=1)
    >>> list(log.columns)
    ['master_id', 'date', 'amount', 'channel']
    >>> log.equals(sample_transactions(50, seed=1))
    True
    """
    import numpy as np

    raw = sample_frame(customers, seed)
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str, float, str]] = []
    for rec in raw.itertuples(index=False):
        first = pd.Timestamp(rec.first_order_date)
        sides = (
            (
                int(rec.order_num_total_ever_online),
                rec.customer_value_total_ever_online,
                pd.Timestamp(rec.last_order_date_online),
                rec.order_channel,
            ),
            (
                int(rec.order_num_total_ever_offline),
                rec.customer_value_total_ever_offline,
                pd.Timestamp(rec.last_order_date_offline),
                "Offline",
            ),
        )
        for n, total, last, channel in sides:
            cents = round(total * 100)
            cuts = np.sort(rng.integers(0, cents + 1, n - 1)) if n > 1 else np.array([], dtype=int)
            parts = np.diff(np.concatenate([[0], cuts, [cents]]))
            span = max((last - first).days, 0)
            days = (
                [last]
                + ([first] if n > 1 else [])
                + [first + pd.Timedelta(days=int(d)) for d in rng.integers(0, span + 1, max(n - 2, 0))]
            )
            rows.extend(
                (rec.master_id, d.strftime("%Y-%m-%d"), c / 100, channel) for d, c in zip(days, parts)
            )
    return pd.DataFrame(rows, columns=["master_id", "date", "amount", "channel"])


def write_transactions(path: str | os.PathLike[str], lines: int = 1_000_000, seed: int = DEFAULT_SEED) -> str:
    """Write a synthetic order log (``customer_id,date,amount,channel``) of any size, written by
    the Rust core (10 million lines take seconds). Same arguments, same bytes.

    Examples
    --------
    >>> import tempfile, os, pandas as pd
    >>> path = write_transactions(os.path.join(tempfile.mkdtemp(), "log.csv"), lines=100, seed=1)
    >>> list(pd.read_csv(path).columns)
    ['customer_id', 'date', 'amount', 'channel']
    """
    path = as_path(path)
    _flo_rfm.write_order_log_csv(path, *_size(lines, seed, "lines"))
    return path


def later_snapshot(
    frame: pd.DataFrame,
    months: int = 3,
    *,
    seed: int = DEFAULT_SEED,
    leave: float = 0.02,
    join: float = 0.05,
) -> pd.DataFrame:
    """The same customer file ``months`` later: some customers ordered again (recent ones more
    often: their counts, spend and last order dates move on), a share ``leave`` of them is gone
    (deleted accounts) and new customers (a share ``join``) have arrived. For trying
    :func:`flo_rfm.migration` without two real snapshots.

    Examples
    --------
    >>> from flo_rfm.datasets import later_snapshot, sample_frame
    >>> before = sample_frame(1000)
    >>> after = later_snapshot(before, months=3)
    >>> after["last_order_date"].max() > before["last_order_date"].max()
    True
    """
    months = as_int(months, "months", 1)
    if not isinstance(frame, pd.DataFrame):
        raise InvalidArgumentError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    rng = np.random.default_rng(seed)
    out = frame[rng.random(len(frame)) >= leave].reset_index(drop=True)
    last = pd.to_datetime(out["last_order_date"])
    end = last.max()
    days = months * 30
    idle = (end - last).dt.days.to_numpy()
    # A customer who ordered lately is likelier to order again within the window.
    again = rng.random(len(out)) < 0.6 * np.exp(-idle / 180.0)
    n = again.sum()
    orders = 1 + rng.poisson(0.6, n)
    online = rng.random(n) < 0.5
    spend = orders * rng.lognormal(np.log(150.0), 0.5, n).round(2)
    when = (end + pd.to_timedelta(rng.integers(1, days + 1, n), unit="D")).strftime("%Y-%m-%d")
    side = np.where(online, "online", "offline")
    for kind in ("online", "offline"):
        rows = np.flatnonzero(again)[side == kind]
        pick = side == kind
        out.loc[rows, f"order_num_total_ever_{kind}"] += orders[pick]
        out.loc[rows, f"customer_value_total_ever_{kind}"] = (
            out.loc[rows, f"customer_value_total_ever_{kind}"] + spend[pick]
        ).round(2)
        out.loc[rows, f"last_order_date_{kind}"] = when[pick]
    out.loc[again, "last_order_date"] = when
    joined = sample_frame(max(int(len(frame) * join), 1), seed + 1)
    first = (end + pd.to_timedelta(rng.integers(1, days + 1, len(joined)), unit="D")).strftime("%Y-%m-%d")
    for col in ("first_order_date", "last_order_date", "last_order_date_online", "last_order_date_offline"):
        joined[col] = first
    joined["master_id"] = [f"new-{seed}-{i:08d}" for i in range(len(joined))]
    return pd.concat([out, joined], ignore_index=True)
