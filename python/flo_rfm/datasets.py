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
from .data import CustomerData

__all__ = ["DEFAULT_CUSTOMERS", "DEFAULT_SEED", "sample", "sample_bytes", "sample_frame", "write_sample"]

DEFAULT_CUSTOMERS = 20_000
DEFAULT_SEED = 20_210_601


def sample_bytes(customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> bytes:
    """The sample as CSV bytes.

    Examples
    --------
    >>> sample_bytes(3, seed=1) == sample_bytes(3, seed=1)
    True
    >>> sample_bytes(3).splitlines()[0].startswith(b"master_id,order_channel")
    True
    """
    return bytes(_flo_rfm.sample_csv_bytes(customers, seed))


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
    """The sample as the seeds would have it: ``pd.read_csv`` of the CSV text.

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
    path = os.fspath(path)
    _flo_rfm.write_sample_csv(path, customers, seed)
    return path
