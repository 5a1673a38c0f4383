"""Segment migration between two snapshots of the customer file: both scored with one kept
scheme (or each with its own), the transition matrix, who appeared and disappeared, and the
movers lists (e.g. ``loyal_customers → at_Risk``) as id lists and files (:func:`migration`).
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from ._dates import DateLike
from ._frames import as_path
from .exceptions import ArgumentTypeError
from .io import Source, load
from .segmentation import Segmentation
from .segments import DEFAULT_SEGMENT_MAP, RfmResult
from .write import check_not_input, file_errors, write_csv, write_ids

__all__ = ["Migration", "migration"]


class Migration:
    """Two snapshots scored alike and how their customers moved: build it with :func:`migration`.

    Attributes
    ----------
    before, after : RfmResult
        Each snapshot's scores and segments.
    scheme : Segmentation or None
        The one scheme both were scored with (``None`` when each used its own).
    """

    def __init__(self, before: RfmResult, after: RfmResult, scheme: Segmentation | None) -> None:
        self.before = before
        self.after = after
        self.scheme = scheme
        b, a = before.table["segment"], after.table["segment"]
        self._segments = _segment_order(scheme, b, a)
        # Customers in both, in the earlier snapshot's order: one hash join of the id indexes.
        where = a.index.get_indexer(b.index)
        kept = where >= 0
        self._ids = b.index[kept]
        self._from = b.to_numpy()[kept]
        self._to = a.to_numpy()[where[kept]]
        self.appeared: pd.Series = _ids(a.index[~a.index.isin(b.index)], "appeared")
        self.disappeared: pd.Series = _ids(b.index[~kept], "disappeared")
        self._matrix: pd.DataFrame | None = None

    def __repr__(self) -> str:
        moved = int((self._from != self._to).sum())
        return (
            f"<Migration: {len(self._ids):,} customers in both ({moved:,} moved), "
            f"{len(self.appeared):,} appeared, {len(self.disappeared):,} disappeared>"
        )

    def _repr_html_(self) -> str:
        from ._html import card

        facts = [
            ("in both", f"{len(self._ids):,}"),
            ("moved", f"{int((self._from != self._to).sum()):,}"),
            ("appeared", f"{len(self.appeared):,}"),
            ("disappeared", f"{len(self.disappeared):,}"),
        ]
        return card("Segment migration", facts, self.matrix)

    @property
    def matrix(self) -> pd.DataFrame:
        """Customers in both snapshots by segment before (rows) and after (columns).

        Customers without a segment (a missing metric) count under ``"(none)"``.

        Examples
        --------
        >>> import flo_rfm
        >>> data = flo_rfm.datasets.sample(2000)
        >>> m = flo_rfm.migration(data, data)
        >>> int(m.matrix.to_numpy().trace()) == len(data)   # nobody moved
        True
        """
        if self._matrix is None:
            self._matrix = self._count()
        return self._matrix.copy()  # a copy: the caller may change it, the next access must not see that

    def _count(self) -> pd.DataFrame:
        names = self._segments
        codes_from, codes_to = _codes(self._from, names), _codes(self._to, names)
        k = len(names)
        counts = np.bincount(codes_from * k + codes_to, minlength=k * k).reshape(k, k)
        before, after = pd.Index(names, name="before"), pd.Index(names, name="after")
        frame = pd.DataFrame(counts, index=before, columns=after)
        used = (frame.sum(axis=1) > 0) | (frame.sum(axis=0) > 0)
        return frame.loc[used, used]

    @property
    def shares(self) -> pd.DataFrame:
        """:attr:`matrix` as row shares: of each segment's customers before, the share in each
        segment after (rows sum to 1).

        Examples
        --------
        >>> import flo_rfm
        >>> data = flo_rfm.datasets.sample(2000)
        >>> flo_rfm.migration(data, data).shares.sum(axis=1).round(12).unique().tolist()
        [1.0]
        """
        m = self.matrix
        return m.div(m.sum(axis=1).replace(0, np.nan), axis=0)

    def movers(self, source: str | None = None, target: str | None = None) -> pd.DataFrame:
        """Customers whose segment changed: ``master_id``, ``before``, ``after``; only those
        from ``source`` and/or to ``target`` when given.

        Examples
        --------
        >>> import flo_rfm
        >>> data = flo_rfm.datasets.sample(2000)
        >>> m = flo_rfm.migration(data, data, after_date="2021-09-01")
        >>> moved = m.movers("champions")
        >>> set(moved["before"]), "champions" in set(moved["after"])
        ({'champions'}, False)
        """
        for name, value in (("source", source), ("target", target)):
            if value is not None and not isinstance(value, str):
                raise ArgumentTypeError(f"{name} must be a segment name, got {value!r}")
        keep = self._from != self._to
        if source is not None:
            keep &= self._from == source
        if target is not None:
            keep &= self._to == target
        return pd.DataFrame(
            {
                "master_id": pd.Series(self._ids[keep], dtype=self._ids.dtype),
                "before": pd.Series(self._from[keep], dtype="str"),
                "after": pd.Series(self._to[keep], dtype="str"),
            }
        )

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, str]:
        """Write ``matrix.csv``, ``shares.csv``, ``movers.csv`` (every mover, with both
        segments), ``appeared.csv``, ``disappeared.csv`` and one id list per move,
        ``movers/<before>__to__<after>.csv``; never over an input. Returns name → path.

        Examples
        --------
        >>> import flo_rfm, tempfile
        >>> data = flo_rfm.datasets.sample(2000)
        >>> files = flo_rfm.migration(data, data, after_date="2021-09-01").write(tempfile.mkdtemp())
        >>> sorted(files)[:3]
        ['appeared', 'disappeared', 'matrix']
        """
        out = as_path(out_dir, "out_dir")
        inputs = [s for s in (self.before.data.source, self.after.data.source) if os.path.isfile(s)]
        with file_errors():
            os.makedirs(os.path.join(out, "movers"), exist_ok=True)
        files: dict[str, str] = {}

        def target(name: str) -> str:
            path = os.path.join(out, name)
            check_not_input(path, inputs)
            files[name.removesuffix(".csv")] = path
            return path

        write_csv(self.matrix, target("matrix.csv"), index=True, inputs=inputs)
        write_csv(self.shares, target("shares.csv"), index=True, inputs=inputs)
        movers = self.movers()
        write_csv(movers, target("movers.csv"), index=False, inputs=inputs)
        write_ids(self.appeared, target("appeared.csv"), inputs=inputs)
        write_ids(self.disappeared, target("disappeared.csv"), inputs=inputs)
        for (b, a), group in movers.groupby(["before", "after"], sort=True):
            name = f"movers/{_file_name(b)}__to__{_file_name(a)}.csv"
            write_ids(group["master_id"], target(name), inputs=inputs)
        return files


def migration(
    before: Source,
    after: Source,
    *,
    scheme: Segmentation | None = None,
    own_schemes: bool = False,
    before_date: DateLike | None = None,
    after_date: DateLike | None = None,
    **read_options: object,
) -> Migration:
    """How customers moved between segments from one snapshot of the file to a later one.

    Parameters
    ----------
    before, after : path, DataFrame or CustomerData
        The two snapshots (customers are matched by ``master_id``).
    scheme : Segmentation, optional
        The scheme both are scored with. Default: learned from ``before``
        (:meth:`Segmentation.fit`), so ``before``'s scores are exactly :func:`flo_rfm.rfm`'s and
        ``after`` is measured against the same thresholds.
    own_schemes : bool
        Score each snapshot with its own quantiles instead (:func:`flo_rfm.rfm` of each).
    before_date, after_date : date-like, optional
        Each snapshot's analysis date (default: the scheme's rule; its latest order + 2 days).
    **read_options
        Reader options for paths (``on_bad_rows``, ``encoding``, ...).

    Examples
    --------
    >>> import flo_rfm
    >>> data = flo_rfm.datasets.sample(5000)
    >>> m = flo_rfm.migration(data, data, after_date="2021-09-01")   # 3 months with no orders
    >>> int(m.matrix.loc["champions", "champions"]) < int(m.matrix.loc["champions"].sum())
    True
    """
    if scheme is not None and not isinstance(scheme, Segmentation):
        raise ArgumentTypeError(f"scheme must be a Segmentation, got {type(scheme).__name__}")
    if scheme is not None and own_schemes:
        raise ArgumentTypeError("give a scheme or own_schemes=True, not both")
    first, second = load(before, **read_options), load(after, **read_options)
    if own_schemes:
        from .run import rfm

        return Migration(rfm(first, analysis_date=before_date), rfm(second, analysis_date=after_date), None)
    if scheme is None:
        scheme = Segmentation.fit(first, analysis_date=before_date)
    return Migration(
        scheme.apply(first, analysis_date=before_date), scheme.apply(second, analysis_date=after_date), scheme
    )


NONE = "(none)"


def _segment_order(scheme: Segmentation | None, *columns: pd.Series) -> list[str]:
    """The segment names in the map's order, then any others met, then ``(none)``."""
    names = list(DEFAULT_SEGMENT_MAP.values()) if scheme is None else [n for _, n in scheme.segment_map]
    seen = pd.unique(pd.concat([c.dropna() for c in columns]).astype(str))
    order = list(dict.fromkeys([*names, *sorted(seen)]))
    return [*order, NONE]


def _codes(segments: np.ndarray, names: list[str]) -> np.ndarray:
    labels = pd.Series(segments, dtype="object").fillna(NONE)
    return pd.Categorical(labels, categories=names).codes.astype(np.int64)


def _ids(index: pd.Index, name: str) -> pd.Series:
    return pd.Series(index, name=name, dtype=index.dtype).rename("master_id")


def _file_name(segment: str) -> str:
    """A segment name as a file name: characters other than letters, digits, ``-`` and ``_``
    become ``_``."""
    return re.sub(r"[^0-9A-Za-z_-]", "_", segment)
