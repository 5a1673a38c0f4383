"""One self-contained HTML report of a study: inline CSS and SVG, no script, nothing loaded from
the network, readable on screen and on paper (:func:`report`)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .. import _flo_rfm
from ..exceptions import ArgumentTypeError
from .clv import _cltv_section
from .sections import (
    _campaigns_section,
    _data_section,
    _left_out_section,
    _reproduce_section,
    _segments_section,
)
from .style import CSS, _count, _e

if TYPE_CHECKING:
    from ..clv import CltvResult
    from ..run import RunResult

__all__ = ["render", "report"]


def render(
    result: RunResult, *, cltv: CltvResult | None = None, command: str | None = None, out: str = "report.html"
) -> str:
    """The report's HTML text (see :func:`report`)."""
    from ..clv import CltvResult
    from ..run import RunResult

    if not isinstance(result, RunResult):
        raise ArgumentTypeError(f"result must be a RunResult (flo_rfm.run(...)), got {type(result).__name__}")
    if cltv is not None and not isinstance(cltv, CltvResult):
        raise ArgumentTypeError(f"cltv must be a CltvResult (flo_rfm.cltv(...)), got {type(cltv).__name__}")
    out_dir = os.path.dirname(os.path.abspath(out))
    title = f"Customer report: {result.data.source}"
    body = [
        f'<header><h1>Customer segmentation report</h1><p class="lead">{_e(result.data.source)} · '
        f"{_count(len(result.data))} customers · analysis date {_e(result.result.analysis_date.date())}</p>"
        "</header>",
        _data_section(result),
        _segments_section(result),
        _campaigns_section(result, out_dir),
    ]
    if cltv is not None:
        body.append(_cltv_section(cltv, result))
    body += [_left_out_section(result, cltv), _reproduce_section(result, cltv, command, out)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def report(
    result: RunResult,
    path: str | os.PathLike[str],
    *,
    cltv: CltvResult | None = None,
    command: str | None = None,
) -> str:
    """Write the study as one self-contained HTML page a marketer can open, read and print.

    The page holds the data read (rows read, kept, skipped, missing; dates; channels), the
    recency × frequency segment map, segment sizes and a treemap, the segment table, the two
    campaign lists (rules, counts, links to the files in ``result.files``), with ``cltv`` the
    CLTV study (model parameters with intervals, CLV by segment, the CLTV segment table, the
    P(alive) and expected-purchase matrices), what was left out and how to reproduce it. CSS
    and pictures (SVG) are inline: no script, nothing is loaded from the network. Numbers are
    the result's tables; each number cell carries its exact value in ``data-value``.

    Parameters
    ----------
    result : RunResult
        The RFM study (:func:`flo_rfm.run`).
    path : path
        The HTML file to write (atomically, never over the input file).
    cltv : CltvResult, optional
        The CLTV study of the same data (:func:`flo_rfm.cltv`), to add its section.
    command : str, optional
        The command shown under "How to reproduce" (default: the ``flo-rfm report`` command).

    Returns
    -------
    str
        The path written.

    Examples
    --------
    >>> import flo_rfm, os, tempfile
    >>> res = flo_rfm.run(flo_rfm.datasets.sample(2000))
    >>> path = flo_rfm.report(res, os.path.join(tempfile.mkdtemp(), "report.html"))
    >>> "RFM segments" in open(path, encoding="utf-8").read()
    True
    """
    out = os.fspath(path)
    text = render(result, cltv=cltv, command=command, out=out)
    _flo_rfm.write_file(out, text.encode("utf-8"), [result.data.source])
    return out
