"""The benchmark harness: flo_rfm against the seeds' pandas code, an idiomatic Polars version
and lifetimes, on the same generated files, each job in its own process.

usage: python bench/run.py [--sizes 100000 1000000 10000000] [--repeats 3] [--cltv-size 1000000]

It writes synthetic FLO files with the project's generator, checks that every implementation
gives the same answers (target files byte for byte, segment counts, CLTV predictions) before
any time counts, and writes bench/RESULTS.md: wall time (median of the repeats), peak memory
(max RSS of the job's process), the time to scan the file's bytes once, and ratios to flo_rfm.
Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
JOBS = HERE / "jobs.py"
RFM_JOBS = ["scan", "rfm-flo_rfm", "rfm-polars", "rfm-pandas"]
TARGETS = ["new_brand_target_customer_id.csv", "discount_target_customer_ids.csv"]


def run_job(job: str, path: Path, out: Path) -> tuple[float, int]:
    """(seconds, peak RSS in bytes) of one job in a fresh process."""
    proc = subprocess.Popen(
        [sys.executable, str(JOBS), job, str(path), str(out)], stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    stdout = proc.stdout.read() if proc.stdout else ""
    if status != 0:
        raise RuntimeError(f"{job} failed on {path} (status {status})")
    seconds = json.loads(stdout.strip().splitlines()[-1])["seconds"]
    return seconds, usage.ru_maxrss * 1024


def check_rfm_answers(outs: dict[str, Path]) -> None:
    ref = outs["rfm-flo_rfm"]
    for job, out in outs.items():
        if job in ("scan", "rfm-flo_rfm"):
            continue
        for name in TARGETS:
            if (out / name).read_bytes() != (ref / name).read_bytes():
                raise AssertionError(f"{job}: {name} differs from flo_rfm's")
    ours = pd.read_csv(ref / "summary.csv", header=[0, 1], index_col=0)
    counts = ours[("recency", "count")]
    theirs = (
        pd.read_csv(outs["rfm-pandas"] / "summary.csv", header=[0, 1], index_col=0)
        if "rfm-pandas" in outs
        else None
    )
    if theirs is not None:
        pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    if "rfm-polars" in outs:
        pl_summary = pd.read_csv(outs["rfm-polars"] / "summary.csv", index_col=0)
        assert (pl_summary["count"].to_numpy() == counts.to_numpy()).all(), "Polars segment counts differ"
        for m in ("recency", "frequency", "monetary"):
            a, b = ours[(m, "mean")].to_numpy(), pl_summary[f"{m}_mean"].to_numpy()
            assert (abs(a - b) <= 1e-9 * abs(a)).all(), f"Polars {m} means differ"


def check_cltv_answers(outs: dict[str, Path]) -> None:
    import numpy as np

    ids = [np.load(outs[j] / "ids.npy", allow_pickle=True) for j in ("cltv-flo_rfm", "cltv-lifetimes")]
    assert (ids[0] == ids[1]).all(), "CLTV customers differ"
    a, b = (np.load(outs[j] / "predictions.npy") for j in ("cltv-flo_rfm", "cltv-lifetimes"))
    rel = float((np.abs(a - b) / np.maximum(np.abs(b), 1e-12)).max())
    assert rel <= 1e-4, f"CLTV predictions differ by {rel:.2e}"


def machine() -> str:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB memory, Python {platform.python_version()}"


def fmt_time(s: float) -> str:
    return f"{s:.2f} s" if s >= 0.1 else f"{s * 1000:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pandas-repeats", type=int, default=1, help="repeats of the (slow) pandas job")
    ap.add_argument("--cltv-size", type=int, default=1_000_000)
    ap.add_argument(
        "--log-sizes",
        type=int,
        nargs="*",
        default=[1_000_000, 10_000_000],
        help="order-log lines for the transaction-summary benchmark",
    )
    ap.add_argument(
        "--models-size",
        type=int,
        default=1_000_000,
        help="customers for the purchase-model fits (issue 9), 0 to skip",
    )
    ap.add_argument(
        "--models-lifetimes-max",
        type=int,
        default=1_000_000,
        help="lifetimes' fits run on at most this many of those customers (its Pareto/NBD is slow)",
    )
    ap.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "flo_rfm_bench")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse RFM timings cached in --data by an earlier run of the same sizes",
    )
    args = ap.parse_args()
    import flo_rfm

    args.data.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    cache = args.data / "rfm_results.json"
    cached = json.loads(cache.read_text()) if args.reuse and cache.exists() else {}
    for n in args.sizes:
        if str(n) in cached:
            rows.append({k: (tuple(v) if isinstance(v, list) else v) for k, v in cached[str(n)].items()})
            continue
        path = args.data / f"flo_{n}.csv"
        if not path.exists():
            flo_rfm.datasets.write_sample(path, n, seed=7)
        size = path.stat().st_size
        outs = {job: args.data / f"out_{n}_{job}" for job in RFM_JOBS}
        results: dict[str, tuple[float, int]] = {}
        for job in RFM_JOBS:
            reps = args.pandas_repeats if job == "rfm-pandas" else args.repeats
            runs = [run_job(job, path, outs[job]) for _ in range(reps)]
            results[job] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
            print(
                f"{n:>10,} {job:<14} {fmt_time(results[job][0]):>10}  peak {results[job][1] / 2**20:,.0f} MiB",
                flush=True,
            )
        check_rfm_answers(outs)
        rows.append({"n": n, "size": size, **{job: results[job] for job in RFM_JOBS}})
        cached[str(n)] = rows[-1]
        cache.write_text(json.dumps(cached))

    cltv: dict[str, tuple[float, int]] = {}
    cltv_cache = args.data / f"cltv_results_{args.cltv_size}.json"
    if args.reuse and args.cltv_size and cltv_cache.exists():
        cltv = {k: tuple(v) for k, v in json.loads(cltv_cache.read_text()).items()}  # type: ignore[misc]
    elif args.cltv_size:
        path = args.data / f"flo_{args.cltv_size}.csv"
        if not path.exists():
            flo_rfm.datasets.write_sample(path, args.cltv_size, seed=7)
        outs = {job: args.data / f"out_cltv_{job}" for job in ("cltv-flo_rfm", "cltv-lifetimes")}
        for job in outs:
            reps = 1 if job == "cltv-lifetimes" else args.repeats
            runs = [run_job(job, path, outs[job]) for _ in range(reps)]
            cltv[job] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
            print(f"{args.cltv_size:>10,} {job:<14} {fmt_time(cltv[job][0]):>10}", flush=True)
        check_cltv_answers(outs)
        cltv_cache.write_text(json.dumps(cltv))
    logs = []
    for n in args.log_sizes:
        path = args.data / f"log_{n}.csv"
        if not path.exists():
            flo_rfm.datasets.write_transactions(path, n, seed=7)
        outs = {
            job: args.data / f"out_log_{n}_{job}" for job in ("log-flo_rfm", "log-polars", "log-lifetimes")
        }
        res = {}
        for job in outs:
            reps = 1 if job == "log-lifetimes" else args.repeats
            runs = [run_job(job, path, outs[job]) for _ in range(reps)]
            res[job] = (statistics.median(r[0] for r in runs), max(r[1] for r in runs))
            print(f"{n:>10,} {job:<14} {fmt_time(res[job][0]):>10}", flush=True)
        check_log_answers(outs)
        logs.append({"n": n, "size": path.stat().st_size, **res})
    models = run_model_fits(args) if args.models_size else []
    write_results(args, rows, cltv, logs, models)


def run_model_fits(args: argparse.Namespace) -> list[dict[str, object]]:
    """Each purchase model fitted by flo_rfm and by lifetimes on the CLTV study's weekly
    (frequency, recency, T); lifetimes on the first ``--models-lifetimes-max`` customers when
    that is fewer (then flo_rfm is timed on both sizes)."""
    import numpy as np

    import flo_rfm

    cache = args.data / f"models_{args.models_size}_{args.models_lifetimes_max}.json"
    if args.reuse and cache.exists():
        return json.loads(cache.read_text())
    csv = args.data / f"flo_{args.models_size}.csv"
    if not csv.exists():
        flo_rfm.datasets.write_sample(csv, args.models_size, seed=7)
    t = flo_rfm.cltv(csv).table
    sizes = sorted({args.models_size, min(args.models_size, args.models_lifetimes_max)})
    for n in sizes:
        np.savez(
            args.data / f"history_{n}.npz",
            frequency=t["frequency"].to_numpy()[:n],
            recency=t["recency_cltv_weekly"].to_numpy()[:n],
            T=t["T_weekly"].to_numpy()[:n],
        )
    out_rows = []
    for model in ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD"):
        row: dict[str, object] = {"model": model}
        for n in sizes:
            impls = ["flo_rfm"] + (["lifetimes"] if n == sizes[0] else [])
            for impl in impls:
                job = f"fit-{impl}-{model}"
                out = args.data / f"out_{job}_{n}"
                reps = 1 if impl == "lifetimes" else args.repeats
                runs = [run_job(job, args.data / f"history_{n}.npz", out) for _ in range(reps)]
                fit = json.loads((out / "fit.json").read_text())
                row[f"{impl}_{n}"] = [statistics.median(r[0] for r in runs), fit["objective"]]
                print(f"{n:>10,} {job:<28} {fmt_time(row[f'{impl}_{n}'][0]):>10}", flush=True)  # type: ignore[index]
        ours, theirs = row[f"flo_rfm_{sizes[0]}"][1], row[f"lifetimes_{sizes[0]}"][1]  # type: ignore[index]
        row["objective_gap"] = ours - theirs
        row["sizes"] = sizes
        out_rows.append(row)
    cache.write_text(json.dumps(out_rows))
    return out_rows


def check_log_answers(outs: dict[str, Path]) -> None:
    import numpy as np

    ids = {j: np.load(o / "ids.npy", allow_pickle=True) for j, o in outs.items()}
    vals = {j: np.load(o / "summary.npy") for j, o in outs.items()}
    ref = "log-lifetimes"
    for j in outs:
        assert (ids[j].astype(str) == ids[ref].astype(str)).all(), f"{j}: customers differ"
        assert (vals[j][:, :3] == vals[ref][:, :3]).all(), f"{j}: frequency/recency/T differ"
        m, r = vals[j][:, 3], vals[ref][:, 3]
        assert (np.abs(m - r) <= 1e-9 * np.abs(r)).all(), f"{j}: monetary_value differs"


def write_results(
    args: argparse.Namespace,
    rows: list[dict[str, object]],
    cltv: dict[str, tuple[float, int]],
    logs: list[dict[str, object]] | None = None,
    models: list[dict[str, object]] | None = None,
) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine()}. Run on {time.strftime('%Y-%m-%d')}.",
        "",
        "Command:",
        "",
        "```bash",
        "python bench/run.py " + " ".join(sys.argv[1:]),
        "```",
        "",
        "Every job runs in its own process on the same generated file; times are the median of "
        f"{args.repeats} runs ({args.pandas_repeats} for pandas), measured inside the process after "
        "its imports; peak memory is the process's maximum RSS. Answers were checked equal "
        "(both target files byte for byte, segment counts and means) before the times were kept.",
        "",
        "## End-to-end RFM (read, prepare, metrics, scores, segments, summary, both target CSVs)",
        "",
        "| customers | file | scan (floor) | flo_rfm | Polars | pandas (seeds) | Polars / flo_rfm | pandas / flo_rfm | flo_rfm / scan | flo_rfm peak | Polars peak | pandas peak | flo_rfm ns/row |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        n, size = int(r["n"]), int(r["size"])  # type: ignore[call-overload]
        scan, flo, pl, pdn = (r[j] for j in RFM_JOBS)  # type: ignore[misc]
        lines.append(
            f"| {n:,} | {size / 2**20:,.0f} MiB | {fmt_time(scan[0])} | {fmt_time(flo[0])} | {fmt_time(pl[0])} | "
            f"{fmt_time(pdn[0])} | {pl[0] / flo[0]:.1f}× | {pdn[0] / flo[0]:.1f}× | {flo[0] / scan[0]:.1f}× | "
            f"{flo[1] / 2**20:,.0f} MiB | {pl[1] / 2**20:,.0f} MiB | {pdn[1] / 2**20:,.0f} MiB | {flo[0] / n * 1e9:,.0f} |"
        )
    if cltv:
        f, lt = cltv["cltv-flo_rfm"], cltv["cltv-lifetimes"]
        lines += [
            "",
            f"## CLTV on {args.cltv_size:,} customers (preparation, both fits, predictions, CLV)",
            "",
            "| flo_rfm | lifetimes | lifetimes / flo_rfm | flo_rfm peak | lifetimes peak |",
            "|---|---|---|---|---|",
            f"| {fmt_time(f[0])} | {fmt_time(lt[0])} | {lt[0] / f[0]:.0f}× | {f[1] / 2**20:,.0f} MiB | {lt[1] / 2**20:,.0f} MiB |",
            "",
            "Predictions (3- and 6-month purchases, expected average value, CLV) agreed to a relative 1e-4.",
        ]
    if logs:
        lines += [
            "",
            "## Order-log summary (issue 8: lifetimes' `summary_data_from_transaction_data`)",
            "",
            "| log lines | file | flo_rfm | Polars | lifetimes | Polars / flo_rfm | lifetimes / flo_rfm | flo_rfm peak |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in logs:
            f, p, lt = r["log-flo_rfm"], r["log-polars"], r["log-lifetimes"]  # type: ignore[misc]
            lines.append(
                f"| {int(r['n']):,} | {int(r['size']) / 2**20:,.0f} MiB | {fmt_time(f[0])} | {fmt_time(p[0])} | "  # type: ignore[call-overload]
                f"{fmt_time(lt[0])} | {p[0] / f[0]:.1f}× | {lt[0] / f[0]:.1f}× | {f[1] / 2**20:,.0f} MiB |"
            )
        lines += [
            "",
            "frequency, recency and T equal lifetimes' exactly; monetary_value to 1e-9 (Polars sums in its own order).",
        ]
    if models:
        sizes = models[0]["sizes"]
        small, big = sizes[0], sizes[-1]  # type: ignore[index]
        head = f"| model | lifetimes, {small:,} | flo_rfm, {small:,} | lifetimes / flo_rfm |"
        rule = "|---|---|---|---|"
        if big != small:
            head += f" flo_rfm, {big:,} |"
            rule += "---|"
        lines += [
            "",
            "## Purchase-model fits (issue 9: the CLTV study's weekly history, penalizer 0.001)",
            "",
            head + " objective, flo_rfm − lifetimes |",
            rule + "---|",
        ]
        for r in models:
            lt, fl = r[f"lifetimes_{small}"], r[f"flo_rfm_{small}"]  # type: ignore[index]
            cells = f"| {r['model']} | {fmt_time(lt[0])} | {fmt_time(fl[0])} | {lt[0] / fl[0]:.1f}× |"  # type: ignore[index]
            if big != small:
                cells += f" {fmt_time(r[f'flo_rfm_{big}'][0])} |"  # type: ignore[index]
            lines.append(cells + f" {r['objective_gap']:.3g} |")
        lines += [
            "",
            "Objectives are lifetimes' own (`_negative_log_likelihood_`): a mean for the BG/NBD family, a "
            "sum for the Pareto/NBD; a negative gap means flo_rfm's optimum is the better one.",
        ]
    lines += ["", "## Against the targets (issue 6, on the largest file)", ""]
    if rows:
        big = max(rows, key=lambda r: int(r["n"]))  # type: ignore[call-overload]
        small = min(rows, key=lambda r: int(r["n"]))  # type: ignore[call-overload]
        scan, flo, pl, pdn = (big[j] for j in RFM_JOBS)  # type: ignore[misc]
        per_row = lambda r: r["rfm-flo_rfm"][0] / int(r["n"])  # noqa: E731
        checks = [
            ("RFM ≥ 30× faster than the seeds' pandas", pdn[0] / flo[0], 30, True),
            ("RFM ≥ 2× faster than Polars", pl[0] / flo[0], 2, True),
            ("RFM ≤ 3× the raw scan", flo[0] / scan[0], 3, False),
            ("peak memory ≤ the CSV's size (ratio)", flo[1] / int(big["size"]), 1, False),  # type: ignore[call-overload]
            ("time per row, largest / smallest file (linear = 1)", per_row(big) / per_row(small), 1.5, False),
        ]
        if cltv:
            checks.append(
                (
                    "CLTV ≥ 50× faster than lifetimes",
                    cltv["cltv-lifetimes"][0] / cltv["cltv-flo_rfm"][0],
                    50,
                    True,
                )
            )
        lines += ["| target | measured | met |", "|---|---|---|"]
        for name, value, bound, higher in checks:
            met = value >= bound if higher else value <= bound
            lines.append(f"| {name} | {value:.2f} | {'yes' if met else 'no'} |")
    notes = HERE / "NOTES.md"
    if notes.exists():  # the profile and what it explains, written by hand
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    dask_section = HERE / "DASK.md"
    if dask_section.exists():  # written by bench/dask_scaling.py
        lines += [
            "",
            "<!-- dask:start -->",
            dask_section.read_text(encoding="utf-8").rstrip(),
            "<!-- dask:end -->",
        ]
    args.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
