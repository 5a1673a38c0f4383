"""Each bad-input case of SPEC.md gives an error naming file, line, column and text; or, with
on_bad_rows="skip", is counted and reported. Rows in = rows kept + rows reported, always."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import flo_rfm
from flo_rfm.customer_data import REQUIRED_COLUMNS
from flo_rfm.exceptions import InputError, InvalidArgumentError, MissingColumnsError

HEADER = ",".join(REQUIRED_COLUMNS)
GOOD = "id{n},Mobile,Offline,2020-10-30,2021-02-26,2021-02-21,2021-02-26,4.0,1.0,139.99,799.38,[KADIN]"


def _file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    p = tmp_path / "flo.csv"
    p.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return p


def _bad(field: str, value: str) -> str:
    parts = GOOD.format(n=2).split(",")
    parts[REQUIRED_COLUMNS.index(field)] = value
    return ",".join(parts)


CASES = [
    # (column, bad text, message after "flo.csv:3: column <column>: ")
    ("last_order_date", "2021-13-45", 'cannot parse "2021-13-45" as a date'),
    ("first_order_date", "30.02.2021", 'cannot parse "30.02.2021" as a date'),
    ("last_order_date_online", "yesterday", 'cannot parse "yesterday" as a date'),
    ("order_num_total_ever_online", "4.5", 'cannot parse "4.5" as a whole-number count'),
    ("order_num_total_ever_offline", "-1", '"-1" is a negative count'),
    ("order_num_total_ever_online", "four", 'cannot parse "four" as a whole-number count'),
    ("customer_value_total_ever_offline", "-10.5", '"-10.5" is a negative amount'),
    ("customer_value_total_ever_online", "12,5x", 'cannot parse "12" as a number'),
    ("customer_value_total_ever_online", "inf", '"inf" is not a finite amount'),
    ("master_id", "", '"" is an empty id'),
    ("last_order_date", "2020-01-01", '"2020-01-01" is before first_order_date 2020-10-30'),
]


@pytest.mark.parametrize(("column", "text", "message"), CASES)
def test_bad_field_error_names_file_line_column_text(tmp_path, column, text, message):
    if column == "customer_value_total_ever_online" and text == "12,5x":
        # An unquoted comma is a field too many: that is the row's error.
        path = _file(tmp_path, GOOD.format(n=1), _bad(column, text))
        with pytest.raises(InputError, match="expected 12 fields, found 13"):
            flo_rfm.read_csv(path)
        return
    path = _file(tmp_path, GOOD.format(n=1), _bad(column, text))
    with pytest.raises(InputError) as err:
        flo_rfm.read_csv(path)
    assert str(err.value) == f"{path}:3: column {column}: {message}"
    assert (err.value.line, err.value.column) == (3, column)
    assert isinstance(err.value, ValueError)
    # The same row skipped: counted and reported with its line.
    data = flo_rfm.read_csv(path, on_bad_rows="skip")
    assert len(data) == 1
    assert data.report.rows_read == 2
    assert data.report.skipped == [(3, f"{path}:3: column {column}: {message}")]


def test_dataframe_errors_use_csv_lines(tmp_path):
    path = _file(tmp_path, GOOD.format(n=1), _bad("last_order_date", "2021-13-45"))
    raw = pd.read_csv(path)
    with pytest.raises(
        InputError, match=r'^<DataFrame>:3: column last_order_date: cannot parse "2021-13-45" as a date$'
    ):
        flo_rfm.from_pandas(raw)


def test_missing_columns_named_together(tmp_path):
    header = ",".join(c for c in REQUIRED_COLUMNS if c not in ("master_id", "last_order_date"))
    path = _file(tmp_path, header=header)
    with pytest.raises(MissingColumnsError) as err:
        flo_rfm.read_csv(path)
    assert str(err.value) == f"{path}: missing required column(s): master_id, last_order_date"
    assert err.value.columns == ["master_id", "last_order_date"]
    with pytest.raises(MissingColumnsError, match="master_id, last_order_date"):
        flo_rfm.from_pandas(pd.DataFrame(columns=header.split(",")))


def test_wrong_field_count_and_empty_file(tmp_path):
    path = _file(tmp_path, GOOD.format(n=1), "id2,Mobile")
    with pytest.raises(InputError, match=r"flo.csv:3: expected 12 fields, found 2$"):
        flo_rfm.read_csv(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match="empty file"):
        flo_rfm.read_csv(empty)
    with pytest.raises(FileNotFoundError):
        flo_rfm.read_csv(tmp_path / "nope.csv")


def test_header_only_reads_zero_rows(tmp_path):
    data = flo_rfm.read_csv(_file(tmp_path))
    assert len(data) == 0 and data.report.rows_read == 0


def test_skip_keeps_count_of_every_row(tmp_path):
    rows = [GOOD.format(n=i) for i in range(5)]
    rows[1] = _bad("order_num_total_ever_online", "x")
    rows[3] = "short,row"
    data = flo_rfm.read_csv(_file(tmp_path, *rows), on_bad_rows="skip")
    r = data.report
    assert r.rows_read == len(data) + len(r.skipped) + r.merged == 5
    assert [line for line, _ in r.skipped] == [3, 5]
    assert list(data.index) == [0, 2, 4]


def test_invalid_options_are_clear(tmp_path):
    path = _file(tmp_path, GOOD.format(n=1))
    with pytest.raises(InvalidArgumentError, match="on_bad_rows must be one of"):
        flo_rfm.read_csv(path, on_bad_rows="ignore")  # type: ignore[arg-type]
