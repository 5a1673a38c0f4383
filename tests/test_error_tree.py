"""Every error the public API raises is a class of ``flo_rfm.exceptions``, and of the builtin kind
its documentation names (``ValueError`` for bad data or values, ``TypeError`` for a wrong type,
the ``OSError`` kind for files, ``RuntimeError`` for a fit that does not converge).

The cases are the documented ones: the docstrings' ``Raises`` sections, README.md's
"What is computed, exactly" and docs/bad_input.md, plus a wrong value or type for each public
argument that is checked. Each case is one test, named by its id.
"""

from __future__ import annotations

import errno
import importlib
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

import flo_rfm
from flo_rfm import exceptions as E

PACKAGE = Path(flo_rfm.__file__).resolve().parent

#: The builtin base each class of the tree must have (exceptions.py's docstring).
TREE = {
    E.InputError: ValueError,
    E.MissingColumnsError: ValueError,
    E.MissingValuesError: ValueError,
    E.BinEdgesError: ValueError,
    E.SegmentMapError: ValueError,
    E.InvalidArgumentError: ValueError,
    E.OutputIsInputError: ValueError,
    E.ArgumentTypeError: TypeError,
    E.ConvergenceError: RuntimeError,
    E.MissingDependencyError: ImportError,
    E.FileError: OSError,
    E.FileMissingError: FileNotFoundError,
    E.FileAccessError: PermissionError,
    E.IsAFolderError: IsADirectoryError,
}


class Env:
    """What the cases need, built once: files good and bad, data, results and fitted models."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.raw = flo_rfm.datasets.sample_frame(20, seed=3)
        self.csv = self._frame_csv("good.csv", self.raw)
        self.missing = str(tmp / "no_such_file.csv")
        self.folder = tmp / "a_folder"
        self.folder.mkdir()
        self.data = flo_rfm.datasets.sample(500)
        self.rfm = flo_rfm.rfm(self.data)
        self.cltv = flo_rfm.cltv(flo_rfm.datasets.sample(2000))
        self.history = ([0, 2, 5, 1, 3], [0, 10, 30, 4, 20], [40, 40, 40, 30, 35])
        self.bgf = flo_rfm.BetaGeo(0.01).fit(*self.history)  # no time unit
        self.bgf_weeks = flo_rfm.BetaGeo(0.01).fit(*self.history, time_unit="W")
        self.ggf = flo_rfm.GammaGamma(0.01).fit([2, 3, 5, 2, 4], [90.0, 120.0, 95.0, 80.0, 100.0])
        self.log = flo_rfm.datasets.sample_transactions(200, seed=4)
        self.log_csv = flo_rfm.datasets.write_transactions(str(tmp / "log.csv"), lines=50, seed=1)
        self.holdout = flo_rfm.calibration_holdout(
            self.log, "master_id", "date", "2020-12-01", observation_period_end="2021-06-01", freq="W"
        )

    def _frame_csv(self, name: str, df: pd.DataFrame) -> str:
        path = self.tmp / name
        df.to_csv(path, index=False)
        return str(path)

    def bad_field(self, name: str, column: str, text: str) -> str:
        """The sample with one field of line 3 (the second row) replaced by ``text``."""
        df = self.raw.astype({column: object}).copy()
        df.loc[1, column] = text
        return self._frame_csv(name, df)

    def write(self, name: str, data: bytes) -> str:
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)

    def zipped(self) -> str:
        path = self.tmp / "flo.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("flo.csv", Path(self.csv).read_bytes())
        return str(path)

    def turkish(self) -> str:
        df = self.raw.copy()
        df.loc[0, "interested_in_categories_12"] = "[ÇOCUK, KADIN]"
        path = self.tmp / "cp1254.csv"
        path.write_bytes(df.to_csv(index=False).encode("cp1254"))
        return str(path)

    def input_named(self, folder: str, name: str) -> str:
        """A customer file named as one of the outputs, in a folder of its own."""
        (self.tmp / folder).mkdir(exist_ok=True)
        return self._frame_csv(f"{folder}/{name}", self.raw)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Env:
    return Env(tmp_path_factory.mktemp("error_tree"))


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[Env], Any]
    expected: type[E.FloRfmError]
    base: type[BaseException]


def _cli_run(*argv: str) -> Any:
    from flo_rfm import cli

    return cli._run(cli.parser().parse_args(["run", *argv]))


def _segment_map(bad: object) -> Callable[[Env], Any]:
    return lambda e: flo_rfm.rfm(e.data, segment_map=bad)


IE, AE, TE = E.InputError, E.InvalidArgumentError, E.ArgumentTypeError

CASES = [
    # --- reading a customer file (read_csv's Raises, docs/bad_input.md) ---------------------------
    Case(
        "read_csv-missing-file", lambda e: flo_rfm.read_csv(e.missing), E.FileMissingError, FileNotFoundError
    ),
    Case(
        "read_csv-missing-file-with-progress",
        lambda e: flo_rfm.read_csv(e.missing, progress=True),
        E.FileMissingError,
        FileNotFoundError,
    ),
    Case("read_csv-a-folder", lambda e: flo_rfm.read_csv(e.folder), E.IsAFolderError, IsADirectoryError),
    Case("read_csv-not-a-path", lambda e: flo_rfm.read_csv(123), TE, TypeError),
    Case(
        "read_csv-missing-columns",
        lambda e: flo_rfm.read_csv(e._frame_csv("cols.csv", e.raw.drop(columns=["master_id"]))),
        E.MissingColumnsError,
        ValueError,
    ),
    Case("read_csv-empty-file", lambda e: flo_rfm.read_csv(e.write("empty.csv", b"")), IE, ValueError),
    Case(
        "read_csv-wrong-field-count",
        lambda e: flo_rfm.read_csv(e.write("short.csv", Path(e.csv).read_bytes() + b"a,b\n")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-invalid-utf8",
        lambda e: flo_rfm.read_csv(
            e.write("utf8.csv", Path(e.csv).read_bytes().replace(b"[KADIN]", b"[KAD\xffN]", 1))
        ),
        IE,
        ValueError,
    ),
    Case("read_csv-turkish-export-without-encoding", lambda e: flo_rfm.read_csv(e.turkish()), IE, ValueError),
    Case(
        "read_csv-impossible-date",
        lambda e: flo_rfm.read_csv(e.bad_field("date.csv", "first_order_date", "2021-13-45")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-last-order-before-first",
        lambda e: flo_rfm.read_csv(e.bad_field("order.csv", "last_order_date", "2000-01-01")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-negative-count",
        lambda e: flo_rfm.read_csv(e.bad_field("neg.csv", "order_num_total_ever_online", "-1")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-fractional-count",
        lambda e: flo_rfm.read_csv(e.bad_field("frac.csv", "order_num_total_ever_online", "4.5")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-non-numeric-money",
        lambda e: flo_rfm.read_csv(e.bad_field("money.csv", "customer_value_total_ever_online", "four")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-infinite-money",
        lambda e: flo_rfm.read_csv(e.bad_field("inf.csv", "customer_value_total_ever_online", "inf")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-empty-id",
        lambda e: flo_rfm.read_csv(e.bad_field("id.csv", "master_id", "")),
        IE,
        ValueError,
    ),
    Case(
        "read_csv-duplicated-id",
        lambda e: flo_rfm.read_csv(e.bad_field("dup.csv", "master_id", e.raw.loc[0, "master_id"])),
        IE,
        ValueError,
    ),
    Case("read_csv-zip-archive", lambda e: flo_rfm.read_csv(e.zipped()), IE, ValueError),
    Case(
        "read_csv-required-column-twice",
        lambda e: flo_rfm.read_csv(
            e.write(
                "twice.csv",
                "\n".join(
                    line + (",master_id" if i == 0 else ",x")
                    for i, line in enumerate(Path(e.csv).read_text().splitlines())
                ).encode(),
            )
        ),
        IE,
        ValueError,
    ),
    Case("read_csv-bad-on_bad_rows", lambda e: flo_rfm.read_csv(e.csv, on_bad_rows="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("read_csv-bad-duplicates", lambda e: flo_rfm.read_csv(e.csv, duplicates="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("read_csv-unknown-encoding", lambda e: flo_rfm.read_csv(e.csv, encoding="nope"), AE, ValueError),
    Case("read_csv-long-delimiter", lambda e: flo_rfm.read_csv(e.csv, delimiter=";;"), AE, ValueError),
    Case(
        "from_pandas-missing-columns",
        lambda e: flo_rfm.from_pandas(e.raw.drop(columns=["last_order_date"])),
        E.MissingColumnsError,
        ValueError,
    ),
    Case(
        "from_pandas-bad-field",
        lambda e: flo_rfm.from_pandas(e.raw.assign(order_num_total_ever_online=-1.0)),
        IE,
        ValueError,
    ),
    Case("from_pandas-not-a-frame", lambda e: flo_rfm.from_pandas(123), TE, TypeError),  # type: ignore[arg-type]
    Case("prepare-not-a-source", lambda e: flo_rfm.prepare(123), TE, TypeError),
    Case("top-unknown-column", lambda e: e.data.top(by="x"), AE, ValueError),
    # --- rfm (segments) -------------------------------------------------------------------------
    Case("rfm-not-a-source", lambda e: flo_rfm.rfm(123), TE, TypeError),
    Case("rfm-unknown-read-option", lambda e: flo_rfm.rfm(e.raw, bogus=1), TE, TypeError),
    Case("rfm-q-zero", lambda e: flo_rfm.rfm(e.data, q=0), AE, ValueError),
    Case("rfm-q-not-a-count-or-list", lambda e: flo_rfm.rfm(e.data, q=2.5), TE, TypeError),  # type: ignore[arg-type]
    Case("rfm-q-probability-not-a-number", lambda e: flo_rfm.rfm(e.data, q=["a", "b"]), AE, ValueError),  # type: ignore[list-item]
    Case(
        "rfm-equal-bin-edges", lambda e: flo_rfm.rfm(e.data, q=[0, 0.5, 0.5, 1]), E.BinEdgesError, ValueError
    ),
    Case("rfm-bad-duplicates", lambda e: flo_rfm.rfm(e.data, duplicates="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("rfm-bad-segment_on", lambda e: flo_rfm.rfm(e.data, segment_on="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("rfm-labels-wrong-count", lambda e: flo_rfm.rfm(e.data, labels=([1], [2], [3])), AE, ValueError),
    Case("rfm-labels-not-lists", lambda e: flo_rfm.rfm(e.data, labels=5), TE, TypeError),  # type: ignore[arg-type]
    Case("rfm-segment-map-look-around", _segment_map({"(?=1)1": "x"}), E.SegmentMapError, ValueError),
    Case("rfm-segment-map-not-pairs", _segment_map(["abc"]), AE, ValueError),
    Case("rfm-segment-map-not-text", _segment_map({1: "x"}), TE, TypeError),
    Case(
        "rfm-analysis-date-not-a-date", lambda e: flo_rfm.rfm(e.data, analysis_date="someday"), AE, ValueError
    ),
    Case("rfm-analysis-date-wrong-type", lambda e: flo_rfm.rfm(e.data, analysis_date=[1]), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "rfm-last-order-after-analysis-date",
        lambda e: flo_rfm.rfm(e.data, analysis_date="2000-01-01"),
        AE,
        ValueError,
    ),
    Case("select-bad-match", lambda e: e.rfm.select(categories="KADIN", match="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("select-bad-combine", lambda e: e.rfm.select(categories="KADIN", combine="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("select-unknown-bound", lambda e: e.rfm.select(bounds={"x": (1, 2)}), AE, ValueError),
    Case("select-bound-not-a-pair", lambda e: e.rfm.select(bounds={"recency": 5}), TE, TypeError),  # type: ignore[dict-item]
    Case(
        "select-bound-not-a-number", lambda e: e.rfm.select(bounds={"recency": ("a", None)}), AE, ValueError
    ),  # type: ignore[dict-item]
    Case("select-segments-not-text", lambda e: e.rfm.select(segments=[1]), TE, TypeError),  # type: ignore[list-item]
    Case("select-min-aov-not-a-number", lambda e: e.rfm.select(min_average_order_value="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("targets-bad-match", lambda e: e.rfm.new_brand_targets("x"), AE, ValueError),  # type: ignore[arg-type]
    Case("write_targets-not-a-path", lambda e: e.rfm.write_targets(5), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "write_targets-over-an-input",
        lambda e: flo_rfm.rfm(
            e.input_named("targets_over", "new_brand_target_customer_id.csv")
        ).write_targets(str(e.tmp / "targets_over")),
        E.OutputIsInputError,
        ValueError,
    ),
    # --- run (pipeline) and the command line ------------------------------------------------------
    Case("run-bad-format", lambda e: flo_rfm.run(e.data, str(e.tmp / "run_fmt"), format="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("run-bad-match", lambda e: flo_rfm.run(e.data, match="x").new_brand_targets, AE, ValueError),  # type: ignore[arg-type]
    Case(
        "run-write-over-an-input",
        lambda e: flo_rfm.run(e.input_named("run_over", "discount_target_customer_ids.csv")).write(
            str(e.tmp / "run_over")
        ),
        E.OutputIsInputError,
        ValueError,
    ),
    Case("cli-plots-without-out", lambda e: _cli_run("--plots"), AE, ValueError),
    # --- cltv and the models (clv) ----------------------------------------------------------------
    Case("cltv-bad-frequency", lambda e: flo_rfm.cltv(e.data, frequency="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("cltv-months-zero", lambda e: flo_rfm.cltv(e.data, months=0), AE, ValueError),
    Case("cltv-months-not-a-number", lambda e: flo_rfm.cltv(e.data, months="x"), AE, ValueError),  # type: ignore[arg-type]
    Case("cltv-segments-zero", lambda e: flo_rfm.cltv(e.data, segments=0), AE, ValueError),
    Case("cltv-analysis-date-not-a-date", lambda e: flo_rfm.cltv(e.data, analysis_date="x"), AE, ValueError),
    Case(
        "cltv-write-bad-format", lambda e: e.cltv.write(str(e.tmp / "cltv_fmt"), format="x"), AE, ValueError
    ),
    Case("cltv-write-not-a-path", lambda e: e.cltv.write(5), TE, TypeError),  # type: ignore[arg-type]
    Case("model-not-fitted", lambda e: flo_rfm.BetaGeo().params_, AE, ValueError),
    Case("model-penalizer-not-a-number", lambda e: flo_rfm.BetaGeo("x"), AE, ValueError),  # type: ignore[arg-type]
    Case("fit-bad-time-unit", lambda e: flo_rfm.BetaGeo().fit(*e.history, time_unit="Y"), AE, ValueError),  # type: ignore[arg-type]
    Case("fit-values-not-numbers", lambda e: flo_rfm.BetaGeo().fit(["a"], [1], [2]), AE, ValueError),
    Case("fit-arrays-not-numbers", lambda e: flo_rfm.BetaGeo().fit({"a": 1}, [1], [2]), TE, TypeError),  # type: ignore[arg-type]
    Case("fit-lengths-differ", lambda e: flo_rfm.BetaGeo().fit([1, 2], [1], [2]), AE, ValueError),
    Case("fit-recency-above-T", lambda e: flo_rfm.BetaGeo().fit([1], [3], [2]), AE, ValueError),
    Case(
        "fit-does-not-converge",
        lambda e: flo_rfm.BetaGeo().fit([3], [10], [10]),  # a runs to 0, b to infinity
        E.ConvergenceError,
        RuntimeError,
    ),
    Case(
        "gamma-gamma-spend-not-positive", lambda e: flo_rfm.GammaGamma().fit([1, 2], [-1, 2]), AE, ValueError
    ),
    Case(
        "palive-negative-future_t",
        lambda e: e.bgf.conditional_probability_alive([1], [1], [2], future_t=-1),
        AE,
        ValueError,
    ),
    Case("predict-t-not-a-number", lambda e: e.bgf.predict("x", [1], [1], [2]), AE, ValueError),  # type: ignore[arg-type]
    Case(
        "clv-time-unit-unknown",
        lambda e: e.ggf.customer_lifetime_value(e.bgf, [1], [1], [2], [10.0]),
        AE,
        ValueError,
    ),
    Case(
        "clv-time-unit-differs-from-the-fit",
        lambda e: e.ggf.customer_lifetime_value(e.bgf_weeks, [1], [1], [2], [10.0], freq="D"),
        AE,
        ValueError,
    ),
    Case(
        "clv-not-a-purchase-model",
        lambda e: e.ggf.customer_lifetime_value("x", [1], [1], [2], [10.0], freq="W"),  # type: ignore[arg-type]
        TE,
        TypeError,
    ),
    Case(
        "clv-time-zero",
        lambda e: e.ggf.customer_lifetime_value(e.bgf_weeks, [1], [1], [2], [10.0], time=0),
        AE,
        ValueError,
    ),
    Case(
        "covariance-of-a-loaded-model",
        lambda e: (
            flo_rfm.GammaGamma.from_json(
                '{"model": "GammaGamma", "penalizer_coef": 0.01, "params": {"p": 4.0, "q": 0.5, "v": 4.0}}'
            ).variance_matrix_
        ),
        AE,
        ValueError,
    ),
    Case("from_json-another-model", lambda e: flo_rfm.BetaGeo.from_json(e.ggf.to_json()), IE, ValueError),
    Case("from_json-not-json", lambda e: flo_rfm.BetaGeo.from_json("{"), IE, ValueError),
    Case(
        "from_json-no-parameters", lambda e: flo_rfm.BetaGeo.from_json('{"model": "BetaGeo"}'), IE, ValueError
    ),
    Case("from_json-not-text", lambda e: flo_rfm.BetaGeo.from_json(5), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "load-missing-file", lambda e: flo_rfm.BetaGeo.load(e.missing), E.FileMissingError, FileNotFoundError
    ),
    Case("load-a-folder", lambda e: flo_rfm.BetaGeo.load(e.folder), E.IsAFolderError, IsADirectoryError),
    Case("save-not-a-path", lambda e: e.ggf.save(5), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "bootstrap-unknown-model",
        lambda e: flo_rfm.bootstrap_clv([1], [1], [2], [1], freq="W", model="x"),  # type: ignore[arg-type]
        AE,
        ValueError,
    ),
    Case(
        "bootstrap-unknown-freq",
        lambda e: flo_rfm.bootstrap_clv([1], [1], [2], [1], freq="Y"),  # type: ignore[arg-type]
        AE,
        ValueError,
    ),
    Case(
        "bootstrap-one-replicate",
        lambda e: flo_rfm.bootstrap_clv(*e.history, [1, 2, 3, 4, 5], freq="W", replicates=1),
        AE,
        ValueError,
    ),
    Case(
        "bootstrap-negative-replicates",
        lambda e: flo_rfm.bootstrap_clv(*e.history, [1, 2, 3, 4, 5], freq="W", replicates=-1),
        AE,
        ValueError,
    ),
    Case(
        "bootstrap-level-above-one",
        lambda e: flo_rfm.bootstrap_clv(*e.history, [1, 2, 3, 4, 5], freq="W", level=2),
        AE,
        ValueError,
    ),
    # --- order logs (transactions) ---------------------------------------------------------------
    Case("summarize-not-a-source", lambda e: flo_rfm.summarize_transactions(123, "a", "b"), TE, TypeError),
    Case(
        "summarize-missing-column",
        lambda e: flo_rfm.summarize_transactions(e.log, "x", "date"),
        E.MissingColumnsError,
        ValueError,
    ),
    Case(
        "summarize-missing-file",
        lambda e: flo_rfm.summarize_transactions(e.missing, "customer_id", "date"),
        E.FileMissingError,
        FileNotFoundError,
    ),
    Case(
        "summarize-bad-freq",
        lambda e: flo_rfm.summarize_transactions(e.log, "master_id", "date", freq="X"),  # type: ignore[arg-type]
        AE,
        ValueError,
    ),
    Case(
        "summarize-end-not-a-date",
        lambda e: flo_rfm.summarize_transactions(e.log, "master_id", "date", observation_period_end="x"),
        AE,
        ValueError,
    ),
    Case(
        "summarize-column-name-not-text",
        lambda e: flo_rfm.summarize_transactions(e.log_csv, 5, "date"),  # type: ignore[arg-type]
        TE,
        TypeError,
    ),
    Case(
        "calibration_holdout-end-not-a-date",
        lambda e: flo_rfm.calibration_holdout(e.log, "master_id", "date", "x"),
        AE,
        ValueError,
    ),
    Case(
        "calibration_holdout-no-holdout-period",
        lambda e: flo_rfm.calibration_holdout(e.log, "master_id", "date", "2030-01-01", "2021-01-01"),
        AE,
        ValueError,
    ),
    Case(
        "customers_from_transactions-missing-column",
        lambda e: flo_rfm.customers_from_transactions(e.log, "master_id", "date", "amount", "x"),
        E.MissingColumnsError,
        ValueError,
    ),
    Case(
        "customers_from_transactions-bad-on_bad_rows",
        lambda e: flo_rfm.customers_from_transactions(
            e.log,
            "master_id",
            "date",
            "amount",
            "channel",
            on_bad_rows="x",  # type: ignore[arg-type]
        ),
        AE,
        ValueError,
    ),
    # --- holdout validation ---------------------------------------------------------------------
    Case(
        "holdout-missing-columns",
        lambda e: flo_rfm.holdout_validation(e.bgf, pd.DataFrame({"a": [1]})),
        E.MissingColumnsError,
        ValueError,
    ),
    Case(
        "holdout-spend-check-without-spend-columns",
        lambda e: flo_rfm.holdout_validation(e.bgf, e.holdout, spend_model=e.ggf),
        E.MissingColumnsError,
        ValueError,
    ),
    Case("holdout-not-a-model", lambda e: flo_rfm.holdout_validation("x", e.holdout), TE, TypeError),  # type: ignore[arg-type]
    Case("holdout-not-a-table", lambda e: flo_rfm.holdout_validation(e.bgf, 5), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "cumulative-t-zero",
        lambda e: flo_rfm.cumulative_transactions(e.bgf, e.log, "master_id", "date", t=0),
        AE,
        ValueError,
    ),
    Case(
        "cumulative-missing-column",
        lambda e: flo_rfm.cumulative_transactions(e.bgf, e.log, "x", "date", t=5),
        E.MissingColumnsError,
        ValueError,
    ),
    Case(
        "cumulative-bad-freq",
        lambda e: flo_rfm.cumulative_transactions(e.bgf, e.log, "master_id", "date", t=5, freq="XX"),
        AE,
        ValueError,
    ),
    Case(
        "error_metrics-lengths-differ",
        lambda e: flo_rfm.clv.validation.error_metrics([1.0, 2.0], [1.0]),
        AE,
        ValueError,
    ),
    # --- writing files (output) -----------------------------------------------------------------
    Case(
        "write_csv-over-an-input",
        lambda e: flo_rfm.write_csv(e.raw, e.csv, inputs=[e.csv]),
        E.OutputIsInputError,
        ValueError,
    ),
    Case("write_csv-not-a-frame", lambda e: flo_rfm.write_csv(5, str(e.tmp / "x.csv")), TE, TypeError),  # type: ignore[arg-type]
    Case("write_csv-not-a-path", lambda e: flo_rfm.write_csv(e.raw, 5), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "write_ids-missing-id",
        lambda e: flo_rfm.write_ids(pd.Series(["a", None]), str(e.tmp / "ids.csv")),
        AE,
        ValueError,
    ),
    Case("write_ids-not-a-series", lambda e: flo_rfm.write_ids(5, str(e.tmp / "ids.csv")), TE, TypeError),  # type: ignore[arg-type]
    Case(
        "write_ids-folder-is-a-file",
        lambda e: flo_rfm.write_ids(pd.Series(["a"]), f"{e.csv}/ids.csv"),
        E.FileError,
        OSError,
    ),
    # --- the built-in sample (datasets) ---------------------------------------------------------
    Case("sample-negative-size", lambda e: flo_rfm.datasets.sample(-1), AE, ValueError),
    Case("sample-size-not-a-number", lambda e: flo_rfm.datasets.sample("x"), TE, TypeError),  # type: ignore[arg-type]
    Case("sample-negative-seed", lambda e: flo_rfm.datasets.sample_bytes(5, seed=-1), AE, ValueError),
    Case("write_sample-not-a-path", lambda e: flo_rfm.datasets.write_sample(5, 5), TE, TypeError),  # type: ignore[arg-type]
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_documented_error_is_in_the_tree(case: Case, env: Env) -> None:
    _check(_raised(case.call, env), case.expected, case.base)


def _raised(call: Callable[..., Any], *args: Any) -> Exception:
    """The exception ``call(*args)`` raises (a skip passes through); a failure if there is none."""
    try:
        call(*args)
    except Exception as err:
        return err
    pytest.fail("DID NOT RAISE")


def _check(err: BaseException, expected: type[E.FloRfmError], base: type[BaseException]) -> None:
    what = f"{type(err).__module__}.{type(err).__qualname__}: {err}"
    assert isinstance(err, E.FloRfmError), f"not a flo_rfm.exceptions class: {what}"
    assert isinstance(err, expected), f"expected {expected.__name__}, got {what}"
    assert isinstance(err, base), f"expected a {base.__name__}, got {what}"


@pytest.mark.parametrize(
    ("call", "code", "expected"),
    [
        pytest.param(
            lambda e: flo_rfm.read_csv(e.missing), errno.ENOENT, E.FileMissingError, id="read_csv-missing"
        ),
        pytest.param(
            lambda e: flo_rfm.read_csv(e.folder), errno.EISDIR, E.IsAFolderError, id="read_csv-folder"
        ),
        pytest.param(
            lambda e: flo_rfm.BetaGeo.load(e.missing), errno.ENOENT, E.FileMissingError, id="load-missing"
        ),
        pytest.param(
            lambda e: flo_rfm.BetaGeo.load(e.folder), errno.EISDIR, E.IsAFolderError, id="load-folder"
        ),
    ],
)
def test_file_errors_carry_errno_and_filename(
    call: Callable[[Env], Any], code: int, expected: type, env: Env
) -> None:
    err = _raised(call, env)
    _check(err, expected, OSError)
    assert err.errno == code, f"errno {err.errno!r}, expected {errno.errorcode[code]}"
    assert err.filename is not None and Path(err.filename) == Path(
        env.missing if code == errno.ENOENT else env.folder
    )


# --- the optional extras ------------------------------------------------------------------------


def test_plot_without_matplotlib_is_a_missing_dependency(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    import flo_rfm.plot as fplot

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # import fails as if not installed
    _check(_raised(fplot.segment_sizes, env.rfm), E.MissingDependencyError, ImportError)


def test_dask_without_dask_is_a_missing_dependency(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "flo_rfm.dask" or m.startswith("flo_rfm.dask.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    _check(_raised(importlib.import_module, "flo_rfm.dask"), E.MissingDependencyError, ImportError)


def _plot_cases() -> list[Any]:
    def fplot() -> Any:
        pytest.importorskip("matplotlib")
        import flo_rfm.plot

        return flo_rfm.plot

    cases = [
        ("plot-segment_grid-not-a-result", lambda e: fplot().segment_grid(5), TE, TypeError),
        ("plot-cltv_by_segment-not-a-result", lambda e: fplot().cltv_by_segment(e.rfm), TE, TypeError),
        (
            "plot-probability_alive-not-fitted",
            lambda e: fplot().probability_alive_matrix(flo_rfm.BetaGeo()),
            AE,
            ValueError,
        ),
        (
            "plot-probability_alive-not-a-model",
            lambda e: fplot().probability_alive_matrix(e.ggf),
            TE,
            TypeError,
        ),
        (
            "plot-rfm_distributions-zero-bins",
            lambda e: fplot().rfm_distributions(e.rfm, bins=0),
            AE,
            ValueError,
        ),
        (
            "plot-tracking-missing-column",
            lambda e: fplot().tracking(pd.DataFrame({"actual": [1.0]})),
            E.MissingColumnsError,
            ValueError,
        ),
        ("plot-holdout-not-a-validation", lambda e: fplot().holdout_purchases(e.holdout), TE, TypeError),
    ]
    return [pytest.param(Case(*c), id=c[0]) for c in cases]


@pytest.mark.parametrize("case", _plot_cases())
def test_plot_error_is_in_the_tree(case: Case, env: Env) -> None:
    _check(_raised(case.call, env), case.expected, case.base)


def _dask_cases() -> list[Any]:
    def dd() -> Any:
        return pytest.importorskip("dask.dataframe")

    def fdask() -> Any:
        pytest.importorskip("dask.dataframe")
        import flo_rfm.dask

        return flo_rfm.dask

    def frame(e: Env, raw: pd.DataFrame | None = None) -> Any:
        return dd().from_pandas(e.raw if raw is None else raw, npartitions=2)

    def repeated(e: Env) -> pd.DataFrame:
        raw = e.raw.copy()
        raw.loc[len(raw) - 1, "master_id"] = raw.loc[0, "master_id"]
        return raw

    cases = [
        ("dask-run-not-a-frame", lambda e: fdask().run(e.raw), TE, TypeError),
        ("dask-run-q-zero", lambda e: fdask().run(frame(e), q=0), AE, ValueError),
        (
            "dask-run-bad-format",
            lambda e: fdask().run(frame(e), str(e.tmp / "d"), format="x"),
            AE,
            ValueError,
        ),
        (
            "dask-run-analysis-date-not-a-date",
            lambda e: fdask().run(frame(e), analysis_date="x"),
            AE,
            ValueError,
        ),
        (
            "dask-run-bad-row-names-its-partition",
            lambda e: fdask().run(frame(e, e.raw.assign(order_num_total_ever_online=-1.0))),
            IE,
            ValueError,
        ),
        (
            "dask-run-id-repeated-across-partitions",
            lambda e: fdask().run(frame(e, repeated(e))),
            IE,
            ValueError,
        ),
        ("dask-cltv-bad-frequency", lambda e: fdask().cltv(frame(e), frequency="x"), AE, ValueError),
        ("dask-cltv-months-zero", lambda e: fdask().cltv(frame(e), months=0), AE, ValueError),
        ("dask-cltv-segments-zero", lambda e: fdask().cltv(frame(e), segments=0), AE, ValueError),
        (
            "dask-summarize-bad-freq",
            lambda e: fdask().summarize_transactions(
                dd().from_pandas(e.log, npartitions=2), "master_id", "date", freq="X"
            ),
            AE,
            ValueError,
        ),
        (
            "dask-summarize-not-a-frame",
            lambda e: fdask().summarize_transactions(e.log, "master_id", "date"),
            TE,
            TypeError,
        ),
    ]
    return [pytest.param(Case(*c), id=c[0]) for c in cases]


@pytest.mark.parametrize("case", _dask_cases())
def test_dask_error_is_in_the_tree(case: Case, env: Env) -> None:
    _check(_raised(case.call, env), case.expected, case.base)


# --- the tree itself, and no builtin raised by name in the package --------------------------------


@pytest.mark.parametrize("cls", [pytest.param(c, id=c.__name__) for c in TREE])
def test_every_class_has_its_builtin_base(cls: type) -> None:
    assert issubclass(cls, E.FloRfmError) and issubclass(cls, TREE[cls])
    assert cls.__name__ in E.__all__


def test_the_tree_lists_every_class() -> None:
    # ... and the one warning class, a UserWarning (not an error).
    assert issubclass(E.AssumptionWarning, UserWarning) and not issubclass(E.AssumptionWarning, E.FloRfmError)
    assert sorted(E.__all__) == sorted(["FloRfmError", "AssumptionWarning", *(c.__name__ for c in TREE)])


BUILTIN_RAISE = re.compile(
    r"\braise\s+(ValueError|TypeError|ImportError|ModuleNotFoundError|KeyError|IndexError|RuntimeError|"
    r"OSError|IOError|FileNotFoundError|PermissionError|IsADirectoryError|NotADirectoryError|"
    r"FileExistsError|AttributeError|LookupError|ArithmeticError|OverflowError|AssertionError|"
    r"NotImplementedError|Exception)\b"
)


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(PACKAGE))) for p in sorted(PACKAGE.rglob("*.py"))],
)
def test_no_builtin_exception_is_raised_by_name(path: Path) -> None:
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BUILTIN_RAISE.search(line) and not line.lstrip().startswith(("#", ">>>"))
    ]
    assert not hits, "raise a flo_rfm.exceptions class instead:\n" + "\n".join(hits)
