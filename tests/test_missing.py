"""Missing values are never silent: customers whose date, count or money value is missing are
kept (as pandas keeps them), counted and reported with their lines, or refused on request.

The expected lines come from pandas reading the same file (``isna`` per column)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flo_rfm
from flo_rfm.cli import main
from flo_rfm.exceptions import InputError, InvalidArgumentError, MissingValuesError

STUDY_COLUMNS = [
    "first_order_date",
    "last_order_date",
    "order_num_total_ever_online",
    "order_num_total_ever_offline",
    "customer_value_total_ever_offline",
    "customer_value_total_ever_online",
]
SPELLINGS = ["", "nan", "NA", "NaN", "null"]


def with_gaps(
    real_path: Path, tmp_path: Path, seed: int, rows: int = 600
) -> tuple[Path, dict[str, list[int]]]:
    """The real file's first rows with values removed at random places, and pandas' view of them."""
    rng = random.Random(seed)
    lines = real_path.read_text(encoding="utf-8").splitlines()[: rows + 1]
    header = lines[0].split(",")
    cells = [line.split(",") for line in lines[1:]]
    for _ in range(rng.randint(1, 25)):
        row = rng.randrange(len(cells))
        col = header.index(rng.choice(STUDY_COLUMNS))
        cells[row][col] = rng.choice(SPELLINGS)
    path = tmp_path / f"gaps_{seed}.csv"
    path.write_text("\n".join([lines[0], *(",".join(c) for c in cells)]) + "\n", encoding="utf-8")
    df = pd.read_csv(path)
    expected = {c: [int(i) + 2 for i in np.flatnonzero(df[c].isna())] for c in STUDY_COLUMNS}
    return path, {c: v for c, v in expected.items() if v}


@pytest.mark.parametrize("seed", range(12))
def test_report_counts_and_lines_match_pandas(real_path: Path, tmp_path: Path, seed: int) -> None:
    path, expected = with_gaps(real_path, tmp_path, seed)
    report = flo_rfm.read_csv(path).report
    assert {c: v.tolist() for c, v in report.missing.items()} == expected
    df = pd.read_csv(path)
    assert report.missing_customers == int(df[STUDY_COLUMNS].isna().any(axis=1).sum())
    assert report.rows == report.rows_read == len(df)
    text = str(report)
    assert f"{report.missing_customers} customers with missing values" in text
    for column, lines in expected.items():
        assert f"{column}: line" in text
        assert str(lines[0]) in text
    # The same from a DataFrame read the seeds' way (lines are row position + 2).
    from_df = flo_rfm.from_pandas(df).report
    assert {c: v.tolist() for c, v in from_df.missing.items()} == expected


def test_customers_without_recency_or_frequency_get_no_segment_and_are_reported(
    real_path: Path, tmp_path: Path
) -> None:
    path, expected = with_gaps(real_path, tmp_path, seed=3)
    res = flo_rfm.run(path)
    lines = flo_rfm.read_csv(path)._frame.lines().astype("int64")
    no_segment = set(lines[res.rfm["segment"].isna().to_numpy()].tolist())
    rfm_inputs = {ln for c in STUDY_COLUMNS[1:4] for ln in expected.get(c, [])}
    assert no_segment == rfm_inputs
    assert res.report.missing_customers >= len(no_segment)


def test_on_missing_raise_names_the_first_line(real_path: Path, tmp_path: Path) -> None:
    path, expected = with_gaps(real_path, tmp_path, seed=7)
    first_line, first_column = min((v[0], STUDY_COLUMNS.index(c), c) for c, v in expected.items())[::2]
    for call in (
        lambda: flo_rfm.read_csv(path, on_missing="raise"),
        lambda: flo_rfm.from_pandas(pd.read_csv(path), on_missing="raise"),
        lambda: flo_rfm.run(path, on_missing="raise"),
        lambda: flo_rfm.rfm(path, on_missing="raise"),
    ):
        with pytest.raises(MissingValuesError) as info:
            call()
        err = info.value
        assert isinstance(err, InputError) and isinstance(err, ValueError)
        assert (err.line, err.column) == (first_line, first_column)
        assert f":{first_line}: column {first_column}: missing value" in str(err)
        assert err.count == flo_rfm.read_csv(path).report.missing_customers
    # Without gaps nothing is raised and nothing is reported.
    clean = flo_rfm.read_csv(real_path, on_missing="raise").report
    assert clean.missing == {} and clean.missing_customers == 0
    assert "missing" not in str(clean)
    with pytest.raises(InvalidArgumentError, match="on_missing"):
        flo_rfm.read_csv(path, on_missing="drop")  # type: ignore[arg-type]


def test_cli_reports_missing_values_in_text_and_json(
    real_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, expected = with_gaps(real_path, tmp_path, seed=5)
    customers = flo_rfm.read_csv(path).report.missing_customers
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{customers} customers with missing values" in out
    assert main(["run", str(path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["missing"]["customers"] == customers
    assert {c: v["lines"] for c, v in payload["missing"]["columns"].items()} == expected
    assert {c: v["count"] for c, v in payload["missing"]["columns"].items()} == {
        c: len(v) for c, v in expected.items()
    }
    assert main(["run", str(path), "--on-missing", "raise"]) == 1
    first_line = min(v[0] for v in expected.values())
    assert f":{first_line}: column " in capsys.readouterr().err
