"""Perijove numbering and the :class:`Perijove` result.

A perijove is a minimum of Juno's distance to Jupiter's centre (NAIF 599).
Perijove N's time comes, in order of preference, from

1. a NAIF ORBNUM file (orbit N's ``PERI`` event), when one is found;
2. counting distance minima from orbit insertion (PJ0, 2016-07-05) with the
   Geometry Finder, when the Juno kernels found cover every orbit up to N;
3. the published timetable carried in the package;

and is then refined on the loaded trajectory with ``gfdist`` to 1 ms.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from flyplan.constants import CONVENTIONS, JOI_UTC, JUNO, JUPITER, MOONS
from flyplan.errors import CoverageError, PerijoveError

__all__ = ["Perijove", "perijove", "approximate_time", "refine_minimum", "find_minima"]

# Half-width of the search around an approximate perijove time, s: published
# reconstructed times are good to a second, predictions to minutes.
_SEARCH_RECONSTRUCTED_S = 1800.0
_SEARCH_PREDICTED_S = 6 * 3600.0
# Geometry Finder step for distance extrema, s: far shorter than the half-orbit
# between a perijove and its apojove, so no extremum is missed.
_GF_STEP_S = 600.0
_GF_TOL_S = 1e-4


def _gf_window(t0: float, t1: float):
    import spiceypy

    cell = spiceypy.cell_double(2)
    spiceypy.wninsd(t0, t1, cell)
    return cell


def find_minima(t0: float, t1: float, step: float = _GF_STEP_S) -> np.ndarray:
    """ET of every local minimum of Juno's distance to Jupiter's centre in ``[t0, t1]``.

    Uses the SPICE Geometry Finder (``gfdist``, ``LOCMIN``), converged to
    0.1 ms.  The kernels covering Juno over the window must be loaded.
    """
    import spiceypy

    result = spiceypy.cell_double(20000)
    spiceypy.gfstol(_GF_TOL_S)
    try:
        spiceypy.gfdist("JUPITER", "NONE", str(JUNO), "LOCMIN", 0.0, 0.0, step, 10000,
                        _gf_window(t0, t1), result)
    finally:
        spiceypy.gfstol(1e-6)
    n = spiceypy.wncard(result)
    mins = np.array([spiceypy.wnfetd(result, i)[0] for i in range(n)])
    # A minimum at the window's edge is the edge, not a perijove.
    return mins[(mins > t0 + 1.0) & (mins < t1 - 1.0)]


def refine_minimum(approx_et: float, half_width: float) -> float:
    """ET of the distance minimum nearest ``approx_et`` within ``+-half_width`` seconds.

    Raises
    ------
    PerijoveError
        When no minimum lies in that span.
    """
    mins = find_minima(approx_et - half_width, approx_et + half_width,
                       step=min(_GF_STEP_S, half_width / 4))
    if len(mins) == 0:
        from flyplan.timeutil import et_to_utc

        raise PerijoveError(
            f"Juno's distance to Jupiter has no minimum within {half_width / 3600:g} h of "
            f"{et_to_utc(approx_et, 0)}",
            hint="the loaded trajectory may not reach this perijove; check --source/--kernels")
    return float(mins[np.argmin(np.abs(mins - approx_et))])


def approximate_time(n: int, *, orbnum=None, cands=None) -> tuple[float, str, float]:
    """Approximate ET of perijove ``n``, how it was found, and the search half-width.

    A leapseconds kernel must be loaded.

    Returns
    -------
    (float, str, float)
        ET, method (``"orbnum"``, ``"counted"`` or ``"timetable"``) and the
        half-width (s) within which the refinement should search.

    Raises
    ------
    PerijoveError
        For a number no source knows.
    """
    from flyplan.timetable import read_orbnum, timetable
    from flyplan.timeutil import utc_to_et

    if n < 0:
        raise PerijoveError(f"perijove numbers start at 0 (orbit insertion); got {n}",
                            hint="give a number from 0 upwards")
    if orbnum is not None:
        rows = read_orbnum(orbnum)
        if n in rows:
            return utc_to_et(rows[n]), "orbnum", _SEARCH_RECONSTRUCTED_S
    counted = _count_from_insertion(n, cands) if cands else None
    if counted is not None:
        return counted, "counted", 60.0
    table = timetable()
    if n in table:
        row = table[n]
        half = _SEARCH_RECONSTRUCTED_S if row.status == "reconstructed" else _SEARCH_PREDICTED_S
        return utc_to_et(row.utc), "timetable", half
    raise PerijoveError(f"perijove {n} is not in flyplan's timetable",
                        covered=f"PJ{min(table)}..PJ{max(table)} (timetable)",
                        hint="give a perijove number in that range, or a --window in UTC")


def _count_from_insertion(n: int, cands) -> float | None:
    """Perijove n by counting minima from orbit insertion, when coverage allows."""
    from flyplan.kernels.pool import KernelSet, active
    from flyplan.kernels.select import _juno_files
    from flyplan.timetable import timetable
    from flyplan.timeutil import utc_to_et

    joi = utc_to_et(JOI_UTC)
    # Only worth trying when the kernels found reach back to orbit insertion
    # and forward past perijove n (guessed from the timetable).
    guess = timetable().get(n)
    end = utc_to_et(guess.utc) + 86400.0 if guess else None
    if end is None:
        return None
    files = _juno_files(cands, joi - 86400.0, end)
    if not files:
        return None
    previous = active()
    ks = KernelSet()
    if previous is not None:
        ks.extend(previous)
    for c in files:
        ks.add(c.path)
    ks.load()
    mins = find_minima(joi - 86400.0, end, step=2 * 3600.0)
    if previous is not None:
        previous.load()
    # PJ0 is the first minimum; only trust the count when it matches JOI.
    if len(mins) <= n or abs(mins[0] - joi) > 600.0:
        return None
    return float(mins[n])


@dataclass
class Perijove:
    """Geometry of one perijove: summary, samples over a window, and events.

    Attributes
    ----------
    number : int
        Perijove number (0 = orbit insertion).
    et : float
        Time of closest approach to Jupiter's centre, TDB s past J2000.
    utc : str
        The same in UTC, ISO-8601 with ``Z``.
    method : str
        How the time was found (``"orbnum+gf"``, ``"timetable+gf"``, ...).
    summary : dict
        Geometry at perijove (same keys as the sample columns, plus ``perijove``).
    samples : pandas.DataFrame
        One row per sample over the window.
    events : pandas.DataFrame
        Events inside the window (at least the perijove itself).
    plan : flyplan.kernels.select.KernelPlan
        The kernels used and the labels of the trajectory and moon sources.
    window : tuple of float
        ET bounds of the sampled window.
    step_s : float
        Sampling step, s.
    """

    number: int
    et: float
    utc: str
    method: str
    summary: dict
    samples: object
    events: object
    plan: object
    window: tuple
    step_s: float
    notes: list = field(default_factory=list)

    # -- provenance ---------------------------------------------------------------
    def metadata(self) -> dict:
        """Provenance and conventions for CSV/JSON output."""
        from flyplan import __version__

        return {
            "flyplan_version": __version__,
            "perijove": self.number,
            "perijove_time_method": self.method,
            "window_utc": _utc_pair(self.window),
            "step_s": self.step_s,
            "source": self.plan.describe(),
            "conventions": dict(CONVENTIONS),
            "kernels": self.plan.kernels.provenance(),
        }

    def to_dict(self) -> dict:
        """The JSON contract: the summary's keys at top level, plus ``samples``,
        ``events``, ``kernels`` and provenance."""
        meta = self.metadata()
        out = {k: _jsonable(v) for k, v in self.summary.items()}
        out.update({
            "samples": _records(self.samples),
            "events": _records(self.events),
            "kernels": meta.pop("kernels"),
        })
        out["metadata"] = meta
        return out

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def to_csv(self) -> str:
        """The samples as CSV, preceded by ``#`` lines of provenance (pandas:
        ``read_csv(..., comment="#")``)."""
        meta = self.metadata()
        lines = [f"# flyplan {meta['flyplan_version']} perijove {self.number} samples"]
        lines.append(f"# perijove: {self.utc} (et {self.et:.3f}), found by {self.method}")
        if "utc_ert" in self.summary:
            lines.append(f"# perijove Earth-received (ERT): {self.summary['utc_ert']} (one-way "
                         f"light time {self.summary['light_time_min']:.4f} min; Sun-Earth-Juno "
                         f"{self.summary['sun_earth_juno_deg']:.2f} deg)")
        src = meta["source"]
        lines.append(f"# trajectory: {src['trajectory_label']}"
                     + (" [APPROXIMATE]" if src["approximate"] else ""))
        lines.append(f"# moons: {src['moons_label']}")
        for note in src["notes"]:
            lines.append(f"# note: {note}")
        for key, text in meta["conventions"].items():
            lines.append(f"# convention {key}: {text}")
        for k in meta["kernels"]:
            lines.append(f"# kernel: {k['name']} sha256={k['sha256']} source={k['source']}")
        return "\n".join(lines) + "\n" + self.samples.to_csv(index=False, float_format="%.6f")


def _utc_pair(window):
    from flyplan.timeutil import et_to_utc

    return [et_to_utc(window[0]), et_to_utc(window[1])]


def _jsonable(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return None if not math.isfinite(v) else float(v)
    return v


def _records(df) -> list[dict]:
    if df is None or len(df) == 0:
        return []
    return [{k: _jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _add_earth_received(summary: dict, events):
    """Earth-received time, one-way light time from Juno to the geocentre and the
    Sun-Earth-Juno angle (:mod:`flyplan.geometry.earth`) for the summary (in place) and
    the events (returned)."""
    from spiceypy import cyice

    from flyplan.geometry import earth
    from flyplan.constants import JUPITER_BARYCENTER

    def juno(et):
        # skyfield's DE421 has Jupiter's barycentre only: Juno's offset from it.
        et = np.array(np.atleast_1d(et), dtype=float)  # a writable copy, as cyice needs
        return cyice.spkezp_v(JUNO, et, "J2000", "NONE", JUPITER_BARYCENTER)[0]

    rec = earth.received([summary["et"]], juno(summary["et"])).iloc[0]
    summary.update(utc_ert=str(rec["utc_ert"]), light_time_min=float(rec["light_time_min"]),
                   sun_earth_juno_deg=float(rec["sun_earth_juno_deg"]))
    return earth.add_received(events, juno(events["et"].to_numpy(dtype=float)))


def perijove(n: int, *, window: str = "-6h..+6h", step: str | float = "60s", kernels=None,
             source: str = "auto", moons: bool = True, extras: bool = True) -> Perijove:
    """Compute the geometry of Juno's perijove ``n``.

    Parameters
    ----------
    n : int
        Perijove number; 0 is orbit insertion (2016-07-05), 38 is 2021-11-29.
    window : str
        Sampled window, relative to perijove (``"-6h..+6h"``) or absolute
        (``"2021-11-29T12:00Z..2021-11-29T16:00Z"``).
    step : str or float
        Sampling step (``"60s"``, ``"1m"``, or seconds).
    kernels : path-like, optional
        Kernel directory laid out like NAIF's archive (else ``$FLYPLAN_KERNELS``
        and the cache).
    source : {"auto", "naif", "model"}
        Juno trajectory source.
    moons : bool
        Include the Galilean moons (when an ephemeris covers the window).
    extras : bool
        Also the JunoCam imaging columns, the events inside the window and
        the Earth-received time (default).  False gives the geometry alone,
        several times faster (the mission table uses it).

    Returns
    -------
    Perijove

    Raises
    ------
    flyplan.errors.FlyplanError
        For a perijove, window or kernel directory the data cannot serve; the
        message names what is missing, what is covered and what to do.
    """
    from flyplan.geometry import samples as geometry
    from flyplan.kernels import select as sources
    from flyplan.errors import InputError
    from flyplan.timeutil import (Window, check_sample_count, et_to_utc, parse_duration,
                                  parse_window, sample_times)

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InputError(f"the perijove number must be an integer, not {n!r}")
    win = parse_window(window) if isinstance(window, str) else window
    if not isinstance(win, Window):
        raise InputError(f"not a window: {window!r} (use -6h..+6h or START..STOP in UTC)")
    step_s = parse_duration(step)
    if step_s <= 0:
        raise InputError("the step must be positive")
    if win.relative:
        # Before any kernel is loaded: a request too large fails at once.
        check_sample_count((float(win.stop) - float(win.start)) / step_s + 2)
    cands = sources.candidates(sources.kernel_dirs(kernels))
    base, _ = sources.base_kernels(cands)
    base.load()
    orb = next((c.path for c in cands if c.role == "orbnum"), None)
    approx, method, half = approximate_time(n, orbnum=orb, cands=cands)

    if win.relative:
        t0, t1 = approx + float(win.start), approx + float(win.stop)
    else:
        t0, t1 = win.resolve()
        check_sample_count((t1 - t0) / step_s + 2)
    # Cover the refinement span too, so the perijove itself is always computable.
    lo, hi = min(t0, approx - half), max(t1, approx + half)
    plan = sources.assemble(lo, hi, source=source, moons=moons, pj=n, cands=cands)
    plan.kernels.load()
    if not win.relative:
        # The window's own span first, so the message names what was asked for.
        plan.kernels.require(JUNO, t0, t1, f"Juno (-61) in the window {win}")
    plan.kernels.require(JUNO, lo, hi, "Juno (-61)")
    et_pj = refine_minimum(approx, half)
    method += "+gf"
    if win.relative:
        t0, t1 = et_pj + float(win.start), et_pj + float(win.stop)
        plan.kernels.require(JUNO, t0, t1, "Juno (-61)")

    moon_ids = tuple(MOONS.values()) if plan.moons else ()
    et = sample_times(t0, t1, step_s)
    samples = geometry.sample_table(et, moon_ids)
    at_pj = geometry.sample_table(np.array([et_pj]), moon_ids).iloc[0].to_dict()
    summary = {"perijove": n, **at_pj, "perijove_time_method": method,
               "trajectory_source": plan.trajectory, "approximate": plan.approximate}
    notes = list(plan.notes)
    # JunoCam imaging columns and the events inside the window (flyplan.geometry.junocam,
    # flyplan.domain.events).
    if not extras:
        return Perijove(n, et_pj, et_to_utc(et_pj), method, summary, samples, _no_events(),
                        plan, (t0, t1), step_s, notes=notes)
    if moon_ids:
        from flyplan.geometry.junocam import add_imaging_columns, attitude_for

        attitude, note = attitude_for(n)
        label = add_imaging_columns(samples, moon_ids, attitude=attitude)
        notes += [x for x in (note, f"JunoCam spin axis: {label}" if label else None) if x]
    events = _window_events(t0, t1, et_pj, moon_ids, notes)
    events = _add_earth_received(summary, events)
    return Perijove(n, et_pj, et_to_utc(et_pj), method, summary, samples, events, plan,
                    (t0, t1), step_s, notes=notes)


def _no_events():
    from flyplan.domain.events import _table

    return _table([], JUNO)


def _window_events(t0: float, t1: float, et_pj: float, moon_ids, notes):
    """Events inside the sampled window; the perijove row is the refined ``et_pj``."""
    import pandas as pd

    from flyplan.domain.events import _row, _table, find_events

    found = find_events(t0, t1, moons=moon_ids, notes=notes)
    found = found[found["kind"] != "perijove"]
    pj_row = _table([_row(et_pj, "perijove", "JUPITER")], JUNO)
    return pd.concat([pj_row, found], ignore_index=True).sort_values(
        "et", kind="stable").reset_index(drop=True)
