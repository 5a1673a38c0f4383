"""The ``flo-rfm`` command line's arguments: the parser, its subcommands and their help."""

from __future__ import annotations

import argparse

__all__ = ["EXAMPLES", "parser"]

EXAMPLES = """examples:
  flo-rfm run --out results/              # the built-in 20,000-customer sample
  flo-rfm run flo_data_20k.csv --out results/
  flo-rfm run flo_data_20k.csv --json     # the summary as JSON on stdout
  flo-rfm run flo_data_20k.csv --out results/ --cltv   # also customers.csv: RFM and CLV per customer
  flo-rfm cltv flo_data_20k.csv --months 6 --out results/
  flo-rfm report flo_data_20k.csv --out report.html --cltv
  flo-rfm migrate may.csv june.csv --out migration/ --plot
  flo-rfm describe flo_data_20k.csv
  flo-rfm sample --customers 1000000 --seed 7 --out big.csv
"""


def parser() -> argparse.ArgumentParser:
    """The ``flo-rfm`` command line: its subcommands and their options."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = argparse.ArgumentParser(
        prog="flo-rfm",
        description="RFM segmentation and CLTV of a FLO customer file, with pandas' and lifetimes' answers.",
        epilog=EXAMPLES,
        formatter_class=fmt,
    )
    sub = p.add_subparsers(dest="command", required=True)

    def reader_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("file", nargs="?", help="customer CSV (default: the built-in sample)")
        reader_flags(sp)
        sp.add_argument("--analysis-date", help="YYYY-MM-DD (default: latest order + 2 days)")
        sp.add_argument("--json", action="store_true", help="print the summary as JSON")

    def reader_flags(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--on-bad-rows",
            choices=["raise", "skip"],
            default="raise",
            help="stop at the first bad row (default) or skip and report bad rows",
        )
        sp.add_argument(
            "--duplicates",
            choices=["raise", "merge"],
            default="raise",
            help="what to do with a repeated master_id",
        )
        sp.add_argument(
            "--on-missing",
            choices=["keep", "raise"],
            default="keep",
            help="customers with a missing date, count or money value: keep and report them "
            "(default) or stop at the first",
        )
        sp.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="progress bars while reading and fitting (default: on a terminal, for big files)",
        )
        sp.add_argument(
            "--encoding", help="the file's text encoding if not UTF-8 (e.g. windows-1254, latin-1)"
        )
        sp.add_argument("--verbose", "-v", action="store_true", help="print the time of each step on stderr")

    def format_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--format",
            choices=["csv", "parquet"],
            default="csv",
            help="format of the table files (default: csv, as pandas' to_csv writes them)",
        )

    r = sub.add_parser(
        "run", help="the whole RFM study: score, segment, target", epilog=EXAMPLES, formatter_class=fmt
    )
    reader_options(r)
    r.add_argument(
        "--out",
        help="directory for rfm.csv, segment_summary.csv and the two target lists",
    )
    format_option(r)
    r.add_argument(
        "--prepared",
        action="store_true",
        help="also write prepared.csv (the prepared table, as big as the input) in --out",
    )
    r.add_argument(
        "--plots",
        action="store_true",
        help="also save the segment grid and segment sizes as PNG in --out (needs matplotlib)",
    )
    r.add_argument(
        "--match",
        choices=["substring", "token"],
        default="substring",
        help="category matching for the target lists (default: substring, as pandas' str.contains)",
    )
    r.add_argument(
        "--cltv",
        action="store_true",
        help="also run the CLTV study and write customers.csv in --out: every customer's RFM "
        "metrics, scores and segment with P(alive), expected purchases, CLV and CLV segment",
    )
    r.add_argument("--months", type=int, default=6, help="CLV horizon in months with --cltv (default 6)")
    c = sub.add_parser(
        "cltv", help="the CLTV study (BG/NBD + Gamma-Gamma)", epilog=EXAMPLES, formatter_class=fmt
    )
    reader_options(c)
    c.add_argument("--out", help="directory for cltv.csv and the fitted models")
    format_option(c)
    c.add_argument("--months", type=int, default=6, help="CLV horizon in months (default 6)")
    c.add_argument(
        "--plots",
        action="store_true",
        help="also save CLV by segment and the P(alive) matrix as PNG in --out (needs matplotlib)",
    )
    rp = sub.add_parser(
        "report",
        help="one self-contained HTML report of the study (and the CLTV study with --cltv)",
        epilog=EXAMPLES,
        formatter_class=fmt,
    )
    reader_options(rp)
    rp.add_argument("--out", required=True, help="the HTML file to write (e.g. report.html)")
    rp.add_argument("--cltv", action="store_true", help="also run the CLTV study and report it")
    rp.add_argument("--months", type=int, default=6, help="CLV horizon in months with --cltv (default 6)")
    rp.add_argument(
        "--files",
        metavar="DIR",
        help="also write the study's tables and target lists in DIR (as run --out), linked from the report",
    )
    format_option(rp)
    rp.add_argument(
        "--match",
        choices=["substring", "token"],
        default="substring",
        help="category matching for the target lists (default: substring, as pandas' str.contains)",
    )
    mg = sub.add_parser(
        "migrate",
        help="segment migration between two snapshots: matrix, movers, appeared, disappeared",
        epilog=EXAMPLES,
        formatter_class=fmt,
    )
    mg.add_argument("old", help="the earlier customer CSV")
    mg.add_argument("new", help="the later customer CSV")
    reader_flags(mg)
    mg.add_argument("--out", required=True, help="directory for matrix.csv, movers.csv and the id lists")
    how = mg.add_mutually_exclusive_group()
    how.add_argument("--scheme", metavar="JSON", help="score both with this saved scheme")
    how.add_argument(
        "--own-schemes", action="store_true", help="score each with its own quantiles (default: OLD's)"
    )
    mg.add_argument("--save-scheme", metavar="JSON", help="also save the scheme used as JSON")
    mg.add_argument("--before-date", help="OLD's analysis date (default: its latest order + 2 days)")
    mg.add_argument("--after-date", help="NEW's analysis date (default: its latest order + 2 days)")
    mg.add_argument("--plot", action="store_true", help="also save the matrix heatmap as PNG in --out")
    d = sub.add_parser("describe", help="describe() of the prepared table and the per-channel breakdown")
    reader_options(d)
    s = sub.add_parser("sample", help="write a synthetic FLO file")
    s.add_argument("--customers", type=int, default=20_000)
    s.add_argument("--seed", type=int, default=20_210_601)
    s.add_argument("--out", required=True, help="CSV path to write")
    return p
