"""The HTML report: its numbers equal the result's tables (read back from the HTML), it loads
nothing from the network, and headless Chromium renders it (screenshot not blank, headings and
numbers in the rendered DOM). Under CI=true a missing Chromium is a failure, not a skip."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

import flo_rfm
from flo_rfm.cli import main
from flo_rfm.reporting.style import CAMPAIGNS

HEADINGS = (
    "Customer segmentation report",
    "The data",
    "RFM segments",
    "Segment sizes",
    "Segment table",
    "Campaign lists",
    "What was left out, and why",
    "How to reproduce",
)
CLTV_HEADINGS = (
    "Customer lifetime value",
    "Model parameters",
    "CLTV segment table",
    "CLV by segment",
    "P(alive) and expected purchases by frequency and recency",
)


# --- reading the HTML back --------------------------------------------------------------------


class _Cells(HTMLParser):
    """Every ``data-value`` element: tables as {table id: {row key: {col: (value, text)}}}, the
    others by id; plus the headings, the grid cells and every attribute value seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict[str, dict[str, tuple[str, str]]]] = {}
        self.facts: dict[str, tuple[str, str]] = {}
        self.headings: list[str] = []
        self.grid: list[dict[str, str]] = []
        self.attrs_seen: list[tuple[str, str]] = []
        self._table: str | None = None
        self._row: str | None = None
        self._open: tuple[str, str, str] | None = None  # (kind, key, value)
        self._text: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.attrs_seen += [(k, v or "") for k, v in attrs]
        if tag == "table":
            self._table = a.get("id")
            self.tables.setdefault(self._table or "", {})
        elif tag == "tr" and "data-key" in a:
            self._row = a["data-key"]
        elif tag == "g" and a.get("class") == "cell":
            self.grid.append(a)
        elif tag in ("h1", "h2", "h3"):
            self._heading = []
        if "data-value" in a and tag in ("td", "div"):
            kind = "cell" if tag == "td" else "fact"
            self._open = (kind, a.get("data-col", a.get("id", "")), a["data-value"])
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("td", "div") and self._open is not None:
            kind, key, value = self._open
            text = "".join(self._text).strip()
            if kind == "cell":
                row = self.tables[self._table or ""].setdefault(self._row or "", {})
                row[key] = (value, text)
            else:
                self.facts[key] = (value, text)
            self._open = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._open is not None:
            self._text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def _parse(text: str) -> _Cells:
    p = _Cells()
    p.feed(text)
    return p


def _count(v: float) -> str:
    return f"{int(v):,}"


def _mean(v: float) -> str:
    return f"{v:,.2f}"


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_study():
    res = flo_rfm.run(flo_rfm.datasets.sample())
    return res, flo_rfm.cltv(res.data)


@pytest.fixture(scope="module")
def sample_report(sample_study, tmp_path_factory):
    res, c = sample_study
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert flo_rfm.report(res, path, cltv=c) == str(path)
    return path


@pytest.fixture(scope="session")
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        msg = "headless Chromium is needed for the report's browser test: apt-get install -y chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{msg} (required under CI)")
        pytest.skip(msg)
    return exe


def _browser(exe: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


def _png_pixels(path: Path) -> tuple[int, int, set[bytes]]:
    """Width, height and the set of distinct pixels of an 8-bit RGB/RGBA PNG (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    height = depth = colour = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth=} {colour=}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    seen: set[bytes] = set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        if y % 7 == 0:  # a sample of rows is plenty to tell a blank page
            seen.update(bytes(line[i : i + 3]) for i in range(0, stride, bpp * 3))
        prev = line
    return width, height, seen


# --- numbers ----------------------------------------------------------------------------------


def test_segment_table_equals_the_summary(sample_study, sample_report):
    res, _ = sample_study
    page = _parse(sample_report.read_text(encoding="utf-8"))
    table = page.tables["segments"]
    summary = res.segment_summary
    assert set(table) == set(summary.index)
    rfm = res.rfm
    total = int(summary[("recency", "count")].sum())
    spend_total = float(rfm["monetary"][rfm["segment"].notna()].sum())
    for seg, row in table.items():
        n = int(summary.loc[seg, ("recency", "count")])
        assert row["customers"] == (str(n), _count(n))
        for metric in ("recency", "frequency", "monetary"):
            mean = float(summary.loc[seg, (metric, "mean")])
            value, text = row[f"{metric}_mean"]
            assert float(value) == mean and text == _mean(mean)
        assert float(row["share"][0]) == pytest.approx(n / total, rel=1e-12)
        assert row["share"][1] == f"{100 * n / total:.1f}%"
        spend = float(rfm.loc[rfm["segment"] == seg, "monetary"].sum())
        assert float(row["spend"][0]) == pytest.approx(spend, rel=1e-12)
        assert row["spend"][1] == _mean(float(row["spend"][0]))
        assert float(row["spend_share"][0]) == pytest.approx(spend / spend_total, rel=1e-12)


def test_grid_cells_equal_the_rfm_table(sample_study, sample_report):
    res, _ = sample_study
    page = _parse(sample_report.read_text(encoding="utf-8"))
    assert len(page.grid) == 25
    counts = res.rfm.groupby(["recency_score", "frequency_score"], observed=True).size()
    modes = res.rfm.groupby(["recency_score", "frequency_score"], observed=True)["segment"].agg(
        lambda s: s.mode().iloc[0]
    )
    for cell in page.grid:
        key = (int(cell["data-recency"]), int(cell["data-frequency"]))
        assert int(cell["data-value"]) == int(counts[key])
        assert cell["data-segment"] == modes[key]
    # the seeds' map: the top right is champions, the bottom left hibernating
    where = {(c["data-recency"], c["data-frequency"]): c["data-segment"] for c in page.grid}
    assert where[("5", "5")] == "champions" and where[("1", "1")] == "hibernating"


def test_data_campaigns_and_channels(sample_study, sample_report):
    res, _ = sample_study
    page = _parse(sample_report.read_text(encoding="utf-8"))
    r = res.report
    assert page.facts["fact-rows_read"] == (str(r.rows_read), _count(r.rows_read))
    assert page.facts["fact-rows"] == (str(r.rows), _count(r.rows))
    assert page.facts["fact-skipped"][0] == "0" and page.facts["fact-missing_customers"][0] == "0"
    campaigns = page.tables["campaigns"]
    for key, _title, _rule, attr in CAMPAIGNS:
        n = len(getattr(res, attr))
        assert campaigns[key]["customers"] == (str(n), _count(n))
    ch = res.data.channel_breakdown()
    for name, row in page.tables["channels"].items():
        assert int(row["customers"][0]) == int(ch.loc[name, "customers"])
        assert float(row["spend_mean"][0]) == float(ch.loc[name, "customer_value_total_mean"])
    text = sample_report.read_text(encoding="utf-8")
    assert "2021-06-01" in text and "&lt;sample&gt;" in text and "<sample>" not in text


def test_cltv_tables_equal_the_result(sample_study, sample_report):
    _, c = sample_study
    page = _parse(sample_report.read_text(encoding="utf-8"))
    for name, model in (("bgnbd", c.bgf), ("gamma_gamma", c.ggf)):
        table = page.tables[f"params-{name}"]
        s = model.summary
        for p in s.index:
            for col in s.columns:
                value, text = table[f"{name}:{p}"][col]
                assert float(value) == float(s.loc[p, col]) and text == f"{float(s.loc[p, col]):.4f}"
    seg = c.segment_summary()
    table = page.tables["cltv-segments"]
    assert list(table) == [str(i) for i in seg.index]
    for label, row in table.items():
        assert int(row["customers"][0]) == int(seg.loc[label, ("cltv", "count")])
        for col in ("cltv", "exp_sales_6_month", "exp_average_value"):
            mean = float(seg.loc[label, (col, "mean")])
            assert float(row[col][0]) == mean and row[col][1] == _mean(mean)
        assert float(row["cltv_sum"][0]) == float(seg.loc[label, ("cltv", "sum")])
    t = c.to_pandas()
    assert float(page.facts["fact-exp6"][0]) == pytest.approx(float(t["exp_sales_6_month"].sum()), rel=1e-12)
    assert int(page.facts["fact-cltv-customers"][0]) == len(c)
    by_rfm = page.tables["cltv-by-rfm-segment"]
    assert sum(int(r["customers"][0]) for r in by_rfm.values()) == len(c)
    assert {h for h in CLTV_HEADINGS} <= set(page.headings)


def test_nothing_is_loaded_from_the_network(sample_report):
    text = sample_report.read_text(encoding="utf-8")
    assert "<script" not in text.lower() and "<link" not in text.lower() and "@import" not in text
    assert not re.search(r"url\s*\(", text), "no CSS url(): everything is inline"
    assert not re.search(r"https?:|//[a-z0-9]", text, re.I), "no absolute or protocol-relative URL"
    for name, value in _parse(text).attrs_seen:
        if name in ("src", "href", "srcset", "action", "poster", "data"):
            assert value.startswith("#") or not re.match(r"[a-z][a-z0-9+.-]*:|//", value, re.I), value


def test_left_out_rows_and_missing_values_are_reported(tmp_path):
    src = tmp_path / "flo.csv"
    flo_rfm.datasets.write_sample(src, 300, 3)
    lines = src.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    first = header.index("first_order_date")
    bad = lines[5].split(",")
    bad[first] = "not a date"
    lines[5] = ",".join(bad)
    missing = lines[9].split(",")
    missing[header.index("order_num_total_ever_online")] = ""
    lines[9] = ",".join(missing)
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = flo_rfm.run(src, on_bad_rows="skip")
    assert len(res.report.skipped) == 1 and res.report.missing_customers == 1
    out = flo_rfm.report(res, tmp_path / "r.html")
    page = _parse(Path(out).read_text(encoding="utf-8"))
    assert page.facts["fact-skipped"][0] == "1" and page.facts["fact-missing_customers"][0] == "1"
    ((line, _msg),) = res.report.skipped
    assert list(page.tables["skipped"]) == [str(line)]
    assert page.tables["missing"]["order_num_total_ever_online"]["count"][0] == "1"
    # never over the input file
    with pytest.raises(Exception, match="input"):
        flo_rfm.report(res, src)


def test_rejects_wrong_arguments(tmp_path, sample_study):
    res, c = sample_study
    with pytest.raises(flo_rfm.exceptions.ArgumentTypeError):
        flo_rfm.report(c, tmp_path / "r.html")  # type: ignore[arg-type]
    with pytest.raises(flo_rfm.exceptions.ArgumentTypeError):
        flo_rfm.report(res, tmp_path / "r.html", cltv=res)  # type: ignore[arg-type]


# --- the command ------------------------------------------------------------------------------


def test_cli_report_on_sample_links_the_written_files(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out), "--cltv", "--files", str(tmp_path / "files")]) == 0
    assert f"wrote report: {out}" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"#][^"]*)"', text)
    assert "files/new_brand_target_customer_id.csv" in hrefs and "files/cltv.csv" in hrefs
    for href in hrefs:
        assert (tmp_path / href).is_file(), href
    assert "flo-rfm report --out" in text and flo_rfm.__version__ in text


def test_cli_report_on_real_file(real_path, tmp_path, capsys):
    out = tmp_path / "real.html"
    assert main(["report", str(real_path), "--out", str(out), "--cltv"]) == 0
    page = _parse(out.read_text(encoding="utf-8"))
    assert page.facts["fact-rows"][0] == "19945"
    assert page.tables["segments"]["champions"]["customers"] == ("1932", "1,932")
    assert page.tables["campaigns"]["new_brand"]["customers"][0] == "148"
    assert page.tables["campaigns"]["discount"]["customers"][0] == "2771"
    assert set(HEADINGS) | set(CLTV_HEADINGS) <= set(page.headings)


# --- in a real browser ------------------------------------------------------------------------


def test_renders_in_headless_chromium(chromium, sample_study, sample_report, tmp_path):
    res, c = sample_study
    url = sample_report.resolve().as_uri()
    shot = tmp_path / "shot.png"
    _browser(chromium, f"--screenshot={shot}", "--window-size=1200,3000", url)
    width, height, colours = _png_pixels(shot)
    assert (width, height) == (1200, 3000)
    assert len(colours) > 50, f"the screenshot looks blank ({len(colours)} colours)"
    dom = _browser(chromium, "--dump-dom", url).stdout
    rendered = _parse(dom)
    for heading in HEADINGS + CLTV_HEADINGS:
        assert heading in rendered.headings, heading
    summary = res.segment_summary
    for seg in summary.index:
        n = int(summary.loc[seg, ("recency", "count")])
        assert rendered.tables["segments"][seg]["customers"][1] == _count(n)
        mean = float(summary.loc[seg, ("monetary", "mean")])
        assert rendered.tables["segments"][seg]["monetary_mean"][1] == _mean(mean)
    assert rendered.facts["fact-cltv-customers"][1] == _count(len(c))
    assert len(rendered.grid) == 25


def test_prints_on_a4_pages_with_every_section(chromium, sample_study, sample_report, tmp_path):
    """Printed by the browser (its print stylesheet): A4 pages, none blank, every heading and
    the segment table's figures in the printed text."""
    import pypdfium2 as pdfium

    res, _ = sample_study
    pdf_path = tmp_path / "report.pdf"
    url = sample_report.resolve().as_uri()
    _browser(chromium, "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", url)
    pdf = pdfium.PdfDocument(str(pdf_path))
    assert 2 <= len(pdf) <= 12, f"{len(pdf)} pages"
    text = ""
    for k in range(len(pdf)):
        page = pdf[k]
        width, height = page.get_size()
        assert (round(width), round(height)) == (595, 842), f"page {k + 1} is not A4: {width} x {height}"
        grey = page.render(scale=0.5).to_pil().convert("L")
        inked = sum(1 for v in grey.getdata() if v < 200)
        assert inked > 500, f"page {k + 1} looks blank ({inked} dark pixels)"
        text += page.get_textpage().get_text_range() + "\n"
    flat = " ".join(text.split())
    for heading in HEADINGS + CLTV_HEADINGS:
        assert heading in flat, heading
    summary = res.segment_summary
    for seg in summary.index:
        assert _count(summary.loc[seg, ("recency", "count")]) in flat, seg
        assert _mean(float(summary.loc[seg, ("monetary", "mean")])) in flat, seg
