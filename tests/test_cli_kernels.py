"""`flyplan kernels ...` and `flyplan perijove` on a fresh cache, against a local mirror."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from _cli import run_flyplan
from typer.testing import CliRunner

from _mirror import Mirror
from flyplan.kernels import fetch
from flyplan.cli import app

runner = CliRunner()
PJ1_SPK = "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def mirror(naif_dir, monkeypatch, tmp_path):
    monkeypatch.delenv("FLYPLAN_OFFLINE", raising=False)
    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path / "cache"))
    fetch._UNREACHABLE.clear()
    m = Mirror(naif_dir)
    monkeypatch.setenv("FLYPLAN_NAIF_URL", m.url)
    yield m
    m.close()
    fetch._UNREACHABLE.clear()


flyplan = run_flyplan


def test_perijove_on_a_fresh_cache_fetches_then_makes_no_request(mirror, naif_dir):
    proc = flyplan("perijove", 1, "--format", "json", "--window", "10m")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["metadata"]["source"]["trajectory"] == "naif"
    kernels = {k["name"]: k for k in doc["kernels"]}
    spk = kernels["spk_rec_160729_160923_161027.bsp"]
    assert spk["source"] == mirror.url + PJ1_SPK
    assert spk["sha256"] == hashlib.sha256((naif_dir / PJ1_SPK).read_bytes()).hexdigest()
    assert kernels["naif0012.tls"]["source"].startswith(mirror.url)
    assert all(len(k["sha256"]) == 64 and k["source"] for k in doc["kernels"])
    assert "fetched spk_rec_160729_160923_161027.bsp" in proc.stderr
    n = mirror.count()
    assert n >= 3

    again = flyplan("perijove", 1, "--format", "json", "--window", "10m")
    assert again.returncode == 0, again.stderr
    assert mirror.count() == n, mirror.requests[n:]
    assert json.loads(again.stdout)["utc"] == doc["utc"]


def test_plan_fetch_status(mirror):
    res = runner.invoke(app, ["kernels", "plan", "1", "--format", "json"])
    assert res.exit_code == 0, res.output
    items = {i["name"]: i for i in json.loads(res.stdout)["items"]}
    assert items["naif0012.tls"]["status"] == "fetch"
    assert items["spk_rec_160729_160923_161027.bsp"]["status"] == "fetch"
    assert items["spk_rec_160729_160923_161027.bsp"]["url"] == mirror.url + PJ1_SPK
    assert items["jup365.bsp"]["status"] == "skipped"
    assert items["de421.bsp"]["status"] == "built-in"

    res = runner.invoke(app, ["kernels", "fetch", "PJ1"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["kernels", "plan", "1", "--format", "json"])
    statuses = {i["name"]: i["status"] for i in json.loads(res.stdout)["items"]}
    assert statuses["naif0012.tls"] == statuses["spk_rec_160729_160923_161027.bsp"] == "cached"

    res = runner.invoke(app, ["kernels", "status", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["kernels"]
    assert {Path(r["path"]).name for r in rows} == {
        "naif0012.tls", "pck00011.tpc", "spk_rec_160729_160923_161027.bsp"}
    assert all(r["state"] == "verified" and r["source"].startswith(mirror.url) for r in rows)

    res = runner.invoke(app, ["kernels", "plan", "1"])
    assert res.exit_code == 0 and "spk_rec_160729_160923_161027.bsp" in res.output


def test_status_reports_a_corrupt_file(mirror, tmp_path):
    assert runner.invoke(app, ["kernels", "fetch", "1"]).exit_code == 0
    spk = tmp_path / "cache" / "naif" / PJ1_SPK
    data = bytearray(spk.read_bytes())
    data[len(data) // 2] ^= 1
    spk.write_bytes(bytes(data))
    rows = json.loads(runner.invoke(app, ["kernels", "status", "-f", "json"]).stdout)["kernels"]
    states = {Path(r["path"]).name: r["state"] for r in rows}
    assert states["spk_rec_160729_160923_161027.bsp"].startswith("CORRUPT")
    # fetch replaces it
    assert runner.invoke(app, ["kernels", "fetch", "1"]).exit_code == 0
    rows = json.loads(runner.invoke(app, ["kernels", "status", "-f", "json"]).stdout)["kernels"]
    assert all(r["state"] == "verified" for r in rows)


def test_fetch_failure_exits_1_naming_file_and_url(mirror):
    res = runner.invoke(app, ["kernels", "fetch", "--satellites"])
    assert res.exit_code == 1
    assert "jup365.bsp" in res.output
    assert mirror.url + "generic_kernels/spk/satellites/jup365.bsp" in res.output
    assert "save it as" in res.output


def test_fetch_refuses_when_offline(mirror, monkeypatch):
    monkeypatch.setenv("FLYPLAN_OFFLINE", "1")
    res = runner.invoke(app, ["kernels", "fetch", "1"])
    assert res.exit_code == 1 and "offline" in res.output
    assert mirror.count() == 0


def test_bad_target_is_a_usage_error(mirror):
    res = runner.invoke(app, ["kernels", "plan", "tomorrow"])
    assert res.exit_code == 2


def test_clean_deletes_only_flyplans_files(mirror, tmp_path):
    assert runner.invoke(app, ["kernels", "fetch", "1"]).exit_code == 0
    naif = tmp_path / "cache" / "naif"
    foreign = naif / "generic_kernels" / "my_notes.txt"
    foreign.write_text("mine")
    outside = tmp_path / "outside.tls"
    outside.write_text("KPL/LSK\n")
    (naif / "generic_kernels" / "link.tls").symlink_to(outside)

    res = runner.invoke(app, ["kernels", "clean"], input="")
    assert res.exit_code == 1 and "--yes" in res.output
    assert (naif / PJ1_SPK).exists()

    res = runner.invoke(app, ["kernels", "clean", "--yes"])
    assert res.exit_code == 0, res.output
    assert not (naif / PJ1_SPK).exists() and not (naif / "JUNO").exists()
    assert foreign.read_text() == "mine" and outside.exists()
    assert "my_notes.txt" in res.output
    left = sorted(p.name for p in naif.rglob("*"))
    assert left == ["generic_kernels", "my_notes.txt"]


@pytest.fixture
def juno_only(naif_dir, tmp_path):
    """A kernel directory holding nothing but PJ1's trajectory (a link to the shared file)."""
    d = tmp_path / "mine"
    d.mkdir()
    (d / Path(PJ1_SPK).name).symlink_to(naif_dir / PJ1_SPK)
    return d


def test_perijove_without_network_uses_cache_and_builtins(juno_only, monkeypatch, tmp_path):
    """No server at all: the LSK/PCK fetches fail at once and flyplan's own serve."""
    from _mirror import closed_port

    monkeypatch.delenv("FLYPLAN_OFFLINE", raising=False)
    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("FLYPLAN_NAIF_URL", f"http://127.0.0.1:{closed_port()}/")
    proc = flyplan("perijove", 1, "-k", juno_only, "-f", "json", "-w", "10m")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    notes = " ".join(doc["metadata"]["notes"])
    assert "naif0012.tls not fetched (connection refused" in notes
    assert ("to place it by hand, save https://naif.jpl.nasa.gov/pub/naif/generic_kernels/lsk/"
            "naif0012.tls as " + str(tmp_path / "cache" / "naif" / "generic_kernels" / "lsk" /
                                     "naif0012.tls")) in notes
    kinds = {k["kind"]: k["source"] for k in doc["kernels"]}
    assert kinds["lsk"] == "built-in" and doc["metadata"]["source"]["trajectory"] == "naif"


def test_offline_switch_makes_no_request(juno_only, mirror, monkeypatch):
    monkeypatch.setenv("FLYPLAN_OFFLINE", "1")
    proc = flyplan("perijove", 1, "-k", juno_only, "-f", "json", "-w", "10m")
    assert proc.returncode == 0, proc.stderr
    assert mirror.count() == 0
    res = runner.invoke(app, ["kernels", "plan", "1", "-k", str(juno_only), "-f", "json"])
    items = {i["name"]: i["status"] for i in json.loads(res.stdout)["items"]}
    assert items["spk_rec_160729_160923_161027.bsp"] == "local"
    assert items["naif0012.tls"] == "fetch"
    assert mirror.count() == 0


def test_source_naif_fetch_failure_is_an_error_naming_the_url(mirror, monkeypatch):
    mirror.cut.add("/" + PJ1_SPK)
    proc = flyplan("perijove", 1, "--source", "naif", "-w", "10m")
    assert proc.returncode == 1
    assert "spk_rec_160729_160923_161027.bsp" in proc.stderr
    assert mirror.url + PJ1_SPK in proc.stderr
    assert "Traceback" not in proc.stderr


def test_global_offline_and_naif_url_options_reach_every_command(monkeypatch):
    import os

    from typer.testing import CliRunner

    from flyplan.cli import app

    # setenv first so that monkeypatch restores both afterwards.
    monkeypatch.setenv("FLYPLAN_OFFLINE", "0")
    monkeypatch.setenv("FLYPLAN_NAIF_URL", "http://127.0.0.1:9/")
    res = CliRunner().invoke(app, ["--offline", "--naif-url", "file:///nowhere", "perijove",
                                   "--help"])
    assert res.exit_code == 0
    assert os.environ["FLYPLAN_OFFLINE"] == "1"
    assert os.environ["FLYPLAN_NAIF_URL"] == "file:///nowhere"
