"""The RFM study from any source in one call: :func:`rfm` (scores and segments) and :func:`run`
(those plus the prepared table, the segment summary and the two campaign target lists)."""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Sequence
from typing import Any, Literal

from . import _flo_rfm
from ._dates import DateLike
from ._frames import to_kind
from .customer_data import CustomerData, ReadReport
from .io import Source, load
from .segments import Match, RfmResult, segment
from .write import check_not_input, write_csv

__all__ = ["RunResult", "rfm", "run"]

#: Output file formats: pandas-exact CSV, or Parquet.
Format = Literal["csv", "parquet"]

NEW_BRAND_FILE = "new_brand_target_customer_id.csv"
DISCOUNT_FILE = "discount_target_customer_ids.csv"


def rfm(
    source: Source,
    *,
    analysis_date: DateLike | None = None,
    q: int | Sequence[float] = 5,
    duplicates: Literal["raise", "drop"] = "raise",
    labels: tuple[Sequence[object], Sequence[object], Sequence[object]] | None = None,
    segment_map: dict[str, str] | Sequence[tuple[str, str]] | None = None,
    segment_on: Literal["RF_SCORE", "RFM_SCORE"] = "RF_SCORE",
    **read_options: object,
) -> RfmResult:
    """Metrics, scores, score strings and segments, identical to pandas' ``qcut`` and ``replace``.

    Parameters
    ----------
    source : path, DataFrame or CustomerData
        The customer file, a DataFrame read by ``pd.read_csv``, or already-read data.
    analysis_date : date-like, optional
        Default: the latest ``last_order_date`` plus 2 days (2021-06-01 on the FLO file).
    q : int or list of float
        Number of quantile bins, or the probabilities of the edges, as ``pd.qcut``.
    duplicates : {"raise", "drop"}
        Equal edges raise :class:`~flo_rfm.exceptions.BinEdgesError` (pandas' ``Bin edges must
        be unique``) or are merged, as ``pd.qcut(duplicates=...)``.
    labels : (recency_labels, frequency_labels, monetary_labels), optional
        One label per bin, in ascending order of the metric. Default: ``[q..1]`` for
        recency and ``[1..q]`` for frequency and monetary.
    segment_map : dict or list of (pattern, name), optional
        Ordered regex map applied as ``Series.replace(segment_map, regex=True)``. Default:
        :data:`DEFAULT_SEGMENT_MAP`.
    segment_on : {"RF_SCORE", "RFM_SCORE"}
        The score string the map reads.

    Examples
    --------
    >>> import flo_rfm
    >>> result = flo_rfm.rfm(flo_rfm.datasets.sample(2000))
    >>> list(result.table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['recency', 'frequency', 'monetary', 'recency_score', 'frequency_score', 'monetary_score',
     'RF_SCORE', 'RFM_SCORE', 'segment']
    """
    return segment(
        lambda: load(source, **read_options),
        analysis_date=analysis_date,
        q=q,
        duplicates=duplicates,
        labels=labels,
        segment_map=segment_map,
        segment_on=segment_on,
    )


class RunResult:
    """Every table of the study, as the kind of table the data came in (pandas unless Polars or
    Arrow was given). Tables are built when first asked for; ``files`` lists what was written,
    if an output directory was given."""

    def __init__(self, data: CustomerData, result: RfmResult, match: Match = "substring") -> None:
        self.data = data
        self.result = result
        self.match: Match = match
        self.files: dict[str, str] = {}

    @property
    def report(self) -> ReadReport:
        return self.data.report

    @functools.cached_property
    def prepared(self) -> Any:
        """The prepared table: dates as datetimes, the omnichannel totals."""
        return to_kind(self.data.to_pandas(), self.data.kind)

    @functools.cached_property
    def rfm(self) -> Any:
        """The rfm table (see :attr:`RfmResult.table`)."""
        return self.result.table

    @functools.cached_property
    def segment_summary(self) -> Any:
        """Mean and count of recency, frequency and monetary per segment."""
        return self.result.segment_summary()

    @functools.cached_property
    def new_brand_targets(self) -> Any:
        """Case a's customer ids (see :meth:`RfmResult.new_brand_targets`)."""
        return self.result.new_brand_targets(self.match)

    @functools.cached_property
    def discount_targets(self) -> Any:
        """Case b's customer ids (see :meth:`RfmResult.discount_targets`)."""
        return self.result.discount_targets(self.match)

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        """The rfm table through the Arrow PyCapsule interface (see :class:`RfmResult`)."""
        return self.result.__arrow_c_stream__(requested_schema)

    def _repr_html_(self) -> str:
        from ._html import card

        facts = [
            ("read", self.report),
            ("analysis date", self.result.analysis_date.date()),
            ("new-brand targets", f"{len(self.new_brand_targets):,}"),
            ("discount targets", f"{len(self.discount_targets):,}"),
            *(
                [("files written", ", ".join(os.path.basename(p) for p in self.files.values()))]
                if self.files
                else []
            ),
        ]
        return card(f"RFM study of {self.data.source}", facts, self.result.to_pandas_summary())

    def __repr__(self) -> str:
        return (
            f"<RunResult {self.data.source!r}: {len(self.data)} customers, "
            f"{len(self.segment_summary)} segments, {len(self.new_brand_targets)} new-brand "
            f"and {len(self.discount_targets)} discount targets>"
        )

    def write(
        self, out_dir: str | os.PathLike[str], *, prepared: bool = False, format: Format = "csv"
    ) -> dict[str, str]:
        """Write the rfm table, the segment summary and both target files (and the prepared
        table with ``prepared=True``) into ``out_dir``, created if needed.

        Files are written by the Rust core, atomically, and never over the input file. CSV is
        byte for byte what pandas' ``to_csv`` writes for the same tables (text cells a
        spreadsheet would run as a formula get a leading ``'``); ``format="parquet"`` writes
        the same tables as Parquet (raw values; scores and segments dictionary-coded).
        Returns name -> path.

        Examples
        --------
        >>> import flo_rfm, tempfile
        >>> files = flo_rfm.run(flo_rfm.datasets.sample(500)).write(tempfile.mkdtemp())
        >>> sorted(files)
        ['discount_targets', 'new_brand_targets', 'rfm', 'segment_summary']
        """
        out = os.fspath(out_dir)
        # Extra columns of a DataFrame keep their pandas dtypes: pandas formats those.
        by_pandas = prepared and self.data._passthrough is not None
        core = self.result._core
        written = core.write_study(out, self.match, prepared and not by_pandas, format)
        files = {name: os.fspath(path) for name, path in written}
        if by_pandas:
            path = os.path.join(out, f"prepared.{format}")
            if format == "parquet":
                check_not_input(path, [self.data.source])
                data = io.BytesIO()
                self.data.to_pandas().to_parquet(data, index=False)
                _flo_rfm.write_file(path, data.getvalue(), [self.data.source])
            else:
                write_csv(self.data.to_pandas(), path, inputs=[self.data.source])
            files = {"prepared": path, **files}
        self.files = files
        return files


def run(
    source: Source | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    match: Match = "substring",
    on_bad_rows: Literal["raise", "skip"] = "raise",
    duplicate_ids: Literal["raise", "merge"] = "raise",
    on_missing: Literal["keep", "raise"] = "keep",
    prepared: bool = False,
    format: Format = "csv",
    **options: object,
) -> RunResult:
    """The RFM study in one call: read and prepare, score and segment, summarise, pick targets.

    Parameters
    ----------
    source : path, DataFrame or CustomerData, optional
        The customer file; default: the built-in 20,000-customer sample.
    out_dir : path, optional
        If given, write ``rfm.csv``, ``segment_summary.csv`` and the two target files there
        (see :meth:`RunResult.write`).
    match : {"substring", "token"}
        Category matching for the two target lists (default ``"substring"``, as ``str.contains``).
    on_bad_rows, duplicate_ids, on_missing
        Reader options for a path or table (see :func:`flo_rfm.read_csv`; ``duplicate_ids`` is
        the reader's ``duplicates``). Customers with missing values are kept and reported in
        :attr:`RunResult.report` unless ``on_missing="raise"``.
    prepared : bool
        Also write ``prepared.csv`` (the prepared table, as big as the input) into ``out_dir``.
    format : {"csv", "parquet"}
        The files' format (see :meth:`RunResult.write`).
    **options
        :func:`flo_rfm.rfm` options (``analysis_date``, ``q``, ``duplicates`` for equal bin edges,
        ``segment_map``...) and ``delimiter``, ``encoding`` for a path.

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.run(flo_rfm.datasets.sample(3000))
    >>> int(res.segment_summary[("recency", "count")].sum())
    3000
    """
    read_opts: dict[str, object] = {
        "on_bad_rows": on_bad_rows,
        "duplicates": duplicate_ids,
        "on_missing": on_missing,
    }
    for name in ("delimiter", "encoding"):
        if name in options:
            read_opts[name] = options.pop(name)
    rfm_opts = options
    if source is None:
        from .datasets import sample

        data = load(sample(), on_missing=on_missing)
    else:
        data = load(source, **read_opts)
    result = rfm(data, **rfm_opts)  # type: ignore[arg-type]
    out = RunResult(data, result, match)
    if out_dir is not None:
        out.write(out_dir, prepared=prepared, format=format)
    return out
