"""The core's CSV writer against pandas: every file `run()` writes equals, byte for byte, what
pandas' `to_csv` writes for the same table after formula neutralisation (the Python writer the
core replaced, kept as `flo_rfm.write.write_csv`)."""

from __future__ import annotations

import os
import stat
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import polars as pl
import pytest
from budget import examples
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from test_prepare import _write_variant

import flo_rfm
from flo_rfm import _flo_rfm
from flo_rfm.write import neutralize_formulas, write_csv

FILES = {
    "prepared": "prepared.csv",
    "rfm": "rfm.csv",
    "segment_summary": "segment_summary.csv",
    "new_brand_targets": "new_brand_target_customer_id.csv",
    "discount_targets": "discount_target_customer_ids.csv",
}


def pandas_files(res: flo_rfm.RunResult, out: Path) -> None:
    """The five files as pandas writes them from the pandas tables."""
    out.mkdir(parents=True, exist_ok=True)
    write_csv(res.data.to_pandas(), out / FILES["prepared"])
    write_csv(res.result.to_pandas(), out / FILES["rfm"], index=True)
    summary = res.result.to_pandas_summary()
    summary.columns = [f"{m}_{s}" for m, s in summary.columns]
    write_csv(summary, out / FILES["segment_summary"], index=True)
    for key in ("new_brand_targets", "discount_targets"):
        ids = getattr(res.result, key)(res.match).to_frame()
        (out / FILES[key]).write_text(neutralize_formulas(ids).to_csv(index=False))


def assert_same_files(res: flo_rfm.RunResult, tmp_path: Path) -> None:
    ours = tmp_path / "ours"
    files = res.write(ours, prepared=True)
    assert sorted(files) == sorted(FILES)
    ref = tmp_path / "pandas"
    pandas_files(res, ref)
    for key, name in FILES.items():
        a, b = (ours / name).read_bytes(), (ref / name).read_bytes()
        if a != b:
            at = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y) if len(a) == len(b) else 0
            raise AssertionError(f"{name} differs near byte {at}: {a[at : at + 80]!r} vs {b[at : at + 80]!r}")
        assert Path(files[key]) == ours / name


def test_real_file_files_equal_pandas(real_path, tmp_path):
    res = flo_rfm.run(real_path)
    assert_same_files(res, tmp_path)


def test_variant_file_files_equal_pandas(real_raw, tmp_path):
    variant = tmp_path / "flo_variant.csv"
    _write_variant(real_raw, variant)
    res = flo_rfm.run(variant, match="token")
    assert "store_type" in res.data.to_pandas().columns
    assert_same_files(res, tmp_path)


@pytest.mark.parametrize("customers", [1, 7, 5000, 70_000])
def test_generated_files_equal_pandas(customers, tmp_path):
    res = flo_rfm.run(flo_rfm.datasets.sample(customers, seed=customers), duplicates="drop")
    assert_same_files(res, tmp_path)


def test_dataframe_with_typed_extra_columns(tmp_path):
    raw = flo_rfm.datasets.sample_frame(3000, seed=4)
    raw["store_id"] = np.arange(len(raw)) % 7
    raw["score"] = np.linspace(0, 1, len(raw))
    res = flo_rfm.run(raw)
    assert_same_files(res, tmp_path)


TEXT = st.text(alphabet=string.ascii_letters + string.digits + ' =+-@,"\t;[]', min_size=0, max_size=8)
ID = st.text(alphabet=string.ascii_letters + string.digits + '=+-@,"\t ', min_size=1, max_size=10)
MONEY = st.one_of(
    st.floats(min_value=0, max_value=1e20, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1e-5, 0.0001, 0.1, 1e16, 1234567890123456.0, 5e-324, 0.30000000000000004]),
    st.integers(0, 10**6).map(lambda c: c / 100),
)
CHANNELS = st.sampled_from(["Android App", "Desktop", "=cmd", "Ios, App", ""])
CATEGORIES = st.sampled_from(["[KADIN, ERKEK]", "[]", "[COCUK]", "[AKTIFCOCUK, KADIN]", ""])


@st.composite
def customer_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(8, 40))
    ids = draw(st.lists(ID.filter(lambda s: s.strip() != ""), min_size=n, max_size=n, unique=True))
    first = np.array(draw(st.lists(st.integers(17_000, 18_500), min_size=n, max_size=n)))
    gap = np.array(draw(st.lists(st.integers(0, 200), min_size=n, max_size=n)))
    as_date = lambda d: pd.to_datetime(d, unit="D").strftime("%Y-%m-%d")  # noqa: E731
    last = as_date(first + gap).to_numpy(object)
    missing_last = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    last[np.array(missing_last) & (np.arange(n) > 0)] = ""
    counts = st.lists(st.one_of(st.integers(0, 50).map(str), st.just("NA")), min_size=n, max_size=n)
    return pd.DataFrame(
        {
            "master_id": ids,
            "order_channel": draw(st.lists(CHANNELS, min_size=n, max_size=n)),
            "last_order_channel": draw(st.lists(CHANNELS, min_size=n, max_size=n)),
            "first_order_date": as_date(first),
            "last_order_date": last,
            "last_order_date_online": as_date(first + gap // 2),
            "last_order_date_offline": as_date(first),
            "order_num_total_ever_online": draw(counts),
            "order_num_total_ever_offline": draw(counts),
            "customer_value_total_ever_offline": draw(st.lists(MONEY, min_size=n, max_size=n)),
            "customer_value_total_ever_online": draw(st.lists(MONEY, min_size=n, max_size=n)),
            "interested_in_categories_12": draw(st.lists(CATEGORIES, min_size=n, max_size=n)),
            "note": draw(st.lists(TEXT, min_size=n, max_size=n)),
        }
    )


@settings(
    max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=customer_tables())
def test_awkward_files_equal_pandas(table, tmp_path_factory):
    """Formula-like and quoted text, empty cells, missing counts and dates (float recency, no
    score, no segment), money of every magnitude: files read by the core, written by the core."""
    tmp = tmp_path_factory.mktemp("awkward")
    path = tmp / "in.csv"
    table.to_csv(path, index=False)
    try:
        res = flo_rfm.run(path, duplicates="drop")
    except flo_rfm.exceptions.InvalidArgumentError:
        reject()  # too few distinct values left for the seeds' five labels: pandas raises too
    assert_same_files(res, tmp)


@settings(max_examples=examples(300), deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_float_cells_are_pythons_repr(values):
    arr = np.array(values, dtype="float64")
    want = ["" if np.isnan(v) else s for v, s in zip(arr, arr.astype(str))]
    assert _flo_rfm.float_cells(arr) == want


def test_float_cells_on_a_million_random_doubles():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**63 - 1, size=1_000_000, dtype=np.int64)
    arr = bits.view("float64")
    arr = np.concatenate([arr[np.isfinite(arr)], rng.random(100_000) * 10.0 ** rng.integers(-8, 20, 100_000)])
    assert _flo_rfm.float_cells(arr) == ["" if np.isnan(v) else s for v, s in zip(arr, arr.astype(str))]


def test_files_get_the_umask_mode_and_no_temporaries(tmp_path):
    old = os.umask(0o022)
    try:
        files = flo_rfm.run(flo_rfm.datasets.sample(300)).write(tmp_path, prepared=True)
    finally:
        os.umask(old)
    for path in files.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())


def _as_csv_text(values: list[object]) -> list[str]:
    """Cells as the CSV writer writes them: floats by repr, dates ISO, missing empty."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append("")
        elif isinstance(v, float):
            out.append(repr(v))
        elif hasattr(v, "isoformat"):
            out.append(v.isoformat()[:10])
        else:
            out.append(str(v))
    return out


@pytest.mark.parametrize("reader", ["pandas", "polars"])
def test_parquet_holds_the_csv_values(real_path, tmp_path, reader):
    res = flo_rfm.run(real_path)
    csv = res.write(tmp_path / "csv", prepared=True)
    parquet = res.write(tmp_path / "parquet", prepared=True, format="parquet")
    assert sorted(csv) == sorted(parquet) and all(p.endswith(".parquet") for p in parquet.values())
    for key, path in csv.items():
        want = pd.read_csv(path, dtype=str, keep_default_na=False)
        if reader == "pandas":
            got = pd.read_parquet(parquet[key])
            columns = {c: got[c].astype(object).tolist() for c in got.columns}
        else:
            got = pl.read_parquet(parquet[key])
            columns = {c: got[c].to_list() for c in got.columns}
        assert list(columns) == list(want.columns), key
        for name, values in columns.items():
            assert _as_csv_text(values) == want[name].tolist(), (key, name)


def test_cltv_parquet_holds_the_csv_values(tmp_path):
    res = flo_rfm.cltv(flo_rfm.datasets.sample(5000, seed=9))
    csv = res.write(tmp_path / "csv")["cltv.csv"]
    got = pl.read_parquet(res.write(tmp_path / "parquet", format="parquet")["cltv.parquet"])
    want = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert got.columns == list(want.columns)
    for name in got.columns:
        assert _as_csv_text(got[name].to_list()) == want[name].tolist(), name


def _assert_cltv_files_as_before(res: flo_rfm.CltvResult, tmp_path: Path) -> None:
    """cltv.csv as pandas writes the table; the model files as the models' own JSON."""
    files = res.write(tmp_path / "ours")
    ref = tmp_path / "pandas.csv"
    write_csv(res.to_pandas(), ref, index=True)
    assert Path(files["cltv.csv"]).read_bytes() == ref.read_bytes()
    table = res.to_pandas()
    history = table["frequency"], table["recency_cltv_weekly"], table["T_weekly"]
    bgf = flo_rfm.BetaGeo(0.001).fit(*history, time_unit="W")
    ggf = flo_rfm.GammaGamma(0.01).fit(table["frequency"], table["monetary_cltv_avg"])
    assert Path(files["bgnbd.json"]).read_text() == bgf.to_json()
    assert Path(files["gamma_gamma.json"]).read_text() == ggf.to_json()
    clv = ggf.customer_lifetime_value(bgf, *history, table["monetary_cltv_avg"], time=6, freq="W")
    np.testing.assert_array_equal(clv.to_numpy(), table["cltv"].to_numpy())
    for path in files.values():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_real_file_cltv_files_as_before(real_path, tmp_path):
    _assert_cltv_files_as_before(flo_rfm.cltv(real_path), tmp_path)


@pytest.mark.parametrize("customers", [3000, 200_000])
def test_generated_cltv_files_as_before(customers, tmp_path):
    _assert_cltv_files_as_before(flo_rfm.cltv(flo_rfm.datasets.sample(customers, seed=11)), tmp_path)


def test_a_million_customers_files_equal_pandas(tmp_path):
    res = flo_rfm.run(flo_rfm.datasets.sample(1_000_000, seed=42))
    assert_same_files(res, tmp_path)


def test_prepared_parquet_of_a_dataframe_keeps_its_extra_columns(tmp_path):
    """Extra columns of a DataFrame keep their pandas dtypes, so pandas formats that table; the
    file still goes through the core's atomic writer."""
    raw = flo_rfm.datasets.sample_frame(500, seed=6)
    raw["store_id"] = np.arange(len(raw)) % 7
    res = flo_rfm.run(raw)
    files = res.write(tmp_path, prepared=True, format="parquet")
    got = pd.read_parquet(files["prepared"])
    pdt.assert_frame_equal(got, res.data.to_pandas())
    assert stat.S_IMODE(os.stat(files["prepared"]).st_mode) == 0o666 & ~_umask()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(Path(p).name for p in files.values())
