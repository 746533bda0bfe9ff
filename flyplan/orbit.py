"""Juno's orbits: perijove times, orbit windows, and the one request preamble.

A perijove is a minimum of Juno's distance to Jupiter's centre (NAIF 599).
Perijove N's time comes, in order of preference, from

1. a NAIF ORBNUM file (orbit N's ``PERI`` event), when one is found;
2. counting distance minima from orbit insertion (PJ0, 2016-07-05) with the
   Geometry Finder, when the Juno kernels found cover every orbit up to N;
3. the published timetable carried in the package;

and is then refined on the loaded trajectory with ``gfdist`` to 0.1 ms.

An orbit is the span from the apojove before a perijove to the apojove after
it (:func:`orbit_window`).  Every domain request (perijove, events, plans, the
mission table, ``kernels plan``) starts with :func:`prepare`: find the
kernels, place the perijove, choose and load the kernels for the window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from flyplan.constants import JOI_UTC, JUNO
from flyplan.errors import FlyplanError, PerijoveError

__all__ = ["PERIJOVE_TOL_S", "find_minima", "refine_minimum", "approximate_time",
           "orbit_window", "Prepared", "prepare", "resolve_target", "gf_window", "gf_intervals"]

# Geometry Finder tolerance of perijove and apojove times, s.
PERIJOVE_TOL_S = 1e-4
# Half-width of the search around an approximate perijove time, s: published
# reconstructed times are good to a second, predictions to minutes.
_SEARCH_RECONSTRUCTED_S = 1800.0
_SEARCH_PREDICTED_S = 6 * 3600.0
# Geometry Finder step for distance extrema, s: far shorter than the half-orbit
# between a perijove and its apojove, so no extremum is missed.
_GF_STEP_S = 600.0
# How far from perijove to look for the bounding apojoves, s: Juno's longest
# orbits (53 days) have their apojoves within 27 days of perijove.
ORBIT_SEARCH_S = 30 * 86400.0
# SPICE's stellar-aberration correction (LT+S) differentiates the observer's
# velocity numerically, one second either side: searches keep clear of the
# ends of Juno's coverage by more than that.
COVERAGE_MARGIN_S = 10.0


def gf_window(intervals):
    """A SPICE window cell holding the ET ``intervals``."""
    import spiceypy

    cell = spiceypy.cell_double(2 * len(intervals) + 2)
    for a, b in intervals:
        spiceypy.wninsd(float(a), float(b), cell)
    return cell


def gf_intervals(cell) -> list[tuple[float, float]]:
    """The ET intervals of a SPICE window cell."""
    import spiceypy

    return [spiceypy.wnfetd(cell, i) for i in range(spiceypy.wncard(cell))]


def _distance_extrema(relate: str, t0: float, t1: float, step: float) -> np.ndarray:
    import spiceypy

    from flyplan.kernels.pool import gf_tolerance

    result = spiceypy.cell_double(20000)
    with gf_tolerance(PERIJOVE_TOL_S):
        spiceypy.gfdist("JUPITER", "NONE", str(JUNO), relate, 0.0, 0.0, step, 10000,
                        gf_window([(t0, t1)]), result)
    return np.array([a for a, _ in gf_intervals(result)])


def find_minima(t0: float, t1: float, step: float = _GF_STEP_S) -> np.ndarray:
    """ET of every local minimum of Juno's distance to Jupiter's centre in ``[t0, t1]``.

    Uses the SPICE Geometry Finder (``gfdist``, ``LOCMIN``), converged to
    :data:`PERIJOVE_TOL_S`.  The kernels covering Juno over the window must be loaded.
    """
    mins = _distance_extrema("LOCMIN", t0, t1, step)
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
        ET, method (``"orbnum"``, ``"counted"``, ``"timetable"`` or, for a
        predicted time, ``"timetable-predicted"``) and the
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
        if row.status == "reconstructed":
            return utc_to_et(row.utc), "timetable", _SEARCH_RECONSTRUCTED_S
        # Said wherever the time is printed: a prediction, not a measurement.
        return utc_to_et(row.utc), "timetable-predicted", _SEARCH_PREDICTED_S
    raise PerijoveError(f"perijove {n} is not in flyplan's timetable",
                        covered=f"PJ{min(table)}..PJ{max(table)} (timetable)",
                        hint="give a perijove number in that range, or a --window in UTC")


def _count_from_insertion(n: int, cands) -> float | None:
    """Perijove n by counting minima from orbit insertion, when coverage allows."""
    from flyplan.kernels.pool import KernelSet, active, loaded
    from flyplan.kernels.select import choose_juno
    from flyplan.timetable import timetable
    from flyplan.timeutil import utc_to_et

    joi = utc_to_et(JOI_UTC)
    # Only worth trying when the kernels found reach back to orbit insertion
    # and forward past perijove n (guessed from the timetable).
    guess = timetable().get(n)
    if guess is None:
        return None
    end = utc_to_et(guess.utc) + 86400.0
    files = choose_juno(cands, joi - 86400.0, end).files
    if not files:
        return None
    ks = KernelSet()
    previous = active()
    if previous is not None:
        ks.extend(previous)
    for c in files:
        ks.add(c.path)
    with loaded(ks):
        mins = find_minima(joi - 86400.0, end, step=2 * 3600.0)
    # PJ0 is the first minimum; only trust the count when it matches JOI.
    if len(mins) <= n or abs(mins[0] - joi) > 600.0:
        return None
    return float(mins[n])


def _juno_span(kernels, cands, trajectory: str, et_pj: float) -> tuple[float, float, list[str]]:
    """The contiguous span around ``et_pj`` that the Juno trajectory available covers,
    and the files that make it up."""
    from flyplan.kernels.files import spk_cover

    pieces = [(k.path.name, a, b) for k, a, b in kernels.coverage(JUNO)]
    if trajectory == "naif":
        pieces += [(c.name, a, b) for c in cands if c.role == "juno_spk"
                   for a, b in spk_cover(c.path, JUNO)]
    lo = hi = et_pj
    for a, b in _merge([(a, b) for _, a, b in pieces], gap=1.0):
        if a <= et_pj <= b:
            lo, hi = a, b
    names = sorted({name for name, a, b in pieces if a < hi and b > lo})
    return lo, hi, names


def _merge(intervals, gap: float = 1e-6) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def orbit_window(et_pj: float, lo: float, hi: float) -> tuple[float | None, float | None]:
    """Preceding and following apojove of the perijove at ``et_pj``, within ``[lo, hi]``.

    Apojoves are the maxima of Juno's distance to Jupiter's centre (``gfdist``
    LOCMAX, converged to :data:`PERIJOVE_TOL_S`); the kernels covering
    ``[lo, hi]`` must be loaded.

    Returns
    -------
    (float or None, float or None)
        ET of each apojove, None where the span ends before it.
    """
    maxima = _distance_extrema("LOCMAX", lo, hi, 3600.0)
    before = [t for t in maxima if t < et_pj]
    after = [t for t in maxima if t > et_pj]
    return (before[-1] if before else None), (after[0] if after else None)


@dataclass
class Prepared:
    """A request made ready: the perijove placed, the window fixed, the kernels loaded.

    Attributes
    ----------
    number : int or None
        Perijove number (None for an absolute window far from any).
    et : float or None
        The refined perijove time, TDB s past J2000 (None when not refined).
    method : str
        How the perijove time was found (``"orbnum+gf"``, ``"timetable+gf"``, ...).
    window : (float, float)
        ET bounds of the request's window.
    window_basis : str
        ``"asked"`` or ``"orbit"`` (preceding to following apojove).
    selection : flyplan.kernels.assemble.KernelSelection
        The kernels loaded and what they mean.
    cands : list
        The kernel files found.
    apojoves : list of float
        The apojoves bounding an ``"orbit"`` window.
    notes : list of str
        What the user should know about the window.
    """

    number: int | None
    et: float | None
    method: str
    window: tuple
    window_basis: str
    selection: object
    cands: list
    apojoves: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _parse(window):
    # Text, a (start, stop) pair of times or offsets, or a Window (timeutil.as_window).
    from flyplan.timeutil import as_window

    return as_window(window) if window is not None else None


def _number(n):
    """``n`` if it is None or an integer perijove number; InputError otherwise."""
    from flyplan.errors import InputError

    if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer))):
        raise InputError(f"the perijove number must be an integer, not {n!r}",
                         hint="give e.g. 1 or 38")
    return n if n is None else int(n)


def _absolute(win) -> tuple[float, float]:
    t0, t1 = win.resolve()
    if t1 <= t0:
        raise FlyplanError(f"window {win} ends before it starts",
                           hint="give START..STOP with STOP after START")
    return t0, t1


def prepare(n: int | None, window="-6h..+6h", *, kernels=None, source: str = "auto",
            moons: bool = True, refine: bool = True, cands=None) -> Prepared:
    """The one preamble of every request: find kernels, place perijove ``n``, load the window.

    Parameters
    ----------
    n : int or None
        Perijove number; None with an absolute ``window`` (the perijove
        nearest the window then names the model trajectory, unrefined).
    window : str, Window or None
        Relative to perijove (``"-6h..+6h"``), absolute (``"UTC..UTC"``), or
        None for the whole orbit (preceding to following apojove, clipped
        with a note to the Juno trajectory's coverage).
    kernels : path-like, optional
        Kernel directory searched before the cache.
    source : {"auto", "naif", "model"}
        Juno trajectory source.
    moons : bool
        Load a Galilean-moon ephemeris for the window.
    refine : bool
        Refine the perijove time on the loaded trajectory (always, for
        relative and orbit windows).
    cands : list, optional
        Kernel files already found (saves a directory walk per perijove).

    Returns
    -------
    Prepared

    Raises
    ------
    flyplan.errors.FlyplanError
        For a perijove, window or kernel directory the data cannot serve.
    """
    from flyplan.constants import JUNO as _JUNO
    from flyplan.kernels import select
    from flyplan.kernels.assemble import assemble, base_kernels
    from flyplan.timeutil import et_to_utc

    n = _number(n)
    win = _parse(window)
    if cands is None:
        cands = select.candidates(select.kernel_dirs(kernels))
    base, _ = base_kernels(cands)
    base.load()
    orb = next((c.path for c in cands if c.role == "orbnum"), None)

    if n is None:
        if win is None or win.relative:
            raise FlyplanError("a window relative to perijove needs a perijove number",
                               hint="give a perijove number, or an absolute UTC..UTC window")
        t0, t1 = _absolute(win)
        n = _nearest_perijove(0.5 * (t0 + t1))
        sel = assemble(t0, t1, cands=cands, source=source, moons=moons, pj=n)
        sel.kernels.load()
        sel.kernels.require(_JUNO, t0, t1, "Juno (-61)")
        return Prepared(n, None, "", (t0, t1), "asked", sel, cands)

    approx, method, half = approximate_time(n, orbnum=orb, cands=cands)
    if win is not None and not win.relative:
        t0, t1 = _absolute(win)
    elif win is not None:
        t0, t1 = approx + float(win.start), approx + float(win.stop)
    else:
        t0, t1 = approx - half, approx + half
    if win is not None and not (refine or win.relative):
        sel = assemble(t0, t1, cands=cands, source=source, moons=moons, pj=n)
        sel.kernels.load()
        sel.kernels.require(_JUNO, t0, t1, "Juno (-61)")
        return Prepared(n, None, method, (t0, t1), "asked", sel, cands)

    # Cover the refinement span too, so the perijove itself is always computable.
    lo, hi = min(t0, approx - half), max(t1, approx + half)
    sel = assemble(lo, hi, cands=cands, source=source, moons=moons and win is not None, pj=n)
    sel.kernels.load()
    sel.kernels.require(_JUNO, approx - half, approx + half, "Juno (-61)")
    et_pj = refine_minimum(approx, half)
    method += "+gf"
    if win is not None:
        if win.relative:
            t0, t1 = et_pj + float(win.start), et_pj + float(win.stop)
        sel.kernels.require(_JUNO, t0, t1, "Juno (-61)")
        return Prepared(n, et_pj, method, (t0, t1), "asked", sel, cands)

    # The whole orbit: the apojoves either side, within what the trajectory covers.
    span_lo, span_hi, names = _juno_span(sel.kernels, cands, sel.trajectory, et_pj)
    s0 = max(et_pj - ORBIT_SEARCH_S, span_lo + COVERAGE_MARGIN_S)
    s1 = min(et_pj + ORBIT_SEARCH_S, span_hi - COVERAGE_MARGIN_S)
    span = assemble(s0, s1, cands=cands, source=source, moons=False, pj=n)
    span.kernels.load()
    before, after = orbit_window(et_pj, s0, s1)
    notes = []
    covered = f"{', '.join(names)}: {et_to_utc(span_lo, 0)} .. {et_to_utc(span_hi, 0)}"
    if before is None:
        notes.append(f"the Juno trajectory ({covered}) does not reach the apojove before "
                     f"PJ{n}: the window starts at {et_to_utc(s0, 0)}")
    if after is None:
        notes.append(f"the Juno trajectory ({covered}) does not reach the apojove after "
                     f"PJ{n}: the window ends at {et_to_utc(s1, 0)}")
    t0 = before if before is not None else s0
    t1 = after if after is not None else s1
    sel = assemble(t0, t1, cands=cands, source=source, moons=moons, pj=n)
    sel.kernels.load()
    sel.kernels.require(_JUNO, t0, t1, "Juno (-61)")
    return Prepared(n, et_pj, method, (t0, t1), "orbit", sel, cands,
                    apojoves=[t for t in (before, after) if t is not None], notes=notes)


def _nearest_perijove(et: float) -> int:
    from flyplan.timetable import timetable
    from flyplan.timeutil import utc_to_et

    table = timetable()
    return min(table, key=lambda k: abs(utc_to_et(table[k].utc) - et))


def resolve_target(target: str, window: str = "-6h..+6h", *, kernels=None,
                   cands=None) -> tuple[float, float, str]:
    """ET span of a perijove number (``"1"``, ``"PJ1"``) or a UTC window, and a label.

    For a perijove, the window around its approximate time (ORBNUM or
    timetable) widened to the span the perijove search needs, as
    :func:`prepare` loads it.  Loads the base kernels (built-in leapseconds
    when none are cached) to convert times.
    """
    from flyplan.kernels import select
    from flyplan.kernels.assemble import base_kernels
    from flyplan.timeutil import parse_window

    if cands is None:
        cands = select.candidates(select.kernel_dirs(kernels))
    base, _ = base_kernels(cands)
    base.load()
    m = re.fullmatch(r"\s*(?:pj)?\s*(\d+)\s*", target, re.I)
    if m:
        n = int(m.group(1))
        orb = next((c.path for c in cands if c.role == "orbnum"), None)
        approx, _method, half = approximate_time(n, orbnum=orb)
        win = parse_window(window)
        if win.relative:
            t0, t1 = approx + float(win.start), approx + float(win.stop)
        else:
            t0, t1 = _absolute(win)
        return min(t0, approx - half), max(t1, approx + half), f"PJ{n}"
    try:
        win = parse_window(target)
    except ValueError as exc:
        raise FlyplanError(f"{target!r} is neither a perijove number nor a UTC window "
                           f"(UTC..UTC): {exc}",
                           hint="give a perijove number (38, PJ38) or START..STOP in UTC") from None
    if win.relative:
        raise FlyplanError(f"{target!r} is relative to a perijove",
                           hint="give a perijove number or an absolute UTC..UTC window")
    t0, t1 = _absolute(win)
    return t0, t1, str(win)
