"""The bad-input table of docs/bad_input.md, one test per row. Every case either reads to the
documented values or fails with an error naming file, line, column and text; with
on_bad_rows="skip" rows in = rows kept + rows reported, always."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flo_rfm
from flo_rfm.customer_data import REQUIRED_COLUMNS
from flo_rfm.exceptions import InputError, InvalidArgumentError

HEADER = ",".join(REQUIRED_COLUMNS)


def row(n: int, **changes: str) -> str:
    values = {
        "master_id": f"id{n}",
        "order_channel": "Mobile",
        "last_order_channel": "Offline",
        "first_order_date": "2020-10-30",
        "last_order_date": "2021-02-26",
        "last_order_date_online": "2021-02-21",
        "last_order_date_offline": "2021-02-26",
        "order_num_total_ever_online": "4.0",
        "order_num_total_ever_offline": "1.0",
        "customer_value_total_ever_offline": "139.99",
        "customer_value_total_ever_online": "799.38",
        "interested_in_categories_12": "[KADIN]",
    }
    values.update(changes)
    return ",".join(values[c] for c in REQUIRED_COLUMNS)


def write(tmp_path: Path, body: bytes | str, name: str = "flo.csv") -> Path:
    p = tmp_path / name
    p.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return p


def accounted(data: flo_rfm.CustomerData) -> bool:
    r = data.report
    return r.rows_read == len(data) + len(r.skipped) + r.merged


def test_truncated_last_line(tmp_path):
    # Cut mid-record with no final newline: the short record is a wrong field count on its line.
    p = write(tmp_path, f"{HEADER}\n{row(1)}\n{row(2)[:40]}")
    with pytest.raises(InputError, match=r"flo.csv:3: expected 12 fields, found \d+"):
        flo_rfm.read_csv(p)
    data = flo_rfm.read_csv(p, on_bad_rows="skip")
    assert len(data) == 1 and accounted(data) and data.report.skipped[0][0] == 3
    # Cut inside a quoted field: the open quote runs to the end of the file.
    p = write(tmp_path, f'{HEADER}\n{row(1)}\n{row(2)[:-8]}"[KAD')
    with pytest.raises(InputError, match=r"flo\.csv:3: expected 12 fields"):
        flo_rfm.read_csv(p)


def test_quoted_fields_with_delimiter_quotes_and_newlines(tmp_path):
    body = (
        f"{HEADER}\n"
        + row(1, master_id='"id,1"', interested_in_categories_12='"[KADIN, ERKEK]"')
        + "\n"
        + row(2, master_id='"say ""hi"""', order_channel='"Mobile\nApp"')
        + "\n"
        + row(3, order_num_total_ever_online="x")
        + "\n"
    )
    p = write(tmp_path, body)
    with pytest.raises(InputError) as err:
        flo_rfm.read_csv(p)
    # Record 2 spans lines 3-4, so record 3 starts on line 5.
    assert err.value.line == 5 and err.value.column == "order_num_total_ever_online"
    data = flo_rfm.read_csv(p, on_bad_rows="skip")
    df = data.to_pandas()
    assert df["master_id"].tolist() == ["id,1", 'say "hi"']
    assert df["order_channel"].tolist() == ["Mobile", "Mobile\nApp"]
    assert df["interested_in_categories_12"].tolist() == ["[KADIN, ERKEK]", "[KADIN]"]
    expected = pd.read_csv(p).iloc[:2]
    assert df["master_id"].tolist() == expected["master_id"].tolist()


def test_invalid_utf8(tmp_path):
    good, bad = row(1).encode(), row(2, master_id="id\udcff").encode("utf-8", "surrogateescape")
    p = write(tmp_path, HEADER.encode() + b"\n" + good + b"\n" + bad + b"\n")
    with pytest.raises(InputError) as err:
        flo_rfm.read_csv(p)
    assert (err.value.line, err.value.column) == (3, "master_id")
    assert "as UTF-8 text" in str(err.value)
    data = flo_rfm.read_csv(p, on_bad_rows="skip")
    assert len(data) == 1 and accounted(data)


def test_bom_and_crlf(tmp_path):
    p = write(tmp_path, b"\xef\xbb\xbf" + f"{HEADER}\r\n{row(1)}\r\n{row(2)}\r\n".encode())
    df = flo_rfm.read_csv(p).to_pandas()
    assert df["interested_in_categories_12"].tolist() == ["[KADIN]", "[KADIN]"]
    assert list(df.columns[:1]) == ["master_id"]


def test_last_order_after_the_analysis_date(tmp_path):
    p = write(
        tmp_path,
        f"{HEADER}\n{row(1)}\n"
        + row(2, last_order_date="2021-05-01", customer_value_total_ever_online="10")
        + "\n",
    )
    with pytest.raises(InvalidArgumentError) as err:
        flo_rfm.rfm(p, analysis_date="2021-04-01")
    assert str(err.value) == (
        f"analysis_date 2021-04-01 is before the last order of 1 customer(s); "
        f"first: {p}:3 (last_order_date 2021-05-01)"
    )
    assert flo_rfm.rfm(p).analysis_date == pd.Timestamp("2021-05-03")


def test_nan_and_infinite_money(tmp_path):
    # NaN (pandas' missing-value text) is missing: the row is kept and gets no monetary score.
    rows = [
        row(i, last_order_date=f"2021-02-{10 + i}", customer_value_total_ever_online=f"{100 + i}")
        for i in range(10)
    ]
    p = write(
        tmp_path,
        f"{HEADER}\n" + "\n".join(rows) + "\n" + row(10, customer_value_total_ever_online="NaN") + "\n",
    )
    data = flo_rfm.read_csv(p)
    assert data.null_counts()["customer_value_total_ever_online"] == 1
    res = flo_rfm.rfm(data)
    assert pd.isna(res.to_pandas()["monetary_score"].iloc[-1]) and len(res.to_pandas()) == 11
    p = write(tmp_path, f"{HEADER}\n{row(1, customer_value_total_ever_online='inf')}\n", "inf.csv")
    with pytest.raises(
        InputError, match=r'inf\.csv:2: column customer_value_total_ever_online: "inf" is not a finite'
    ):
        flo_rfm.read_csv(p)


def test_category_list_without_brackets(tmp_path):
    p = write(
        tmp_path,
        f"{HEADER}\n{row(1, interested_in_categories_12=chr(34) + 'KADIN, ERKEK' + chr(34))}\n"
        f"{row(2, interested_in_categories_12=chr(34) + '[KADIN, ERKEK]' + chr(34))}\n",
    )
    frame = flo_rfm.read_csv(p)._frame
    _codes, raw, tokens = frame.categories()
    assert tokens == [["KADIN", "ERKEK"], ["KADIN", "ERKEK"]]
    assert raw == ["KADIN, ERKEK", "[KADIN, ERKEK]"]


def test_ten_megabyte_field(tmp_path):
    big = "[" + ", ".join(["KADIN"] * 1_500_000) + "]"
    assert len(big) > 10_000_000
    p = write(
        tmp_path, f"{HEADER}\n{row(1)}\n{row(2, interested_in_categories_12=chr(34) + big + chr(34))}\n"
    )
    data = flo_rfm.read_csv(p)
    assert len(data) == 2
    assert len(data.to_pandas()["interested_in_categories_12"].iloc[1]) == len(big)


def test_skip_accounting_over_many_kinds_of_bad_rows(tmp_path):
    rows = [row(i) for i in range(20)]
    rows[2] = row(2, first_order_date="2021-02-30")
    rows[5] = row(5, order_num_total_ever_offline="-1")
    rows[7] = row(7, master_id="")
    rows[9] = row(1)  # duplicate of row 1's id
    rows[11] = "too,few"
    rows[13] = row(13, last_order_date="2020-01-01")
    p = write(tmp_path, f"{HEADER}\n" + "\n".join(rows) + "\n")
    data = flo_rfm.read_csv(p, on_bad_rows="skip")
    assert accounted(data)
    assert [ln for ln, _ in data.report.skipped] == [4, 7, 9, 11, 13, 15]
    assert len(data) == 14


def test_concurrent_calls_match_serial_ones():
    data = flo_rfm.datasets.sample(20_000, seed=12)
    serial = flo_rfm.rfm(data).to_pandas()
    cltv_serial = flo_rfm.cltv(data).to_pandas()
    results: list[object] = [None] * 6
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            results[k] = flo_rfm.rfm(data).to_pandas() if k % 2 == 0 else flo_rfm.cltv(data).to_pandas()
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k, res in enumerate(results):
        pd.testing.assert_frame_equal(res, serial if k % 2 == 0 else cltv_serial)


def test_extreme_spends_and_frequencies_converge_or_say_so():
    rng = np.random.default_rng(5)
    x = rng.integers(1, 500, 2000).astype(float)
    m = np.exp(rng.uniform(np.log(0.01), np.log(1e7), 2000))
    ggf = flo_rfm.GammaGamma(0.01).fit(x, m)
    assert np.isfinite(ggf.params_).all()
    assert np.isfinite(ggf.conditional_expected_average_profit(x, m)).all()


def test_outputs_neutralise_formulas_and_never_overwrite_inputs(tmp_path):
    from flo_rfm.write import write_csv, write_ids

    ids = pd.Series(["=1+2", "@cmd", "-x", "+y", "ok", "\tz"], name="master_id")
    write_ids(ids, tmp_path / "ids.csv")
    assert (tmp_path / "ids.csv").read_text().splitlines() == [
        "master_id",
        "'=1+2",
        "'@cmd",
        "'-x",
        "'+y",
        "ok",
        "'\tz",
    ]
    df = pd.DataFrame({"name": ['=HYPERLINK("x")', "fine"], "value": [-1.5, 2.0]})
    write_csv(df, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv")
    assert back["name"].tolist() == ['\'=HYPERLINK("x")', "fine"] and back["value"].tolist() == [-1.5, 2.0]
    src = tmp_path / "input.csv"
    src.write_text("keep me")
    with pytest.raises(ValueError, match="input file"):
        write_csv(df, src, inputs=[str(src)])
    with pytest.raises(ValueError, match="input file"):
        write_ids(ids, src, inputs=[str(src)])
    assert src.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ids.csv", "input.csv", "t.csv"]  # no temp files
