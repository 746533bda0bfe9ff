"""When Jupiter can be imaged from a site before a perijove, and which longitudes face Earth.

JunoCam's targets are picked from amateur images of Jupiter taken in the days
before each perijove.  :func:`observe` finds, night by night, the intervals when
Jupiter stands above an altitude limit while the Sun is below a twilight limit,
Jupiter's rise, transit and set, and the System III central-meridian longitude
(CML) over those intervals, so an observer knows which longitudes face Earth
and when.

Only skyfield is needed: the perijove time comes from flyplan's timetable, the
planetary ephemeris from the ``skyfield-data`` wheel (or a planetary SPK the
caller names), and nothing is downloaded.  Rise, set, transit and twilight use
skyfield's almanac (``find_risings``/``find_settings``/``find_transits``,
``dark_twilight_day`` with ``find_discrete``).

Conventions: altitudes are of Jupiter's centre, apparent but airless (no
refraction; 20 deg altitude is lifted ~0.05 deg by air); rise and set use the
standard -34 arcmin horizon (refraction); times are UTC with ``Z`` (the time
light arrives at the site) and ET; a *night* runs from local mean noon to local
mean noon and is labelled by the date of its evening.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flyplan.domain.api import ResultMixin, metadata_property
from flyplan.errors import PerijoveError

__all__ = ["observe", "Observability", "TWILIGHT", "observable_intervals"]

# Sun's altitude (deg) below which the twilight is over, and the matching
# highest state of skyfield's dark_twilight_day (0 night, 1 astronomical,
# 2 nautical, 3 civil twilight, 4 day).
TWILIGHT = {"civil": (-6.0, 2), "nautical": (-12.0, 1), "astronomical": (-18.0, 0)}

DAY_S = 86400.0
# Longest span before a perijove observe() covers, days: the nights are found
# one by one, and a plan weeks ahead needs far less.
MAX_DAYS = 366.0

CONVENTIONS = {
    "time": "utc: UTC ISO-8601 with Z at the observer (Earth-received); et: TDB seconds past "
            "J2000. The perijove time is spacecraft event time (SCET); light_time_min is the "
            "one-way light time Jupiter-to-Earth, so the perijove is seen on Earth at "
            "perijove_utc_ert",
    "cml_iii_deg": "Jupiter's central-meridian longitude: System III (IAU_JUPITER, pck00010) "
                   "west longitude of the sub-Earth point on the 1-bar ellipsoid, light time "
                   "and aberration applied (as SPICE subpnt NEAR POINT/ELLIPSOID, LT+S), "
                   "geocentric",
    "altitude": "jupiter_alt_deg / sun_alt_deg: apparent altitude of the centre above the "
                "site's horizon, airless (no refraction), degrees",
    "rise_set": "Jupiter's rise/set: centre at -34 arcmin altitude (standard refraction), "
                "transit: meridian crossing (skyfield almanac)",
    "twilight": "dark when the Sun's centre is below the twilight limit: civil -6, nautical "
                "-12, astronomical -18 degrees (skyfield dark_twilight_day)",
    "observable": "Jupiter's centre at or above min_altitude_deg while it is dark",
    "night": "local mean noon to local mean noon at the site's longitude, labelled by the "
             "date of the evening",
    "site": "WGS84 geodetic latitude (north), longitude (east) and height (m)",
}


@dataclass(repr=False)
class Observability(ResultMixin):
    """Where and when Jupiter can be imaged before perijove ``number``.

    Attributes
    ----------
    number : int
        Perijove number.
    perijove_utc : str
        Perijove time (SCET), UTC with Z, from the timetable.
    perijove_status : str
        ``"reconstructed"`` or ``"predicted"``.
    site : flyplan.sites.Site
    days : float
        How many days before perijove are covered.
    min_altitude_deg : float
    twilight : str
    step_s : float
        Sample step of ``samples``, s.
    nights : list of dict
        Per night: ``night`` (date of the evening), span, dark intervals,
        Jupiter's rise/transit/set and the observable ``windows``.
    windows : pandas.DataFrame
        One row per observable window (all nights).
    samples : pandas.DataFrame
        Jupiter's and the Sun's altitude and the CML every ``step_s``.
    span_et : tuple of float
        ET bounds covered.
    perijove : dict
        Perijove time (SCET, ERT), light time and ET.
    longitude_w_deg : float or None
        A System III longitude whose central-meridian crossings are listed.
    ephemeris : str
        What the planetary positions come from.
    """

    number: int
    perijove_utc: str
    perijove_status: str
    site: object
    days: float
    min_altitude_deg: float
    twilight: str
    step_s: float
    nights: list
    windows: object
    samples: object
    span_et: tuple
    perijove: dict
    longitude_w_deg: float | None = None
    ephemeris: str = ""
    notes: list = field(default_factory=list)

    _TABLES = ("samples", "windows")
    _UTC_COLUMNS = {"windows": ("start_utc", "end_utc")}

    @metadata_property
    def metadata(self) -> dict:
        """Provenance and conventions (an attribute; calling it returns the same dict)."""
        from flyplan import __version__
        from flyplan.timetable import TIMETABLE_SOURCE

        return {
            "flyplan_version": __version__,
            "perijove": self.number,
            "perijove_time_source": f"{TIMETABLE_SOURCE} ({self.perijove_status})",
            "site": self.site.to_dict(),
            "days_before_perijove": self.days,
            "min_altitude_deg": self.min_altitude_deg,
            "twilight": self.twilight,
            "sun_altitude_limit_deg": TWILIGHT[self.twilight][0],
            "step_s": self.step_s,
            "longitude_w_deg": self.longitude_w_deg,
            "ephemeris": self.ephemeris,
            "notes": list(self.notes),
            "conventions": dict(CONVENTIONS),
        }

# -- intervals (ET, s) -------------------------------------------------------------

def _switches_to_intervals(t0, t1, state0: bool, times, states) -> list[tuple[float, float]]:
    """Intervals of [t0, t1] where a boolean state holds, given its value at t0
    and the times at which it becomes ``states[i]``."""
    out, on, start = [], bool(state0), t0
    for t, s in zip(times, states):
        s = bool(s)
        if s and not on:
            start, on = t, True
        elif on and not s:
            if t > start:
                out.append((start, t))
            on = False
    if on and t1 > start:
        out.append((start, t1))
    return out


def _intersect(a, b) -> list[tuple[float, float]]:
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _inside(t, intervals) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    mask = np.zeros(t.shape, dtype=bool)
    for a, b in intervals:
        mask |= (t >= a) & (t <= b)
    return mask


# -- skyfield ----------------------------------------------------------------------

def _altitudes(observer, body, et) -> tuple[np.ndarray, np.ndarray]:
    from flyplan.geometry import earth

    alt, az, _ = observer.at(earth.to_time(et)).observe(body).apparent().altaz()
    return np.atleast_1d(alt.degrees), np.atleast_1d(az.degrees)


def observable_intervals(site, t0_et: float, t1_et: float, *, min_altitude_deg: float = 20.0,
                         twilight: str = "nautical", ephemeris_path=None) -> dict:
    """Dark, Jupiter-up and observable intervals at a site, and Jupiter's rise/transit/set.

    Parameters
    ----------
    site : flyplan.sites.Site
    t0_et, t1_et : float
        Span, TDB seconds past J2000.
    min_altitude_deg : float
        Lowest altitude of Jupiter's centre (airless), degrees.
    twilight : {"civil", "nautical", "astronomical"}
    ephemeris_path : path-like, optional
        Planetary SPK (default DE421 from skyfield-data).

    Returns
    -------
    dict
        ``dark``, ``up`` and ``observable``: lists of (start, end) ET;
        ``rise``, ``transit``, ``set``: arrays of ET (standard horizon).
    """
    from skyfield import almanac
    from skyfield.api import wgs84
    from skyfield.searchlib import find_discrete

    from flyplan.geometry import earth

    if twilight not in TWILIGHT:
        raise ValueError(f"twilight must be one of {', '.join(TWILIGHT)}")
    eph = earth.ephemeris(ephemeris_path)
    topos = wgs84.latlon(site.lat_deg, site.lon_deg, elevation_m=site.elevation_m)
    observer = eph["earth"] + topos
    jup = eph["jupiter barycenter"]
    t0, t1 = earth.to_time(t0_et), earth.to_time(t1_et)

    level = TWILIGHT[twilight][1]
    f = almanac.dark_twilight_day(eph, topos)
    times, states = find_discrete(t0, t1, f)
    dark = _switches_to_intervals(t0_et, t1_et, f(earth.to_time([t0_et]))[0] <= level,
                                  earth.to_et(times), np.asarray(states) <= level)

    rt, rflag = almanac.find_risings(observer, jup, t0, t1, horizon_degrees=min_altitude_deg)
    st, sflag = almanac.find_settings(observer, jup, t0, t1, horizon_degrees=min_altitude_deg)
    ev = sorted([(e, True) for e in earth.to_et(rt)[np.asarray(rflag, bool)]]
                + [(e, False) for e in earth.to_et(st)[np.asarray(sflag, bool)]])
    alt0, _ = _altitudes(observer, jup, [t0_et])
    up = _switches_to_intervals(t0_et, t1_et, alt0[0] >= min_altitude_deg,
                                [e for e, _ in ev], [s for _, s in ev])

    rise, rflag = almanac.find_risings(observer, jup, t0, t1)
    sets, sflag = almanac.find_settings(observer, jup, t0, t1)
    transit = almanac.find_transits(observer, jup, t0, t1)
    return {
        "dark": dark,
        "up": up,
        "observable": _intersect(dark, up),
        "rise": earth.to_et(rise)[np.asarray(rflag, bool)],
        "set": earth.to_et(sets)[np.asarray(sflag, bool)],
        "transit": np.atleast_1d(earth.to_et(transit)),
        "observer": observer,
        "jupiter": jup,
        "sun": eph["sun"],
    }


def _longitude_crossings(longitude_w: float, t0: float, t1: float, ephemeris_path) -> np.ndarray:
    """ET at which System III longitude ``longitude_w`` is on the central meridian."""
    from flyplan.geometry import earth

    # The CML grows by ~36 deg/h and is smooth: a 5-minute grid, unwrapped,
    # interpolates linearly to well under a second.
    grid = np.append(np.arange(t0, t1, 300.0), t1)
    cml = np.unwrap(np.radians(earth.cml_iii(grid, ephemeris_path=ephemeris_path)))
    cml = np.degrees(cml)
    k = np.arange(np.ceil((cml[0] - longitude_w) / 360.0),
                  np.floor((cml[-1] - longitude_w) / 360.0) + 1)
    return np.interp(longitude_w + 360.0 * k, cml, grid)


def _night_starts(site, t0_et: float, t1_et: float):
    """Local-mean-noon boundaries (ET) covering [t0, t1], and the evening dates."""
    import datetime as dt

    from flyplan.geometry import earth

    ts = earth.timescale()
    offset_h = site.lon_deg / 15.0
    # Local mean time of t0; a night belongs to the evening before local noon.
    y, mo, d, h, mi, s = earth.to_time(t0_et).utc
    local = dt.datetime(int(y), int(mo), int(d)) + dt.timedelta(
        hours=float(h) + offset_h, minutes=float(mi), seconds=float(s))
    day = local.date() - dt.timedelta(days=1 if local.hour < 12 else 0)
    dates, bounds = [], []
    while True:
        noon = earth.to_et(ts.utc(day.year, day.month, day.day, 12.0 - offset_h))
        if noon >= t1_et:
            break
        dates.append(day.isoformat())
        bounds.append(float(noon))
        day += dt.timedelta(days=1)
    nxt = ts.utc(day.year, day.month, day.day, 12.0 - offset_h)
    bounds.append(float(earth.to_et(nxt)))
    return dates, bounds


def _utc(et, places=0):
    from flyplan.geometry import earth

    return earth.utc_iso(earth.to_time(et), places)


def _guarded(fn):
    # Late import keeps flyplan.geometry.earth (and skyfield) out of module import.
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from flyplan.geometry.earth import _guard

        return _guard(fn)(*args, **kwargs)

    return wrapper


@_guarded
def observe(n: int, site, *, days: float = 7.0, min_altitude_deg: float = 20.0,
            twilight: str = "nautical", step="10m", longitude_w_deg: float | None = None,
            ephemeris_path=None) -> Observability:
    """When Jupiter is observable from ``site`` in the days before perijove ``n``.

    Parameters
    ----------
    n : int
        Perijove number (its time comes from flyplan's timetable).
    site : flyplan.sites.Site or str
        A site, or text for :func:`flyplan.sites.parse_site`
        (``"-31.27,149.06,1149"`` or ``"siding-spring"``).
    days : float
        Days before perijove to cover (the first night is taken whole).
    min_altitude_deg : float
        Lowest useful altitude of Jupiter, degrees.
    twilight : {"civil", "nautical", "astronomical"}
        How dark it must be.
    step : str or float
        Step of the sample table (``"10m"``, or seconds).
    longitude_w_deg : float, optional
        A System III longitude (e.g. Juno's perijove longitude from
        ``flyplan perijove N``): list when it crosses the central meridian
        inside the observable windows.
    ephemeris_path : path-like, optional
        Planetary SPK for skyfield (default DE421 from the skyfield-data wheel).

    Returns
    -------
    Observability

    Raises
    ------
    flyplan.errors.PerijoveError
        For a perijove number not in the timetable.
    ValueError
        For an unknown site, twilight, or a non-positive span or step.
    """
    import datetime as dt

    import pandas as pd

    from flyplan.geometry import earth
    from flyplan.sites import Site, parse_site
    from flyplan.timetable import timetable
    from flyplan.errors import InputError
    from flyplan.timeutil import check_sample_count, parse_duration

    if isinstance(site, str):
        site = parse_site(site)
    if not isinstance(site, Site):
        raise InputError("site must be a flyplan.sites.Site or text")
    if twilight not in TWILIGHT:
        raise InputError(f"twilight must be one of {', '.join(TWILIGHT)}")
    try:
        days, min_altitude_deg = float(days), float(min_altitude_deg)
        lon = None if longitude_w_deg is None else float(longitude_w_deg)
    except (TypeError, ValueError):
        raise InputError("days, the minimum altitude and the longitude must be numbers") from None
    if not 0 < days <= MAX_DAYS:
        raise InputError(f"days must be positive and at most {MAX_DAYS:g} (got {days:g})",
                         hint="observability before a perijove is planned weeks ahead, "
                              "not years")
    step_s = parse_duration(step)
    if step_s <= 0:
        raise InputError("the step must be positive")
    check_sample_count(days * DAY_S / step_s + 2, "the observability table")
    if not -90.0 < min_altitude_deg < 90.0:
        raise InputError("the minimum altitude must lie between -90 and 90 degrees")
    if lon is not None and not math.isfinite(lon):
        raise InputError(f"the longitude {longitude_w_deg!r} is not a number of degrees",
                         hint="give a System III west longitude, 0 .. 360")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise InputError(f"the perijove number must be an integer, not {n!r}")
    table = timetable()
    if n not in table:
        raise PerijoveError(f"perijove {n} is not in flyplan's timetable",
                            covered=f"PJ{min(table)}..PJ{max(table)} (timetable)",
                            hint="give a perijove number in that range")
    entry = table[n]
    ts = earth.timescale()
    t_pj = ts.from_datetime(dt.datetime.fromisoformat(entry.utc.replace("Z", "+00:00")))
    et_pj = float(earth.to_et(t_pj))
    notes = []
    if entry.status == "predicted":
        notes.append(f"PJ{n}'s time is a prediction (may be off by minutes)")

    dates, bounds = _night_starts(site, et_pj - days * DAY_S, et_pj)
    t0, t1 = bounds[0], et_pj
    iv = observable_intervals(site, t0, t1, min_altitude_deg=min_altitude_deg,
                              twilight=twilight, ephemeris_path=ephemeris_path)
    crossings = (_longitude_crossings(longitude_w_deg % 360.0, t0, t1, ephemeris_path)
                 if longitude_w_deg is not None else np.array([]))

    # Windows: CML at start/middle/end, best altitude (at transit when inside).
    wins = iv["observable"]
    rows = []
    if wins:
        a = np.array([w[0] for w in wins])
        b = np.array([w[1] for w in wins])
        cml = earth.cml_iii(np.concatenate([a, (a + b) / 2, b]), ephemeris_path=ephemeris_path)
        k = len(wins)
        alt_a, _ = _altitudes(iv["observer"], iv["jupiter"], a)
        alt_b, _ = _altitudes(iv["observer"], iv["jupiter"], b)
        tr = iv["transit"]
        alt_tr, _ = (_altitudes(iv["observer"], iv["jupiter"], tr) if len(tr)
                     else (np.array([]), None))
        for i, (wa, wb) in enumerate(wins):
            best = max(alt_a[i], alt_b[i])
            inside = (tr >= wa) & (tr <= wb)
            if inside.any():
                best = max(best, float(alt_tr[inside].max()))
            cm = crossings[(crossings >= wa) & (crossings <= wb)]
            rows.append({
                "night": dates[int(np.searchsorted(bounds, wa, side="right")) - 1],
                "start_utc": str(_utc(wa)), "end_utc": str(_utc(wb)),
                "start_et": wa, "end_et": wb, "duration_h": (wb - wa) / 3600.0,
                "cml_start_deg": cml[i], "cml_mid_deg": cml[k + i], "cml_end_deg": cml[2 * k + i],
                "cml_swept_deg": min(360.0, (wb - wa) / DAY_S * earth.PM_DEG[1]),
                "max_altitude_deg": best,
                "longitude_on_cm_utc": [str(_utc(c)) for c in cm],
            })
    windows = pd.DataFrame(rows, columns=[
        "night", "start_utc", "end_utc", "start_et", "end_et", "duration_h", "cml_start_deg",
        "cml_mid_deg", "cml_end_deg", "cml_swept_deg", "max_altitude_deg",
        "longitude_on_cm_utc"])

    nights = []
    for i, date in enumerate(dates):
        lo, hi = bounds[i], min(bounds[i + 1], t1)

        def within(ts_):
            return [str(_utc(t)) for t in ts_ if lo <= t < hi]

        def clip(ivs):
            return [[str(_utc(max(a, lo))), str(_utc(min(b, hi)))] for a, b in ivs
                    if b > lo and a < hi]

        nights.append({
            "night": date,
            "start_utc": str(_utc(lo)), "end_utc": str(_utc(hi)),
            "dark": clip(iv["dark"]),
            "jupiter_rise_utc": within(iv["rise"]),
            "jupiter_transit_utc": within(iv["transit"]),
            "jupiter_set_utc": within(iv["set"]),
            "windows": [{k: v for k, v in r.items() if k != "night"}
                        for r in rows if r["night"] == date],
        })

    et = np.append(np.arange(t0, t1, step_s), t1)
    alt, az = _altitudes(iv["observer"], iv["jupiter"], et)
    sun_alt, _ = _altitudes(iv["observer"], iv["sun"], et)
    sub = earth.sub_earth_point(et, ephemeris_path=ephemeris_path)
    samples = pd.DataFrame({
        "utc": _utc(et), "et": et,
        "night": [dates[j] for j in np.searchsorted(bounds, et, side="right") - 1],
        "jupiter_alt_deg": alt, "jupiter_az_deg": az, "sun_alt_deg": sun_alt,
        "dark": _inside(et, iv["dark"]), "observable": _inside(et, iv["observable"]),
        "cml_iii_deg": sub["lon_w_deg"], "sub_earth_lat_pg_deg": sub["lat_pg_deg"],
    })

    rec = earth.received([et_pj], ephemeris_path=ephemeris_path).iloc[0]
    perijove = {"number": n, "utc": entry.utc, "et": et_pj, "status": entry.status,
                "utc_ert": str(rec["utc_ert"]), "light_time_min": float(rec["light_time_min"]),
                "sun_earth_jupiter_deg": float(rec["sun_earth_juno_deg"]),
                "cml_iii_deg_at_ert": float(earth.cml_iii([rec["et_ert"]],
                                                          ephemeris_path=ephemeris_path)[0])}
    if not wins:
        notes.append("Jupiter is never observable from this site under these limits "
                     f"(altitude >= {min_altitude_deg:g} deg, {twilight} twilight)")
    label = (earth.EPHEMERIS_LABEL if ephemeris_path is None
             else f"planetary SPK {ephemeris_path}")
    return Observability(n, entry.utc, entry.status, site, float(days), float(min_altitude_deg),
                         twilight, step_s, nights, windows, samples, (t0, t1), perijove,
                         None if longitude_w_deg is None else float(longitude_w_deg % 360.0),
                         label, notes)
