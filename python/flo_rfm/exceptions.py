"""The exceptions flo_rfm raises.

Every error about the data is a ``ValueError`` too, so ``except ValueError`` keeps working for
code written against pandas. The Rust core's errors are mapped to these classes in one place
(``src/bindings/errors.rs``).
"""

from __future__ import annotations

__all__ = [
    "BinEdgesError",
    "ConvergenceError",
    "FloRfmError",
    "InputError",
    "InvalidArgumentError",
    "MissingColumnsError",
    "OutputIsInputError",
    "SegmentMapError",
]


class FloRfmError(Exception):
    """Base class of every flo_rfm error."""


class InputError(FloRfmError, ValueError):
    """A field or row of the input breaks the format or the data rules.

    Attributes ``source`` (file name or ``<DataFrame>``), ``line`` (1-based, header is line 1),
    ``column`` and ``text`` say where and what, when known.
    """

    source: str | None = None
    line: int | None = None
    column: str | None = None
    text: str | None = None


class MissingColumnsError(InputError):
    """Required columns are missing; ``columns`` lists all of them."""

    columns: list[str] = []  # noqa: RUF012 - set per instance by the core


class BinEdgesError(FloRfmError, ValueError):
    """Two quantile edges are equal, as pandas' ``Bin edges must be unique``."""


class SegmentMapError(FloRfmError, ValueError):
    """A segment-map pattern or replacement cannot be compiled."""


class InvalidArgumentError(FloRfmError, ValueError):
    """An argument is out of its allowed values."""


class OutputIsInputError(FloRfmError, ValueError):
    """An output file would replace one of the inputs; ``path`` is the refused output."""

    path: str | None = None


class ConvergenceError(FloRfmError, RuntimeError):
    """A model fit did not converge."""
