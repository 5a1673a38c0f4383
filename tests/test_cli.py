"""The flo-rfm command: exit codes, outputs, JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from flo_rfm.cli import main


def test_run_on_sample_writes_every_file(tmp_path, capsys):
    assert main(["run", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "champions" in out and "new-brand targets" in out
    assert not (tmp_path / "prepared.csv").exists(), "prepared.csv only on request"
    assert main(["run", "--out", str(tmp_path), "--prepared", "--verbose"]) == 0
    assert "total:" in capsys.readouterr().err
    for name in (
        "prepared.csv",
        "rfm.csv",
        "segment_summary.csv",
        "new_brand_target_customer_id.csv",
        "discount_target_customer_ids.csv",
    ):
        assert (tmp_path / name).stat().st_size > 0
    ids = pd.read_csv(tmp_path / "new_brand_target_customer_id.csv")
    assert list(ids.columns) == ["master_id"] and len(ids) > 0


def test_run_json_on_real_file(real_path, capsys):
    assert main(["run", str(real_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows"] == 19945
    assert payload["new_brand_targets"] == 148 and payload["discount_targets"] == 2771
    assert payload["segments"]["champions"]["recency_count"] == 1932


def test_bad_file_gives_one_line_and_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("master_id,foo\n1,2\n")
    assert main(["run", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "missing required column(s)" in err
    assert main(["run", str(tmp_path / "missing.csv")]) == 1


def test_refuses_to_write_over_its_input(tmp_path, capsys):
    src = tmp_path / "new_brand_target_customer_id.csv"
    assert main(["sample", "--customers", "500", "--out", str(src)]) == 0
    before = src.read_bytes()
    assert main(["run", str(src), "--out", str(tmp_path)]) == 1
    assert "input file" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_sample_and_describe(tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["sample", "--customers", "1000", "--seed", "3", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 1000
    assert main(["describe", str(out)]) == 0
    assert "customer_value_total" in capsys.readouterr().out


def test_console_script_help():
    proc = subprocess.run([sys.executable, "-m", "flo_rfm.cli", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "examples:" in proc.stdout


def test_cltv_subcommand_writes_table_models_and_plots(tmp_path, capsys):
    assert main(["cltv", "--out", str(tmp_path), "--plots"]) == 0
    out = capsys.readouterr().out
    assert "Gamma-Gamma" in out
    table = pd.read_csv(tmp_path / "cltv.csv")
    assert {"cltv", "cltv_segment", "exp_sales_6_month"} <= set(table.columns)
    import flo_rfm

    bgf = flo_rfm.BetaGeo.load(tmp_path / "bgnbd.json")
    assert list(bgf.params_.index) == ["r", "alpha", "a", "b"]
    assert (tmp_path / "cltv_by_segment.png").stat().st_size > 5_000
    assert (tmp_path / "probability_alive.png").stat().st_size > 5_000


def test_cltv_json_on_real_file(real_path, capsys):
    assert main(["cltv", str(real_path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["customers"] == 19945
    assert round(payload["gamma_gamma"]["p"], 4) == 4.1512
    assert round(payload["segments"]["A"]["cltv_mean"], 2) == 362.32


def test_run_plots_and_describe_json(tmp_path, capsys):
    assert main(["run", "--out", str(tmp_path), "--plots"]) == 0
    assert (tmp_path / "segment_grid.png").stat().st_size > 5_000
    capsys.readouterr()
    assert main(["describe", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["describe"]["order_num_total"]["count"] == 20000
    assert main(["run", "--plots"]) == 1  # --plots without --out is a usage error, one line
    assert "--plots needs --out" in capsys.readouterr().err


def test_skip_bad_rows_reports_them(tmp_path, capsys):
    src = tmp_path / "s.csv"
    assert main(["sample", "--customers", "300", "--out", str(src)]) == 0
    lines = src.read_text().splitlines()
    lines[5] = lines[5].replace(".0,", ".5,", 1)  # a fractional count
    src.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["run", str(src)]) == 1
    assert "s.csv:6: column order_num_total_ever_online" in capsys.readouterr().err
    assert main(["run", str(src), "--on-bad-rows", "skip", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows_read"] == 300 and payload["rows"] == 299
    assert payload["skipped"][0]["line"] == 6
