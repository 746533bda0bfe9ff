"""Events of a perijove or a window, found with the SPICE Geometry Finder.

Every event time comes from a Geometry Finder search (``gfdist``, ``gfposc``,
``gfoclt``, ``gfuds``), never from scanning a table, converged to
:data:`GF_TOL_S` (1 ms; perijove and apojove times to
:data:`flyplan.orbit.PERIJOVE_TOL_S`, 0.1 ms).  The searches step through
time with a step that follows Juno's orbit: a fraction of the time scale
``r / v`` (distance to Jupiter's centre over speed), so seconds near perijove
and up to an hour near apojove.  An event lasting less than the step there
(a grazing occultation, say) can be missed; :data:`STEP_SCHEDULES` lists the
fractions and bounds.

The kinds of event (column ``kind``) are documented in :data:`EVENT_KINDS`
and the columns in :data:`EVENT_COLUMNS`.  :func:`find_events` searches a
window on the kernels already loaded; :func:`events` finds the kernels and the
window for a perijove (by default the whole orbit, from the preceding apojove
to the following one) and returns an :class:`EventsResult`.

Terminator crossings use ``gfuds`` on the solar zenith angle at the
sub-spacecraft point, with exactly the definition of the ``sza_deg`` sample
column: ``gfilum`` needs a fixed surface point (this one moves with Juno) and
``gfposc`` cannot combine Juno's position with the Sun's direction.
Occultations, transits and eclipses are first screened with ``gfsep`` (the
bodies' bounding spheres closer than 1e-4 rad on the sky: a relational search
on a smooth quantity, which finds grazing passes too), then found with
``gfoclt`` inside those intervals.

Light time: what Juno *sees* (occultations, transits, moon ranges, eclipses)
is corrected for light time (``LT``; ``gfoclt`` accepts no stellar
aberration, which shifts both bodies alike and so does not change an
occultation); Juno's own position relative to Jupiter is geometric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flyplan.domain.api import ResultMixin, metadata_property
from flyplan.constants import ABCORR_MOON_RANGE, CONVENTIONS, JUNO, JUPITER, MOON_IDS, MOONS
from flyplan.domain.event_kinds import EVENT_KINDS
from flyplan.kernels.pool import gf_tolerance
from flyplan.orbit import PERIJOVE_TOL_S, gf_intervals, gf_window

__all__ = [
    "EVENT_KINDS", "EVENT_COLUMNS", "EVENT_CONVENTIONS", "GF_TOL_S", "DEFAULT_ALTITUDES_KM",
    "STEP_SCHEDULES", "find_events", "events", "EventsResult", "step_zones",
    "sza_at_subpoint",
]

# Convergence of every search, s (the tolerance in force before is restored afterwards).
GF_TOL_S = 1e-3
DEFAULT_ALTITUDES_KM = (10_000.0, 20_000.0, 50_000.0)
LAT_STEP_DEG = 10.0
# Local minima of a moon's range farther than this are not reported, except
# the smallest in the window (far from Jupiter every moon has a range minimum
# each orbit of its own, which is not a flyby).
CA_MAX_RANGE_KM = 1.0e6
_MAX_INTERVALS = 20000
_NINTVLS = 20000

# Step schedules, as (fraction of r/v, finest step s, coarsest step s).  The
# step must be shorter than the shortest interval on which the searched
# quantity is monotone (extrema) or the condition holds (occultations).
STEP_SCHEDULES = {
    # latitude and altitude extrema: tens of minutes apart near perijove.
    "juno": (1 / 20, 5.0, 3600.0),
    # solar zenith angle at the sub-spacecraft point: Jupiter turns in ~10 h.
    "sun": (1 / 40, 5.0, 1200.0),
    # moon occultations/transits seen from Juno: minutes near perijove, hours far out.
    "view": (1 / 50, 5.0, 600.0),
    # range to a moon: its minima are hours apart.
    "range": (1 / 20, 5.0, 1800.0),
}
# Eclipses depend on the moons alone; the Sun-Jupiter separation seen from a
# moon is monotone over half the moon's orbit (21 h for Io).
_ECLIPSE_STEP_S = 3600.0
# Occultations, transits and eclipses are searched where the bodies' bounding
# spheres come closer than this on the sky (limb to limb), radians.
_SCREEN_RAD = 1e-4

EVENT_COLUMNS = {
    "utc": "UTC ISO-8601 with Z (spacecraft event time: when Juno is there or sees it)",
    "et": "TDB seconds past J2000",
    "kind": "what happens (see kinds)",
    "body": "the body the event concerns: JUPITER, or IO/EUROPA/GANYMEDE/CALLISTO",
    "detail": "direction of a crossing, level, and for eclipses the time at the moon",
    "range_km": "distance from Juno to the body's centre (light time for moons), km",
    "altitude_km": "distance from Juno to the body's surface: Jupiter's 1-bar ellipsoid "
                   "(nearest point) or the moon's ellipsoid (nearest point, light time), km",
    "juno_altitude_km": "Juno's altitude above Jupiter's 1-bar ellipsoid, km",
    "lat_pg_deg": "Juno's planetographic latitude, degrees",
    "lon_w_deg": "Juno's System III longitude, west-positive, degrees",
}

EVENT_CONVENTIONS = {
    "event_times": f"found with the SPICE Geometry Finder, converged to {GF_TOL_S:g} s; the "
                   "search step follows r/v along the orbit (seconds near perijove), so events "
                   "shorter than the local step may be missed",
    "event_light_time": "occultations, transits and moon ranges as seen from Juno with light "
                        "time (LT; gfoclt takes no stellar aberration, which moves both bodies "
                        "alike); eclipses from the moon's centre with light time, shifted to "
                        "the time Juno sees them",
    "event_shapes": "Jupiter, the moons and the Sun as their PCK ellipsoids (1-bar for Jupiter)",
}

_COLUMNS = list(EVENT_COLUMNS)


# -- Geometry Finder plumbing -----------------------------------------------------------------
def _result():
    import spiceypy

    return spiceypy.cell_double(2 * _MAX_INTERVALS)


def _merge(intervals, gap: float = 1e-6) -> list[tuple[float, float]]:
    """Union of intervals, joining those that overlap or touch (zones overlap)."""
    out = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _dedupe(points, tol: float = 10 * GF_TOL_S) -> list[float]:
    out = []
    for t in sorted(points):
        if not out or t - out[-1] > tol:
            out.append(t)
    return out


def _time_scale(t0: float, t1: float, observer: int, grid_s: float):
    """Grid of ET and Juno's r/v there (s)."""
    from spiceypy import cyice

    n = max(2, int(math.ceil((t1 - t0) / grid_s)) + 1)
    grid = np.linspace(t0, t1, n)
    st, _ = cyice.spkezr_v(str(observer), grid, "J2000", "NONE", str(JUPITER))
    return grid, np.linalg.norm(st[:, :3], axis=1) / np.linalg.norm(st[:, 3:], axis=1)


def step_zones(t0: float, t1: float, schedule: str | tuple = "juno", *, observer: int = JUNO,
               grid_s: float = 600.0, overlap: bool = True,
               _scale=None) -> list[tuple[float, float, float]]:
    """Split ``[t0, t1]`` into zones, each with its own Geometry Finder step.

    The step is ``fraction * r / v`` (Juno's distance to Jupiter's centre over
    its speed, the time scale on which its view changes), clipped to
    ``[finest, coarsest]`` and rounded down to ``finest * 2**k``; each grid
    interval takes the smallest step of its two ends and their neighbours.

    Parameters
    ----------
    t0, t1 : float
        Window, TDB seconds past J2000.
    schedule : str or (float, float, float)
        A key of :data:`STEP_SCHEDULES` or ``(fraction, finest_s, coarsest_s)``.
    observer : int
        NAIF id of the spacecraft.
    grid_s : float
        Spacing at which ``r / v`` is evaluated, s.
    overlap : bool
        Extend each zone by one step into its neighbours, so that an event on
        a zone boundary is found on both sides (results are merged).

    Returns
    -------
    list of (start, stop, step)
        In seconds; contiguous zones with distinct steps.
    """
    frac, fine, coarse = STEP_SCHEDULES[schedule] if isinstance(schedule, str) else schedule
    grid, tau = _scale if _scale is not None else _time_scale(t0, t1, observer, grid_s)
    want = np.clip(frac * tau, fine, coarse)
    pad = np.concatenate([[want[0]], want, [want[-1]]])
    want = np.minimum(np.minimum(pad[:-2], pad[1:-1]), pad[2:])
    level = np.floor(np.log2(want / fine) + 1e-9).astype(int)
    # Each grid interval takes the finer of its two ends.
    lev = np.minimum(level[:-1], level[1:])
    zones = []
    start = 0
    for i in range(1, len(lev) + 1):
        if i == len(lev) or lev[i] != lev[start]:
            zones.append([grid[start], grid[i], fine * 2.0 ** lev[start]])
            start = i
    if overlap and len(zones) > 1:
        for k, z in enumerate(zones):
            if k > 0:
                z[0] = max(t0, z[0] - z[2])
            if k < len(zones) - 1:
                z[1] = min(t1, z[1] + z[2])
    return [tuple(z) for z in zones]


def _clip_zones(zones, a: float, b: float) -> list[tuple[float, float, float]]:
    """The zones' parts inside ``[a, b]``."""
    return [(max(z0, a), min(z1, b), step) for z0, z1, step in zones
            if min(z1, b) > max(z0, a)]


def _zoned(search, zones) -> list[tuple[float, float]]:
    out = []
    for a, b, step in zones:
        out += gf_intervals(search(gf_window([(a, b)]), step))
    return out


def _edges(intervals, t0: float, t1: float):
    """(start, end) events of condition intervals, None where the interval meets the window edge."""
    for a, b in intervals:
        yield (a if a > t0 + 1e-6 else None), (b if b < t1 - 1e-6 else None), (a, b)


# -- searches ---------------------------------------------------------------------------------
def _extrema(search, zones) -> list[float]:
    """Local minima and maxima (LOCMIN/LOCMAX) of a searched quantity."""
    pts = []
    for relate in ("LOCMIN", "LOCMAX"):
        pts += [a for a, _ in _zoned(lambda cell, step, r=relate: search(r, 0.0, cell, step),
                                     zones)]
    return _dedupe(pts)


def _level_crossings(search, levels, t0, t1, zones) -> list[tuple[float, float]]:
    """Times the quantity equals each level: extrema first, then one GF pass per level.

    Between two extrema the quantity is monotone, so a level is crossed at
    most once there and the Geometry Finder needs a single step per interval.
    """
    bounds = [t0, *[t for t in _extrema(search, zones) if t0 < t < t1], t1]
    # A hair's gap keeps adjacent intervals apart (a window would join them).
    eps = 1e-4
    mono = [(a + eps, b - eps) for a, b in zip(bounds[:-1], bounds[1:]) if b - a > 4 * eps]
    if not mono:
        return []
    cell_ivs = mono
    longest = max(b - a for a, b in cell_ivs) + 1.0
    out = []
    for level in levels:
        hits = gf_intervals(search("=", float(level), gf_window(cell_ivs), longest))
        out += [(a, float(level)) for a, _ in hits]
    return out


def _posc_search(observer: int, coord: str):
    import spiceypy

    def search(relate, refval, cnfine, step):
        res = _result()
        spiceypy.gfposc(str(observer), "IAU_JUPITER", "NONE", "JUPITER", "PLANETOGRAPHIC",
                        coord, relate, refval, 0.0, step, _NINTVLS, cnfine, res)
        return res

    return search


def _dist_search(target: str, observer: str, abcorr: str):
    import spiceypy

    def search(relate, refval, cnfine, step):
        res = _result()
        spiceypy.gfdist(target, abcorr, observer, relate, refval, 0.0, step, _NINTVLS, cnfine,
                        res)
        return res

    return search


def _oclt_search(occtyp, front, fshape, fframe, back, bshape, bframe, abcorr, observer):
    import spiceypy

    def search(cnfine, step):
        res = _result()
        spiceypy.gfoclt(occtyp, front, fshape, fframe, back, bshape, bframe, abcorr, observer,
                        step, cnfine, res)
        return res

    return search


def _sza_function(observer: int):
    """Solar zenith angle at the sub-spacecraft point as a function of ET (radians).

    The definition of :func:`flyplan.geometry.samples.juno_arrays`' ``sza``: the angle
    between the ellipsoid normal at the point nearest the spacecraft and the
    direction from that point to the Sun (seen from Jupiter's centre with light
    time and stellar aberration).  This runs once per Geometry Finder
    evaluation, so it is written with scalar ``cyice`` calls and plain floats
    (``cyice.recgeo`` rounds to single precision, whose jitter would upset the
    Geometry Finder's derivative test, so the latitude is solved here).
    """
    from spiceypy import cyice

    from flyplan.geometry.samples import jupiter_radii

    a, c = jupiter_radii()
    e2, ep2 = 1.0 - (c / a) ** 2, (a / c) ** 2 - 1.0
    obs = str(observer)

    def sza(et: float) -> float:
        x, y, z = cyice.spkpos(obs, et, "IAU_JUPITER", "NONE", "JUPITER")[0].tolist()
        p = math.hypot(x, y)
        # Bowring's iteration for the planetographic (geodetic) latitude: three
        # rounds reach double precision anywhere above the surface.
        beta = math.atan2(a * z, c * p)
        for _ in range(3):
            lat = math.atan2(z + ep2 * c * math.sin(beta) ** 3, p - e2 * a * math.cos(beta) ** 3)
            beta = math.atan2(c * math.sin(lat), a * math.cos(lat))
        lon = math.atan2(y, x)
        cl, sl, co, so = math.cos(lat), math.sin(lat), math.cos(lon), math.sin(lon)
        n = (cl * co, cl * so, sl)
        surf = (a * math.cos(beta) * co, a * math.cos(beta) * so, c * math.sin(beta))
        sun = cyice.spkpos("SUN", et, "IAU_JUPITER", "LT+S", "JUPITER")[0].tolist()
        s = (sun[0] - surf[0], sun[1] - surf[1], sun[2] - surf[2])
        cross = (n[1] * s[2] - n[2] * s[1], n[2] * s[0] - n[0] * s[2], n[0] * s[1] - n[1] * s[0])
        return math.atan2(math.sqrt(cross[0] ** 2 + cross[1] ** 2 + cross[2] ** 2),
                          n[0] * s[0] + n[1] * s[1] + n[2] * s[2])

    return sza


def sza_at_subpoint(et: float, observer: int = JUNO) -> float:
    """Solar zenith angle at the sub-spacecraft point at one epoch, radians.

    The quantity whose 90-degree crossings are ``terminator_crossing`` events
    (same definition as the ``sza_deg`` sample column).
    """
    return _sza_function(observer)(float(et))


def _sza_search(observer: int):
    import spiceypy
    from spiceypy.utils.callbacks import SpiceUDFUNB, SpiceUDFUNS

    sza = _sza_function(observer)
    # ctypes swallows exceptions raised in a callback: keep the first one,
    # feed the Geometry Finder a harmless value and re-raise after the search.
    failed: list[BaseException] = []

    def guarded(et):
        if failed:
            return 0.0
        try:
            return sza(et)
        except Exception as exc:  # noqa: BLE001 - re-raised below
            failed.append(exc)
            return 0.0

    udf = SpiceUDFUNS(guarded)

    @SpiceUDFUNB
    def decreasing(_udfunc, et):
        # A central difference in Python, without a round trip through ctypes.
        return guarded(et + 0.25) < guarded(et - 0.25)

    def search(relate, refval, cnfine, step):
        # Fail early, outside the callbacks, when the kernels cannot serve the window.
        for i in range(spiceypy.wncard(cnfine)):
            for t in spiceypy.wnfetd(cnfine, i):
                sza(t)
        res = _result()
        spiceypy.gfuds(udf, decreasing, relate, refval, 0.0, step, _NINTVLS, cnfine, res)
        if failed:
            raise failed[0]
        return res

    return search, sza


def _has_rotation(body: int) -> bool:
    import spiceypy

    return bool(spiceypy.bodfnd(body, "PM") and spiceypy.bodfnd(body, "POLE_RA"))


def _name(body: int) -> str:
    import spiceypy

    return spiceypy.bodc2n(body)


# -- the event table --------------------------------------------------------------------------
def _row(et, kind, body, detail="", **extra):
    return {"et": float(et), "kind": kind, "body": body, "detail": detail, **extra}


def _juno_events(t0, t1, observer, latitudes, altitudes_km, lat_step_deg, kinds, notes, scale):
    rows = []
    zones = step_zones(t0, t1, "juno", observer=observer, _scale=scale)
    want = (lambda k: kinds is None or k in kinds)
    if want("perijove") or want("apojove"):
        dist = _dist_search("JUPITER", str(observer), "NONE")
        with gf_tolerance(PERIJOVE_TOL_S):  # as flyplan.orbit's perijove times
            for relate, kind in (("LOCMIN", "perijove"), ("LOCMAX", "apojove")):
                if want(kind):
                    pts = _dedupe(a for a, _ in _zoned(
                        lambda cell, step, r=relate: dist(r, 0.0, cell, step), zones))
                    rows += [_row(t, kind, "JUPITER") for t in pts if t0 < t < t1]
    if want("lat_crossing") or want("equator_crossing"):
        levels = set(np.round(np.arange(-90 + lat_step_deg, 90, lat_step_deg), 9).tolist())
        levels |= {float(x) for x in latitudes}
        levels = sorted(x for x in levels if -90 < x < 90 and
                        want("equator_crossing" if x == 0 else "lat_crossing"))
        search = _posc_search(observer, "LATITUDE")
        for t, lev in _level_crossings(search, np.radians(levels), t0, t1, zones):
            deg = float(np.degrees(lev))
            deg = min(levels, key=lambda x: abs(x - deg))
            rows.append(_row(t, "equator_crossing" if deg == 0 else "lat_crossing", "JUPITER",
                             "" if deg == 0 else f"lat_pg {deg:+g} deg", _level=deg,
                             _sign="lat"))
    if want("altitude_crossing") and len(altitudes_km):
        search = _posc_search(observer, "ALTITUDE")
        for t, lev in _level_crossings(search, sorted(set(map(float, altitudes_km))), t0, t1,
                                       zones):
            rows.append(_row(t, "altitude_crossing", "JUPITER", f"{lev:,.0f} km",
                             _level=lev, _sign="alt"))
    if want("terminator_crossing"):
        search, sza = _sza_search(observer)
        zones_sun = step_zones(t0, t1, "sun", observer=observer, _scale=scale)
        pts = _dedupe(a for a, _ in _zoned(
            lambda cell, step: search("=", math.pi / 2, cell, step), zones_sun))
        for t in pts:
            if t0 < t < t1:
                rising = sza(min(t + 0.5, t1)) > sza(max(t - 0.5, t0))
                rows.append(_row(t, "terminator_crossing", "JUPITER",
                                 "day->night" if rising else "night->day"))
    return rows


_TEXT = {
    "occultation": ("starts to pass behind Jupiter", "entirely hidden", "starts to reappear",
                    "entirely visible again"),
    "transit": ("starts to cross Jupiter's disk", "entirely inside Jupiter's disk",
                "starts to leave Jupiter's disk", "clear of Jupiter's disk"),
    "eclipse": ("enters Jupiter's penumbra", "centre in the umbra", "centre leaves the umbra",
                "leaves Jupiter's penumbra"),
}


def _sep_search(targ1: str, targ2: str, observer: str):
    """Limb-to-limb angular separation of two spheres seen from ``observer`` (gfsep, LT)."""
    import spiceypy

    def search(relate, refval, cnfine, step):
        res = _result()
        spiceypy.gfsep(targ1, "SPHERE", "NULL", targ2, "SPHERE", "NULL", "LT", observer, relate,
                       refval, 0.0, step, _NINTVLS, cnfine, res)
        return res

    return search


def _overlaps(targ1: str, targ2: str, observer: str, zones) -> list[tuple[float, float]]:
    """When the two bodies' bounding spheres overlap (or nearly) on the observer's sky.

    A relational search on a smooth quantity: its step need only be shorter
    than the intervals on which the separation is monotone, not than the
    overlaps themselves, so grazing passes are found too.  Every occultation,
    transit or eclipse of the ellipsoids lies inside these intervals.
    """
    search = _sep_search(targ1, targ2, observer)
    return _merge(_zoned(lambda cell, step: search("<", _SCREEN_RAD, cell, step), zones))


def _contacts(prefix, occ_full, geometry, screened, zones, t0, t1):
    """Start/end of an occultation-like condition inside the screened intervals:
    first/last contact (gfoclt ANY), then the full phase (FULL or ANNULAR).

    ``geometry`` is (front, fshape, fframe, back, bshape, bframe, abcorr, observer).
    Returns (et, kind, detail) tuples.
    """
    text = _TEXT[prefix]
    search_any = _oclt_search("ANY", *geometry)
    found = []
    for a, b in screened:
        step = max(0.5, min(_zone_step(zones, a), (b - a) / 20))
        found += gf_intervals(search_any(gf_window([(a, b)]), step))
    found = _merge(found)
    out = []
    for start, end, _ in _edges(found, t0, t1):
        if start is not None:
            out.append((start, f"{prefix}_start", text[0]))
        if end is not None:
            out.append((end, f"{prefix}_end", text[3]))
    if "POINT" in (geometry[1], geometry[4]) or not found:
        return out
    search_full = _oclt_search(occ_full, *geometry)
    full = []
    for a, b in found:
        step = max(0.5, min(_zone_step(zones, a), (b - a) / 20))
        full += gf_intervals(search_full(gf_window([(a, b)]), step))
    for start, end, _ in _edges(_merge(full), t0, t1):
        if start is not None:
            out.append((start, f"{prefix}_full_start", text[1]))
        if end is not None:
            out.append((end, f"{prefix}_full_end", text[2]))
    return out


# Half-width searched around such a minimum for the span spent inside, s
# (a pass through a moon at flyby speeds lasts minutes).
_INSIDE_SEARCH_S = 3600.0
# Kept clear of that span by the angular searches, s.
_INSIDE_PAD_S = 120.0


def _moon_events(t0, t1, observer, moon, kinds, ca_max_range_km, notes, scale):
    import spiceypy

    from flyplan.geometry import resolve
    from flyplan.timeutil import et_to_utc

    name = _name(moon)
    obs = str(observer)

    def want(family):
        return kinds is None or any(k.startswith(family) for k in kinds)

    rows = []
    if _has_rotation(moon):
        shape, frame = "ELLIPSOID", f"IAU_{name}"
    else:
        shape, frame = "POINT", " "
        notes.append(f"no rotation model for {name} in the loaded PCK: its occultations and "
                     "transits are for its centre (full phases not computed)")
    jup = ("JUPITER", "ELLIPSOID", "IAU_JUPITER")

    # Range minima first: a trajectory that passes inside the moon (flyplan's
    # model near a flyby it does not reproduce) is found here, and the
    # angular searches, which SPICE cannot do from inside a body, skip it.
    search = _dist_search(name, obs, ABCORR_MOON_RANGE)
    zones = step_zones(t0, t1, "range", observer=observer, _scale=scale)
    pts = [t for t in _dedupe(a for a, _ in _zoned(
        lambda cell, step: search("LOCMIN", 0.0, cell, step), zones)) if t0 < t < t1]
    rng = np.array([np.linalg.norm(spiceypy.spkpos(name, t, "J2000", ABCORR_MOON_RANGE,
                                                   obs)[0]) for t in pts])
    radius = float(np.mean(spiceypy.bodvcd(moon, "RADII", 3)[1]))
    holes = []
    for t in np.asarray(pts)[resolve.inside(rng, radius * resolve.INSIDE_MARGIN)]:
        lo, hi = max(t0, t - _INSIDE_SEARCH_S), min(t1, t + _INSIDE_SEARCH_S)
        holes += resolve.inside_intervals(name, obs, radius + resolve.UNRESOLVED_KM,
                                          lo, hi, step=5.0, abcorr=ABCORR_MOON_RANGE) or [(t, t)]
        notes.append(resolve.unresolved_note(name.title(), et_to_utc(t, 0)))
    if want("closest_approach") and pts:
        best = int(np.argmin(rng))
        for i, t in enumerate(pts):
            if resolve.inside(rng[i], radius * resolve.INSIDE_MARGIN):
                rows.append(_row(t, "closest_approach", name,
                                 f"{resolve.UNRESOLVED}: the model's trajectory passes inside "
                                 f"{name.title()}"))
            elif i == best or rng[i] <= ca_max_range_km:
                rows.append(_row(t, "closest_approach", name,
                                 "smallest in window" if i == best else "local minimum"))
    if want("occultation") or want("transit"):
        view = step_zones(t0, t1, "view", observer=observer, _scale=scale)
        ranged = step_zones(t0, t1, "range", observer=observer, _scale=scale)
        for a, b in resolve.complement(t0, t1, holes, pad_s=_INSIDE_PAD_S):
            zones = _clip_zones(view, a, b)
            screened = _overlaps(name, "JUPITER", obs, _clip_zones(ranged, a, b))
            if want("occultation"):
                geo = (*jup, name, shape, frame, "LT", obs)
                rows += [_row(t, k, name, d) for t, k, d in
                         _contacts("occultation", "FULL", geo, screened, zones, a, b)]
            if want("transit"):
                geo = (name, shape, frame, *jup, "LT", obs)
                rows += [_row(t, k, name, d) for t, k, d in
                         _contacts("transit", "ANNULAR", geo, screened, zones, a, b)]
    if want("eclipse"):
        if _has_rotation(10):
            sun = ("SUN", "ELLIPSOID", "IAU_SUN")
        else:
            sun = ("SUN", "POINT", " ")
            notes.append("no rotation model for the Sun in the loaded PCK: eclipses are for "
                         "the Sun's centre (penumbra not computed)")
        zones = [(t0, t1, _ECLIPSE_STEP_S)]
        screened = _overlaps("SUN", "JUPITER", name, zones)
        geo = (*jup, *sun, "LT", name)
        for t, k, d in _contacts("eclipse", "FULL", geo, screened, zones, t0, t1):
            # Found at the moon; reported when Juno sees it.
            seen, _ = spiceypy.ltime(t, moon, "->", observer)
            if seen <= t1:
                at = et_to_utc(t)
                rows.append(_row(seen, k, name, f"{d} (at {name} {at[11:21]})"))
    return rows


def _zone_step(zones, t) -> float:
    for a, b, step in zones:
        if a <= t <= b:
            return step
    return zones[-1][2]


def find_events(t0: float, t1: float, *, observer: int = JUNO, moons=tuple(MOONS.values()),
                latitudes=(), altitudes_km=DEFAULT_ALTITUDES_KM,
                lat_step_deg: float = LAT_STEP_DEG, ca_max_range_km: float = CA_MAX_RANGE_KM,
                kinds=None, notes: list | None = None):
    """Every event in ``[t0, t1]`` on the kernels already loaded.

    Parameters
    ----------
    t0, t1 : float
        Window, TDB seconds past J2000 (events exactly at its edges are not
        events: a condition true at ``t0`` did not start there).
    observer : int
        NAIF id of the spacecraft (Juno, -61; tests use a synthetic one).
    moons : iterable of int
        Moons to search (501-504); empty for none.  Their ephemeris must be loaded.
    latitudes : iterable of float
        Planetographic latitudes (degrees) whose crossings are wanted, beyond
        every ``lat_step_deg`` degrees.
    altitudes_km : iterable of float
        Altitude thresholds (km above the 1-bar ellipsoid).
    lat_step_deg : float
        Spacing of the latitude levels, degrees (0 is the equator).
    ca_max_range_km : float
        Moon range minima farther than this are left out (the window's
        smallest per moon is always kept).
    kinds : iterable of str, optional
        Restrict to these kinds (see :data:`EVENT_KINDS`); prefixes such as
        ``"occultation"`` select a family.
    notes : list, optional
        Receives one-line notes (fallbacks taken).

    Returns
    -------
    pandas.DataFrame
        Columns of :data:`EVENT_COLUMNS`, sorted by time.
    """
    if t1 <= t0:
        raise ValueError("the window must end after it starts")
    notes = notes if notes is not None else []
    kinds = None if kinds is None else set(kinds)
    rows = []
    with gf_tolerance(GF_TOL_S):
        juno_kinds = None if kinds is None else {k for k in EVENT_KINDS if any(
            k.startswith(x) for x in kinds)}
        scale = _time_scale(t0, t1, observer, 600.0)
        rows += _juno_events(t0, t1, observer, latitudes, altitudes_km, lat_step_deg,
                             juno_kinds, notes, scale)
        for moon in moons:
            rows += _moon_events(t0, t1, observer, int(moon), kinds, ca_max_range_km, notes,
                                 scale)
    return _table(rows, observer)


def _table(rows, observer):
    import pandas as pd
    from spiceypy import cyice

    from flyplan.numerics import ellipsoid
    from flyplan.geometry.samples import jupiter_radii
    from flyplan.timeutil import et_to_utc

    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=float if c.endswith(("_km", "_deg")) or c == "et"
                                          else object) for c in _COLUMNS})
    df = pd.DataFrame(rows).sort_values("et", kind="stable").reset_index(drop=True)
    et = np.array(df["et"].to_numpy(float), dtype=float)
    a, c = jupiter_radii()
    pos, _ = cyice.spkpos_v(str(observer), et, "IAU_JUPITER", "NONE", str(JUPITER))
    lat, alt = ellipsoid.geodetic(pos, a, c)
    df["juno_altitude_km"] = alt
    df["lat_pg_deg"] = np.degrees(lat)
    df["lon_w_deg"] = ellipsoid.wrap_angle(-np.degrees(ellipsoid.east_longitude(pos)), 360.0)
    rng = np.linalg.norm(pos, axis=1)
    alt_body = alt.copy()
    for body in set(df["body"]) - {"JUPITER"}:
        sel = (df["body"] == body).to_numpy()
        r, h = _moon_range_altitude(body, et[sel], observer)
        rng[sel], alt_body[sel] = r, h
    df["range_km"] = rng
    df["altitude_km"] = alt_body
    # Direction of level crossings, from the sign change across the event.
    if "_level" in df:
        for i in np.flatnonzero(df["_level"].notna().to_numpy()):
            p = cyice.spkpos_v(str(observer), np.array([et[i] - 1.0, et[i] + 1.0]),
                               "IAU_JUPITER", "NONE", str(JUPITER))[0]
            la, al = ellipsoid.geodetic(p, a, c)
            if df.at[i, "_sign"] == "lat":
                word = "northward" if la[1] > la[0] else "southward"
            else:
                word = "ascending" if al[1] > al[0] else "descending"
            df.at[i, "detail"] = f"{word}, {df.at[i, 'detail']}" if df.at[i, "detail"] else word
        df = df.drop(columns=[c for c in ("_level", "_sign") if c in df])
    df["utc"] = et_to_utc(et)
    return df[_COLUMNS + [c for c in df.columns if c not in _COLUMNS]]


def _moon_range_altitude(name: str, et, observer: int):
    """Range from the observer to a moon's centre and to its ellipsoid (nearest point), km."""
    import spiceypy

    from flyplan.geometry.resolve import INSIDE_MARGIN

    moon = spiceypy.bodn2c(name)
    rng, alt = np.empty(len(et)), np.empty(len(et))
    rotation = _has_rotation(moon)
    radius = float(np.mean(spiceypy.bodvcd(moon, "RADII", 3)[1]))
    for i, t in enumerate(et):
        rng[i] = np.linalg.norm(spiceypy.spkpos(name, float(t), "J2000", ABCORR_MOON_RANGE,
                                                str(observer))[0])
        if rng[i] <= radius * INSIDE_MARGIN:
            # Inside the moon (flyplan's model only): no number, the row says why.
            rng[i] = alt[i] = np.nan
        elif rotation:
            _, _, srfvec = spiceypy.subpnt("NEAR POINT/ELLIPSOID", name, float(t),
                                           f"IAU_{name}", ABCORR_MOON_RANGE, str(observer))
            alt[i] = np.linalg.norm(srfvec)
        else:
            alt[i] = rng[i] - radius
    return rng, alt


@dataclass(repr=False)
class EventsResult(ResultMixin):
    """The events of a perijove's orbit (or of a window around it).

    Attributes
    ----------
    number : int
        Perijove number.
    et, utc : float, str
        The perijove's time.
    method : str
        How the perijove was found.
    window : (float, float)
        ET bounds searched.
    window_basis : str
        ``"orbit"`` (preceding to following apojove, possibly clipped to the
        kernels' coverage) or ``"asked"``.
    events : pandas.DataFrame
        One row per event (:data:`EVENT_COLUMNS`).
    selection : flyplan.kernels.assemble.KernelSelection
        The kernels used.
    notes : list of str
    settings : dict
        Latitudes, altitudes and moons searched.
    """

    number: int
    et: float
    utc: str
    method: str
    window: tuple
    window_basis: str
    events: object
    selection: object
    notes: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    _TABLES = ("events",)

    @metadata_property
    def metadata(self) -> dict:
        """Provenance, kinds, columns and conventions (an attribute; calling it returns
        the same dict)."""
        from flyplan import __version__
        from flyplan.timeutil import et_to_utc

        return {
            "flyplan_version": __version__,
            "perijove": self.number,
            "perijove_utc": self.utc,
            "perijove_et": self.et,
            "perijove_time_method": self.method,
            "window_utc": [et_to_utc(self.window[0]), et_to_utc(self.window[1])],
            "window_basis": self.window_basis,
            "settings": dict(self.settings),
            "source": self.selection.describe(),
            "notes": list(self.notes),
            "kinds": dict(EVENT_KINDS),
            "columns": dict(EVENT_COLUMNS),
            "conventions": {**CONVENTIONS, **EVENT_CONVENTIONS},
            "kernels": self.selection.kernels.provenance(),
        }

def _checked_values(values, lo: float, hi: float, what: str, unit: str) -> tuple:
    """``values`` as floats inside [lo, hi]; InputError otherwise (NaN included)."""
    from flyplan.errors import InputError

    try:
        out = tuple(float(v) for v in (values or ()))
    except (TypeError, ValueError):
        raise InputError(f"each {what} must be a number, not {values!r}") from None
    for v in out:
        if not (math.isfinite(v) and lo <= v <= hi):
            raise InputError(f"the {what} {v:g} {unit} is outside {lo:g} .. {hi:g} {unit}",
                             hint=f"give a {what} in that range")
    return out


def _check_kinds(kinds) -> None:
    """InputError for a kind that selects nothing (a kind or a prefix such as 'occultation')."""
    from flyplan.errors import InputError

    if kinds is None:
        return
    if isinstance(kinds, str) or not all(isinstance(k, str) for k in kinds):
        raise InputError(f"kinds must be a list of event kinds, not {kinds!r}",
                         hint=f"kinds: {', '.join(EVENT_KINDS)}")
    for k in kinds:
        if not any(name.startswith(k) for name in EVENT_KINDS):
            raise InputError(f"unknown event kind {k!r}", hint=f"kinds: {', '.join(EVENT_KINDS)}")


def events(n: int, window: str | None = None, *, kernels=None, source: str = "auto",
           moons: bool = True, latitudes=(), altitudes_km=DEFAULT_ALTITUDES_KM,
           lat_step_deg: float = LAT_STEP_DEG, ca_max_range_km: float = CA_MAX_RANGE_KM,
           kinds=None) -> EventsResult:
    """The events of perijove ``n``'s orbit, found with the SPICE Geometry Finder.

    Parameters
    ----------
    n : int
        Perijove number.
    window : str, optional
        Relative to perijove (``"-12h..+6h"``) or absolute (``"UTC..UTC"``).
        By default the whole orbit, from the preceding apojove to the
        following one (clipped, with a note, to the Juno kernels' coverage).
    kernels, source
        As for :func:`flyplan.perijove`.
    moons : bool
        Search the Galilean moons' events (when an ephemeris covers the window).
    latitudes, altitudes_km, lat_step_deg, ca_max_range_km, kinds
        As for :func:`find_events`.

    Returns
    -------
    EventsResult

    Raises
    ------
    flyplan.errors.FlyplanError
        For a perijove or window the kernels cannot serve.
    """
    from flyplan.constants import JUNO as _JUNO
    from flyplan.orbit import prepare
    from flyplan.timeutil import et_to_utc

    latitudes = _checked_values(latitudes, -90.0, 90.0, "latitude", "deg")
    altitudes_km = _checked_values(altitudes_km, 0.0, 1e7, "altitude", "km")
    _check_kinds(kinds)
    req = prepare(n, window, kernels=kernels, source=source, moons=moons)
    sel, et_pj, method = req.selection, req.et, req.method
    t0, t1 = req.window
    basis, apojoves, notes = req.window_basis, req.apojoves, list(req.notes)
    moon_ids = tuple(MOONS.values()) if (moons and sel.moons) else ()
    found_notes: list[str] = []
    df = find_events(t0, t1, moons=moon_ids, latitudes=latitudes, altitudes_km=altitudes_km,
                     lat_step_deg=lat_step_deg, ca_max_range_km=ca_max_range_km, kinds=kinds,
                     notes=found_notes)
    if apojoves and (kinds is None or "apojove" in kinds):
        import pandas as pd

        # The apojoves bounding the window are events too (the search, which
        # skips a window's edges, may still report one a hair inside).
        near = np.zeros(len(df), bool)
        for t in apojoves:
            near |= ((df["kind"] == "apojove") & ((df["et"] - t).abs() < 1.0)).to_numpy()
        edge = _table([_row(t, "apojove", "JUPITER", "window edge") for t in apojoves], _JUNO)
        df = pd.concat([df[~near], edge], ignore_index=True).sort_values("et", kind="stable")
        df = df.reset_index(drop=True)
    from flyplan.domain.uncertainty import add_event_bounds

    add_event_bounds(df, n, et_pj, sel.approximate)
    settings = {"latitudes_deg": sorted(set(map(float, latitudes))),
                "lat_step_deg": lat_step_deg,
                "altitudes_km": sorted(set(map(float, altitudes_km))),
                "ca_max_range_km": ca_max_range_km,
                "moons": [MOON_IDS[m] for m in moon_ids]}
    return EventsResult(n, et_pj, et_to_utc(et_pj), method, (t0, t1), basis, df, sel,
                        notes=notes + list(dict.fromkeys(found_notes)), settings=settings)
