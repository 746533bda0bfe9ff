"""The command line: the JSON contract, exit codes, messages, no partial files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from _cli import run_flyplan
from typer.testing import CliRunner

from flyplan.cli import app

runner = CliRunner()

SUMMARY_KEYS = {"perijove", "utc", "et", "altitude_km", "radius_km", "lat_pg_deg", "lat_pc_deg",
                "lon_w_deg", "local_solar_time", "speed_km_s", "speed_km_h"}


flyplan = run_flyplan


def test_json_contract_read_by_a_script(naif_dir):
    proc = flyplan("perijove", 1, "--kernels", naif_dir, "--format", "json", "--window", "30m")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert SUMMARY_KEYS <= set(doc)
    assert doc["perijove"] == 1 and doc["utc"].endswith("Z")
    assert isinstance(doc["samples"], list) and len(doc["samples"]) == 61
    # Samples use the summary's names for the same quantities, plus utc and et.
    for rec in doc["samples"]:
        assert SUMMARY_KEYS - {"perijove"} <= set(rec)
    pj_sample = min(doc["samples"], key=lambda r: abs(r["et"] - doc["et"]))
    assert pj_sample["altitude_km"] == pytest.approx(doc["altitude_km"], abs=1.0)
    names = {k["name"] for k in doc["kernels"]}
    assert "spk_rec_160729_160923_161027.bsp" in names
    assert all(len(k["sha256"]) == 64 for k in doc["kernels"])
    conv = doc["metadata"]["conventions"]
    assert "ellipsoid" in conv["altitude"] and "System III" in conv["longitude"]
    assert doc["metadata"]["source"]["trajectory"] == "naif"


def test_csv_has_provenance_and_units(naif_dir, tmp_path):
    import pandas as pd

    out = tmp_path / "pj1.csv"
    res = runner.invoke(app, ["perijove", "1", "-k", str(naif_dir), "-f", "csv", "-o", str(out),
                              "-w", "10m"])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "# kernel: spk_rec_160729_160923_161027.bsp sha256=" in text
    assert "# convention altitude:" in text
    df = pd.read_csv(out, comment="#")
    assert {"utc", "et", "altitude_km", "lat_pg_deg", "lat_pc_deg", "lon_w_deg",
            "speed_km_s", "speed_km_h"} <= set(df.columns)


def test_table_output_states_conventions(naif_dir):
    res = runner.invoke(app, ["perijove", "1", "-k", str(naif_dir), "-w", "10m"])
    assert res.exit_code == 0, res.output
    assert "2016-08-27T12:50:44" in res.output
    assert "planetographic" in res.output and "ellipsoid" in res.output


def test_html_is_written(naif_dir, tmp_path):
    page = tmp_path / "pj1.html"
    res = runner.invoke(app, ["perijove", "1", "-k", str(naif_dir), "-w", "1h", "--html", str(page)])
    assert res.exit_code == 0, res.output
    html = page.read_text()
    assert "flyplan-profile" in html
    # plotly.js is inlined, not fetched from a CDN.
    assert "<script src=" not in html.replace(" ", "").replace("<scriptsrc", "<script src")
    # ...once, gzip-compressed (unpacked by the browser).
    assert html.count('id="flyplan-plotlyjs"') == 1 and len(html) > 1_500_000


def _assert_user_error(proc, *needles):
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in proc.stderr, proc.stderr


def test_unknown_perijove_number(naif_dir):
    _assert_user_error(flyplan("perijove", 500, "-k", naif_dir), "perijove 500", "PJ0..PJ110")


def test_perijove_outside_kernel_coverage(naif_dir):
    proc = flyplan("perijove", 38, "-k", naif_dir, "--source", "naif")
    _assert_user_error(proc, "2021-11-29", "spk_rec_160729_160923_161027.bsp", "to fix")


def test_window_outside_kernel_coverage(naif_dir):
    # Before the first Juno file here (2016-05-22); -40 d would be served by PJ0's and PJ1's
    # files together.
    proc = flyplan("perijove", 1, "-k", naif_dir, "--source", "naif", "--window", "-120d..+1h")
    _assert_user_error(proc, "Juno", "2016-05-22", "2016-09-23", "to fix")


def test_missing_kernel_directory(tmp_path):
    _assert_user_error(flyplan("perijove", 1, "-k", tmp_path / "nope"), "not found", "nope")


def test_non_kernel_file_in_kernel_directory(naif_dir, tmp_path):
    kdir = tmp_path / "kernels"
    (kdir / "spk").mkdir(parents=True)
    for sub in ("generic_kernels", "JUNO"):
        os.symlink(naif_dir / sub, kdir / sub)
    (kdir / "spk" / "de440.bsp").write_text("<html>not a kernel</html>")
    _assert_user_error(flyplan("perijove", 1, "-k", kdir), "de440.bsp", "not a binary SPICE kernel")


def test_no_partial_output_file_on_error(naif_dir, tmp_path):
    out = tmp_path / "pj38.json"
    proc = flyplan("perijove", 38, "-k", naif_dir, "--source", "naif", "-f", "json", "-o", out)
    assert proc.returncode == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["perijove", "abc"],
    ["perijove", "1", "--step", "fast"],
    ["perijove", "1", "--window", "+6h..-6h"],
    ["perijove", "1", "--format", "xml"],
    ["perijove", "1", "--source", "horizons"],
    ["nosuchcommand"],
])
def test_usage_errors_exit_2(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output


def test_help_is_fast_to_import():
    # --help must not import SPICE, pandas or plotly (start-up time, issue 8).
    code = ("import sys, flyplan.cli; "
            "print(sorted(m for m in ('spiceypy','pandas','plotly','numba') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stdout
