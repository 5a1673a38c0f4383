"""The study on a Dask DataFrame, with the answers one machine gives, bit for bit.

``run`` (the RFM study) and ``cltv`` (the CLTV study) take the customer files themselves (a
path, a glob or a list) or a Dask DataFrame; ``summarize_transactions`` takes a Dask DataFrame
(e.g. ``dd.read_csv("orders-*.csv")``). They run on whatever scheduler is active — a
``dask.distributed`` cluster if a ``Client`` exists. Files are read by the Rust core inside the
workers, a byte range per partition (the records that start in it; whole files where they are
compressed, in another encoding or Parquet); each partition is parsed once and kept on its
worker as the core's table. The client only ever holds small things (counts, histograms,
parameters, one summary row per segment) and, for the CLTV fits, the customers' four fit
columns (32 bytes a customer, up to ten million customers) or past that the partitions'
distinct histories.

How the answers stay exact:

* **Quantile edges** (``qcut``): every order statistic a quantile reads is found by an exact
  distributed selection — rounds of 16-bit histograms of the values' order-preserving bit
  patterns, summed over partitions, where from the second round a partition sends the distinct
  values under a target's prefix instead when it holds few (usually two rounds for whole days,
  order counts and prices; four at most) — and the edges are then interpolated by the same code as
  on one machine.
* **``rank(method="first")``** (frequency): a customer's rank is the number of smaller values
  plus the number of equal values before it in input order (earlier partitions first); only
  the values at the bin boundaries are selected, and per partition the equal values before it are
  counted.
* **Segment means**: pandas' Kahan sums carried from one partition to the next in input order.
* **BG/NBD and Gamma-Gamma**: up to ten million customers, their frequency, recency, age and
  mean spend are gathered on the client in one round trip and fitted by the same core code as
  on one machine. Past that, each partition's customers are collapsed into distinct histories,
  gathered on the client when they are at most ten million; the likelihood sums are exact and do
  not depend on order or split, so the fit there equals one machine's bit for bit. (Past ten
  million histories they stay on the workers and each evaluation sums them where they are.)
* **Order logs** are shuffled by customer id (Dask's own shuffle); each customer's lines keep
  their input order, so every per-customer summary is computed as on one machine.

Errors name the file and the line in the whole file (files read by the core), or the partition
(``partition 3``) and the row as a CSV line of that partition (a Dask DataFrame).

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
