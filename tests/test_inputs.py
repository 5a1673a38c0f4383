"""The files analysts actually have: compressed, in other encodings, tab-separated, with a
repeated column; each reads to the real file's values or fails with an error that says what
is wrong."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pandas as pd
import pandas.testing as pdt
import pytest

import flo_rfm
from flo_rfm.exceptions import InputError


@pytest.fixture(scope="module")
def real_bytes(real_path) -> bytes:
    return real_path.read_bytes()


@pytest.fixture(scope="module")
def real_table(real_path) -> pd.DataFrame:
    return flo_rfm.read_csv(real_path).to_pandas()


COMPRESSORS = {
    "flo.csv.gz": gzip.compress,
    "flo.csv.bz2": bz2.compress,
    "flo.csv.xz": lzma.compress,
    "flo.csv.misnamed": gzip.compress,
}


@pytest.mark.parametrize("name", sorted(COMPRESSORS))
def test_compressed_files_read_to_the_same_values(name, real_bytes, real_table, tmp_path):
    path = tmp_path / name
    path.write_bytes(COMPRESSORS[name](real_bytes))
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)
    # Pandas agrees that it is the same file (by extension; the misnamed one it cannot read).
    if not name.endswith("misnamed"):
        assert len(pd.read_csv(path)) == len(real_table)


def test_zstd_file_reads_to_the_same_values(real_bytes, real_table, tmp_path):
    import zstandard as zstd

    path = tmp_path / "flo.csv.zst"
    path.write_bytes(zstd.ZstdCompressor().compress(real_bytes))
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_unicode_encodings_with_a_mark_need_no_option(codec, real_bytes, real_table, tmp_path):
    text = real_bytes.decode("utf-8")
    data = text.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "flo.csv"
    path.write_bytes(data)
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)


def test_turkish_export_reads_with_its_encoding(tmp_path):
    raw = flo_rfm.datasets.sample_frame(300, seed=4)
    raw["magaza"] = ["İstanbul Çarşı", "Ğüşöç", "İzmir"] * 100
    path = tmp_path / "tr.csv"
    raw.to_csv(path, index=False, encoding="cp1254")
    with pytest.raises(InputError, match="encoding") as err:
        flo_rfm.read_csv(path)
    assert err.value.line is not None and err.value.column == "magaza"
    for name in ("cp1254", "windows-1254", "iso-8859-9"):
        got = flo_rfm.read_csv(path, encoding=name).to_pandas()
        assert got["magaza"].tolist() == raw["magaza"].tolist()
    theirs = pd.read_csv(path, encoding="cp1254")
    assert got["master_id"].tolist() == theirs["master_id"].tolist()
    with pytest.raises(ValueError, match="unknown encoding"):
        flo_rfm.read_csv(path, encoding="klingon")


@pytest.mark.parametrize("sep", ["\t", "|", ";"])
def test_other_delimiters_are_detected(sep, real_raw, real_table, tmp_path):
    path = tmp_path / "flo.txt"
    real_raw.to_csv(path, index=False, sep=sep)
    pdt.assert_frame_equal(flo_rfm.read_csv(path).to_pandas(), real_table)


def test_a_repeated_required_column_is_an_error(tmp_path):
    raw = flo_rfm.datasets.sample_frame(50, seed=1)
    text = raw.to_csv(index=False).splitlines()
    header = text[0] + ",master_id"
    rows = [line + f",x{i % 3}" for i, line in enumerate(text[1:])]
    path = tmp_path / "twice.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    with pytest.raises(
        InputError, match=r"column \"master_id\" appears 2 times in the header \(columns 1, 13\)"
    ):
        flo_rfm.read_csv(path)


def test_a_repeated_extra_column_is_numbered_as_pandas_numbers_it(tmp_path):
    raw = flo_rfm.datasets.sample_frame(40, seed=2)
    text = raw.to_csv(index=False).splitlines()
    path = tmp_path / "extra.csv"
    path.write_text("\n".join([text[0] + ",note,note", *(line + ",a,b" for line in text[1:])]) + "\n")
    got = flo_rfm.read_csv(path).to_pandas()
    theirs = pd.read_csv(path)
    assert ["note", "note.1"] == [c for c in got.columns if c.startswith("note")]
    assert got["note.1"].tolist() == theirs["note.1"].tolist()


def test_a_folder_is_named_as_one(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        flo_rfm.read_csv(tmp_path)


def test_a_zip_archive_says_so(real_bytes, tmp_path):
    import zipfile

    path = tmp_path / "flo.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("flo.csv", real_bytes)
    with pytest.raises(InputError, match="zip archive"):
        flo_rfm.read_csv(path)


def test_order_logs_share_the_reader_rules(tmp_path):
    log = pd.DataFrame(
        {
            "a;b;c;d": ["x", "y", "z", "w"],
            "id": ["c1", "c2", "c1", "c3"],
            "date": ["2021-01-04", "2021-02-01", "2021-03-01", "2021-03-02"],
            "amount": [10.0, 20.5, 7.25, 3.0],
        }
    )
    plain = tmp_path / "log.csv"
    lines = log.to_csv(index=False).splitlines()
    plain.write_text("\n".join(['"a;b;c;d",id,date,amount', *lines[1:]]) + "\n")
    want = flo_rfm.summarize_transactions(log, "id", "date", "amount")
    pdt.assert_frame_equal(flo_rfm.summarize_transactions(plain, "id", "date", "amount"), want)
    packed = tmp_path / "log.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    pdt.assert_frame_equal(flo_rfm.summarize_transactions(packed, "id", "date", "amount"), want)
