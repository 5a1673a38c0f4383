"""The ``flo-rfm`` command."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

EXAMPLES = """examples:
  flo-rfm run --out results/              # the built-in 20,000-customer sample
  flo-rfm run flo_data_20k.csv --out results/
  flo-rfm run flo_data_20k.csv --json     # segment summary as JSON on stdout
  flo-rfm describe flo_data_20k.csv
  flo-rfm sample --customers 1000000 --seed 7 --out big.csv
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="flo-rfm",
        description="RFM segmentation of a FLO customer file, with pandas' exact answers.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser(
        "run",
        help="the whole RFM study (Tasks 1-6)",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("file", nargs="?", help="customer CSV (default: the built-in sample)")
    r.add_argument("--out", help="directory for the result files")
    r.add_argument("--analysis-date", help="YYYY-MM-DD (default: latest order + 2 days)")
    r.add_argument(
        "--match",
        choices=["substring", "token"],
        default="substring",
        help="category matching for the target lists (default: substring, as the seeds)",
    )
    r.add_argument("--on-bad-rows", choices=["raise", "skip"], default="raise")
    r.add_argument(
        "--duplicates",
        choices=["raise", "merge"],
        default="raise",
        help="what to do with a repeated master_id",
    )
    r.add_argument("--json", action="store_true", help="print the summary as JSON")
    d = sub.add_parser("describe", help="Task 1: describe() and the per-channel breakdown")
    d.add_argument("file", nargs="?", help="customer CSV (default: the built-in sample)")
    s = sub.add_parser("sample", help="write a synthetic FLO file")
    s.add_argument("--customers", type=int, default=20_000)
    s.add_argument("--seed", type=int, default=20_210_601)
    s.add_argument("--out", required=True, help="CSV path to write")
    return p


def _run(args: argparse.Namespace) -> int:
    import flo_rfm

    opts: dict[str, object] = {"on_bad_rows": args.on_bad_rows, "duplicates_ids": args.duplicates}
    if args.analysis_date:
        opts["analysis_date"] = args.analysis_date
    res = flo_rfm.run(args.file, args.out, match=args.match, **opts)
    summary = res.segment_summary
    if args.json:
        payload = {
            "source": res.data.source,
            "rows_read": res.report.rows_read,
            "rows": res.report.rows,
            "skipped": [{"line": ln, "message": m} for ln, m in res.report.skipped],
            "merged": res.report.merged,
            "analysis_date": str(res.result.analysis_date.date()),
            "segments": {
                seg: {f"{m}_{s}": float(summary.loc[seg, (m, s)]) for m, s in summary.columns}
                for seg in summary.index
            },
            "new_brand_targets": len(res.new_brand_targets),
            "discount_targets": len(res.discount_targets),
            "files": res.files,
        }
        print(json.dumps(payload, indent=2))
        return 0
    import pandas as pd

    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(f"{res.data.source}: {res.report}")
        print(f"analysis date {res.result.analysis_date.date()}\n")
        print(summary.round(3))
        a, b = len(res.new_brand_targets), len(res.discount_targets)
        print(f"\nnew-brand targets: {a}; discount targets: {b}")
    for name, path in res.files.items():
        print(f"wrote {name}: {path}")
    return 0


def _describe(args: argparse.Namespace) -> int:
    import pandas as pd

    import flo_rfm

    data = flo_rfm.datasets.sample() if args.file is None else flo_rfm.read_csv(args.file)
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(f"{data.source}: {data.report}\n")
        print(data.describe(totals=True).T)
        print()
        print(data.channel_breakdown())
    return 0


def _sample(args: argparse.Namespace) -> int:
    from flo_rfm.datasets import write_sample

    path = write_sample(args.out, args.customers, args.seed)
    print(f"wrote {args.customers} customers to {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from flo_rfm.exceptions import FloRfmError

    try:
        return {"run": _run, "describe": _describe, "sample": _sample}[args.command](args)
    except (FloRfmError, ValueError, OSError) as e:
        print(f"flo-rfm: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
