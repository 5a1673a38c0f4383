"""The ``flo-rfm`` command."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from ._cli_args import parser

#: Files at least this big get a progress bar on a terminal.
PROGRESS_BYTES = 50_000_000


def _load(args: argparse.Namespace) -> Any:
    import flo_rfm

    if args.file is None:
        from flo_rfm.io import load

        return load(flo_rfm.datasets.sample(), on_missing=args.on_missing)
    return _read(args.file, args)


def _read(path: str, args: argparse.Namespace) -> Any:
    import flo_rfm

    return flo_rfm.read_csv(
        path,
        on_bad_rows=args.on_bad_rows,
        duplicates=args.duplicates,
        progress=_progress(args, path),
        encoding=args.encoding,
        on_missing=args.on_missing,
    )


def _progress(args: argparse.Namespace, path: str | None) -> bool:
    """``--progress``/``--no-progress`` as given, else on for a big file when stderr is a
    terminal."""
    if args.progress is not None:
        return bool(args.progress)
    if path is None:
        return False
    try:
        big = os.path.getsize(path) >= PROGRESS_BYTES
    except OSError:
        big = False
    return big and sys.stderr.isatty()


class _Clock:
    """Prints the seconds each step took on stderr, when asked to (``--verbose``)."""

    def __init__(self, on: bool) -> None:
        import time

        self._now = time.perf_counter
        self.on = on
        self.start = self.last = self._now()

    def lap(self, step: str) -> None:
        if self.on:
            now = self._now()
            print(f"flo-rfm: {step}: {now - self.last:.3f} s", file=sys.stderr)
            self.last = now

    def parts(self, stages: dict[str, float]) -> None:
        """The stages of the last step, as the core timed them."""
        if self.on:
            for name, seconds in stages.items():
                print(f"flo-rfm:   {name}: {seconds:.3f} s", file=sys.stderr)

    def total(self) -> None:
        if self.on:
            print(f"flo-rfm: total: {self._now() - self.start:.3f} s", file=sys.stderr)


def _report(data: Any) -> dict[str, Any]:
    r = data.report
    return {
        "source": data.source,
        "rows_read": r.rows_read,
        "rows": r.rows,
        "skipped": [{"line": ln, "message": m} for ln, m in r.skipped],
        "merged": r.merged,
        "missing": {
            "customers": r.missing_customers,
            "columns": {c: {"count": len(v), "lines": v[:100].tolist()} for c, v in r.missing.items()},
        },
    }


def _save_plots(out: str, plots: dict[str, Any], inputs: list[str]) -> dict[str, str]:
    """Save each Axes' figure as out/NAME.png, through the core's atomic writer."""
    import io

    import matplotlib

    matplotlib.use("Agg", force=True)
    from flo_rfm import _flo_rfm

    files = {}
    for name, ax in plots.items():
        path = os.path.join(out, f"{name}.png")
        png = io.BytesIO()
        ax.figure.savefig(png, format="png", dpi=110, bbox_inches="tight")
        _flo_rfm.write_file(path, png.getvalue(), inputs)
        files[name] = path
    return files


def _table_json(df: Any) -> dict[str, Any]:
    return {
        str(idx): {
            "_".join(map(str, k)) if isinstance(k, tuple) else str(k): float(v) for k, v in row.items()
        }
        for idx, row in df.iterrows()
    }


def _run(args: argparse.Namespace) -> int:
    import pandas as pd

    import flo_rfm

    opts: dict[str, object] = {}
    if args.analysis_date:
        opts["analysis_date"] = args.analysis_date
    if args.plots and not args.out:
        from flo_rfm.exceptions import InvalidArgumentError

        raise InvalidArgumentError("--plots needs --out DIR to write the pictures to")
    clock = _Clock(args.verbose)
    data = _load(args)
    clock.lap("read")
    res = flo_rfm.run(data, match=args.match, **opts)  # data was read with the reader options
    clock.lap("rfm study")
    if args.out:
        res.write(args.out, prepared=args.prepared, format=args.format)
        clock.lap("write files")
    table = _customer_table(args, res, opts, clock) if args.cltv else None
    if args.plots:
        import flo_rfm.plot as fplot

        res.files.update(
            _save_plots(
                args.out,
                {
                    "segment_grid": fplot.segment_grid(res.result),
                    "segment_sizes": fplot.segment_sizes(res.result),
                },
                [data.source],
            )
        )
    summary = res.result.to_pandas_summary()
    # Counted in the core: no id list is built for the message.
    a, b = (len(res.result._preset_rows(which, args.match)) for which in ("new_brand", "discount"))
    if args.json:
        payload = {
            **_report(data),
            "analysis_date": str(res.result.analysis_date.date()),
            "segments": _table_json(summary),
            "new_brand_targets": a,
            "discount_targets": b,
            **({} if table is None else {"cltv": _left_out_json(table)}),
            "files": res.files,
        }
        print(json.dumps(payload, indent=2))
        clock.total()
        return 0
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(f"{res.data.source}: {res.report}")
        print(f"analysis date {res.result.analysis_date.date()}\n")
        print(summary.round(3))
        print(f"\nnew-brand targets: {a}; discount targets: {b}")
        if table is not None:
            left = ", ".join(f"{n} {reason}" for reason, n in table.left_out().items() if n)
            print(
                f"CLTV study: {len(table.cltv)} of {len(table)} customers"
                + (f" (left out: {left})" if left else "")
            )
    for name, path in res.files.items():
        print(f"wrote {name}: {path}")
    clock.total()
    return 0


def _customer_table(args: argparse.Namespace, res: Any, opts: dict[str, object], clock: _Clock) -> Any:
    """``run --cltv``: the CLTV study on the data already read and scored, joined per customer
    with the RFM table, and ``customers.csv`` written in ``--out`` beside the other files."""
    import flo_rfm

    clv = flo_rfm.cltv(res.data, months=args.months, progress=_progress(args, args.file), **opts)
    clock.lap("cltv study")
    clock.parts(clv.stages)
    table = flo_rfm.CustomerTable(res.result, clv)
    if args.out:
        res.files["customers"] = table.write(
            os.path.join(args.out, f"customers.{args.format}"), format=args.format
        )
        clock.lap("write customers")
    return table


def _left_out_json(table: Any) -> dict[str, Any]:
    left = table.left_out()
    return {"customers": len(table.cltv), "left_out": {str(k): int(v) for k, v in left.items()}}


def _cltv(args: argparse.Namespace) -> int:
    import pandas as pd

    import flo_rfm

    if args.plots and not args.out:
        from flo_rfm.exceptions import InvalidArgumentError

        raise InvalidArgumentError("--plots needs --out DIR to write the pictures to")
    clock = _Clock(args.verbose)
    data = _load(args)
    clock.lap("read")
    opts: dict[str, Any] = {"months": args.months}
    if args.analysis_date:
        opts["analysis_date"] = args.analysis_date
    res = flo_rfm.cltv(data, progress=_progress(args, args.file), **opts)
    clock.lap("cltv study")
    clock.parts(res.stages)
    files: dict[str, str] = res.write(args.out, format=args.format) if args.out else {}
    if files:
        clock.lap("write files")
    summary = res.segment_summary()[["cltv", "exp_sales_6_month", "exp_average_value"]]
    if args.plots:
        import flo_rfm.plot as fplot

        files.update(
            _save_plots(
                args.out,
                {
                    "cltv_by_segment": fplot.cltv_by_segment(res),
                    "probability_alive": fplot.probability_alive_matrix(res.bgf),
                },
                [data.source],
            )
        )
    if args.json:
        payload = {
            **_report(data),
            "analysis_date": str(res.analysis_date.date()),
            "customers": len(res),
            "bgnbd": {**res.bgf.params_.to_dict(), **res.bgf.fit_info_},
            "gamma_gamma": {**res.ggf.params_.to_dict(), **res.ggf.fit_info_},
            "segments": _table_json(summary),
            "files": files,
        }
        print(json.dumps(payload, indent=2))
        return 0
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(f"{data.source}: {data.report}; {len(res)} customers in the CLTV frame")
        print(f"BG/NBD      {res.bgf.params_.round(6).to_dict()}")
        print(f"Gamma-Gamma {res.ggf.params_.round(6).to_dict()}\n")
        print(summary.round(3))
    for name, path in files.items():
        print(f"wrote {name}: {path}")
    clock.total()
    return 0


def _report_command(args: argparse.Namespace, argv: Sequence[str] | None) -> str:
    """The command line that made the report, as the user would type it again."""
    import shlex

    words = list(sys.argv[1:] if argv is None else argv)
    return shlex.join(["flo-rfm", *words])


def _html_report(args: argparse.Namespace, argv: Sequence[str] | None = None) -> int:
    import flo_rfm

    opts: dict[str, object] = {}
    if args.analysis_date:
        opts["analysis_date"] = args.analysis_date
    clock = _Clock(args.verbose)
    data = _load(args)
    clock.lap("read")
    res = flo_rfm.run(data, match=args.match, **opts)
    clock.lap("rfm study")
    if args.files:
        res.write(args.files, format=args.format)
        clock.lap("write files")
    cltv = None
    if args.cltv:
        cltv = flo_rfm.cltv(data, months=args.months, progress=_progress(args, args.file), **opts)
        clock.lap("cltv study")
        clock.parts(cltv.stages)
        if args.files:
            res.files.update(cltv.write(args.files, format=args.format))
    path = flo_rfm.report(res, args.out, cltv=cltv, command=_report_command(args, argv))
    clock.lap("write report")
    if args.json:
        print(json.dumps({**_report(data), "report": path, "files": res.files}, indent=2))
    else:
        print(f"{data.source}: {data.report}")
        for name, p in res.files.items():
            print(f"wrote {name}: {p}")
        print(f"wrote report: {path}")
    clock.total()
    return 0


def _migrate(args: argparse.Namespace) -> int:
    import pandas as pd

    import flo_rfm

    before, after = _read(args.old, args), _read(args.new, args)
    scheme = flo_rfm.Segmentation.load(args.scheme) if args.scheme else None
    moved = flo_rfm.migration(
        before,
        after,
        scheme=scheme,
        own_schemes=args.own_schemes,
        before_date=args.before_date,
        after_date=args.after_date,
    )
    files = moved.write(args.out)
    if args.save_scheme and moved.scheme is not None:
        moved.scheme.to_json(args.save_scheme)
        files["scheme"] = args.save_scheme
    if args.plot:
        import flo_rfm.plot as fplot

        plots = {"migration": fplot.migration_matrix(moved)}
        files.update(_save_plots(args.out, plots, [args.old, args.new]))
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(moved)
        print(moved.matrix)
    print(f"wrote {len(files)} files in {args.out}")
    return 0


def _describe(args: argparse.Namespace) -> int:
    import pandas as pd

    data = _load(args)
    if args.json:
        payload = {
            **_report(data),
            "describe": _table_json(data.describe(totals=True).T),
            "channels": _table_json(data.channel_breakdown()),
        }
        print(json.dumps(payload, indent=2))
        return 0
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
    """Entry point of ``flo-rfm``; returns the exit code (0 ok, 1 bad input, 2 bad usage)."""
    args = parser().parse_args(argv)
    from flo_rfm.exceptions import FloRfmError

    commands = {"run": _run, "cltv": _cltv, "migrate": _migrate, "describe": _describe, "sample": _sample}
    try:
        if args.command == "report":
            return _html_report(args, argv)
        return commands[args.command](args)
    except (FloRfmError, ValueError, OSError) as e:
        print(f"flo-rfm: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("flo-rfm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
