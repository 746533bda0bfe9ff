"""Scenario files: validation with file/key/line errors, and plan() windows.

plan() is checked end to end on the real PJ1 trajectory with synthetic moons
(tests/_synthetic.py; no real moon ephemeris covers a Juno kernel here): every
window meets every constraint at its start, middle and end, its edges are
where the constraints change (to the bisection tolerance), and dense sampling
finds no qualifying time outside the windows.  The shipped scenarios for PJ38,
PJ45, PJ57 and all perijoves run once the built-in Juno model and moon
ephemeris are available.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _cli import run_flyplan
import spiceypy

from flyplan.domain import plan as scenario
from flyplan.errors import ScenarioError
from flyplan.domain.plan import key_line, load_scenario, parse_scenario

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((REPO / "scenarios").glob("*.toml"))
# Window edges: bisected to EDGE_TOL_S; the dense check samples every DENSE_S.
DENSE_S = 5.0


# -- finding a key's line ------------------------------------------------------------------------
TOML = '''# a comment with key = value
name = "x = y # not a comment"
perijove = 38
targets = [
  "Io",      # with = inside a comment
  "Callisto",
]
description = """
in_swath = true
"""

[constraints]
in_swath = true
lat_pg_deg = [68, 70]

[outputs]
format = "json"
"quoted key" = 1
constraints.sunlit = true
'''


@pytest.mark.parametrize("loc,line", [
    (("name",), 2),
    (("perijove",), 3),
    (("targets",), 4),
    (("targets", 1), 4),
    (("description",), 8),
    (("constraints",), 12),
    (("constraints", "in_swath"), 13),
    (("constraints", "lat_pg_deg", 0), 14),
    (("outputs", "format"), 17),
    (("outputs", "quoted key"), 18),
    (("outputs", "constraints", "sunlit"), 19),
    (("outputs", "nope"), 16),
    (("window",), None),
])
def test_key_line(loc, line):
    assert key_line(TOML, loc) == line


# -- bad input -----------------------------------------------------------------------------------
GOOD = '''name = "test"
perijove = 1
window = "-6h..+6h"
step = "30s"
targets = ["Io", "Europa"]

[constraints]
above_limb = true
lat_pg_deg = [-60.0, 60.0]
'''


@pytest.mark.parametrize("old,new,line,needles", [
    # a typo'd key
    ("above_limb = true", "above_limbb = true", 8,
     ["constraints.above_limbb", "unknown key", "did you mean 'above_limb'"]),
    # a wrong type
    ("above_limb = true", 'above_limb = "yes"', 8, ["constraints.above_limb", "boolean"]),
    ('step = "30s"', 'step = "fast"', 4, ["step", "not a duration"]),
    ("perijove = 1", 'perijove = "1"', 2, ["perijove", "integer"]),
    # an impossible window
    ('window = "-6h..+6h"', 'window = "+6h..-6h"', 3, ["window", "ends before it starts"]),
    ("perijove = 1\n", "", 2, ["window", "must be absolute"]),
    ('window = "-6h..+6h"', 'window = "-6h..+6h"\nperijoves = [1, 2]', 4,
     ["perijoves", "not both"]),
    ("lat_pg_deg = [-60.0, 60.0]", "lat_pg_deg = [60.0, -60.0]", 9,
     ["constraints.lat_pg_deg", "empty"]),
    ('step = "30s"', 'step = "13h"', 4, ["step", "longer than the window"]),
    # a target flyplan does not know
    ('targets = ["Io", "Europa"]', 'targets = ["Io", "Amalthea"]', 5,
     ["targets", "unknown target 'Amalthea'", "Io, Europa, Ganymede, Callisto"]),
    ('targets = ["Io", "Europa"]', 'targets = ["Io", "europe"]', 5,
     ["did you mean 'Europa'"]),
])
def test_bad_scenarios_name_file_key_and_line(tmp_path, old, new, line, needles):
    assert old in GOOD
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    msg = str(exc.value)
    assert f"{path}, line {line}:" in msg, msg
    for n in needles:
        assert n in msg, msg


def test_absolute_window_ending_before_it_starts(tmp_path):
    text = ('targets = ["Io"]\n# the window\n'
            'window = "2021-11-29T16:00:00Z..2021-11-29T12:00:00Z"\n')
    with pytest.raises(ScenarioError, match=r"x.toml, line 3: window: .*ends before it starts"):
        parse_scenario(text, "x.toml")


def test_invalid_toml_names_the_line():
    with pytest.raises(ScenarioError, match=r"x.toml, line 2: not valid TOML"):
        parse_scenario('perijove = 1\ntargets = ["Io" "Europa"]\n', "x.toml")


def test_missing_key_and_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="targets: required key missing"):
        parse_scenario("perijove = 1\n", "x.toml")
    with pytest.raises(ScenarioError, match="cannot read scenario file"):
        load_scenario(tmp_path / "nope.toml")


_flyplan = run_flyplan


@pytest.mark.parametrize("old,new,needles", [
    ("above_limb = true", "in_swat = true", ["bad.toml, line 8", "constraints.in_swat",
                                              "unknown key"]),
    ("perijove = 1", "perijove = 1.5", ["bad.toml, line 2", "perijove"]),
    ('window = "-6h..+6h"', 'window = "6h..-6h"', ["bad.toml, line 3", "window"]),
    ('targets = ["Io", "Europa"]', 'targets = ["Titan"]', ["bad.toml, line 5", "Titan"]),
])
def test_cli_bad_scenario_exits_1_with_one_clear_message(tmp_path, old, new, needles):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace(old, new, 1))
    out = tmp_path / "out.json"
    proc = _flyplan("plan", path, "-f", "json", "-o", out)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("error:") == 1
    for n in needles:
        assert n in proc.stderr, proc.stderr
    assert not out.exists()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path):
    sc = load_scenario(path)
    assert sc.name and sc.description and (sc.targets or sc.pois)
    assert sc.perijove_numbers()


def test_shipped_scenarios_cover_the_issue():
    names = {p.name for p in SCENARIOS}
    assert {"pj38_io_callisto.toml", "pj45_europa.toml", "pj57_io.toml",
            "best_io_all_perijoves.toml"} <= names
    sc = load_scenario(REPO / "scenarios" / "best_io_all_perijoves.toml")
    assert sc.perijoves == "all" and sc.outputs.best == "km_per_px"
    assert len(sc.perijove_numbers()) > 100


# -- plan() on PJ1 with synthetic moons ------------------------------------------------------


PJ1_SCENARIO = '''name = "PJ1 with synthetic moons"
perijove = 1
window = "-6h..+6h"
step = "60s"
targets = ["Io", "Europa"]
attitude = "earth"

[constraints]
above_limb = true
sunlit = true
lat_pg_deg = [-60.0, 60.0]
altitude_km = [3000.0, 400000.0]
phase_deg = [0.0, 150.0]
'''


@pytest.fixture(scope="module")
def pj1_plan(moons_kernel_dir):
    sc = parse_scenario(PJ1_SCENARIO, "pj1.toml")
    return sc, scenario.plan(sc, kernels=moons_kernel_dir)


def _holds(rec, sc) -> bool:
    c = sc.constraints
    ok = c.lat_pg_deg[0] <= rec["lat_pg_deg"] <= c.lat_pg_deg[1]
    ok &= c.altitude_km[0] <= rec["altitude_km"] <= c.altitude_km[1]
    for t in ("io", "europa"):
        ok &= rec[f"{t}_limb_angle_deg"] > 0 and not rec[f"{t}_in_shadow"]
        ok &= c.phase_deg[0] <= rec[f"{t}_phase_deg"] <= c.phase_deg[1]
    return bool(ok)


def test_plan_windows_meet_every_constraint(pj1_plan):
    sc, res = pj1_plan
    assert res.perijoves[0]["status"] == "ok"
    assert len(res.windows) >= 2
    for w in res.window_records:
        assert w["end_et"] > w["start_et"]
        for where in ("start", "middle", "end"):
            assert _holds(w["geometry"][where], sc), (where, w)
        assert w["geometry"]["middle"]["et"] == pytest.approx(0.5 * (w["start_et"] +
                                                                     w["end_et"]))


def test_plan_window_edges_are_where_the_constraints_change(pj1_plan):
    sc, res = pj1_plan
    res_pj = res.perijoves[0]
    # Re-evaluate just outside every edge that is not the window asked for.
    from flyplan.kernels.pool import KernelSet

    KernelSet([k["path"] for k in res_pj["kernels"]]).load()
    ev = scenario._Evaluator(sc, scenario._attitude(sc, 1)[0])
    outside, inside = [], []
    for w in res.window_records:
        if not w["starts_at_window_edge"]:
            outside.append(w["start_et"] - 2 * scenario.EDGE_TOL_S)
            inside.append(w["start_et"])
        if not w["ends_at_window_edge"]:
            outside.append(w["end_et"] + 2 * scenario.EDGE_TOL_S)
            inside.append(w["end_et"])
    assert len(outside) >= 3
    assert ev(np.array(inside)).all()
    assert not ev(np.array(outside)).any()
    # Dense sampling finds nothing qualifying outside the windows.
    t0, t1 = (spiceypy.str2et(x) for x in res_pj["window_utc"])
    et = np.arange(t0, t1, DENSE_S)
    ok = ev(et)
    in_win = np.zeros(len(et), bool)
    for w in res.window_records:
        in_win |= (et >= w["start_et"] - 1.0) & (et <= w["end_et"] + 1.0)
    assert not (ok & ~in_win).any()
    core = np.zeros(len(et), bool)
    for w in res.window_records:
        core |= (et >= w["start_et"] + 1.0) & (et <= w["end_et"] - 1.0)
    assert ok[core].all()


def test_plan_outputs(moons_kernel_dir, tmp_path):
    path = tmp_path / "pj1.toml"
    path.write_text(PJ1_SCENARIO)
    html = tmp_path / "pj1.html"
    proc = _flyplan("plan", path, "-k", moons_kernel_dir, "-f", "json", "--html", html)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["windows"] and doc["perijoves"][0]["status"] == "ok"
    w = doc["windows"][0]
    assert {"start_utc", "end_utc", "duration_s", "geometry"} <= set(w)
    assert set(w["geometry"]) == {"start", "middle", "end"}
    assert {"io_km_per_px", "europa_in_swath", "lat_pg_deg"} <= set(w["geometry"]["middle"])
    assert doc["metadata"]["scenario"]["targets"] == ["Io", "Europa"]
    assert "flyplan-plan" in html.read_text()
    csv_ = _flyplan("plan", path, "-k", moons_kernel_dir, "-f", "csv")
    assert csv_.returncode == 0 and "start_utc" in csv_.stdout and "# convention" in csv_.stdout
    table = _flyplan("plan", path, "-k", moons_kernel_dir)
    assert table.returncode == 0 and "windows meeting every constraint" in table.stdout


def test_plan_several_perijoves_and_best(moons_kernel_dir):
    text = PJ1_SCENARIO.replace("perijove = 1", "perijoves = [0, 1]") + \
        '\n[outputs]\nbest = "km_per_px"\n'
    sc = parse_scenario(text, "multi.toml")
    res = scenario.plan(sc, kernels=moons_kernel_dir)
    by = {p["perijove"]: p for p in res.perijoves}
    assert by[1]["status"] == "ok"
    # PJ0 has no moon ephemeris here unless flyplan's built-in one is installed.
    assert by[0]["status"] == "ok" or by[0]["reason"]
    best = by[1]["best"]
    assert best is not None
    # The finest scale inside the windows: nothing sampled inside does better.
    from flyplan.kernels.pool import KernelSet

    KernelSet([k["path"] for k in by[1]["kernels"]]).load()
    ev = scenario._Evaluator(sc, scenario._attitude(sc, 1)[0])
    for w in by[1]["windows"]:
        et = np.arange(w["start_et"], w["end_et"], 20.0)
        df = ev.table(et)
        assert df["io_km_per_px"].min() >= best["io_km_per_px"] - 1e-6
    assert any(w["start_et"] - 1e-3 <= best["et"] <= w["end_et"] + 1e-3
               for w in by[1]["windows"])


# -- the shipped scenarios on flyplan's built-in model and moons ----------------------------------
def test_pj38_io_and_callisto_above_the_limb(naif_dir):
    res = scenario.plan(REPO / "scenarios" / "pj38_io_callisto.toml", kernels=naif_dir)
    assert len(res.windows), res.perijoves
    for w in res.window_records:
        for where in ("start", "middle", "end"):
            g = w["geometry"][where]
            for moon in ("io", "callisto"):
                assert g[f"{moon}_limb_angle_deg"] > 0
                assert not g[f"{moon}_occulted"] and not g[f"{moon}_transit"]
            assert 68.0 <= g["lat_pg_deg"] <= 70.0
            assert 13_000.0 <= g["altitude_km"] <= 15_000.0


def test_pj45_europa_flyby_scenario(naif_dir):
    res = scenario.plan(REPO / "scenarios" / "pj45_europa.toml", kernels=naif_dir)
    assert len(res.windows)
    best = res.perijoves[0]["best"]
    # ~352 km above Europa: about 1,900 km from its centre, 1.3 km per pixel.
    assert best["europa_km_per_px"] < 2.0
    assert best["utc"].startswith("2022-09-29T09:3")


def test_pj57_io_flyby_scenario(naif_dir):
    # The model's PJ57 must not report a view from inside Io: either its pass
    # is outside Io, or the plan says it cannot resolve the flyby.
    res = scenario.plan(REPO / "scenarios" / "pj57_io.toml", kernels=naif_dir)
    p = res.perijoves[0]
    assert p["status"] == "ok"
    # Anchored on the published 1,500 km pass: resolved, and never inside Io.
    assert not [n for n in p["notes"] if "cannot resolve the Io flyby" in n]
    for w in res.window_records:
        for g in w["geometry"].values():
            assert g["io_range_km"] is None or g["io_range_km"] > 1821.5
    assert len(res.windows)
    assert p["best"]["io_km_per_px"] < 10.0


def test_best_io_over_perijoves(naif_dir):
    sc = load_scenario(REPO / "scenarios" / "best_io_all_perijoves.toml")
    sc = sc.model_copy(update={"perijoves": [55, 56, 57, 58]})
    res = scenario.plan(sc, kernels=naif_dir, workers=2)
    best = res.best_frame()
    assert set(best["perijove"]) <= {55, 56, 57, 58} and len(best) >= 2
    assert (best["io_range_km"] > 1821.5).all()


def test_plan_absolute_window_without_perijove(pj1_plan, moons_kernel_dir):
    _, rel = pj1_plan
    text = PJ1_SCENARIO.replace("perijove = 1\n", "").replace(
        'window = "-6h..+6h"', 'window = "2016-08-27T10:00:00Z..2016-08-27T14:00:00Z"')
    res = scenario.plan(parse_scenario(text, "abs.toml"), kernels=moons_kernel_dir)
    assert res.perijoves[0]["perijove"] == 1  # the nearest perijove names the orbit
    t0, t1 = (spiceypy.str2et(x) for x in res.perijoves[0]["window_utc"])
    # The same edges as the relative scenario wherever neither window cuts them.
    inner = [w for w in res.window_records if not (w["starts_at_window_edge"] or
                                           w["ends_at_window_edge"])]
    ref = [w for w in rel.window_records if t0 < w["start_et"] and w["end_et"] < t1]
    assert len(inner) == len(ref) >= 1
    for a, b in zip(inner, ref):
        assert abs(a["start_et"] - b["start_et"]) <= 2 * scenario.EDGE_TOL_S
        assert abs(a["end_et"] - b["end_et"]) <= 2 * scenario.EDGE_TOL_S
