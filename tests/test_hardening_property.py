"""Property: whatever arguments or scenario a user gives, flyplan ends in one message.

Random CLI arguments (hostile numbers, empty and odd strings, paths) and random
mutations of a valid scenario must end with exit status 0, 1 or 2 and never a
traceback; the scenario parser raises only ScenarioError/FlyplanError.  The
examples are few and the sample limit low, so that a valid draw runs quickly
on flyplan's Juno model (no real kernels needed).
"""

from __future__ import annotations

import json
import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flyplan.cli import app
from flyplan.errors import FlyplanError

runner = CliRunner()
# FLYPLAN_PROPERTY_SCALE=10 runs ten times the examples (a deeper search, on demand).
SCALE = max(1, int(os.environ.get("FLYPLAN_PROPERTY_SCALE", "1") or 1))

HOSTILE = ["nan", "inf", "-inf", "-1", "0", "1e309", "99999999999999999999", "1e9", "",
           "..", "-6h..", "..+6h", "6h..-6h", "2016-08-27T13:00Z..2016-08-27T12:00Z",
           "0.001s", "1e-300s", "5x", "\n", "'", "ü", "[::1", "http://[::1", "/", ".",
           "nodir/x.csv", "../x", "x" * 300, "-0", "+5m", "3h", "10m", "PJ1", "1", "110",
           "200", "-91", "greenwich", "100,0", "0,400", "1,2,3,4"]
value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8),
                  st.floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.integers(min_value=-10**20, max_value=10**20).map(str))
number = st.one_of(st.sampled_from(["5", "1", "0", "-1", "110", "99999999999", "x", "1.5"]),
                   value)

OPTIONS = {
    "perijove": ["-w", "-s", "-o", "--html", "-f"],
    "observe": ["--site", "--days", "--longitude", "--step", "--min-altitude", "-o"],
    "events": ["--lat", "--alt", "-w", "--kind"],
    "kernels plan": ["-w"],
}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cache = tmp_path_factory.mktemp("property-cache")
    work = tmp_path_factory.mktemp("property-work")
    return {"FLYPLAN_CACHE": str(cache), "FLYPLAN_MAX_SAMPLES": "400", "FLYPLAN_OFFLINE": "1",
            "FLYPLAN_KERNELS": "", "COLUMNS": "120"}, work


def _check(res):
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    assert res.exit_code in (0, 1, 2), res.output
    assert "Traceback" not in res.output


@settings(max_examples=30 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_cli_arguments_end_in_one_message(env, data, monkeypatch):
    environ, work = env
    monkeypatch.chdir(work)
    command = data.draw(st.sampled_from(sorted(OPTIONS)), label="command")
    prefix = data.draw(st.sampled_from([[], ["--offline"], ["--naif-url", "http://[::1"],
                                        ["--naif-url", "ftp://x/"], ["--naif-url", ""]]),
                       label="global options")
    args = prefix + command.split() + [data.draw(number, label="number")]
    if command == "observe":
        args += ["--site", data.draw(value, label="site")]
    for opt in data.draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=3,
                                  unique=True), label="options"):
        args += [opt, data.draw(value, label=opt)]
    if command in ("perijove", "events"):
        args += ["--source", "model", "--no-moons"]
    _check(runner.invoke(app, args, env=environ))


# -- scenarios ---------------------------------------------------------------------------------

BASE = {"name": "property", "perijove": 5, "window": "-20m..+20m", "step": "10m",
        "source": "model", "targets": ["Io"], "constraints": {}, "outputs": {}}
KEYS = ["name", "description", "perijove", "perijoves", "window", "step", "targets", "source",
        "attitude", "unknown", "constraints.phase_deg", "constraints.altitude_km",
        "constraints.lat_pg_deg", "constraints.max_km_per_px", "constraints.sunlit",
        "outputs.file", "outputs.html", "outputs.format", "outputs.best"]
toml_value = st.recursive(
    st.one_of(st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
              st.floats(allow_nan=True, allow_infinity=True),
              st.sampled_from(HOSTILE), st.text(max_size=10)),
    lambda inner: st.lists(inner, max_size=3), max_leaves=6)


def _toml_scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_scalar(x) for x in v) + "]"
    return json.dumps(v)  # a TOML basic string


def _toml(d: dict) -> str:
    top = [f"{k} = {_toml_scalar(v)}" for k, v in d.items() if not isinstance(v, dict)]
    for k, v in d.items():
        if isinstance(v, dict):
            top.append(f"[{k}]")
            top += [f"{kk} = {_toml_scalar(vv)}" for kk, vv in v.items()]
    return "\n".join(top) + "\n"


def _mutate(changes) -> dict:
    sc = json.loads(json.dumps(BASE))
    for key, val in changes:
        if "." in key:
            table, sub = key.split(".")
            sc[table][sub] = val
        else:
            sc[key] = val
    return sc


mutations = st.lists(st.tuples(st.sampled_from(KEYS), toml_value), min_size=1, max_size=3)


@settings(max_examples=150 * SCALE, deadline=None)
@given(changes=mutations)
def test_scenario_parser_raises_only_flyplan_errors(changes):
    from flyplan.domain.plan import parse_scenario

    try:
        parse_scenario(_toml(_mutate(changes)), "mutated.toml")
    except FlyplanError:
        pass


@settings(max_examples=100 * SCALE, deadline=None)
@given(text=st.text(max_size=200))
def test_scenario_parser_on_arbitrary_text(text):
    from flyplan.domain.plan import parse_scenario

    try:
        parse_scenario(text, "arbitrary.toml")
    except FlyplanError:
        pass


@settings(max_examples=15 * SCALE, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=mutations)
def test_plan_cli_on_mutated_scenarios_ends_in_one_message(env, changes, monkeypatch):
    environ, work = env
    monkeypatch.chdir(work)
    scen = work / "mutated.toml"
    scen.write_text(_toml(_mutate(changes)), encoding="utf-8")
    before = set(os.listdir(work.parent))
    _check(runner.invoke(app, ["plan", str(scen)], env=environ))
    # Nothing appears beside the scenario's directory.
    assert set(os.listdir(work.parent)) == before
