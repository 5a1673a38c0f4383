"""The exceptions flo_rfm raises.

Every error about the data is a ``ValueError`` too, so ``except ValueError`` keeps working for
code written against pandas; every error about a file is the matching ``OSError`` kind
(``FileNotFoundError``, ``PermissionError``, ``IsADirectoryError``, or ``OSError`` itself) with its
``errno`` and ``filename``. The Rust core's errors are mapped to these classes in one place
(``src/bindings/errors.rs``), which takes them from here once.

The tree::

    FloRfmError
    ├── InputError (ValueError)            a field, row or structure of the input
    │   ├── MissingColumnsError
    │   └── MissingValuesError             on_missing="raise"
    ├── BinEdgesError (ValueError)
    ├── SegmentMapError (ValueError)
    ├── InvalidArgumentError (ValueError)
    ├── OutputIsInputError (ValueError)
    ├── ArgumentTypeError (TypeError)
    ├── ConvergenceError (RuntimeError)
    ├── MissingDependencyError (ImportError)
    └── FileError (OSError)                errno, strerror, filename
        ├── FileMissingError (FileNotFoundError)
        ├── FileAccessError (PermissionError)
        └── IsAFolderError (IsADirectoryError)

and one warning, ``AssumptionWarning`` (a ``UserWarning``): the data break an assumption of a
model that was fitted all the same.
"""

from __future__ import annotations

__all__ = [
    "ArgumentTypeError",
    "AssumptionWarning",
    "BinEdgesError",
    "ConvergenceError",
    "FileAccessError",
    "FileError",
    "FileMissingError",
    "FloRfmError",
    "InputError",
    "InvalidArgumentError",
    "IsAFolderError",
    "MissingColumnsError",
    "MissingDependencyError",
    "MissingValuesError",
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


class MissingValuesError(InputError):
    """A value the RFM scores need is missing (``on_missing="raise"``); ``line`` and ``column``
    name the first one, ``count`` how many customers have one."""

    count: int = 0


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


class ArgumentTypeError(FloRfmError, TypeError):
    """An argument is of a type the function does not take."""


class MissingDependencyError(FloRfmError, ImportError):
    """An optional dependency the call needs is not installed (the message says what to install)."""


class FileError(FloRfmError, OSError):
    """A file or folder could not be read or written; ``errno``, ``strerror`` and ``filename``
    as any ``OSError`` (``errno.ENOSPC`` for a full disk, ``errno.EROFS`` for a read-only one).
    A problem that is not the operating system's (a corrupt compressed file) has no ``errno``."""

    def __str__(self) -> str:
        # OSError would print "[Errno None] None: 'path'" for an error without errno.
        if self.errno is None and self.args:
            return str(self.args[0])
        return super().__str__()


class FileMissingError(FileError, FileNotFoundError):
    """A file or folder does not exist."""


class FileAccessError(FileError, PermissionError):
    """The operating system refused access to a file or folder."""


class IsAFolderError(FileError, IsADirectoryError):
    """A folder was given where a file is needed."""


class AssumptionWarning(UserWarning):
    """The data break an assumption of a model fitted on them (Gamma-Gamma's independence of
    frequency and monetary value); the fit is done, its answers may be biased. A warning, so
    ``warnings.simplefilter("error", AssumptionWarning)`` makes it stop a run."""
