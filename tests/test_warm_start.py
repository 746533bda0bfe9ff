"""A warm run pays only for what it shows: no network library without a download,
a failed listing remembered (never cached as a listing), a table without the serializer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _mirror import Mirror, closed_port

from flyplan.kernels import fetch

REPO = Path(__file__).resolve().parents[1]
JUNO_DIR = "JUNO/kernels/spk/"

# Runs the CLI in this process and reports which modules it imported.
_PROBE = """
import json, runpy, sys
sys.argv = ["flyplan", *sys.argv[1:]]
try:
    runpy.run_module("flyplan", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(m for m in sys.modules
                  if m.split(".")[0] in ("requests", "urllib3", "flyplan"))}),
      file=sys.stderr)
"""


def _probe(args, env):
    full = dict(os.environ, PYTHONPATH=str(REPO), **env)
    p = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                       env=full, timeout=600, cwd=REPO)
    report = json.loads(p.stderr.strip().splitlines()[-1])
    return report, p


def test_a_warm_run_against_an_unreachable_archive_imports_no_requests(tmp_path):
    # Connections to a closed local port are refused at once: the first run
    # tries (and imports requests), the next ones remember and do not.
    env = {"FLYPLAN_CACHE": str(tmp_path / "cache"),
           "FLYPLAN_NAIF_URL": f"http://127.0.0.1:{closed_port()}/", "FLYPLAN_OFFLINE": ""}
    args = ["perijove", "38", "--no-moons", "--window", "-30m..+30m"]
    first, p1 = _probe(args, env)
    assert first["code"] == 0, p1.stderr
    assert "requests" in first["modules"]  # it did try
    assert "connection refused" in p1.stderr
    again, p2 = _probe(args, env)
    assert again["code"] == 0, p2.stderr
    assert not [m for m in again["modules"] if m.startswith(("requests", "urllib3"))]
    # Same output, and the same one-line note about what was not fetched.
    assert p2.stdout == p1.stdout
    assert "connection refused" in p2.stderr and "not fetched" in p2.stderr
    # A terminal table needs no serializer (the domain modules it would import).
    assert "flyplan.products.serialize" not in again["modules"]


@pytest.mark.shared
def test_a_failed_listing_is_remembered_not_cached(online, naif_dir):
    m = Mirror(naif_dir)
    try:
        # A listing page that names a file flyplan cannot store: the read fails.
        bad = "spk_rec_160729_160923_161027_" + "x" * 240 + ".bsp"
        m.pages["/" + JUNO_DIR] = f'<a href="{bad}">{bad}</a>'
        lst = fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        assert lst.entries == [] and "cannot store safely" in lst.error
        assert m.count("/" + JUNO_DIR) == 1
        # Remembered: the next commands do not ask, and say why with its age.
        again = fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        assert m.count("/" + JUNO_DIR) == 1
        assert again.entries == [] and "cannot store safely" in again.error
        assert "last tried under a minute ago (not retried)" in again.error
        # Never stored as a listing.
        assert not (online / "naif" / ".listings").exists()
        # refresh asks anyway; a good answer then clears the memory and is cached.
        good = "spk_rec_160729_160923_161027.bsp"
        m.pages["/" + JUNO_DIR] = f'<a href="{good}">{good}</a>'
        lst = fetch.listing(JUNO_DIR, "juno_spk", base=m.url, refresh=True)
        assert [n for n, _ in lst.entries] == [good] and lst.error is None
        assert m.count("/" + JUNO_DIR) == 2
        assert not list((online / "naif" / ".listing-failures").glob("*.json"))
    finally:
        m.close()


@pytest.mark.shared
def test_a_remembered_listing_failure_expires(online, naif_dir, monkeypatch):
    m = Mirror(naif_dir)
    try:
        m.pages["/" + JUNO_DIR] = '<a href="x">' + "y" * 10 + "</a>"
        monkeypatch.setattr(fetch, "_LISTING_MAX_BYTES", 8)  # too long: the read fails
        fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        assert m.count("/" + JUNO_DIR) == 1
        (entry,) = (online / "naif" / ".listing-failures").glob("*.json")
        data = json.loads(entry.read_text())
        data["at"] = time.time() - 3600.0  # an hour ago: past the ten minutes
        entry.write_text(json.dumps(data))
        fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        assert m.count("/" + JUNO_DIR) == 2
        # A damaged entry is no entry: the listing is read again.
        entry.write_text("{not json")
        fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        assert m.count("/" + JUNO_DIR) == 3
        # FLYPLAN_OFFLINE_TTL=0 turns the memory off.
        monkeypatch.setenv("FLYPLAN_OFFLINE_TTL", "0")
        fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        fetch.listing(JUNO_DIR, "juno_spk", base=m.url)
        assert m.count("/" + JUNO_DIR) == 5
    finally:
        m.close()


def test_help_imports_no_numpy_pandas_nor_spice():
    full = dict(os.environ, PYTHONPATH=str(REPO))
    code = ("import runpy, sys; sys.argv = ['flyplan', '--help']\n"
            "try:\n    runpy.run_module('flyplan', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas', "
            "'spiceypy')), file=sys.stderr)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                       timeout=120)
    assert "Usage" in p.stdout
    assert p.stderr.strip().splitlines()[-1] == "[]"
