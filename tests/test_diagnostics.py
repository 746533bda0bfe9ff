"""Notes on stderr once per run, and the remembered offline state per archive host."""

from __future__ import annotations

import io

import pytest

from flyplan.kernels import fetch, netstate
from flyplan.products import diagnostics

# As flyplan.kernels.cache._failure_note and _plan_juno word them offline.
OFFLINE_NOTES = [
    "naif0012.tls not fetched (host name not resolved (offline?): https://naif.jpl.nasa.gov/pub/"
    "naif/generic_kernels/lsk/naif0012.tls); to place it by hand, save https://naif.jpl.nasa.gov/"
    "pub/naif/generic_kernels/lsk/naif0012.tls as /c/naif/generic_kernels/lsk/naif0012.tls",
    "pck00011.tpc not fetched (host name not resolved (offline?): https://naif.jpl.nasa.gov/pub/"
    "naif/generic_kernels/pck/pck00011.tpc); to place it by hand, save https://naif.jpl.nasa.gov/"
    "pub/naif/generic_kernels/pck/pck00011.tpc as /c/naif/generic_kernels/pck/pck00011.tpc",
    "could not read the Juno kernel listing https://naif.jpl.nasa.gov/pub/naif/JUNO/kernels/spk/:"
    " could not fetch https://naif.jpl.nasa.gov/pub/naif/JUNO/kernels/spk/: host name not "
    "resolved (offline?) (not retried)",
    "jup365.bsp skipped: not needed: flyplan's built-in Galilean ephemeris serves this window",
    "no NAIF leapseconds kernel found: using flyplan's copy of naif0012's table",
    "no NAIF PCK found: using flyplan's copy of pck00011's Jupiter constants",
]


def test_offline_notes_fold_into_one_line():
    lines = diagnostics.condense(OFFLINE_NOTES)
    assert len(lines) == 1, lines
    line = lines[0]
    for name in ("naif0012.tls", "pck00011.tpc", "Juno kernel listing", "https://naif.jpl.nasa.gov",
                 "host name not resolved"):
        assert name in line
    assert "(not retried)" not in line


def test_other_notes_are_kept_in_order():
    notes = ["first thing", OFFLINE_NOTES[0], "second thing", "first thing"]
    lines = diagnostics.condense(notes)
    assert lines[0] == "first thing" and lines[2] == "second thing" and len(lines) == 3


def test_pages_show_no_download_noise():
    page = diagnostics.for_page(OFFLINE_NOTES + ["Juno model: approximate"])
    assert page == ["Juno model: approximate"]
    assert diagnostics.for_page(OFFLINE_NOTES[4:]) == [
        "no NAIF leapseconds or PCK constants found: using flyplan's built-in copies "
        "(naif0012, pck00011)"]


def test_each_note_is_said_once_per_run():
    diagnostics.reset()
    err = io.StringIO()
    first = diagnostics.say(OFFLINE_NOTES, stream=err)
    again = diagnostics.say(OFFLINE_NOTES, stream=err)
    assert len(first) == 1 and again == []
    assert err.getvalue().count("note:") == 1
    diagnostics.reset()
    assert diagnostics.say(OFFLINE_NOTES[:1], stream=err)


def test_unreachable_host_is_remembered_across_processes(monkeypatch, tmp_path):
    """A second run (fresh in-process state) does not touch the network."""
    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path))
    monkeypatch.delenv("FLYPLAN_OFFLINE_TTL", raising=False)
    monkeypatch.setattr(fetch, "_UNREACHABLE", {})
    url = "http://127.0.0.1:9/naif/generic_kernels/lsk/naif0012.tls"  # port 9: refused
    with pytest.raises(fetch.FetchError):
        fetch._get(url)
    assert netstate.remembered("http://127.0.0.1:9") is not None

    monkeypatch.setattr(fetch, "_UNREACHABLE", {})  # as a new process starts

    def no_network():
        raise AssertionError("the network was tried again")

    monkeypatch.setattr(fetch, "_session", no_network)
    with pytest.raises(fetch.FetchError, match="last tried"):
        fetch._get(url)


def test_remembered_state_expires_and_can_be_forgotten(monkeypatch, tmp_path):
    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path))
    monkeypatch.delenv("FLYPLAN_OFFLINE_TTL", raising=False)
    host = "https://naif.example"
    netstate.remember(host, "network unreachable", now=1000.0)
    assert netstate.remembered(host, now=1000.0 + netstate.REMEMBER_S - 1)[0] == \
        "network unreachable"
    assert netstate.remembered(host, now=1000.0 + netstate.REMEMBER_S + 1) is None
    assert netstate.remembered("https://other.example", now=1001.0) is None  # per host
    netstate.forget(host)
    assert netstate.remembered(host, now=1001.0) is None
    monkeypatch.setenv("FLYPLAN_OFFLINE_TTL", "0")
    netstate.remember(host, "refused")
    assert netstate.remembered(host) is None


def test_corrupt_state_file_costs_only_an_attempt(monkeypatch, tmp_path):
    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path))
    netstate.state_path().write_text("{not json")
    assert netstate.remembered("https://naif.example") is None
    netstate.remember("https://naif.example", "refused")
    assert netstate.remembered("https://naif.example")[0] == "refused"


def test_a_juno_file_not_fetched_is_said_to_be_the_models_anchor():
    note = ("spk_pre_200625_201230_200914_btm29_f.bsp not fetched (host name not resolved "
            "(offline?): https://naif.jpl.nasa.gov/pub/naif/JUNO/kernels/spk/x.bsp); to place it "
            "by hand, save https://naif.jpl.nasa.gov/pub/naif/JUNO/kernels/spk/x.bsp as /c/x.bsp")
    (line,) = diagnostics.condense([note])
    assert "model fitted to that file" in line
    (other,) = diagnostics.condense(OFFLINE_NOTES[:1])
    assert "model fitted" not in other
