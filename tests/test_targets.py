"""Points of interest (flyplan.domain.targets) and the JunoCam metadata check.

Golden data: the three JunoCam raw-image metadata files in
``../shared/junocam/metadata`` (the JunoCam team's sub-spacecraft point and
altitude at IMAGE_TIME) for PJ16 and PJ27, which no real Juno kernel here
covers: those run on flyplan's built-in Juno model, whose accuracy (the
table row's 1-sigma from leave-one-out, ``juno_model.perijove_row``) sets the
tolerance.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flyplan.domain import targets as T
from flyplan.domain.poi import make_poi

METADATA = Path("junocam/metadata")


# -- parsing ----------------------------------------------------------------------------------
def test_parse_system_iii_and_ii():
    p = T.parse_poi("SSTB:-39.35,271.74")
    assert (p.name, p.lat_pg_deg, p.lon_w_deg, p.system) == ("SSTB", -39.35, 271.74, "III")
    g = T.parse_poi(" Great Red Spot : -22.5 , 300 , II@2018-10-29T12:00Z+0.08")
    assert g.name == "Great Red Spot" and g.system == "II"
    assert g.epoch_utc == "2018-10-29T12:00Z" and g.drift_deg_per_day == 0.08
    # A negative drift after a date with hyphens.
    g2 = T.parse_poi("X:10,20,II@2018-10-29-0.5")
    assert g2.epoch_utc == "2018-10-29" and g2.drift_deg_per_day == -0.5
    assert T.parse_poi("Y:0,370").lon_w_deg == 10.0


@pytest.mark.parametrize("text, what", [
    ("nolatlon", "cannot read"), ("A:95,10", "latitude"), ("A:10,20,II@notadate", "cannot read"),
    ("A:10,20,II@2018-13-45", "epoch"), (":10,20", "cannot read")])
def test_bad_poi_text_is_a_clear_error(text, what):
    with pytest.raises(T.POIError, match=what) as exc:
        T.parse_poi(text)
    assert "to fix" in str(exc.value)


def test_poi_files(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("# my targets\nname,lat_pg_deg,lon_w_deg,system,epoch,drift_deg_per_day\n"
                   "SSTB,-39.35,271.74,,,\nGRS,-22.5,300,II,2018-10-29,0.08\n")
    got = T.read_poi_file(csv)
    assert [p.name for p in got] == ["SSTB", "GRS"] and got[1].system == "II"
    toml = tmp_path / "p.toml"
    toml.write_text('[[poi]]\nname = "SSTB"\nlat_pg_deg = -39.35\nlon_w_deg = 271.74\n'
                    '[[poi]]\nname = "GRS"\nlat_pg_deg = -22.5\nlon_w_deg = 300\n'
                    'system = "II"\nepoch = "2018-10-29"\ndrift_deg_per_day = 0.08\n')
    assert T.read_poi_file(toml) == got
    bad = tmp_path / "b.csv"
    bad.write_text("name,lat_pg_deg,lon_w_deg,colour\nA,1,2,red\n")
    with pytest.raises(T.POIError, match=r"line 2: unknown key\(s\) colour"):
        T.read_poi_file(bad)
    bad.write_text("name,lat_pg_deg,lon_w_deg\nA,north,2\n")
    with pytest.raises(T.POIError, match="line 2: .*numbers"):
        T.read_poi_file(bad)
    with pytest.raises(T.POIError, match="cannot read the POI file"):
        T.read_poi_file(tmp_path / "missing.csv")
    (tmp_path / "e.toml").write_text("[other]\nx = 1\n")
    with pytest.raises(T.POIError, match=r"\[\[poi\]\]"):
        T.read_poi_file(tmp_path / "e.toml")


# -- System II ------------------------------------------------------------------------------
def test_system_ii_offset_at_j2000_and_its_rate():
    # W_III - W_II from the IAU WGCCRE expressions: 241.65 deg at J2000, +0.266 deg/day.
    assert T.system_ii_to_iii(0.0, 0.0) == pytest.approx(284.95 - 43.3)
    assert (T.system_ii_to_iii(0.0, 86400.0) - T.system_ii_to_iii(0.0, 0.0)) == pytest.approx(
        870.536 - 870.27)


@settings(max_examples=100)
@given(st.floats(-80, 80), st.floats(0, 359), st.floats(-3e8, 3e8), st.floats(-2e6, 2e6))
def test_a_feature_drifting_with_system_iii_is_fixed_in_system_iii(lat, lon, e0, dt):
    # A System II feature drifting at -(870.536 - 870.270) deg/day keeps its System III
    # longitude: the conversion and the drift use the same clock.
    from flyplan.kernels import builtin
    import spiceypy

    spiceypy.furnsh(str(builtin.leapseconds_kernel()))
    epoch = spiceypy.et2utc(e0, "ISOC", 3) + "Z"
    poi = make_poi("f", lat, lon, "II", epoch, -(T.W_III[1] - T.W_II[1]))
    a, b = poi.lon_iii(np.array([e0, e0 + dt]))
    assert (b - a + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-7)


# -- the pass: PJ1 on the real kernels -------------------------------------------------------
@pytest.mark.shared
def test_pj1_sub_spacecraft_point_at_perijove_is_imageable(naif_dir):
    import spiceypy

    from flyplan.domain.perijove import perijove
    from flyplan.geometry import surface

    pj = perijove(1, kernels=naif_dir, window="-1m..+1m", step="60s", moons=False,
                  extras=False)
    s = pj.summary
    res = T.targets(1, [f"PJ:{s['lat_pg_deg']},{s['lon_w_deg']}", "far:-10,"
                    f"{(s['lon_w_deg'] + 180) % 360}"], kernels=naif_dir, window="-1h..+1h",
                    step="30s")
    rec = {r["name"]: r for r in res.records}
    pjr = rec["PJ"]
    assert pjr["imageable"] and pjr["best"]["in_swath"]
    # Best view is within a sample of perijove, straight down, from perijove altitude.
    assert abs(pjr["best"]["et"] - pj.et) <= 30.0
    assert pjr["best"]["emission_deg"] < 1.0
    assert pjr["best"]["range_km"] == pytest.approx(s["altitude_km"], rel=1e-3)
    # The far side never faces Juno within the hour.
    assert rec["far"]["best"] is None and rec["far"]["windows"] == []
    # Window edges: imageable just inside, not just outside (bisected to EDGE_TOL_S).
    poi = res.pois[0]
    for w in pjr["windows"]:
        for et, inside in ((w["start_et"], True), (w["start_et"] - 2 * T.EDGE_TOL_S, False),
                           (w["end_et"], True), (w["end_et"] + 2 * T.EDGE_TOL_S, False)):
            if res.pass_.window[0] < et < res.pass_.window[1]:
                g = surface.surface_geometry([et], [poi.lat_pg_deg], [poi.lon_w_deg],
                                             attitude=res.pass_.attitude)
                assert bool(g["in_swath"][0, 0]) == inside, (et, inside)
    from flyplan.products import serialize

    d = json.loads(serialize.to_json(res))
    best = d["pois"][0]["best"]
    assert {"utc", "et", "range_km", "km_per_px", "emission_deg", "incidence_deg", "phase_deg",
            "in_swath", "lit"} <= set(best)
    assert {"start_utc", "end_utc"} <= set(d["pois"][0]["windows"][0])
    assert d["metadata"]["perijove"] == 1 and "system_ii" in d["metadata"]["conventions"]
    assert spiceypy.ktotal("ALL") > 0


# -- JunoCam metadata: the sub-spacecraft point at IMAGE_TIME -------------------------------
def _metadata(shared_dir):
    out = []
    for f in sorted((shared_dir / METADATA).glob("*.json")):
        d = json.loads(f.read_text())
        out.append({"id": d["PRODUCT_ID"], "pj": int(d["PJ"]),
                    "lat": float(d["SUB_SPACECRAFT_LATITUDE"]),
                    "lon": float(d["SUB_SPACECRAFT_LONGITUDE"]),
                    "alt": float(d["SPACECRAFT_ALTITUDE"].split()[0]),
                    "time": d["IMAGE_TIME"] + "Z", "start": d["START_TIME"] + "Z",
                    "stop": d["STOP_TIME"] + "Z"})
    return out


@pytest.mark.shared
def test_metadata_sub_spacecraft_points_are_imageable_at_their_image_time(shared_dir):
    import spiceypy

    from flyplan.ephemeris import juno_model
    from flyplan.geometry import surface
    from flyplan.geometry.samples import sample_table

    rows = _metadata(shared_dir)
    assert {r["pj"] for r in rows} == {16, 27} and len(rows) == 3
    for r in rows:
        res = T.targets(r["pj"], [f"{r['id']}:{r['lat']},{r['lon']}"],
                        kernels=shared_dir / "naif", window=f"{r['start']}..{r['stop']}",
                        step="1s")
        assert res.pass_.plan.approximate  # no real kernel covers PJ16/PJ27 here
        et = spiceypy.str2et(r["time"])
        rec = res.records[0]
        assert any(w["start_et"] <= et <= w["end_et"] for w in rec["windows"]), rec["windows"]
        g = surface.surface_geometry([et], [r["lat"]], [r["lon"]], attitude=res.pass_.attitude)
        assert g["in_swath"][0, 0] and g["visible"][0, 0]
        # Tolerance from the model's stated 1-sigma angle error s near perijove: Juno's
        # sub-point may be off by s seen from the centre; from Juno's altitude h that
        # tilts the view by s + atan(s R / h).  Three sigma.
        row = juno_model.perijove_row(r["pj"])
        s = np.radians(row.sigma_angle_deg)
        bound = 3 * np.degrees(s + np.arctan(s * 71492.0 / r["alt"]))
        emission = g["emission_deg"][0, 0]
        print(f"\n{r['id']}: emission {emission:.3f} deg (bound {bound:.2f})")
        assert emission < bound
        # The model's own sub-spacecraft point against the JunoCam team's.
        sub = sample_table(np.array([et]), ()).iloc[0]
        dlon = (sub["lon_w_deg"] - r["lon"] + 180) % 360 - 180
        print(f"  sub-spacecraft: d lat {sub['lat_pg_deg'] - r['lat']:+.3f}, d lon {dlon:+.3f} "
              f"deg; altitude {sub['altitude_km'] - r['alt']:+.0f} km (model sigma "
              f"{row.sigma_angle_deg} deg, {row.sigma_alt_km} km)")
        assert abs(sub["lat_pg_deg"] - r["lat"]) < 3 * row.sigma_angle_deg
        assert abs(dlon) < 3 * row.sigma_angle_deg


# -- the command line -----------------------------------------------------------------------
@pytest.mark.shared
def test_cli_targets_pj16_sstb(naif_dir, tmp_path):
    from flyplan.cli import app

    r = CliRunner().invoke(app, ["targets", "16", "--poi", "SSTB:-39.35,271.74", "-k",
                                 str(naif_dir), "-f", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    poi = d["pois"][0]
    assert poi["imageable"] and poi["windows"]
    start, end = poi["windows"][0]["start_utc"], poi["windows"][0]["end_utc"]
    assert start <= "2018-10-29T21:30:10.534Z" <= end
    page = tmp_path / "t.html"
    r = CliRunner().invoke(app, ["targets", "16", "--poi", "SSTB:-39.35,271.74", "-k",
                                 str(naif_dir), "--html", str(page), "-s", "60s"])
    assert r.exit_code == 0 and "SSTB" in r.stdout and "imageable window" in r.stdout
    text = page.read_text()
    assert 'id="flyplan-pois"' in text and 'id="flyplan-coverage-map"' in text


@pytest.mark.parametrize("args, code, text", [
    (["targets", "16"], 2, "--poi"),
    (["targets", "16", "--poi", "bad"], 1, "cannot read the point of interest"),
    (["targets", "16", "--poi-file", "/nonexistent/p.csv"], 1, "cannot read the POI file"),
    (["coverage", "16", "--res", "0"], 1, "res"),
    (["coverage", "16", "--max-emission", "95"], 1, "max_emission_deg"),
])
def test_cli_bad_input_is_one_clear_message(args, code, text):
    from flyplan.cli import app

    r = CliRunner().invoke(app, args)
    assert r.exit_code == code, r.output
    assert text in r.output and "Traceback" not in r.output


@pytest.mark.shared
def test_cli_coverage_files(naif_dir, tmp_path):
    import xarray as xr

    from flyplan.cli import app

    out, nc, page = tmp_path / "c.json", tmp_path / "c.nc", tmp_path / "c.html"
    r = CliRunner().invoke(app, ["coverage", "1", "-k", str(naif_dir), "-w", "-1h..+1h",
                                 "-s", "120s", "--res", "10", "-f", "json", "-o", str(out),
                                 "--netcdf", str(nc), "--html", str(page)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["metadata"]["res_deg"] == 10.0 and d["cells"]
    assert xr.open_dataset(nc).sizes["lat_pg_deg"] == 18
    assert 'id="flyplan-coverage-map"' in page.read_text()


# -- scenario files with Jupiter points of interest ------------------------------------------
_POI_SCENARIO = '''perijove = 1
window = "-1h..+1h"
step = "30s"

[[pois]]
name = "PJ1 nadir"
lat_pg_deg = {lat}
lon_w_deg = {lon}

[constraints]
in_swath = true
max_km_per_px = {km}
max_emission_deg = 60
max_incidence_deg = 89
lit = false

[outputs]
best = "km_per_px"
'''


def test_scenario_pois_validate():
    from flyplan.domain.plan import parse_scenario
    from flyplan.errors import ScenarioError

    sc = parse_scenario(_POI_SCENARIO.format(lat=1.0, lon=2.0, km=20), "x.toml")
    assert sc.targets == [] and sc.pois[0].key() == "pj1_nadir"
    with pytest.raises(ScenarioError, match="line 7: pois.lat_pg_deg"):
        parse_scenario(_POI_SCENARIO.format(lat=95.0, lon=2.0, km=20), "x.toml")
    with pytest.raises(ScenarioError, match="max_emission_deg"):
        parse_scenario(_POI_SCENARIO.format(lat=1.0, lon=2.0, km=20).replace(
            "max_emission_deg = 60", "max_emission_deg = 100"), "x.toml")
    with pytest.raises(ScenarioError, match="must differ from the moons"):
        parse_scenario(_POI_SCENARIO.format(lat=1.0, lon=2.0, km=20).replace(
            '"PJ1 nadir"', '"Io"'), "x.toml")


@pytest.mark.shared
def test_plan_with_a_poi_matches_targets(naif_dir):
    from flyplan.domain.perijove import perijove
    from flyplan.domain.plan import parse_scenario, plan

    pj = perijove(1, kernels=naif_dir, window="-1m..+1m", step="60s", moons=False,
                  extras=False)
    s = pj.summary
    sc = parse_scenario(_POI_SCENARIO.format(lat=s["lat_pg_deg"], lon=s["lon_w_deg"], km=20),
                        "x.toml")
    res = plan(sc, kernels=naif_dir)
    assert len(res.windows) == 1
    w = res.windows.iloc[0]
    best = res.perijoves[0]["best"]
    assert best["pj1_nadir_km_per_px"] <= 20 and best["pj1_nadir_in_swath"]
    assert w["start_et"] <= best["et"] <= w["end_et"]
    # The same limits through flyplan.domain.targets give the same window (to the
    # bisection tolerance of both).
    t = T.targets(1, [f"n:{s['lat_pg_deg']},{s['lon_w_deg']}"], kernels=naif_dir,
                  window="-1h..+1h", step="30s", max_km_per_px=20, max_emission_deg=60,
                  max_incidence_deg=89)
    (tw,) = t.records[0]["windows"]
    assert abs(tw["start_et"] - w["start_et"]) <= 1.0 and abs(tw["end_et"] - w["end_et"]) <= 1.0
    assert abs(t.records[0]["best"]["km_per_px"] - best["pj1_nadir_km_per_px"]) < 0.01


def test_duplicate_and_missing_pois_are_clear_errors():
    with pytest.raises(T.POIError, match="named twice: A"):
        T.targets(1, ["A:1,2", "A:3,4"])
    with pytest.raises(T.POIError, match="no points of interest"):
        T.targets(1, [])
    with pytest.raises(Exception, match="max_km_per_px"):
        T.targets(1, ["A:1,2"], max_km_per_px=-1)
