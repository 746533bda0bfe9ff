"""The Earth side (issue 9): light time, Earth-received times, CML, observing windows.

flyplan computes these with skyfield; the checks are independent: SPICE on
NAIF's real kernels in ../shared/naif (light time ``LT``/``XCN``, ``subpnt``,
``pxform``, ``et2utc``), skyfield's own older almanac search
(``risings_and_settings`` with ``find_discrete``), and dense sampling of
altitudes with skyfield's ``altaz``.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flyplan.products import serialize
from _cli import run_flyplan
import spiceypy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flyplan.geometry import earth
from flyplan.cli import app
from flyplan.errors import CoverageError, KernelError, PerijoveError
from flyplan.domain.observe import TWILIGHT, observe
from flyplan.sites import SITES, parse_site

# Tolerances the issue names.
LIGHT_TIME_TOL_S = 0.1   # "light time agrees with SPICE (Earth-Jupiter, LT) to 0.1 s"
CML_TOL_DEG = 0.1        # "CML agrees with SPICE's sub-observer point to 0.1 degree"
# Tighter ones flyplan meets: same ephemeris (DE421), same emitter (the
# barycentre skyfield has, or Juno); differences are SPICE's and skyfield's
# TDB/UTC formulas (microseconds).
SAME_BODY_LT_TOL_S = 1e-3
UTC_TOL_S = 1e-3
ANGLE_TOL_DEG = 1e-3
ORIENTATION_TOL = 1e-9   # rotation-matrix elements vs SPICE pxform (pck00010)
# Observing windows: dense sampling every EDGE_STEP_S locates an edge to one step.
EDGE_STEP_S = 30.0
RISE_SET_TOL_S = 5.0
TRANSIT_HA_TOL_H = 1.0 / 3600.0

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]

# Times where the real kernels carry Jupiter's centre (599) as well as DE421:
# the Juno SPKs (2016, 2020, 2022) and the one-day jup310 excerpt.
JUPITER_CENTRE_SPANS = [
    ("2016-05-23", "2016-07-29"), ("2016-07-30", "2016-09-22"),
    ("2020-06-26", "2020-12-29"), ("2021-02-26T01:00", "2021-02-26T23:00"),
    ("2022-06-15", "2022-11-09"),
]
JUNO_SPKS = ["spk_rec_160522_160729_160909.bsp", "spk_rec_160729_160923_161027.bsp",
             "spk_pre_200625_201230_200914_btm29_f.bsp",
             "spk_pre_220614_221109_220810_jm0450.bsp"]


@pytest.fixture
def spice(naif_dir):
    """NAIF's LSK, pck00010, DE421, the Juno SPKs and the jup310 excerpt, loaded."""
    g = naif_dir / "generic_kernels"
    # The excerpt goes first so that DE421 (loaded later, so preferred) serves
    # the Earth: the excerpt's own Earth segment (399) points past the end of
    # the file (SPICE(DAFBEGGTEND)).
    for path in [g / "lsk/naif0012.tls", g / "pck/pck00010.tpc",
                 g / "spk/satellites/jup310_excerpt_2021-02-26.bsp", g / "spk/planets/de421.bsp",
                 *[naif_dir / "JUNO/kernels/spk" / n for n in JUNO_SPKS]]:
        spiceypy.furnsh(str(path))
    return naif_dir


def _grid(spans, n_per_span, seed=9):
    """Times (ET) spread over the spans, jittered so they do not alias the rotation."""
    rng = np.random.default_rng(seed)
    out = []
    for a, b in spans:
        t0, t1 = spiceypy.str2et(a), spiceypy.str2et(b)
        out.append(np.sort(rng.uniform(t0, t1, n_per_span)))
    return np.concatenate(out)


# -- light time and Earth-received time ------------------------------------------------

def test_light_time_matches_spice_earth_jupiter_lt(spice):
    # SPICE 'LT' is the light time of what the Earth receives at t_r; flyplan's
    # is for what Jupiter sends at t_e; they describe the same ray when
    # t_e = t_r - lt.
    t_r = _grid(JUPITER_CENTRE_SPANS, 8)
    lt_spice = np.array([spiceypy.spkezr("JUPITER", t, "J2000", "LT", "EARTH")[1] for t in t_r])
    lt = earth.light_time(t_r - lt_spice)
    assert np.all((lt > 33 * 60) & (lt < 54 * 60))
    assert np.max(np.abs(lt - lt_spice)) < LIGHT_TIME_TOL_S


def test_light_time_matches_spice_barycentre_over_de421(spice):
    # The same emitter skyfield uses (DE421's Jupiter barycentre) over 1900-2050.
    t_e = np.linspace(spiceypy.str2et("1900-03-01"), spiceypy.str2et("2050-03-01"), 157)
    lt_xcn = np.array([spiceypy.spkezr("EARTH", t, "J2000", "XCN", "JUPITER BARYCENTER")[1]
                       for t in t_e])
    assert np.max(np.abs(earth.light_time(t_e) - lt_xcn)) < SAME_BODY_LT_TOL_S


def test_juno_light_time_and_ert_match_spice(spice):
    et = _grid([JUPITER_CENTRE_SPANS[1], JUPITER_CENTRE_SPANS[4]], 10)
    offset = np.array([spiceypy.spkezp(-61, t, "J2000", "NONE", 5)[0] for t in et])
    rec = earth.received(et, offset)
    lt_xcn = np.array([spiceypy.spkezr("EARTH", t, "J2000", "XCN", "JUNO")[1] for t in et])
    assert np.max(np.abs(rec["light_time_min"] * 60.0 - lt_xcn)) < SAME_BODY_LT_TOL_S
    # Juno's own light time is not Jupiter's: away from perijove they differ by seconds.
    assert np.max(np.abs(earth.light_time(et) - lt_xcn)) > 0.5
    # ERT as UTC strings: the same instant as SPICE's et2utc(et + lt).
    ert_spice = np.array([spiceypy.str2et(s) for s in rec["utc_ert"]])
    assert np.max(np.abs(ert_spice - (et + lt_xcn))) < UTC_TOL_S
    assert all(s.endswith("Z") for s in rec["utc_ert"])
    # Sun-Earth-Juno angle at ERT, from SPICE's apparent (LT) directions.
    ang = [np.degrees(spiceypy.vsep(spiceypy.spkpos("SUN", t, "J2000", "LT", "EARTH")[0],
                                    spiceypy.spkpos("JUNO", t, "J2000", "LT", "EARTH")[0]))
           for t in et + lt_xcn]
    assert np.max(np.abs(rec["sun_earth_juno_deg"] - ang)) < ANGLE_TOL_DEG


def test_utc_agrees_with_naif0012_across_leap_seconds(spice):
    # skyfield's built-in leap seconds and SPICE's naif0012 must give the same UTC.
    et = np.concatenate([
        np.linspace(spiceypy.str2et("1973-01-01"), spiceypy.str2et("2050-01-01"), 300),
        spiceypy.str2et("2016-12-31T23:59:59") + np.arange(0.0, 3.0, 0.25),
    ])
    ours = earth.utc_iso(earth.to_time(et), 3)
    spice_utc = [spiceypy.et2utc(t, "ISOC", 3) + "Z" for t in et]
    back = np.array([spiceypy.str2et(s) for s in ours])
    # Strings carry ms: half a ms of rounding plus the TDB formulas' difference.
    assert np.max(np.abs(back - et)) <= 0.0005 + 1e-4
    # Around the leap second of 2016-12-31 both say 23:59:60.
    leap = slice(300, None)
    assert [a[:19] for a in ours[leap]] == [b[:19] for b in spice_utc[leap]]
    assert sum("T23:59:60" in a for a in ours[leap]) == 4
    assert np.allclose(earth.to_et(earth.to_time(et)), et, atol=1e-6, rtol=0)


def test_perijove_summary_and_events_carry_ert(naif_dir):
    from flyplan.domain.perijove import perijove

    pj = perijove(1, kernels=naif_dir, window="10m", moons=False)
    s = pj.summary
    lt = spiceypy.spkezr("EARTH", pj.et, "J2000", "XCN", "JUNO")[1]
    assert s["light_time_min"] * 60.0 == pytest.approx(lt, abs=SAME_BODY_LT_TOL_S)
    assert spiceypy.str2et(s["utc_ert"]) == pytest.approx(pj.et + lt, abs=UTC_TOL_S)
    # PJ1 (2016-08-27): Jupiter 22.6 deg from the Sun, a month before conjunction.
    assert 15.0 < s["sun_earth_juno_deg"] < 30.0
    ev = pj.events
    assert list(ev.columns[:4]) == ["utc", "et", "utc_ert", "light_time_min"]
    # The window's events include crossings too; the perijove row matches the summary.
    at_pj = ev[ev["kind"] == "perijove"]
    assert len(at_pj) == 1 and at_pj["utc_ert"].iloc[0] == s["utc_ert"]
    doc = json.loads(serialize.to_json(pj))
    assert doc["utc_ert"] == s["utc_ert"] and "earth_received" in doc["metadata"]["conventions"]
    (pj_event,) = [e for e in doc["events"] if e["kind"] == "perijove"]
    assert pj_event["light_time_min"] == pytest.approx(s["light_time_min"])
    assert f"# perijove Earth-received (ERT): {s['utc_ert']}" in serialize.to_csv(pj)


def test_add_received_keeps_an_empty_table_empty():
    df = pd.DataFrame({"utc": [], "et": [], "kind": []})
    out = earth.add_received(df)
    assert list(out.columns) == ["utc", "et", "utc_ert", "light_time_min", "kind"]
    assert len(out) == 0


# -- Jupiter's orientation and the central meridian -------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # naif_dir is a path
@given(st.floats(-3.15e9, 1.6e9))  # 1900 .. 2050
def test_orientation_matches_spice_pxform(naif_dir, et):
    spiceypy.kclear()
    spiceypy.furnsh(str(naif_dir / "generic_kernels/pck/pck00010.tpc"))
    m = earth.jupiter_orientation([et])[0]
    assert np.max(np.abs(m - spiceypy.pxform("J2000", "IAU_JUPITER", et))) < ORIENTATION_TOL


def test_cml_matches_spice_subpnt(spice):
    et = _grid(JUPITER_CENTRE_SPANS, 40)
    sub = earth.sub_earth_point(et)
    re, _, rp = spiceypy.bodvrd("JUPITER", "RADII", 3)[1]
    lon, lat = [], []
    for t in et:
        p, _, _ = spiceypy.subpnt("NEAR POINT/ELLIPSOID", "JUPITER", t, "IAU_JUPITER", "LT+S",
                                  "EARTH")
        lo, la, _ = spiceypy.recpgr("JUPITER", p, re, (re - rp) / re)
        lon.append(np.degrees(lo))
        lat.append(np.degrees(la))
    dlon = (sub["lon_w_deg"] - np.array(lon) + 180.0) % 360.0 - 180.0
    assert np.max(np.abs(dlon)) < CML_TOL_DEG
    assert np.max(np.abs(sub["lat_pg_deg"] - np.array(lat))) < CML_TOL_DEG
    # The grid samples the whole circle, so a constant offset could not hide.
    assert np.ptp(sub["lon_w_deg"]) > 300.0


# -- observing windows ----------------------------------------------------------------

def _dense(obs, step=EDGE_STEP_S):
    """Jupiter's and the Sun's airless apparent altitude sampled with skyfield's altaz."""
    from skyfield.api import wgs84

    eph = earth.ephemeris()
    s = obs.site
    site = eph["earth"] + wgs84.latlon(s.lat_deg, s.lon_deg, elevation_m=s.elevation_m)
    t0, t1 = obs.span_et
    et = np.arange(t0, t1, step)
    t = earth.to_time(et)
    jup = site.at(t).observe(eph["jupiter barycenter"]).apparent().altaz()[0].degrees
    sun = site.at(t).observe(eph["sun"]).apparent().altaz()[0].degrees
    return et, jup, sun, site, eph


@pytest.mark.parametrize("site,twilight,min_alt", [
    ("siding-spring", "nautical", 20.0),
    ("greenwich", "civil", 10.0),
    ("69.65,18.96,0", "astronomical", 5.0),   # Tromsø in late November: polar night
])
def test_windows_match_dense_altitude_sampling(site, twilight, min_alt):
    obs = observe(38, site, days=3, min_altitude_deg=min_alt, twilight=twilight)
    assert len(obs.windows) >= 3
    et, jup, sun, _, _ = _dense(obs)
    ok = (jup >= min_alt) & (sun < TWILIGHT[twilight][0])
    sampled_edges = et[1:][np.diff(ok.astype(int)) != 0]
    edges = np.array([t for _, w in obs.windows.iterrows() for t in (w.start_et, w.end_et)])
    inner = edges[(edges > obs.span_et[0] + 1) & (edges < obs.span_et[1] - 1)]
    assert len(sampled_edges) == len(inner)
    for e in sampled_edges:
        assert np.min(np.abs(inner - e)) <= EDGE_STEP_S + 1.0
    # Away from the edges, the windows say what the sampling says.
    far = np.array([np.min(np.abs(inner - t)) > EDGE_STEP_S for t in et]) if len(inner) else \
        np.ones_like(ok)
    flagged = np.zeros_like(ok)
    for _, w in obs.windows.iterrows():
        flagged |= (et >= w.start_et) & (et <= w.end_et)
    assert np.array_equal(flagged[far], ok[far])


def test_rise_set_transit_agree_with_skyfield_almanac():
    from skyfield import almanac
    from skyfield.searchlib import find_discrete

    obs = observe(38, "mauna-kea", days=4)
    _, _, _, site, eph = _dense(obs, step=3600.0)
    t0, t1 = earth.to_time(obs.span_et[0]), earth.to_time(obs.span_et[1])
    # skyfield's older search: find_discrete on "is Jupiter above -34'?".
    f = almanac.risings_and_settings(eph, eph["jupiter barycenter"], site.vector_functions[-1])
    t, up = find_discrete(t0, t1, f)
    ref_rise, ref_set = earth.to_et(t)[up == 1], earth.to_et(t)[up == 0]
    rise = [earth_et(x) for n in obs.nights for x in n["jupiter_rise_utc"]]
    sets = [earth_et(x) for n in obs.nights for x in n["jupiter_set_utc"]]
    assert len(rise) == len(ref_rise) >= 4 and len(sets) == len(ref_set) >= 4
    # Our times are printed to the second: allow that rounding too.
    assert np.max(np.abs(np.array(rise) - ref_rise)) < RISE_SET_TOL_S
    assert np.max(np.abs(np.array(sets) - ref_set)) < RISE_SET_TOL_S
    # Transits: Jupiter's hour angle is zero there.
    tr = np.array([earth_et(x) for n in obs.nights for x in n["jupiter_transit_utc"]])
    ha = site.at(earth.to_time(tr)).observe(eph["jupiter barycenter"]).apparent().hadec()[0]
    assert len(tr) >= 4
    assert np.max(np.abs((ha.hours + 12.0) % 24.0 - 12.0)) < TRANSIT_HA_TOL_H + 1.0 / 3600.0


def earth_et(utc: str) -> float:
    import datetime as dt

    t = earth.timescale().from_datetime(dt.datetime.fromisoformat(utc.replace("Z", "+00:00")))
    return float(earth.to_et(t))


def test_longitude_on_central_meridian_times():
    obs = observe(38, "siding-spring", days=7, longitude_w_deg=100.0)
    times = [earth_et(x) for _, w in obs.windows.iterrows() for x in w.longitude_on_cm_utc]
    assert len(times) >= 1
    cml = earth.cml_iii(times)
    # Printed to the second; the CML turns 0.01 deg per second.
    assert np.max(np.abs((cml - 100.0 + 180.0) % 360.0 - 180.0)) < 0.02
    starts, ends = obs.windows.start_et.to_numpy(), obs.windows.end_et.to_numpy()
    assert all(np.any((starts - 1 <= t) & (t <= ends + 1)) for t in times)


def test_observe_result_structure_and_conventions():
    obs = observe(38, "okayama", days=2, step="30m")
    assert obs.perijove["utc"] == "2021-11-29T14:13:29.633Z"
    # 2021-11-29: Jupiter 5.1 AU from Earth, ~42.6 min of light time.
    assert 40.0 < obs.perijove["light_time_min"] < 45.0
    doc = json.loads(serialize.to_json(obs))
    assert {"perijove", "site", "nights", "samples", "metadata"} <= set(doc)
    conv = doc["metadata"]["conventions"]
    assert "System III" in conv["cml_iii_deg"] and "west" in conv["cml_iii_deg"]
    assert "SCET" in conv["time"] and "twilight" in conv
    assert doc["site"]["source"].startswith("astropy-data")
    df = pd.read_csv(pd.io.common.StringIO(serialize.to_csv(obs)), comment="#")
    assert {"utc", "et", "jupiter_alt_deg", "sun_alt_deg", "observable", "cml_iii_deg"} \
        <= set(df.columns)
    assert np.allclose(np.diff(df["et"])[:-1], 1800.0)
    assert df["et"].iloc[-1] == pytest.approx(obs.perijove["et"])


def test_never_observable_is_said_so():
    obs = observe(38, "greenwich", days=1, min_altitude_deg=60.0)  # Jupiter culminates at 24 deg
    assert len(obs.windows) == 0 and not obs.samples["observable"].any()
    assert any("never observable" in n for n in obs.notes)
    assert all(n["windows"] == [] for n in obs.nights)


def test_unknown_perijove():
    with pytest.raises(PerijoveError, match="perijove 999"):
        observe(999, "greenwich")


# -- sites ------------------------------------------------------------------------------

def test_parse_site():
    s = parse_site("-31.27, 149.06, 1149")
    assert (s.lat_deg, s.lon_deg, s.elevation_m) == (-31.27, 149.06, 1149.0)
    assert parse_site("10,200").lon_deg == pytest.approx(-160.0)
    assert parse_site("Siding Spring") is SITES["siding-spring"]
    for bad in ["91,0", "0,400", "abc", "10", "1,2,3,4", "0,0,20000"]:
        with pytest.raises(ValueError):
            parse_site(bad)


def test_sites_have_sources_and_sane_coordinates():
    for key, s in SITES.items():
        assert -90 < s.lat_deg < 90 and -180 <= s.lon_deg <= 180 and 0 <= s.elevation_m < 5000
        assert "astropy-data" in s.source, key


# -- ephemeris: local files only, never a download --------------------------------------

def test_nothing_is_downloaded(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    import skyfield.iokit

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(skyfield.iokit, "urlopen", refuse)  # skyfield's own reference
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.chdir(tmp_path)
    earth.timescale.cache_clear()
    earth._ephemeris.cache_clear()
    try:
        obs = observe(38, "teide", days=1)
        rec = earth.received([obs.perijove["et"]])
        assert rec["light_time_min"].iloc[0] == pytest.approx(obs.perijove["light_time_min"])
        assert len(obs.samples) > 100
    finally:
        earth.timescale.cache_clear()
        earth._ephemeris.cache_clear()
    assert list(tmp_path.iterdir()) == []  # and no file was written


def test_observe_cli_offline_without_kernels(tmp_path):
    # A fresh process: no kernels, an empty cache, and sockets that refuse to connect.
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(
        "import socket\n"
        "def _no(*a, **k):\n    raise OSError('network access attempted')\n"
        "socket.socket.connect = _no\nsocket.create_connection = _no\n")
    cache = tmp_path / "cache"
    proc = run_flyplan("observe", "38", "--site", "-33.9,18.4,10", "--days", "2", "-f", "json",
                       env={"PYTHONPATH": str(guard), "FLYPLAN_CACHE": str(cache)},
                       drop=("FLYPLAN_KERNELS", "PYTHONPATH"), cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["site"]["lat_deg"] == -33.9 and doc["metadata"]["twilight"] == "nautical"
    assert "skyfield-data" in doc["metadata"]["ephemeris"]
    assert not cache.exists() or not any(cache.rglob("*"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["guard"]


def test_other_planetary_spk_and_errors(naif_dir, tmp_path):
    de440s = naif_dir / "generic_kernels/spk/planets/de440s_2030.bsp"
    et = np.array([6.9e8, 7.2e8])
    a = earth.light_time(et)
    b = earth.light_time(et, ephemeris_path=de440s)
    assert np.max(np.abs(a - b)) < 0.01  # DE421 and DE440 agree on Jupiter to ~km
    with pytest.raises(CoverageError, match="does not cover"):
        earth.light_time([1.0e9], ephemeris_path=de440s)  # 2031-09, past the excerpt
    with pytest.raises(KernelError, match="not found"):
        earth.ephemeris(tmp_path / "nope.bsp")
    bad = tmp_path / "bad.bsp"
    bad.write_text("<html>not a kernel</html>")
    with pytest.raises(KernelError, match="bad.bsp"):
        earth.ephemeris(bad)
    # The command line says so without a traceback (PJ1, 2016, is before the excerpt).
    res = runner.invoke(app, ["observe", "1", "--site", "greenwich", "--ephemeris", str(de440s)])
    assert res.exit_code == 1
    assert "does not cover" in res.output and "Traceback" not in res.output


# -- command line -----------------------------------------------------------------------

def test_observe_cli_table_csv_html(tmp_path):
    res = runner.invoke(app, ["observe", "38", "--site", "siding-spring", "--days", "2",
                              "--longitude", "100"])
    assert res.exit_code == 0, res.output
    assert "Siding Spring" in res.output and "System III" in res.output
    assert "@CM" in res.output
    csv_path, page = tmp_path / "o.csv", tmp_path / "o.html"
    res = runner.invoke(app, ["observe", "38", "--site", "greenwich", "--days", "1", "-f", "csv",
                              "-o", str(csv_path), "--html", str(page)])
    assert res.exit_code == 0, res.output
    assert "# site: Royal Observatory Greenwich" in csv_path.read_text()
    html = page.read_text()
    assert "flyplan-observe" in html and "flyplan-windows" in html
    assert "<script src=" not in html


@pytest.mark.parametrize("args", [
    ["observe", "38", "--site", "atlantis"],
    ["observe", "38", "--site", "95,0"],
    ["observe", "38", "--site", "greenwich", "--twilight", "dusk"],
    ["observe", "38", "--site", "greenwich", "--days", "0"],
    ["observe", "38", "--site", "greenwich", "--min-altitude", "95"],
    ["observe", "38"],
])
def test_observe_usage_errors_exit_2(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output


def test_observe_unknown_perijove_exits_1():
    res = runner.invoke(app, ["observe", "999", "--site", "greenwich"])
    assert res.exit_code == 1
    assert "perijove 999" in res.output and "PJ0..PJ110" in res.output
