"""The study on a Dask DataFrame, with the answers one machine gives, bit for bit.

``run`` (the RFM study), ``cltv`` (the CLTV study) and ``summarize_transactions`` take a Dask
DataFrame (e.g. ``dd.read_csv("orders-*.csv")``) and run on whatever scheduler is active — a
``dask.distributed`` cluster if a ``Client`` exists. Each partition is read and scored by the
Rust core inside the workers; the client only ever holds small things (counts, histograms,
parameters, one summary row per segment).

How the answers stay exact:

* **Quantile edges** (``qcut``): every order statistic a quantile reads is found by an exact
  distributed selection — four rounds of 16-bit histograms of the values' order-preserving
  bit patterns, summed over partitions — and the edges are then interpolated by the same code as
  on one machine.
* **``rank(method="first")``** (frequency): a customer's rank is the number of smaller values
  plus the number of equal values before it in input order (earlier partitions first); only
  the values at the bin boundaries are selected, and per partition the equal values before it are
  counted.
* **Segment means**: pandas' Kahan sums carried from one partition to the next in input order.
* **BG/NBD and Gamma-Gamma**: each partition's customers are collapsed into distinct histories
  and its likelihood and gradient are summed there, exactly (the sums do not depend on order or
  split); the optimiser on the client merges them, so the parameters equal one machine's.
* **Order logs** are shuffled by customer id (Dask's own shuffle); each customer's lines keep
  their input order, so every per-customer summary is computed as on one machine.

Errors name the partition (``partition 3``) and the row as a CSV line of that partition.

Needs the ``dask`` extra: ``pip install "flo_rfm[dask]"`` (Python 3.10 or later, as dask 2024.12 does).
"""

from __future__ import annotations

try:
    import dask.dataframe  # noqa: F401 - the extra this module needs
except ImportError as e:  # pragma: no cover - depends on the environment
    from ..exceptions import MissingDependencyError

    raise MissingDependencyError(
        f'flo_rfm.dask needs dask >= 2024.12 (Python >= 3.10): pip install "flo_rfm[dask]" ({e})'
    ) from e

from ._cltv import DaskCltvResult, cltv
from ._logs import summarize_transactions
from ._rfm import DaskRunResult, run

__all__ = ["DaskCltvResult", "DaskRunResult", "cltv", "run", "summarize_transactions"]
