"""Scenario files: observation-planning questions kept as TOML, and :func:`plan`.

A scenario names the perijove(s) or a window, a sampling step, the target
moons and the constraints every sample must meet; :func:`plan` returns the
time windows in which all of them hold, with the geometry at the start,
middle and end of each.  Example (``scenarios/pj38_io_callisto.toml``)::

    name = "PJ38: Io and Callisto above Jupiter's limb"
    perijove = 38
    window = "-3h..+1h"          # relative to perijove, or "UTC..UTC"
    step = "10s"
    targets = ["Io", "Callisto"]

    [constraints]
    above_limb = true            # every target clear of Jupiter's disk
    lat_pg_deg = [68, 70]        # Juno, planetographic
    altitude_km = [13000, 15000] # Juno, above the 1-bar ellipsoid

    [outputs]
    format = "table"

The file is validated with pydantic (unknown keys are errors); every error
names the file, the key and its line (:func:`key_line` finds the line, since
``tomllib`` keeps no positions).

Semantics of the constraints (for every target at once):

- ``in_swath``: the moon's centre inside JunoCam's swath
  (:mod:`flyplan.geometry.junocam`; spin axis from ``attitude``);
- ``above_limb``: the moon's centre clear of Jupiter's disk as seen from Juno
  (neither behind it nor in front of it: ``<moon>_limb_angle_deg > 0``);
- ``not_occulted``: the moon's centre not behind Jupiter (it may be in front);
- ``sunlit``: the moon's centre outside Jupiter's shadow;
- ``phase_deg = [lo, hi]``, ``max_km_per_px``, ``min_ang_size_px``;
- ``altitude_km = [lo, hi]`` and ``lat_pg_deg = [lo, hi]`` for Juno.

Jupiter points of interest are ``[[pois]]`` tables (``name``, ``lat_pg_deg``,
``lon_w_deg``, optionally ``system = "II"`` with ``epoch`` and
``drift_deg_per_day``; :mod:`flyplan.domain.targets`); for them a sample counts
only when the point faces Juno, and ``in_swath``, ``phase_deg``,
``max_km_per_px`` (on the cloud tops), ``max_emission_deg``,
``max_incidence_deg`` and ``lit`` apply (:mod:`flyplan.geometry.surface`).

Window edges are found between samples by bisection on the constraints to
:data:`EDGE_TOL_S`; a condition that holds for less than one step between two
samples that both fail it is not seen.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Optional, Union

import numpy as np
from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError,
                      field_validator)

from flyplan.domain.api import metadata_property
from flyplan.constants import CONVENTIONS, JUNO, MOON_IDS, MOONS
from flyplan.errors import FlyplanError, ScenarioError

__all__ = ["Scenario", "Constraints", "Outputs", "AttitudeSpec", "PoiSpec", "load_scenario",
           "parse_scenario", "key_line", "plan", "PlanResult", "EDGE_TOL_S"]

# Window edges are bisected to this, s (a planner's second).
EDGE_TOL_S = 0.5
# Highest perijove number a scenario may name: a bound far past the mission's
# end (about 110 orbits) so a range such as "0..99999999999" fails at once.
MAX_PERIJOVE = 10_000
# Convergence of the search for the best moment (smallest range), s.
BEST_TOL_S = 1e-3
_TARGETS = {name.lower(): moon for name, moon in MOONS.items()}


# -- the schema -------------------------------------------------------------------------------
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Range = tuple[float, float]


def _check_range(v, lo=-math.inf, hi=math.inf, what="value"):
    if v is None:
        return v
    a, b = v
    if not a <= b:
        raise ValueError(f"the range [{a:g}, {b:g}] is empty: its first value must not exceed "
                         "its second")
    if a < lo or b > hi:
        raise ValueError(f"{what} must lie within [{lo:g}, {hi:g}]")
    return v


class Constraints(_Strict):
    """What every sample of a window must satisfy (all of them at once)."""

    in_swath: StrictBool = Field(False, description="every target inside JunoCam's swath")
    above_limb: StrictBool = Field(False,
                                   description="every target's centre clear of Jupiter's disk")
    not_occulted: StrictBool = Field(False, description="no target's centre behind Jupiter")
    sunlit: StrictBool = Field(False, description="every target outside Jupiter's shadow")
    phase_deg: Optional[Range] = Field(None, description="[min, max] phase angle of the targets")
    max_km_per_px: Optional[float] = Field(None, gt=0, description="JunoCam km per pixel")
    min_ang_size_px: Optional[float] = Field(None, ge=0, description="targets' size in pixels")
    altitude_km: Optional[Range] = Field(None, description="Juno's altitude [min, max], km")
    lat_pg_deg: Optional[Range] = Field(None, description="Juno's planetographic latitude")
    # Jupiter points of interest ([[pois]]) only: on the cloud tops (flyplan.geometry.surface).
    max_emission_deg: Optional[float] = Field(None, gt=0, le=90, description="POI emission")
    max_incidence_deg: Optional[float] = Field(None, gt=0, le=90,
                                               description="POI solar incidence")
    lit: StrictBool = Field(False, description="every POI on the day side")

    @field_validator("phase_deg")
    @classmethod
    def _phase(cls, v):
        return _check_range(v, 0.0, 180.0, "a phase angle")

    @field_validator("lat_pg_deg")
    @classmethod
    def _lat(cls, v):
        return _check_range(v, -90.0, 90.0, "a latitude")

    @field_validator("altitude_km")
    @classmethod
    def _alt(cls, v):
        return _check_range(v, -80000.0, math.inf, "an altitude")

    def imaging(self) -> bool:
        return self.in_swath or self.max_km_per_px is not None or self.min_ang_size_px is not None


class Outputs(_Strict):
    """How to report the result (command-line options override these)."""

    format: Literal["table", "csv", "json"] = "table"
    file: Optional[str] = Field(None, description="write CSV/JSON here (inside the "
                                                  "scenario's directory)")
    html: Optional[str] = Field(None, description="also write an HTML table here (inside the "
                                                  "scenario's directory)")
    best: Optional[Literal["km_per_px"]] = Field(
        None, description="per perijove, the moment inside the windows with the finest pixel "
                          "scale on the first target")


class AttitudeSpec(_Strict):
    """A spin-axis model given explicitly: Az/El offsets from Earth-point, degrees."""

    az_deg: float = 0.0
    el_deg: float = 0.0
    use_ck: StrictBool = True


class PoiSpec(_Strict):
    """A point of interest on Jupiter (see :class:`flyplan.domain.poi.POI`)."""

    name: str = Field(min_length=1)
    lat_pg_deg: float = Field(ge=-90, le=90)
    lon_w_deg: float
    system: Literal["III", "II"] = "III"
    epoch: Optional[str] = None
    drift_deg_per_day: float = 0.0

    def poi(self):
        from flyplan.domain.poi import make_poi as _make

        return _make(self.name, self.lat_pg_deg, self.lon_w_deg, self.system, self.epoch,
                     self.drift_deg_per_day)

    def key(self) -> str:
        return re.sub(r"[^0-9a-z]+", "_", self.name.lower()).strip("_") or "poi"


class Scenario(_Strict):
    """A planning question (see the module docstring)."""

    name: str = ""
    description: str = ""
    perijove: Optional[StrictInt] = Field(None, ge=0, le=10_000)
    perijoves: Union[Literal["all"], list[StrictInt], str, None] = Field(
        None, description='"all", a list, or a range "40..60"')
    window: Optional[str] = Field(None, description='relative to perijove "-6h..+6h" (the '
                                                    'default) or absolute "UTC..UTC"')
    step: Union[float, str] = Field("60s", description='"60s", "5m" or seconds')
    targets: list[str] = Field(default_factory=list)
    pois: list[PoiSpec] = Field(default_factory=list, description="Jupiter points of "
                                "interest, [[pois]] tables")
    source: Literal["auto", "naif", "model"] = "auto"
    attitude: Union[Literal["auto", "earth", "orbit_normal"], AttitudeSpec] = Field(
        "auto", description='"auto" (a C-kernel, else the perijove\'s entry in NAIF\'s attitude '
                            'list, else Earth-pointed), "earth", "orbit_normal" or a table '
                            '{az_deg, el_deg}')
    constraints: Constraints = Constraints()
    outputs: Outputs = Outputs()

    @field_validator("targets")
    @classmethod
    def _targets(cls, v):
        out = []
        for name in v:
            if name.lower() not in _TARGETS:
                near = difflib.get_close_matches(name.capitalize(), list(MOONS), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise ValueError(f"unknown target {name!r}{hint}; flyplan knows "
                                 f"{', '.join(MOONS)}")
            out.append(next(k for k in MOONS if k.lower() == name.lower()))
        return out

    @field_validator("pois")
    @classmethod
    def _pois(cls, v):
        keys = [p.key() for p in v]
        for p in v:
            if p.key() in _TARGETS or keys.count(p.key()) > 1:
                raise ValueError(f"point of interest {p.name!r}: its name must differ from "
                                 "the moons' and the other points'")
            p.poi()  # epoch and system checked as --poi does
        return v

    @field_validator("step")
    @classmethod
    def _step(cls, v):
        from flyplan.timeutil import parse_duration

        s = parse_duration(v)  # rejects NaN, infinities and spans over a century
        if not s > 0:
            raise ValueError("the step must be positive")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v):
        # The name goes into one-line places: CSV '#' headers, titles.
        bad = next((c for c in v if not c.isprintable()), None)
        if bad is not None:
            raise ValueError(f"the name contains the control character {bad!r}; "
                             "give one line of plain text")
        if len(v) > 200:
            raise ValueError("the name is longer than 200 characters")
        return v

    @field_validator("window")
    @classmethod
    def _window(cls, v):
        from flyplan.timeutil import parse_window

        if v is not None:
            parse_window(v)  # raises ValueError for text that is not a window
        return v

    @field_validator("perijoves")
    @classmethod
    def _perijoves(cls, v):
        if isinstance(v, str) and v != "all":
            if not re.fullmatch(r"\s*\d+\s*\.\.\s*\d+\s*", v):
                raise ValueError('give "all", a list of numbers or a range such as "40..60"')
            a, b = (int(x) for x in v.split(".."))
            if b < a:
                raise ValueError(f"the range {v!r} ends before it starts")
            if b > MAX_PERIJOVE:
                raise ValueError(f"the range {v!r} goes past perijove {MAX_PERIJOVE}; no "
                                 "timetable or kernel reaches that far")
        if isinstance(v, list):
            if any(n < 0 for n in v):
                raise ValueError("perijove numbers start at 0")
            if any(n > MAX_PERIJOVE for n in v):
                raise ValueError(f"perijove numbers stop at {MAX_PERIJOVE} here")
        return v

    # -- derived -------------------------------------------------------------------------
    def target_ids(self) -> tuple[int, ...]:
        return tuple(MOONS[t] for t in self.targets)

    def step_s(self) -> float:
        from flyplan.timeutil import parse_duration

        return parse_duration(self.step) if isinstance(self.step, str) else float(self.step)

    def perijove_numbers(self) -> list[int] | None:
        """The perijoves to plan, or None for an absolute window without a perijove."""
        from flyplan.timetable import timetable

        if self.perijove is not None:
            return [self.perijove]
        v = self.perijoves
        if v is None:
            return None
        if v == "all":
            return sorted(timetable())
        if isinstance(v, str):
            a, b = (int(x) for x in v.split(".."))
            return list(range(a, b + 1))
        return sorted(set(v))


# -- reading files ----------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|"""
                  r"""[A-Za-z0-9_-]+))*)\s*=""")


def _split_key(text: str) -> tuple[str, ...]:
    parts = re.findall(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""", text)
    return tuple(a or b or c for a, b, c in parts)


def key_line(text: str, loc) -> int | None:
    """The line (1-based) of the TOML key at pydantic location ``loc``, or None.

    ``loc`` is a tuple of keys and list indices (``("constraints", "in_swat")``).
    The deepest key of ``loc`` found in the file wins: a table header
    ``[constraints]``, a key ``in_swat = ...`` under it, or a dotted key
    ``constraints.in_swat = ...``.  Lines inside multi-line arrays and strings
    are not keys.
    """
    want = tuple(k for k in loc if isinstance(k, str))
    table: tuple[str, ...] = ()
    best, best_len = None, 0
    depth = 0  # open brackets of a multi-line array
    in_ml = None  # delimiter of an open multi-line string
    for lineno, line in enumerate(text.splitlines(), 1):
        if in_ml:
            if in_ml in line:
                in_ml = None
            continue
        if depth == 0:
            m = _HEADER.match(line)
            if m and "=" not in m.group(1):
                table = _split_key(m.group(1))
                path = table
            else:
                k = _KEY.match(line)
                path = table + _split_key(k.group(1)) if k else None
            if path:
                n = 0
                while n < min(len(path), len(want)) and path[n] == want[n]:
                    n += 1
                if n == len(path) and n > best_len:
                    best, best_len = lineno, n
        value = line.split("=", 1)[1] if (depth == 0 and "=" in line) else line
        for delim in ('"""', "'''"):
            if value.count(delim) % 2 == 1:
                in_ml = delim
        code = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'', "", value).split("#", 1)[0]
        if depth or "=" in line:
            depth = max(0, depth + code.count("[") - code.count("]"))
    return best


_UNION_TAGS = ("str", "int", "float", "bool", "AttitudeSpec", "function-after")


def _keys(loc) -> tuple[str, ...]:
    return tuple(k for k in loc if isinstance(k, str) and k not in _UNION_TAGS
                 and not k.startswith(("literal[", "list[", "tuple[", "constrained-")))


def _describe_errors(errors: list[dict], text: str, path: str) -> list[str]:
    """One line per offending key: 'FILE, line N: key: what is wrong'."""
    groups: dict[tuple, list[dict]] = {}
    for err in errors:
        groups.setdefault(_keys(err.get("loc", ())), []).append(err)
    out = []
    for keys, errs in groups.items():
        line = key_line(text, keys)
        where = f"{path}, line {line}" if line else path
        dotted = ".".join(keys) or "(top level)"
        err = errs[0]
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            parent = _model_at(keys[:-1])
            allowed = sorted(parent.model_fields) if parent else []
            near = difflib.get_close_matches(keys[-1], allowed, n=1)
            msg = (f"unknown key {keys[-1]!r}"
                   + (f" (did you mean {near[0]!r}?)" if near else "")
                   + (f"; allowed here: {', '.join(allowed)}" if allowed else ""))
        elif kind == "missing":
            msg = "required key missing"
        elif len(errs) > 1:
            # A union (perijoves, attitude): say what is accepted rather than each branch.
            field_ = _field_at(keys)
            expected = (field_.description if field_ is not None and field_.description
                        else " or ".join(e["msg"] for e in errs))
            msg = f"invalid value {err.get('input')!r}; expected {expected}"
        else:
            msg = err.get("msg", "").removeprefix("Value error, ")
            if kind != "value_error" and "input" in err:
                msg += f" (got {err['input']!r})"
        out.append(f"{where}: {dotted}: {msg}")
    return out


def _field_at(keys):
    model = _model_at(keys[:-1]) if keys else None
    return model.model_fields.get(keys[-1]) if model is not None else None


def _model_at(keys):
    model = Scenario
    for k in keys:
        f = model.model_fields.get(k)
        ann = getattr(f, "annotation", None)
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        elif ann is not None and any(isinstance(a, type) and issubclass(a, BaseModel)
                                     for a in getattr(ann, "__args__", ())):
            model = next(a for a in ann.__args__ if isinstance(a, type) and
                         issubclass(a, BaseModel))
        else:
            return None
    return model


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    """Validate scenario text; :class:`ScenarioError` names the file, key and line."""
    import tomllib

    if not isinstance(text, str):
        raise ScenarioError(f"{path}: the scenario must be text, not {type(text).__name__}")

    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: arrays or tables nested too deeply",
                            hint="a scenario needs at most a few levels of nesting") from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"{path}, line {m.group(1)}" if m else path
        raise ScenarioError(f"{where}: not valid TOML: {exc}",
                            hint="see https://toml.io for the syntax") from None
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError("\n  ".join(_describe_errors(exc.errors(), text, path)),
                            hint="fix the key(s) named above; the keys are described in "
                                 "flyplan/scenario.py and the examples in scenarios/") from None
    _check_consistency(sc, text, path)
    return sc


def _where(text, path, *loc) -> str:
    line = key_line(text, loc)
    return (f"{path}, line {line}" if line else path) + f": {'.'.join(loc)}"


def _check_consistency(sc: Scenario, text: str, path: str) -> None:
    from flyplan.timeutil import parse_window

    if not sc.targets and not sc.pois:
        raise ScenarioError(f"{_where(text, path, 'targets')}: required key missing: give a "
                            "moon in targets, or a Jupiter point in [[pois]]",
                            hint='add targets = ["Io"] or a [[pois]] table')
    win = parse_window(sc.window) if sc.window else None
    given = [k for k in ("perijove", "perijoves") if getattr(sc, k) is not None]
    if len(given) == 2:
        raise ScenarioError(f"{_where(text, path, 'perijoves')}: give either perijove or "
                            "perijoves, not both")
    if not given and (win is None or win.relative):
        raise ScenarioError(f"{_where(text, path, 'window') if win else path}: with no "
                            "perijove or perijoves, the window must be absolute (UTC..UTC)",
                            hint='add perijove = N, or window = "2021-11-29T12:00Z..'
                                 '2021-11-29T16:00Z"')
    if win is not None and not win.relative:
        if sc.perijoves is not None:
            raise ScenarioError(f"{_where(text, path, 'window')}: an absolute window cannot "
                                "apply to several perijoves; make it relative (-6h..+6h)")
        # Order and length only (leap seconds do not matter here; plan() converts exactly).
        try:
            t0, t1 = (_iso_seconds(str(x)) for x in (win.start, win.stop))
        except ValueError as exc:
            raise ScenarioError(f"{_where(text, path, 'window')}: {exc}",
                                hint="write UTC as ISO-8601, e.g. 2021-11-29T14:13:29Z") from None
        if t1 <= t0:
            raise ScenarioError(f"{_where(text, path, 'window')}: the window "
                                f"{sc.window!r} ends before it starts",
                                hint="give START..STOP with STOP after START")
        span = t1 - t0
    else:
        span = float(win.stop) - float(win.start) if win else 12 * 3600.0
    if sc.step_s() > span:
        raise ScenarioError(f"{_where(text, path, 'step')}: the step ({sc.step}) is longer "
                            f"than the window ({span:g} s)")
    from flyplan.errors import LimitError
    from flyplan.timeutil import check_sample_count

    count = len(sc.perijove_numbers() or [None])
    try:
        check_sample_count(count * (span / sc.step_s() + 2),
                           f"the scenario ({count} window(s) of {span:g} s at {sc.step})")
    except LimitError as exc:
        raise LimitError(f"{_where(text, path, 'step')}: {exc.message}", hint=exc.hint) from None


def _iso_seconds(text: str) -> float:
    import datetime as dt

    t = text.strip().replace(" ", "T")
    try:
        d = dt.datetime.fromisoformat(t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t)
    except ValueError:
        raise ValueError(f"cannot read the time {text!r}") from None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.timezone.utc)
    return d.timestamp()


_MAX_SCENARIO_BYTES = 1 << 20


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read and validate a scenario file.

    Raises
    ------
    ScenarioError
        For a missing/unreadable file, invalid TOML, an unknown key, a wrong
        type, an impossible window or an unknown target; the message names the
        file, the key and its line.
    """
    try:
        p = Path(path)
    except TypeError:
        raise ScenarioError(f"not a scenario file path: {path!r}") from None
    try:
        if p.stat().st_size > _MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{p}: {p.stat().st_size:,} bytes is far too large for a "
                                "scenario file", hint="a scenario is a few dozen lines of TOML")
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file {p}: {exc.strerror or exc}",
                            hint="check the path") from None
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{p}, line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x})",
                            hint="save the scenario as UTF-8") from None
    return parse_scenario(text, str(p))


# -- planning ---------------------------------------------------------------------------------
def _attitude(sc: Scenario, n: int | None):
    from flyplan.geometry import junocam

    spec = sc.attitude
    if isinstance(spec, AttitudeSpec):
        return junocam.Attitude("earth_offset", spec.az_deg, spec.el_deg,
                                "scenario attitude", spec.use_ck), None
    if spec == "earth":
        return junocam.Attitude(), None
    if spec == "orbit_normal":
        return junocam.Attitude("orbit_normal", label="MWR (orbit normal)"), None
    return junocam.attitude_for(n)


class _Evaluator:
    """Evaluates the geometry and the constraints at any times (vectorized)."""

    def __init__(self, sc: Scenario, attitude):
        self.sc = sc
        self.cons = sc.constraints
        self.moons = sc.target_ids()
        self.attitude = attitude
        self.axis_label = ""

    def table(self, et):
        from flyplan.geometry import samples as geometry
        from flyplan.geometry import junocam

        et = np.array(np.atleast_1d(et), dtype=float)  # a writable copy: cyice wants one
        kept: dict = {}
        df = geometry.sample_table(et, self.moons, keep=kept)
        if self.moons:
            cols, self.axis_label = junocam.imaging_columns(et, self.moons,
                                                            attitude=self.attitude,
                                                            geometry=kept)
            for k, v in cols.items():
                df[k] = v
        if self.sc.pois:
            self.axis_label = _add_poi_columns(df, et, self.sc.pois, self.attitude)
        return df

    def mask(self, df) -> np.ndarray:
        c = self.cons
        ok = np.ones(len(df), bool)
        for moon in self.moons:
            m = MOON_IDS[moon].lower()
            if c.in_swath:
                ok &= df[f"{m}_in_swath"].to_numpy(bool)
            if c.above_limb:
                ok &= df[f"{m}_limb_angle_deg"].to_numpy(float) > 0.0
            if c.not_occulted:
                ok &= ~df[f"{m}_occulted"].to_numpy(bool)
            if c.sunlit:
                ok &= ~df[f"{m}_in_shadow"].to_numpy(bool)
            if c.phase_deg is not None:
                ph = df[f"{m}_phase_deg"].to_numpy(float)
                ok &= (ph >= c.phase_deg[0]) & (ph <= c.phase_deg[1])
            if c.max_km_per_px is not None:
                ok &= df[f"{m}_km_per_px"].to_numpy(float) <= c.max_km_per_px
            if c.min_ang_size_px is not None:
                ok &= df[f"{m}_ang_size_px"].to_numpy(float) >= c.min_ang_size_px
        if c.altitude_km is not None:
            alt = df["altitude_km"].to_numpy(float)
            ok &= (alt >= c.altitude_km[0]) & (alt <= c.altitude_km[1])
        if c.lat_pg_deg is not None:
            lat = df["lat_pg_deg"].to_numpy(float)
            ok &= (lat >= c.lat_pg_deg[0]) & (lat <= c.lat_pg_deg[1])
        for p in self.sc.pois:
            k = p.key()
            col = lambda name: df[f"{k}_{name}"].to_numpy()  # noqa: E731
            ok &= col("visible").astype(bool)  # a point on the far side is never imaged
            if c.in_swath:
                ok &= col("in_swath").astype(bool)
            if c.lit:
                ok &= col("lit").astype(bool)
            if c.max_emission_deg is not None:
                ok &= col("emission_deg").astype(float) <= c.max_emission_deg
            if c.max_incidence_deg is not None:
                ok &= col("incidence_deg").astype(float) <= c.max_incidence_deg
            if c.max_km_per_px is not None:
                ok &= col("km_per_px").astype(float) <= c.max_km_per_px
            if c.phase_deg is not None:
                ph = col("phase_deg").astype(float)
                ok &= (ph >= c.phase_deg[0]) & (ph <= c.phase_deg[1])
        return ok

    def __call__(self, et) -> np.ndarray:
        return self.mask(self.table(et))


_POI_COLS = ("visible", "in_swath", "lit", "range_km", "km_per_px", "emission_deg",
             "incidence_deg", "phase_deg", "spin_plane_angle_deg", "lon_w_deg")


def _add_poi_columns(df, et, pois, attitude) -> str:
    """``<poi>_<field>`` columns of :mod:`flyplan.geometry.surface` for each POI, in place."""
    from flyplan.geometry.surface import surface_geometry

    objs = [p.poi() for p in pois]
    lon = np.stack([o.lon_iii(et) for o in objs], axis=1)
    lat = np.broadcast_to(np.array([o.lat_pg_deg for o in objs]), lon.shape)
    g = surface_geometry(et, lat, lon, attitude=attitude)
    g["lon_w_deg"] = lon
    for j, p in enumerate(pois):
        for name in _POI_COLS:
            df[f"{p.key()}_{name}"] = g[name][:, j]
    return g["axis_label"]


def refine_edges(evaluate, lo, hi, state_lo, tol: float = EDGE_TOL_S):
    """Bisect, for many intervals at once, where a boolean condition changes.

    Parameters
    ----------
    evaluate : callable
        ET array -> boolean array.
    lo, hi : numpy.ndarray
        Brackets (ET): the condition is ``state_lo`` at ``lo`` and not at ``hi``.
    state_lo : numpy.ndarray of bool

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The refined brackets, ``hi - lo <= tol``.
    """
    lo, hi = np.array(lo, float), np.array(hi, float)
    state_lo = np.asarray(state_lo, bool)
    while len(lo) and np.max(hi - lo) > tol:
        mid = 0.5 * (lo + hi)
        same = evaluate(mid) == state_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return lo, hi


_GEOMETRY_COLS = ("utc", "et", "altitude_km", "lat_pg_deg", "lon_w_deg", "local_solar_time",
                  "sza_deg")
_TARGET_COLS = ("range_km", "phase_deg", "limb_angle_deg", "occulted", "transit", "in_shadow",
                "in_swath", "spin_plane_angle_deg", "km_per_px", "ang_size_px")


def _geometry_record(row, moons, pois=()) -> dict:
    # Plain Python values: the records are data users read and compare.
    def plain(v):
        return v.item() if hasattr(v, "item") else v

    out = {k: plain(row[k]) for k in _GEOMETRY_COLS}
    for moon in moons:
        m = MOON_IDS[moon].lower()
        out.update({f"{m}_{k}": plain(row[f"{m}_{k}"]) for k in _TARGET_COLS})
    for p in pois:
        out.update({f"{p.key()}_{k}": plain(row[f"{p.key()}_{k}"]) for k in _POI_COLS})
    return out


def _windows(ev: _Evaluator, t0: float, t1: float, step: float):
    """Samples, then bisected edges: [(start, end, clipped_start, clipped_end)]."""
    from flyplan.timeutil import sample_times

    et = sample_times(t0, t1, step)
    ok = ev(et)
    change = np.flatnonzero(ok[1:] != ok[:-1])
    lo, hi = refine_edges(ev, et[change], et[change + 1], ok[change])
    # Keep the side where the constraints hold: starts on `hi`, ends on `lo`.
    edges = np.where(ok[change], lo, hi)
    starts = [(t0, True)] if ok[0] else []
    ends = []
    for e, was in zip(edges, ok[change]):
        (ends if was else starts).append((float(e), False))
    if ok[-1]:
        ends.append((t1, True))
    return [(s, e, cs, ce) for (s, cs), (e, ce) in zip(starts, ends)]


def _best(ev: _Evaluator, windows, moon: int):
    """The smallest range to ``moon`` inside the windows: gfdist ABSMIN (finest km/px)."""
    import spiceypy

    from flyplan.kernels.pool import gf_tolerance
    from flyplan.orbit import gf_intervals, gf_window

    ivs = [(s, e) for s, e, *_ in windows if e - s > 1e-3]
    if not ivs:
        return None
    res = spiceypy.cell_double(200)
    step = max(1.0, min(300.0, min(e - s for s, e in ivs) / 2))
    with gf_tolerance(BEST_TOL_S):
        spiceypy.gfdist(str(moon), "LT", str(JUNO), "ABSMIN", 0.0, 0.0, step, 10000,
                        gf_window(ivs), res)
    found = gf_intervals(res)
    if not found:
        return None
    return found[0][0]


def _drop_unresolved(windows, moons, t0: float, t1: float, step: float):
    """Windows clear of any pass the trajectory cannot resolve, and notes on those passes.

    A pass that goes inside a moon (flyplan's model near a flyby it does not
    reproduce) is unresolved within :data:`flyplan.geometry.resolve.UNRESOLVED_KM`
    of the surface: the samples there are blank, so windows that meet that
    span begin or end only because of it, and are left out.
    """
    from flyplan.constants import ABCORR_MOON_RANGE
    from flyplan.geometry import resolve
    from flyplan.geometry.samples import moon_radius
    from flyplan.timeutil import et_to_utc

    notes, spans = [], []
    for moon in moons:
        radius = moon_radius(moon)
        hits = resolve.inside_intervals(str(moon), str(JUNO), radius * resolve.INSIDE_MARGIN,
                                        t0, t1, step=10.0, abcorr=ABCORR_MOON_RANGE)
        if not hits:
            continue
        near = resolve.inside_intervals(str(moon), str(JUNO), radius + resolve.UNRESOLVED_KM,
                                        t0, t1, step=10.0, abcorr=ABCORR_MOON_RANGE)
        spans += [(a, b) for a, b in near if any(a <= h0 and h1 <= b for h0, h1 in hits)]
        notes.append(resolve.unresolved_note(MOON_IDS[moon], et_to_utc(hits[0][0], 0))
                     + "; windows next to that pass are left out")
    pad = step + EDGE_TOL_S
    kept = [w for w in windows if not any(w[0] <= b + pad and w[1] >= a - pad for a, b in spans)]
    return kept, notes


def _best_poi(ev: _Evaluator, windows, poi: PoiSpec, step: float):
    """The finest pixel scale on a POI inside the windows, sampled at a tenth of the step."""
    from flyplan.timeutil import sample_times

    ets = np.concatenate([sample_times(s, e, max(step / 10.0, 0.1)) if e > s else [s]
                          for s, e, *_ in windows])
    km = ev.table(ets)[f"{poi.key()}_km_per_px"].to_numpy(float)
    return float(ets[int(np.argmin(km))]) if len(km) else None


def _plan_one(sc: Scenario, n: int | None, kernels, cands) -> dict:
    """Windows for one perijove (or one absolute window)."""
    from flyplan.orbit import prepare
    from flyplan.timeutil import et_to_utc

    # An absolute window is sampled as given, the perijove itself unrefined.
    req = prepare(n, sc.window or "-6h..+6h", kernels=kernels, source=sc.source,
                  moons=bool(sc.targets), refine=False, cands=cands)
    n, et_pj, plan = req.number, req.et, req.selection
    t0, t1 = req.window
    if sc.targets and not plan.moons:
        from flyplan.errors import CoverageError

        raise CoverageError(f"no Galilean-moon ephemeris covers {et_to_utc(t0, 0)} .. "
                            f"{et_to_utc(t1, 0)}", covered=plan.moons_label,
                            hint="add a JPL jup3xx.bsp to the kernel directory")
    attitude, note = _attitude(sc, n)
    ev = _Evaluator(sc, attitude)
    windows = _windows(ev, t0, t1, sc.step_s())
    windows, unresolved = _drop_unresolved(windows, ev.moons, t0, t1, sc.step_s())
    rows = []
    for s, e, cs, ce in windows:
        geo = ev.table(np.array([s, 0.5 * (s + e), e]))
        recs = [_geometry_record(geo.iloc[i], ev.moons, sc.pois) for i in range(3)]
        rows.append({"perijove": n, "start_utc": et_to_utc(s), "end_utc": et_to_utc(e),
                     "start_et": s, "end_et": e, "duration_s": e - s,
                     "starts_at_window_edge": cs, "ends_at_window_edge": ce,
                     "geometry": dict(zip(("start", "middle", "end"), recs))})
    best = None
    if sc.outputs.best and windows:
        t_best = (_best(ev, windows, ev.moons[0]) if ev.moons
                  else _best_poi(ev, windows, sc.pois[0], sc.step_s()))
        if t_best is not None:
            best = {"perijove": n, **_geometry_record(ev.table(np.array([t_best])).iloc[0],
                                                        ev.moons, sc.pois)}
    notes = list(plan.notes) + ([note] if note else []) + unresolved
    return {"perijove": n, "perijove_utc": et_to_utc(et_pj) if et_pj is not None else None,
            "window_utc": [et_to_utc(t0), et_to_utc(t1)], "windows": rows, "best": best,
            "trajectory": plan.trajectory_label, "approximate": plan.approximate,
            "moons": plan.moons_label, "spin_axis": ev.axis_label, "notes": notes,
            "kernels": plan.kernels.provenance(), "status": "ok"}


def _plan_chunk(args):
    sc_json, numbers, kernels = args
    from flyplan.kernels import select

    sc = Scenario.model_validate_json(sc_json)
    cands = select.candidates(select.kernel_dirs(kernels))
    out = []
    for n in numbers:
        try:
            out.append(_plan_one(sc, n, kernels, cands))
        except FlyplanError as exc:
            out.append({"perijove": n, "status": "skipped", "reason": str(exc).splitlines()[0],
                        "windows": [], "best": None, "notes": []})
    return out


@dataclass
class PlanResult:
    """What :func:`plan` found.

    Attributes
    ----------
    scenario : Scenario
    path : str or None
        The scenario file.
    perijoves : list of dict
        Per perijove planned: its windows (each with ``geometry`` at
        ``start``/``middle``/``end``), the best moment when asked, sources,
        spin-axis model, notes, and ``status`` (``"ok"`` or ``"skipped"`` with
        a ``reason``).
    """

    scenario: Scenario
    path: str | None
    perijoves: list = field(default_factory=list)

    @property
    def window_records(self) -> list[dict]:
        """The windows as records, each with its ``geometry`` at start/middle/end (the JSON form)."""
        return [w for p in self.perijoves for w in p["windows"]]

    @property
    def windows(self):
        """The windows as a DataFrame: one row each, geometry flattened
        (``start_``/``middle_``/``end_``), ``start_utc``/``end_utc`` as
        ``datetime64[ns, UTC]``, units and provenance in ``attrs``."""
        from flyplan.domain.api import dress
        from flyplan.timeutil import type_utc

        df = dress(self.windows_frame(), self, "windows")
        return type_utc(df, ("start_utc", "end_utc"))

    @property
    def best(self):
        """Per perijove the best moment (``outputs.best``) as a DataFrame, ``utc`` typed."""
        from flyplan.domain.api import dress

        return dress(self.best_frame(), self, "best")

    def __repr__(self) -> str:
        n = len(self.window_records)
        ok = sum(p["status"] == "ok" for p in self.perijoves)
        return (f"<PlanResult {self.scenario.name or self.path or ''}: {n} windows over "
                f"{ok} of {len(self.perijoves)} perijoves>")

    def _repr_html_(self) -> str:
        import html

        return (f"<div class='flyplan-result'><strong>{html.escape(repr(self))}</strong>"
                + self.windows.head(20).to_html(max_cols=8) + "</div>")

    def windows_frame(self):
        """The windows as a DataFrame with UTC as text (the CSV form)."""
        import pandas as pd

        rows = []
        for w in self.window_records:
            row = {k: v for k, v in w.items() if k != "geometry"}
            for where, rec in w["geometry"].items():
                row.update({f"{where}_{k}": v for k, v in rec.items()
                            if k not in ("utc", "et")})
            rows.append(row)
        return pd.DataFrame(rows)

    def best_frame(self):
        import pandas as pd

        return pd.DataFrame([p["best"] for p in self.perijoves if p.get("best")])

    @metadata_property
    def metadata(self) -> dict:
        """Provenance and conventions (an attribute; calling it returns the same dict)."""
        from flyplan import __version__
        from flyplan.geometry.junocam import camera

        cam = camera()
        junocam_text = (f"IFOV {cam.ifov_rad * 1e3:.4f} mrad; swath {cam.swath_deg[0]:+.2f}.."
                        f"{cam.swath_deg[1]:+.2f} deg from the spin plane (centre of the target)")
        kernels = {}
        for p in self.perijoves:
            for k in p.get("kernels", []):
                kernels.setdefault(k["path"], k)
        return {"flyplan_version": __version__, "scenario_file": self.path,
                "scenario": self.scenario.model_dump(mode="json"),
                "edge_tolerance_s": EDGE_TOL_S,
                "kernels": list(kernels.values()),
                "conventions": {**CONVENTIONS, "junocam": junocam_text,
                                "above_limb": "the target's centre clear of Jupiter's disk "
                                              "seen from Juno (LT+S)"}}


def plan(scenario: Scenario | str | os.PathLike, *, kernels=None, workers: int = 1,
         executor: str | None = None, scheduler: str | None = None,
         progress=None) -> PlanResult:
    """The windows in which all of a scenario's constraints hold.

    Parameters
    ----------
    scenario : Scenario or path-like
        A validated scenario or a TOML file.
    kernels : path-like, optional
        Kernel directory (as for :func:`flyplan.perijove`).
    workers : int
        Processes for scenarios over several perijoves (SPICE is not thread-safe).
    executor, scheduler
        Where the perijoves run, as for :func:`flyplan.perijoves`
        (:func:`flyplan.sweep.open_executor`).
    progress : callable, optional
        Called with the number of perijoves just planned (for a progress bar).

    Returns
    -------
    PlanResult

    Raises
    ------
    flyplan.errors.FlyplanError
        ScenarioError for a bad file; for a single perijove, the error that
        stopped it (coverage, unknown perijove); perijoves of a multi-perijove
        scenario that cannot be computed are listed as skipped instead.
    """
    from flyplan.kernels import select

    path = None
    if not isinstance(scenario, Scenario):
        path = str(scenario)
        scenario = load_scenario(scenario)
    numbers = scenario.perijove_numbers()
    if numbers is None or len(numbers) == 1:
        cands = select.candidates(select.kernel_dirs(kernels))
        one = _plan_one(scenario, numbers[0] if numbers else None, kernels, cands)
        return PlanResult(scenario, path, [one])
    import functools

    from flyplan import sweep

    finished = progress or (lambda n: None)
    with sweep.open_executor(executor, min(int(workers), len(numbers)), scheduler) as ex:
        text = scenario.model_dump_json()
        # In-process, several chunks so that a progress bar moves; each chunk
        # still scans the kernel directories once.
        pieces = ex.workers if ex.kind != "inline" else max(1, min(len(numbers), 20))
        chunks = sweep.split(numbers, pieces)
        parts = ex.run((functools.partial(_plan_chunk, (text, c, kernels)) for c in chunks),
                       done=lambda i: finished(len(chunks[i])))
    return PlanResult(scenario, path, [p for part in parts for p in part])
