"""The built-in synthetic FLO sample: deterministic, any size, no real file needed.

Same schema and formats as ``flo_data_20k.csv``; channel shares, heavy-tailed order counts, spend
roughly proportional to orders, category combinations and dates (last orders in the year to
2021-05-30) are shaped like the real file. The same ``(customers, seed)`` always gives the same
bytes.
"""

from __future__ import annotations

import io
import os

import pandas as pd

from . import _flo_rfm
from ._frames import as_int, as_path
from .customer_data import CustomerData
from .exceptions import InvalidArgumentError

__all__ = [
    "DEFAULT_CUSTOMERS",
    "DEFAULT_SEED",
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
