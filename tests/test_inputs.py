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


def test_a_missing_file_is_named(tmp_path):
    from flo_rfm.exceptions import FileMissingError

    path = tmp_path / "nope.csv"
    with pytest.raises(FileMissingError) as err:
        flo_rfm.read_csv(path)
    assert isinstance(err.value, FileNotFoundError)
    assert err.value.filename == str(path)
    with pytest.raises(FileNotFoundError):
        flo_rfm.summarize_transactions(path, "id", "date", "amount")


def _unreadable(tmp_path) -> str:
    path = tmp_path / "locked.csv"
    path.write_bytes(flo_rfm.datasets.sample_bytes(20, seed=1))
    path.chmod(0)
    return str(path)


def test_an_unreadable_file_is_a_permission_error(tmp_path):
    """As root a chmod does not stop a read, so the read runs in a child that gives up root
    first (after importing flo_rfm, which root's site-packages may hide from others)."""
    import os
    import subprocess
    import sys

    path = _unreadable(tmp_path)
    tmp_path.chmod(0o755)
    drop = "os.setgid(65534); os.setuid(65534)" if os.geteuid() == 0 else "pass"
    child = f"""
import os, flo_rfm
from flo_rfm.exceptions import FileAccessError
{drop}
for read in (lambda p: flo_rfm.read_csv(p), lambda p: flo_rfm.summarize_transactions(p, "id", "d")):
    try:
        read({path!r})
    except FileAccessError as e:
        assert isinstance(e, PermissionError) and e.filename == {path!r}, e
        print("refused")
"""
    out = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["refused", "refused"], out.stderr


@pytest.mark.parametrize("kind", ["gzip", "bz2", "xz", "zstd"])
def test_a_truncated_compressed_file_says_so(kind, real_bytes, tmp_path):
    import zstandard

    packers = {
        "gzip": gzip.compress,
        "bz2": bz2.compress,
        "xz": lzma.compress,
        "zstd": zstandard.ZstdCompressor().compress,
    }
    packed = packers[kind](real_bytes)
    path = tmp_path / "flo.csv.x"
    path.write_bytes(packed[: len(packed) // 2])
    name = {"bz2": "bzip2"}.get(kind, kind)
    with pytest.raises(OSError, match=f"is a {name} file that cannot be decompressed"):
        flo_rfm.read_csv(path)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_its_mark_says_which_encoding_to_name(codec, real_bytes, real_table, tmp_path):
    path = tmp_path / "flo.csv"
    path.write_bytes(real_bytes.decode("utf-8").encode(codec))
    with pytest.raises(InputError, match=f'looks like UTF-16 without a byte-order mark.*encoding="{codec}"'):
        flo_rfm.read_csv(path)
    pdt.assert_frame_equal(flo_rfm.read_csv(path, encoding=codec).to_pandas(), real_table)


def test_a_header_that_does_not_split_names_the_delimiters_tried(real_raw, tmp_path):
    from flo_rfm.exceptions import MissingColumnsError

    path = tmp_path / "colon.csv"
    real_raw.head(20).to_csv(path, index=False, sep=":")
    with pytest.raises(MissingColumnsError, match=r"the header is one field: none of \",\" \";\" tab \"\|\""):
        flo_rfm.read_csv(path)
    got = flo_rfm.read_csv(path, delimiter=":").to_pandas()
    assert len(got) == 20


def _log_text(header: str) -> str:
    rows = ["c1,2021-01-04,10.0", "c2,2021-02-01,20.5", "c1,2021-03-01,7.25"]
    return "\n".join([header, *rows]) + "\n"


def test_an_order_log_with_a_repeated_column_names_both_positions(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(_log_text("id,date,amount").replace("\n", ",x\n").replace("amount,x", "amount,id"))
    with pytest.raises(InputError, match=r"column \"id\" appears 2 times in the header \(columns 1, 4\)"):
        flo_rfm.summarize_transactions(path, "id", "date", "amount")


def test_an_order_log_in_another_encoding(tmp_path):
    log = pd.DataFrame(
        {
            "müşteri": ["Çiğdem", "İlker", "Çiğdem"],
            "date": ["2021-01-04", "2021-02-01", "2021-03-01"],
            "amount": [10.0, 20.5, 7.25],
        }
    )
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False, encoding="cp1254")
    with pytest.raises(
        InputError, match=r"the header is not UTF-8 text \(byte 0xFC at position 2\).*encoding="
    ):
        flo_rfm.summarize_transactions(path, "müşteri", "date", "amount")
    plain = tmp_path / "plain_header.csv"
    plain.write_bytes(path.read_bytes().replace("müşteri".encode("cp1254"), b"id"))
    with pytest.raises(InputError, match="encoding=") as err:
        flo_rfm.summarize_transactions(plain, "id", "date", "amount")
    assert (err.value.line, err.value.column) == (2, "id")
    got = flo_rfm.summarize_transactions(path, "müşteri", "date", "amount", encoding="cp1254")
    want = flo_rfm.summarize_transactions(log, "müşteri", "date", "amount")
    pdt.assert_frame_equal(got, want)


@pytest.mark.parametrize("pack", [bz2.compress, lzma.compress, "zstd"])
def test_order_logs_read_compressed(pack, tmp_path):
    import zstandard

    plain = tmp_path / "log.csv"
    plain.write_text(_log_text("id,date,amount"))
    packed = tmp_path / "log.bin"
    packer = zstandard.ZstdCompressor().compress if pack == "zstd" else pack
    packed.write_bytes(packer(plain.read_bytes()))
    want = flo_rfm.summarize_transactions(plain, "id", "date", "amount")
    pdt.assert_frame_equal(flo_rfm.summarize_transactions(packed, "id", "date", "amount"), want)


@pytest.mark.parametrize("as_file", [True, False])
def test_an_order_log_error_names_the_callers_column(as_file, tmp_path):
    log = pd.DataFrame({"kunde": ["c1", "c2"], "tag": ["2021-01-04", "2021-13-01"], "betrag": [1.0, 2.0]})
    source = tmp_path / "log.csv" if as_file else log
    if as_file:
        log.to_csv(source, index=False)
    with pytest.raises(InputError, match=r':3: column tag: cannot parse "2021-13-01" as a date') as err:
        flo_rfm.summarize_transactions(source, "kunde", "tag", "betrag")
    assert (err.value.line, err.value.column) == (3, "tag")
