"""flo_rfm's qcut against the installed pandas' ``pd.qcut`` on random small cases.

Usage: python scripts/qcut_check.py [cases] [seed]. Prints the number of cases whose bin edges or
codes differ (bit for bit) and exits 1 if any do. Cases: 1-60 small integers or 2-decimal
numbers (some repeated), q from 2 to 10, ``duplicates="drop"``.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from flo_rfm import _flo_rfm


def main() -> int:
    cases = int(sys.argv[1]) if len(sys.argv) > 1 else 16_000
    rng = np.random.default_rng(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    edges_differ = codes_differ = q5 = q5_edges = 0
    for _ in range(cases):
        n = int(rng.integers(1, 61))
        q = int(rng.integers(2, 11))
        values = rng.integers(0, 50, n).astype(float)
        if rng.random() < 0.5:
            values = np.round(values + rng.integers(0, 100, n) / 100, 2)
        try:
            want_codes, want_edges = pd.qcut(values, q, labels=False, retbins=True, duplicates="drop")
        except ValueError:
            continue
        codes, edges = _flo_rfm.qcut_codes(values, q=q, duplicates="drop")
        edge_diff = not np.array_equal(edges, want_edges)
        edges_differ += edge_diff
        codes_differ += not np.array_equal(codes, np.nan_to_num(want_codes, nan=-1).astype(np.int64))
        if q == 5:
            q5 += 1
            q5_edges += edge_diff
    print(
        f"pandas {pd.__version__} numpy {np.__version__}: edges differ in {edges_differ} of "
        f"{cases} cases, codes in {codes_differ}; q=5: edges differ in {q5_edges} of {q5}"
    )
    return 1 if edges_differ or codes_differ else 0


if __name__ == "__main__":
    sys.exit(main())
