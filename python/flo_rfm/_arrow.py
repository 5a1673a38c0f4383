"""Arrow tables from the core (the C stream interface) as pandas columns, in one place."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._pandas import STR_DTYPE

__all__ = ["codes", "numbers", "table", "texts"]


def table(source: Any) -> pa.Table:
    """A pyarrow Table of anything with ``__arrow_c_stream__`` (no copy)."""
    return pa.table(source)


def texts(column: pa.ChunkedArray) -> pd.Series:
    """A text column (dictionary-coded or not) with the dtype ``read_csv`` gives text: on pandas
    3 with pyarrow an Arrow-backed ``str`` column, built without a Python object per row."""
    if pa.types.is_dictionary(column.type):
        column = pc.cast(column, pa.large_string())
    out = column.to_pandas()
    return out if out.dtype == STR_DTYPE else out.astype(STR_DTYPE)


def codes(column: pa.ChunkedArray) -> np.ndarray:
    """The dictionary codes of a coded column, ``-1`` for a missing value."""
    indices = pa.chunked_array([c.indices for c in column.chunks], type=column.type.index_type)
    return pc.fill_null(indices, -1).to_numpy().astype("int64", copy=False)


def numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A numeric column as numpy (missing values as NaN)."""
    return column.to_numpy()
