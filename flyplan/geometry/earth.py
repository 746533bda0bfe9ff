"""The Earth side: light time, Earth-received times, and Jupiter as seen from Earth.

Built on skyfield, which is made for Earth-based astronomy.  Everything here is
a pure function of a time array (ET: TDB seconds past J2000) and needs no SPICE
kernel pool: skyfield reads JPL's DE421 from the ``skyfield-data`` wheel (or a
planetary SPK the caller names, e.g. one the kernel manager fetched) and uses
its built-in leap-second and Delta T tables.  Nothing is ever downloaded.

Conventions
-----------
- SCET (spacecraft event time) is when something happens at Jupiter/Juno; ERT
  (Earth-received time) is when a signal sent at that moment reaches the
  geocentre: ``ERT = SCET + one-way light time``.
- The light time is the Newtonian one-way light time solved for transmission
  from the emitter at SCET to the geocentre (SPICE's ``XCN``), from the Jupiter
  system barycentre (DE421 carries no separate Jupiter centre; the two differ by
  at most ~230 km = 0.8 ms) plus an optional offset of the emitter (Juno)
  from that barycentre.
- The central-meridian longitude (CML) is System III (IAU_JUPITER, pck00010)
  west longitude of the sub-Earth point on the 1-bar ellipsoid, with light time
  and aberration (SPICE ``subpnt`` ``NEAR POINT/ELLIPSOID``, ``LT+S``), seen from
  the geocentre (a site moves it by < 0.001 deg).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from flyplan.constants import C_KM_S, JUPITER_POLE_DEC_DEG, JUPITER_POLE_RA_DEG

__all__ = [
    "timescale", "ephemeris", "to_time", "to_et", "utc_iso",
    "light_time", "received", "add_received", "sub_earth_point", "cml_iii",
    "jupiter_orientation", "EPHEMERIS_LABEL",
]

J2000_JD = 2451545.0
DAY_S = 86400.0
CENTURY_D = 36525.0

# Jupiter's IAU rotation model as in NAIF's pck00010.tpc (pck00011.tpc has the
# same values for Jupiter; Archinal et al. 2011, IAU WGCCRE 2009 report):
# BODY599_POLE_RA / _POLE_DEC (deg, deg per Julian century), BODY599_PM
# (deg, deg per day: System III), BODY599_NUT_PREC_RA/_DEC (terms 11-15; the
# first ten are zero and the PM terms all zero) and BODY5_NUT_PREC_ANGLES
# 11-15 (Ja..Je: deg, deg per Julian century).
POLE_RA_DEG = JUPITER_POLE_RA_DEG
POLE_DEC_DEG = JUPITER_POLE_DEC_DEG
PM_DEG = (284.95, 870.5360000)
NUT_PREC_RA_DEG = (0.000117, 0.000938, 0.001432, 0.000030, 0.002150)
NUT_PREC_DEC_DEG = (0.000050, 0.000404, 0.000617, -0.000013, 0.000926)
NUT_PREC_ANGLES_DEG = ((99.360714, 4850.4046), (175.895369, 1191.9605),
                       (300.323162, 262.5475), (114.012305, 6070.2476),
                       (49.511251, 64.3000))

EPHEMERIS_LABEL = "JPL DE421 from the skyfield-data wheel (no download)"

# -- skyfield objects (cached; nothing happens at import) --------------------------

@functools.lru_cache(maxsize=1)
def timescale():
    """skyfield's timescale from its built-in leap-second and Delta T tables (no download)."""
    from skyfield.api import load

    return load.timescale(builtin=True)


def ephemeris(path: str | os.PathLike | None = None):
    """A skyfield planetary ephemeris, read from a local file only.

    Parameters
    ----------
    path : path-like, optional
        A JPL planetary SPK (``de440s.bsp``, ...), e.g. one the kernel manager
        fetched.  Default: DE421 from the ``skyfield-data`` wheel.

    Raises
    ------
    flyplan.errors.KernelError
        When the file is missing, not an SPK, or lacks the Sun, the Earth or
        Jupiter's barycentre.
    """
    return _ephemeris(str(Path(path).expanduser().resolve()) if path else None)


@functools.lru_cache(maxsize=4)
def _ephemeris(path: str | None):
    from skyfield.api import load_file

    from flyplan.errors import KernelError

    if path is None:
        from flyplan.kernels.builtin import planetary_spk

        found = planetary_spk()
        if found is None:
            raise KernelError("no planetary ephemeris for skyfield: the skyfield-data wheel "
                              "(which carries de421.bsp) is not installed",
                              kernel="de421.bsp",
                              hint="pip install skyfield-data, or give a planetary SPK "
                                   "(--ephemeris de440s.bsp)")
        path = str(found)
    if not Path(path).is_file():
        raise KernelError(f"planetary ephemeris {path} not found", kernel=path,
                          hint="give the path of a JPL planetary SPK such as de440s.bsp")
    # load_file reads a local file and never downloads (skyfield's Loader would).
    try:
        eph = load_file(path)
    except Exception as exc:  # noqa: BLE001 - jplephem raises several kinds
        raise KernelError(f"{Path(path).name} is not a readable planetary SPK: {exc}",
                          kernel=path, hint="give a JPL planetary SPK such as de440s.bsp")
    missing = [name for name in ("sun", "earth", "jupiter barycenter") if name not in eph]
    if missing:
        raise KernelError(f"{Path(path).name} lacks {', '.join(missing)}", kernel=path,
                          hint="give a JPL planetary SPK with the Sun, Earth and Jupiter "
                               "barycentre (de421, de440s)")
    return eph


def _bodies(eph):
    return eph["earth"], eph["jupiter barycenter"], eph["sun"]


def _guard(fn):
    """Turn skyfield's 'ephemeris does not cover this date' into a CoverageError."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            if type(exc).__name__ != "EphemerisRangeError":
                raise
            from flyplan.errors import CoverageError

            raise CoverageError(f"the planetary ephemeris does not cover the requested "
                                f"times: {exc}", covered=_covered(exc),
                                hint="choose dates the ephemeris covers or give another "
                                     "planetary SPK (--ephemeris)") from None

    return wrapper


def _covered(exc) -> str:
    try:
        return f"{exc.start_time.utc_iso()} .. {exc.end_time.utc_iso()} (the failing segment)"
    except AttributeError:
        return "unknown"


# -- times ------------------------------------------------------------------------

def to_time(et):
    """skyfield ``Time`` (array) for ET (TDB seconds past J2000, scalar or array)."""
    et = np.asarray(et, dtype=float)
    # Whole J2000 day plus a fraction keeps sub-microsecond precision.
    return timescale().tdb_jd(J2000_JD, et / DAY_S)


def to_et(t) -> np.ndarray:
    """ET (TDB seconds past J2000) of a skyfield ``Time``."""
    return (np.asarray(t.whole) - J2000_JD) * DAY_S + np.asarray(t.tdb_fraction) * DAY_S


def utc_iso(t, places: int = 3):
    """ISO-8601 UTC with ``Z`` for a skyfield ``Time``: one string, or an array of them."""
    out = t.utc_iso(places=places)
    return np.asarray(out, dtype=str) if isinstance(out, list) else out


# -- light time and Earth-received time -------------------------------------------

def _emitter_km(eph, t_e, offset_km):
    """Barycentric ICRF position of the emitter at emission, (3, n) km."""
    _, jup, _ = _bodies(eph)
    p = np.atleast_2d(jup.at(t_e).position.km.T).T
    if offset_km is not None:
        off = np.asarray(offset_km, dtype=float).reshape(-1, 3)
        p = p + off.T
    return p


def _transmit(eph, t_e, p_em):
    """Receive times at the geocentre and light times (s) for signals from p_em at t_e."""
    earth, _, _ = _bodies(eph)
    ts = timescale()
    lt = np.zeros(p_em.shape[1])
    # Fixed-point iteration on t_r = t_e + |E(t_r) - P| / c: each pass gains a
    # factor v_earth/c ~ 1e-4, so four passes converge to well below 1 us.
    for _ in range(4):
        t_r = ts.tdb_jd(t_e.whole, t_e.tdb_fraction + lt / DAY_S)
        e = np.atleast_2d(earth.at(t_r).position.km.T).T
        lt = np.linalg.norm(e - p_em, axis=0) / C_KM_S
    t_r = ts.tdb_jd(t_e.whole, t_e.tdb_fraction + lt / DAY_S)
    return t_r, lt


@_guard
def light_time(et, offset_km=None, *, ephemeris_path=None) -> np.ndarray:
    """One-way light time from Jupiter (or Juno) at ET to the geocentre, seconds.

    Parameters
    ----------
    et : array_like, shape (n,)
        Emission time at the emitter (SCET), TDB seconds past J2000.
    offset_km : array_like, shape (n, 3), optional
        The emitter's position relative to Jupiter's barycentre (NAIF 5),
        ICRF/J2000, km (e.g. Juno's).  Default: the barycentre itself.
    ephemeris_path : path-like, optional
        Planetary SPK (default DE421 from skyfield-data).

    Returns
    -------
    numpy.ndarray, shape (n,)
        Newtonian light time for transmission (SPICE ``XCN``), s.
    """
    eph = ephemeris(ephemeris_path)
    et = np.atleast_1d(np.asarray(et, dtype=float))
    t_e = to_time(et)
    _, lt = _transmit(eph, t_e, _emitter_km(eph, t_e, offset_km))
    return lt


@_guard
def received(et, offset_km=None, *, ephemeris_path=None, digits: int = 3):
    """Earth-received time, one-way light time and Sun-Earth-emitter angle.

    Parameters
    ----------
    et : array_like, shape (n,)
        Spacecraft event time (SCET), TDB seconds past J2000.
    offset_km : array_like, shape (n, 3), optional
        Emitter position relative to Jupiter's barycentre (NAIF 5), ICRF/J2000,
        km; pass Juno's to get Juno's own light time (it differs from
        Jupiter's by ~0.25 s at perijove and up to ~25 s at apojove).
    ephemeris_path : path-like, optional
        Planetary SPK (default DE421 from skyfield-data).
    digits : int
        Decimals of seconds in ``utc_ert``.

    Returns
    -------
    pandas.DataFrame
        ``utc_ert`` (ISO UTC with Z), ``et_ert`` (TDB s past J2000),
        ``light_time_min`` and ``sun_earth_juno_deg`` (the angle at the
        geocentre between the Sun and the emitter at ERT).
    """
    import pandas as pd

    eph = ephemeris(ephemeris_path)
    earth, _, sun = _bodies(eph)
    et = np.atleast_1d(np.asarray(et, dtype=float))
    t_e = to_time(et)
    p_em = _emitter_km(eph, t_e, offset_km)
    t_r, lt = _transmit(eph, t_e, p_em)
    obs = earth.at(t_r)
    to_emitter = p_em - np.atleast_2d(obs.position.km.T).T
    to_sun = np.atleast_2d(obs.observe(sun).position.km.T).T
    angle = np.degrees(_angle(to_sun.T, to_emitter.T))
    return pd.DataFrame({
        "utc_ert": np.atleast_1d(utc_iso(t_r, digits)),
        "et_ert": et + lt,
        "light_time_min": lt / 60.0,
        "sun_earth_juno_deg": angle,
    })


def add_received(df, offset_km=None, *, ephemeris_path=None):
    """A copy of ``df`` (SCET in its ``et`` column) with ``utc_ert`` and
    ``light_time_min`` inserted after ``et``.

    ``offset_km`` as in :func:`received`, one row per row of ``df``.
    """
    out = df.copy()
    at = list(out.columns).index("et") + 1
    if len(out):
        rec = received(out["et"].to_numpy(dtype=float), offset_km,
                       ephemeris_path=ephemeris_path)
        ert, lt = rec["utc_ert"].to_numpy(), rec["light_time_min"].to_numpy()
    else:
        ert, lt = np.array([], dtype=object), np.array([], dtype=float)
    out.insert(at, "utc_ert", ert)
    out.insert(at + 1, "light_time_min", lt)
    return out


def _angle(u, v):
    # atan2 of |u x v| and u.v stays accurate near 0 and 180 degrees.
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))


# -- Jupiter's orientation and the central meridian -------------------------------

def jupiter_orientation(et_jupiter):
    """Jupiter's IAU body-fixed axes (IAU_JUPITER, System III) in ICRF at TDB ET.

    Parameters
    ----------
    et_jupiter : array_like, shape (n,)
        TDB seconds past J2000 *at Jupiter* (light-time corrected).

    Returns
    -------
    numpy.ndarray, shape (n, 3, 3)
        Rows are the body-fixed x (prime meridian), y and z (north pole) axes
        in ICRF: the J2000 -> IAU_JUPITER rotation matrix, as SPICE ``pxform``.
    """
    d = np.atleast_1d(np.asarray(et_jupiter, dtype=float)) / DAY_S
    T = d / CENTURY_D
    ang = np.radians([a + b * T for a, b in NUT_PREC_ANGLES_DEG])  # (5, n)
    ra = np.radians(POLE_RA_DEG[0] + POLE_RA_DEG[1] * T
                    + np.tensordot(NUT_PREC_RA_DEG, np.sin(ang), axes=1))
    dec = np.radians(POLE_DEC_DEG[0] + POLE_DEC_DEG[1] * T
                     + np.tensordot(NUT_PREC_DEC_DEG, np.cos(ang), axes=1))
    w = np.radians(np.mod(PM_DEG[0] + PM_DEG[1] * d, 360.0))
    pole = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], -1)
    # Ascending node of Jupiter's equator on the ICRF equator (RA = ra + 90 deg);
    # the prime meridian lies W from it, measured along the equator.
    node = np.stack([-np.sin(ra), np.cos(ra), np.zeros_like(ra)], -1)
    quad = np.cross(pole, node)
    x = np.cos(w)[:, None] * node + np.sin(w)[:, None] * quad
    y = np.cross(pole, x)
    return np.stack([x, y, pole], axis=1)


@_guard
def sub_earth_point(et, *, ephemeris_path=None, observer=None) -> dict[str, np.ndarray]:
    """Where on Jupiter the Earth is overhead, seen from the Earth at ET.

    Parameters
    ----------
    et : array_like, shape (n,)
        Observation time at the Earth, TDB seconds past J2000.
    ephemeris_path : path-like, optional
        Planetary SPK (default DE421 from skyfield-data).
    observer : skyfield vector, optional
        Observer (default the geocentre; a site changes the result < 0.001 deg).

    Returns
    -------
    dict of numpy.ndarray
        ``lon_w_deg`` (System III west longitude: the CML), ``lat_pg_deg``
        (planetographic latitude), ``light_time_s`` (Jupiter's centre to the
        observer).
    """
    from flyplan.numerics import ellipsoid
    from flyplan.constants import JUPITER_RADII_KM

    eph = ephemeris(ephemeris_path)
    earth, jup, _ = _bodies(eph)
    obs = earth if observer is None else observer
    et = np.atleast_1d(np.asarray(et, dtype=float))
    astrometric = obs.at(to_time(et)).observe(jup)
    lt_s = np.atleast_1d(astrometric.light_time) * DAY_S
    # Apparent direction (light time + aberration, as SPICE LT+S); skyfield
    # also bends light around the Sun, which moves it by milliarcseconds.
    to_earth = -np.atleast_2d(astrometric.apparent().position.km.T)
    a, _, c = JUPITER_RADII_KM
    bf = np.einsum("nij,nj->ni", jupiter_orientation(et - lt_s), to_earth)
    # What is seen left the sub-Earth surface point ~0.24 s after it left the
    # centre: Jupiter turns 0.0024 deg meanwhile.  Orient Jupiter at that epoch
    # (as SPICE subpnt does with LT); one pass is exact to 1e-8 deg.
    _, range_km = ellipsoid.geodetic(bf, a, c)
    bf = np.einsum("nij,nj->ni", jupiter_orientation(et - range_km / C_KM_S), to_earth)
    lat_pg, _ = ellipsoid.geodetic(bf, a, c)
    return {
        "lon_w_deg": np.degrees(ellipsoid.west_longitude(bf)),
        "lat_pg_deg": np.degrees(lat_pg),
        "light_time_s": lt_s,
    }


def cml_iii(et, *, ephemeris_path=None, observer=None) -> np.ndarray:
    """Jupiter's System III central-meridian longitude seen from Earth at ET, degrees W.

    See :func:`sub_earth_point`.
    """
    return sub_earth_point(et, ephemeris_path=ephemeris_path, observer=observer)["lon_w_deg"]
