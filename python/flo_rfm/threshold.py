"""One boundary between two neighbouring score bins of a metric (:class:`Threshold`), as a
:class:`~flo_rfm.Segmentation` keeps it, and the range a bin covers between two of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

from ._frames import as_float
from .exceptions import InvalidArgumentError

__all__ = ["Equal", "Threshold", "bin_range"]

#: Where values equal to a threshold go: all below, all above, or the first ``k`` below.
Equal = Union[Literal["below", "above"], int]


@dataclass(frozen=True)
class Threshold:
    """One boundary between two neighbouring score bins of a metric.

    Values above ``value`` go to the upper bin and values below it to the lower. ``equal`` says
    where values equal to it go: ``"below"`` (bins closed on the right, ``(a, b]``, as
    ``pd.cut``), ``"above"`` (closed on the left, ``[a, b)``), or a count ``k``: the first ``k``
    of them in file order stay below and the rest go above (a learned frequency edge inside a
    run of equal values).

    Examples
    --------
    >>> from flo_rfm import Threshold
    >>> Threshold(90).describe(), Threshold(90, "above").describe()
    ('<= 90 below', '>= 90 above')
    """

    value: float
    equal: Equal = "below"

    def __post_init__(self) -> None:
        value = as_float(self.value, "threshold")
        if value != value:
            raise InvalidArgumentError("a threshold is NaN")
        object.__setattr__(self, "value", value)
        eq = self.equal
        if isinstance(eq, bool) or not (eq in ("below", "above") or (isinstance(eq, int) and eq >= 0)):
            raise InvalidArgumentError(f'equal must be "below", "above" or a count >= 0, got {eq!r}')

    def describe(self) -> str:
        """Where values equal to the threshold go, as text.

        Examples
        --------
        >>> from flo_rfm import Threshold
        >>> Threshold(2, 3989).describe()
        'first 3989 equal to 2 below'
        """
        v = f"{self.value:g}"
        if self.equal == "below":
            return f"<= {v} below"
        if self.equal == "above":
            return f">= {v} above"
        return f"first {self.equal} equal to {v} below"

    def _part(self) -> tuple[float, int | None]:
        """As the core takes it: (value, ties below), ``None`` = all of them."""
        if self.equal == "below":
            return self.value, None
        return self.value, 0 if self.equal == "above" else int(self.equal)

    @classmethod
    def _of_part(cls, value: float, ties: int | None) -> Threshold:
        return cls(value, "below" if ties is None else ("above" if ties == 0 else ties))


def bin_range(low: Threshold | None, high: Threshold | None) -> tuple[float, float, str, str]:
    """A bin's (from, to, interval text, note on split ties)."""
    lo = float("-inf") if low is None else low.value
    hi = float("inf") if high is None else high.value
    # A split run of equal values is in both bins: closed on that side, the note says how.
    left = "(" if low is None or low.equal == "below" else "["
    right = ")" if high is None or high.equal == "above" else "]"
    notes = [t.describe() for t in (low, high) if t is not None and isinstance(t.equal, int)]
    return lo, hi, f"{left}{lo:g}, {hi:g}{right}", "; ".join(notes)
