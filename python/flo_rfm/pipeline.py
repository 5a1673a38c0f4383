"""Task 6: the whole RFM study in one call."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Literal

from ._frames import to_kind
from .data import CustomerData, ReadReport, Source, load
from .output import check_not_input, write_csv
from .segmentation import Match, RfmResult, rfm

__all__ = ["RunResult", "run"]

NEW_BRAND_FILE = "new_brand_target_customer_id.csv"
DISCOUNT_FILE = "discount_target_customer_ids.csv"


@dataclass
class RunResult:
    """Every table of the study, as the kind of table the data came in (pandas unless Polars or
    Arrow was given). ``files`` lists what was written, if an output directory was given."""

    data: CustomerData
    result: RfmResult
    prepared: Any
    rfm: Any
    segment_summary: Any
    new_brand_targets: Any
    discount_targets: Any
    match: Match = "substring"
    files: dict[str, str] = field(default_factory=dict)

    @property
    def report(self) -> ReadReport:
        return self.data.report

    def __repr__(self) -> str:
        return (
            f"<RunResult {self.data.source!r}: {len(self.rfm)} customers, "
            f"{len(self.segment_summary)} segments, {len(self.new_brand_targets)} new-brand "
            f"and {len(self.discount_targets)} discount targets>"
        )

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, str]:
        """Write the prepared data, the rfm table, the segment summary and both target files.

        Examples
        --------
        >>> import flo_rfm, tempfile
        >>> files = flo_rfm.run(flo_rfm.datasets.sample(500)).write(tempfile.mkdtemp())
        >>> sorted(files)
        ['discount_targets', 'new_brand_targets', 'prepared', 'rfm', 'segment_summary']
        """
        out = os.fspath(out_dir)
        os.makedirs(out, exist_ok=True)
        inputs = [self.data.source]
        files = {
            "prepared": os.path.join(out, "prepared.csv"),
            "rfm": os.path.join(out, "rfm.csv"),
            "segment_summary": os.path.join(out, "segment_summary.csv"),
            "new_brand_targets": os.path.join(out, NEW_BRAND_FILE),
            "discount_targets": os.path.join(out, DISCOUNT_FILE),
        }
        for path in files.values():  # refuse before writing anything
            check_not_input(path, inputs)
        res = self.result
        write_csv(self.data.to_pandas(), files["prepared"], inputs=inputs)
        write_csv(res.to_pandas(), files["rfm"], inputs=inputs, index=True)
        summary = res._summary_pd()
        summary.columns = [f"{m}_{s}" for m, s in summary.columns]
        write_csv(summary, files["segment_summary"], inputs=inputs, index=True)
        res.data._frame.write_ids(res._preset_rows("new_brand", self.match), files["new_brand_targets"])
        res.data._frame.write_ids(res._preset_rows("discount", self.match), files["discount_targets"])
        self.files = files
        return files


def run(
    source: Source | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    *,
    match: Match = "substring",
    on_bad_rows: Literal["raise", "skip"] = "raise",
    duplicate_ids: Literal["raise", "merge"] = "raise",
    **options: object,
) -> RunResult:
    """Tasks 1–5 in one call: read and prepare, score and segment, summarise, pick targets.

    Parameters
    ----------
    source : path, DataFrame or CustomerData, optional
        The customer file; default: the built-in 20,000-customer sample.
    out_dir : path, optional
        If given, write ``prepared.csv``, ``rfm.csv``, ``segment_summary.csv`` and the two
        target files there (atomically; never over the input).
    match : {"substring", "token"}
        Category matching for the two target lists (``"substring"`` is the seeds').
    on_bad_rows, duplicate_ids
        Reader options for a path or table (see :func:`flo_rfm.read_csv`; ``duplicate_ids`` is
        the reader's ``duplicates``).
    **options
        :func:`flo_rfm.rfm` options (``analysis_date``, ``q``, ``duplicates`` for equal bin edges,
        ``segment_map``...) and ``delimiter`` for a path.

    Examples
    --------
    >>> import flo_rfm
    >>> res = flo_rfm.run(flo_rfm.datasets.sample(3000))
    >>> res.segment_summary[("recency", "count")].sum()
    np.int64(3000)
    """
    read_opts: dict[str, object] = {"on_bad_rows": on_bad_rows, "duplicates": duplicate_ids}
    if "delimiter" in options:
        read_opts["delimiter"] = options.pop("delimiter")
    rfm_opts = options
    if source is None:
        from .datasets import sample

        data = sample()
    else:
        data = load(source, **read_opts)
    result = rfm(data, **rfm_opts)  # type: ignore[arg-type]
    out = RunResult(
        data=data,
        result=result,
        prepared=to_kind(data.to_pandas(), data.kind),
        rfm=result.table,
        segment_summary=result.segment_summary(),
        new_brand_targets=result.new_brand_targets(match),
        discount_targets=result.discount_targets(match),
        match=match,
    )
    if out_dir is not None:
        out.write(out_dir)
    return out
