"""Per-sample geometry of Juno and the Galilean moons, vectorized over time.

A thin layer over SPICE: the states and rotations SPICE would give, read
for the whole time array at once (``spiceypy.cyice`` ``_v`` calls, or the
loaded SPK records and PCK constants evaluated in numpy and checked against
SPICE: :mod:`flyplan.geometry.spk_state`, :mod:`flyplan.geometry.pck_rotation`,
:mod:`flyplan.geometry.chebyshev`), then numpy
(:mod:`flyplan.numerics.ellipsoid`) for everything else.  There is no Python
loop over samples.  The kernel pool must already hold the needed kernels (see
:class:`flyplan.kernels.pool.KernelSet`).

Units: km, s, and degrees in the returned columns (radians inside).
"""

from __future__ import annotations

import numpy as np

from flyplan.geometry import resolve
from flyplan.numerics import ellipsoid
from flyplan.constants import C_KM_S, JUNO, JUPITER, KM_S_TO_KM_H, MOON_IDS, SUN

__all__ = ["juno_arrays", "moon_arrays", "sample_table", "jupiter_radii", "moon_radius",
           "local_solar_time_text"]


def jupiter_radii() -> tuple[float, float]:
    """Equatorial and polar radius of Jupiter's 1-bar ellipsoid from the loaded PCK, km."""
    import spiceypy

    r = spiceypy.bodvcd(JUPITER, "RADII", 3)[1]
    return float(r[0]), float(r[2])


def moon_radius(body: int) -> float:
    """Mean radius of a moon from the loaded PCK, km."""
    import spiceypy

    return float(np.mean(spiceypy.bodvcd(body, "RADII", 3)[1]))


def _rotate(m, v):
    # Batched matrix-vector product: (n,3,3) @ (n,3).
    return np.einsum("nij,nj->ni", m, v)


def _unit(v):
    return v / ellipsoid.row_norm(v, keepdims=True)


def _angle(u, v):
    # atan2 form stays accurate near 0 and 180 degrees, unlike acos of a dot product.
    return np.arctan2(ellipsoid.row_norm(np.cross(u, v)), ellipsoid.row_dot(u, v))


# Spacing of the Sun's exact positions, s.  Between them the Sun as seen from
# Jupiter's centre is interpolated linearly; the path bends under Jupiter's
# solar acceleration and the moons' pull on Jupiter's centre, which over 600 s
# came to 12 m at most (measured), so 300 s keeps it near 3 m, against a
# distance of 7.4e8 km.
_SUN_NODE_S = 300.0




def _at_nodes(et, evaluate) -> np.ndarray:
    """``evaluate(times)`` (n, 3) at exact nodes every ``_SUN_NODE_S`` at most,
    linearly interpolated to ``et``; exact at every sample when that is cheaper."""
    et = np.ascontiguousarray(et, dtype=float)
    span = float(et.max() - et.min()) if len(et) else 0.0
    k = int(np.ceil(span / _SUN_NODE_S)) + 1
    if k >= len(et) // 2 or k < 2:
        return evaluate(et)
    nodes = np.linspace(et.min(), et.max(), k)
    values = evaluate(nodes)
    return np.stack([np.interp(et, nodes, values[:, i]) for i in range(3)], axis=1)


def sun_from_jupiter(et, abcorr: str = "LT+S") -> np.ndarray:
    """The Sun seen from Jupiter's centre (J2000, ``abcorr``), km, shape (n, 3).

    Exact SPICE positions every 300 s at most, linearly interpolated
    between them (a few metres, see ``_SUN_NODE_S``; tested to 10 m).
    """
    from spiceypy import cyice

    return _at_nodes(et, lambda t: cyice.spkezp_v(SUN, t, "J2000", abcorr, JUPITER)[0])


def jupiter_ssb_velocity(et) -> np.ndarray:
    """Velocity of Jupiter's centre (599) relative to the solar-system barycentre, J2000, km/s.

    Exact SPICE states every 300 s at most, linearly interpolated between them
    (Jupiter's acceleration is 2e-7 km/s^2: under 1e-7 km/s off).
    """
    from spiceypy import cyice

    return _at_nodes(et, lambda t: cyice.spkezr_v(str(JUPITER), t, "J2000", "NONE", "0")[0][:, 3:])


def juno_arrays(et) -> dict[str, np.ndarray]:
    """Juno's position and motion relative to Jupiter at each ET.

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.

    Returns
    -------
    dict of numpy.ndarray
        ``state_j2000`` (n, 6) km and km/s, geometric, relative to Jupiter's
        centre (599); ``rot`` (n, 3, 3) J2000 -> IAU_JUPITER rotation (the
        position block of SPICE's state transformation); ``pos_bf`` / ``vel_bf`` (n, 3) body-fixed (System III)
        position and velocity relative to the rotating frame; ``sun_j2000`` and
        ``sun_bf`` (n, 3) the Sun seen from Jupiter's centre (LT+S), and the
        derived per-sample quantities in km, km/s and radians, among them
        ``pole_ra`` / ``pole_dec``, the direction of Jupiter's north pole
        (IAU_JUPITER +z) in J2000.
    """
    from flyplan.geometry import pck_rotation, spk_state

    et = np.ascontiguousarray(et, dtype=float)
    a, c = jupiter_radii()
    # SPICE's spkezr_v(JUNO, "J2000", "NONE", JUPITER) and the blocks of
    # sxform_v("J2000", "IAU_JUPITER"), evaluated in numpy and checked
    # against those calls at a few epochs (SPICE's answer when they differ).
    state = spk_state.states(JUNO, JUPITER, et)
    rot, rate = pck_rotation.iau_jupiter(et)
    pos_bf = _rotate(rot, state[:, :3])
    vel_bf = _rotate(rate, state[:, :3]) + _rotate(rot, state[:, 3:])
    sun = sun_from_jupiter(et)
    sun_bf = _rotate(rot, sun)

    lat_pg, alt = ellipsoid.geodetic(pos_bf, a, c)
    lon_e = ellipsoid.east_longitude(pos_bf)
    sun_lon_e = ellipsoid.east_longitude(sun_bf)
    # Local solar time as SPICE's et2lst: 12h when the Sun is on the meridian,
    # 24 'hours' per solar day.
    lst_h = ellipsoid.wrap_angle(12.0 + np.degrees(lon_e - sun_lon_e) / 15.0, 24.0)
    # Solar zenith angle at the sub-spacecraft point (the nearest surface point).
    normal = ellipsoid.surface_normal(lat_pg, lon_e)
    surf = pos_bf - alt[:, None] * normal
    sza = _angle(normal, sun_bf - surf)
    sub_sun_lat, _ = ellipsoid.geodetic(sun_bf, a, c)
    # IAU_JUPITER's +z axis (the north spin pole) in J2000: the rotation's third row.
    pole = rot[:, 2, :]
    return {
        "et": et,
        "state_j2000": state,
        "rot": rot,
        "pos_bf": pos_bf,
        "vel_bf": vel_bf,
        "sun_j2000": sun,
        "sun_bf": sun_bf,
        "radius_km": ellipsoid.row_norm(state[:, :3]),
        "altitude_km": alt,
        "lat_pg": lat_pg,
        "lat_pc": ellipsoid.planetocentric_latitude(pos_bf),
        "lon_e": lon_e,
        "lst_h": lst_h,
        "speed_km_s": ellipsoid.row_norm(state[:, 3:]),
        "speed_rot_km_s": ellipsoid.row_norm(vel_bf),
        "sza": sza,
        "subsolar_lat_pg": sub_sun_lat,
        "subsolar_lon_e": sun_lon_e,
        "pole_ra": ellipsoid.wrap_angle(np.arctan2(pole[:, 1], pole[:, 0])),
        "pole_dec": np.arcsin(np.clip(pole[:, 2], -1.0, 1.0)),
    }


def _moon_from_jupiter(moon: int, et, cache: dict | None = None) -> np.ndarray:
    """Geometric J2000 position of a moon relative to Jupiter's centre, km, (n, 3).

    Read as SPICE would chain it, moon and Jupiter each relative to the
    system barycentre (5), from the segments' Chebyshev records
    (:mod:`flyplan.geometry.chebyshev`, SPICE's own values to 1e-6 km);
    Jupiter's part at ``et`` is kept in ``cache`` for the other moons.
    """
    from flyplan.geometry.chebyshev import positions

    from flyplan.constants import JUPITER_BARYCENTER as BARY

    et = np.ascontiguousarray(et, dtype=float)
    jup = cache.get("jupiter_from_bary") if cache is not None else None
    if jup is None:
        jup = positions(JUPITER, BARY, et)
        if cache is not None:
            cache["jupiter_from_bary"] = jup
    return positions(moon, BARY, et) - jup


def moon_arrays(et, moon: int, juno: dict) -> dict[str, np.ndarray]:
    """What one Galilean moon looks like from Juno at each ET.

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.
    moon : int
        NAIF id (501-504).
    juno : dict
        The output of :func:`juno_arrays` for the same ``et`` (reused for the
        rotation, the Sun and Jupiter as seen from Juno).

    Returns
    -------
    dict of numpy.ndarray
        ``range_km``; ``ang_diam`` and ``phase`` (radians); ``limb_angle``
        (radians above Jupiter's limb, negative when in front of or behind the
        disk); booleans ``occulted`` (centre hidden behind Jupiter), ``transit``
        (in front of Jupiter's disk) and ``in_shadow`` (centre in Jupiter's
        shadow); ``pos_from_juno`` (n, 3) apparent J2000 vector;
        ``pos_jupiter`` (n, 3) geometric J2000 position relative to Jupiter at
        the time the light left the moon.

    Notes
    -----
    Moon and Jupiter as seen from Juno are corrected for light time (LT), as
    in SPICE's occultation routines (``occult``, ``gfoclt``): whether Jupiter
    hides a moon is a property of the light rays and does not depend on the
    observer's velocity, so stellar aberration is left out.  The shadow is
    cast along the Sun's direction as seen from Jupiter's centre (LT+S),
    which in Jupiter's rest frame is the direction sunlight travels.
    """
    et = np.ascontiguousarray(et, dtype=float)
    a, c = jupiter_radii()
    rot = juno["rot"]
    # SPICE's "LT" (spkezp) done here from Jupiter-centred pieces, so that
    # Juno's trajectory is not read again for every moon: the moon's position
    # at t - lt0 (lt0 from the geometric distance, one iteration, as SPICE)
    # less Juno's at t, less Jupiter's own barycentric motion over lt0.
    # Tested against spkezp "LT" to millimetres.
    juno_pos = juno["state_j2000"][:, :3]
    v_jup = juno.get("jupiter_ssb_vel")
    if v_jup is None:
        v_jup = juno["jupiter_ssb_vel"] = jupiter_ssb_velocity(et)
    geo = _moon_from_jupiter(moon, et, juno)
    lt0 = ellipsoid.row_norm(geo - juno_pos) / C_KM_S
    # Where the moon was when the light left it, relative to Jupiter then.
    pos = _moon_from_jupiter(moon, et - lt0)
    app = pos - juno_pos - v_jup * lt0[:, None]
    jup_app = juno.get("jupiter_from_juno")
    if jup_app is None:
        lt_jup = ellipsoid.row_norm(juno_pos) / C_KM_S
        jup_app = juno["jupiter_from_juno"] = -juno_pos - v_jup * lt_jup[:, None]
    rng = ellipsoid.row_norm(app)
    # Occultation/transit: the ray from Juno towards the moon against Jupiter's
    # ellipsoid, Jupiter placed where Juno sees it (the same for every moon).
    obs_bf = juno.get("juno_from_jupiter_bf")
    if obs_bf is None:
        obs_bf = juno["juno_from_jupiter_bf"] = _rotate(rot, -jup_app)
    dir_bf = _unit(_rotate(rot, app))
    hit = ellipsoid.ray_intersection(obs_bf, dir_bf, a, c)
    hits = np.isfinite(hit)
    limb_obs = juno.get("limb_observer")
    if limb_obs is None:
        limb_obs = juno["limb_observer"] = ellipsoid.limb_observer(obs_bf, a, c)
    limb = ellipsoid.limb_angle(obs_bf, dir_bf, a, c, observer_terms=limb_obs)
    # Shadow and phase need the moon where it was when the light left it (pos).
    pos_bf = _rotate(rot, pos)
    shadow = np.isfinite(ellipsoid.ray_intersection(
        pos_bf, _unit(juno["sun_bf"] - pos_bf), a, c))
    # The phase angle, like the moon's direction, takes light time only.
    sun_lt = juno.get("sun_lt_j2000")
    if sun_lt is None:
        sun_lt = juno["sun_lt_j2000"] = sun_from_jupiter(et, "LT")
    to_sun = sun_lt - pos
    return {
        "range_km": rng,
        "ang_diam": 2.0 * np.arcsin(np.minimum(moon_radius(moon) / rng, 1.0)),
        "phase": _angle(to_sun, -app),
        "limb_angle": limb,
        "occulted": hits & (hit < rng),
        "transit": hits & (hit >= rng),
        "in_shadow": shadow,
        "pos_from_juno": app,
        "pos_jupiter": pos,
    }


def local_solar_time_text(hours) -> np.ndarray:
    """``HH:MM:SS`` strings for local solar time in hours (as SPICE's et2lst prints it)."""
    secs = np.floor(np.mod(np.asarray(hours, dtype=float), 24.0) * 3600.0 + 1e-6).astype(int)
    h, rem = np.divmod(secs, 3600)
    m, s = np.divmod(rem, 60)
    # Written digit by digit into bytes (10x numpy's string concatenation).
    out = np.empty(np.shape(secs) + (8,), dtype=np.uint8)
    for col, value in ((0, h), (3, m), (6, s)):
        out[..., col] = value // 10 + 48
        out[..., col + 1] = value % 10 + 48
    out[..., 2] = out[..., 5] = ord(":")
    text = out.view("S8")[..., 0].astype("<U8")
    return text[()] if text.ndim == 0 else text


def stellar_aberration(pos, v_obs) -> np.ndarray:
    """Apparent direction of ``pos`` for an observer moving at ``v_obs`` (SPICE ``stelab``).

    Parameters
    ----------
    pos : numpy.ndarray, shape (n, 3)
        Light-time corrected position of the target from the observer, km.
    v_obs : numpy.ndarray, shape (n, 3)
        Observer's velocity relative to the solar-system barycentre, km/s.

    Returns
    -------
    numpy.ndarray, shape (n, 3)
        ``pos`` rotated by the aberration angle towards ``v_obs`` (same
        length), as SPICE's "LT+S" position: with u the unit target
        direction and b = v/c, the rotation by asin|u x b| about u x b is
        ``|pos| (u (cos phi - u.b) + b)``.
    """
    rng = np.sqrt(np.einsum("ij,ij->i", pos, pos))
    u = pos / rng[:, None]
    b = v_obs / C_KM_S
    ub = np.einsum("ij,ij->i", u, b)
    h = np.cross(u, b)
    cos_phi = np.sqrt(1.0 - np.einsum("ij,ij->i", h, h))
    return rng[:, None] * (u * (cos_phi - ub)[:, None] + b)


def sample_table(et, moons=(501, 502, 503, 504), keep: dict | None = None):
    """The per-sample table as a pandas DataFrame (one row per ET).

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.
    moons : iterable of int
        NAIF ids of the moons to include (empty for none).
    keep : dict, optional
        Filled with the arrays behind the table, for the JunoCam columns to
        reuse (:func:`flyplan.geometry.junocam.imaging_columns`'s
        ``geometry``): ``"juno"`` (:func:`juno_arrays`) and each moon's id
        (:func:`moon_arrays`).

    Returns
    -------
    pandas.DataFrame
        Columns ``utc``, ``et``, ``radius_km``, ``altitude_km``, ``lat_pg_deg``,
        ``lat_pc_deg``, ``lon_w_deg``, ``lon_e_deg``, ``local_solar_time``,
        ``local_solar_time_h``, ``sza_deg`` (solar zenith angle at the
        sub-spacecraft point), ``subsolar_lat_pg_deg``, ``subsolar_lon_w_deg``,
        ``speed_km_s``, ``speed_km_h``, ``speed_rot_km_s``, ``x_km``, ``y_km``,
        ``z_km`` (Juno, J2000, Jupiter-centred), ``jupiter_pole_ra_deg``,
        ``jupiter_pole_dec_deg`` (Jupiter's north pole in J2000, from the
        PCK's rotation model), and per moon
        ``<name>_range_km``, ``<name>_ang_diam_deg``, ``<name>_phase_deg``,
        ``<name>_limb_angle_deg``, ``<name>_occulted``, ``<name>_in_shadow``,
        ``<name>_transit``, ``<name>_x_km``/``_y_km``/``_z_km`` (J2000,
        Jupiter-centred, at the time the light Juno sees left the moon).
    """
    import pandas as pd

    from flyplan.timeutil import et_to_utc

    j = juno_arrays(et)
    if keep is not None:
        keep["juno"] = j
    cols = {
        "utc": et_to_utc(j["et"]),
        "et": j["et"],
        "radius_km": j["radius_km"],
        "altitude_km": j["altitude_km"],
        "lat_pg_deg": np.degrees(j["lat_pg"]),
        "lat_pc_deg": np.degrees(j["lat_pc"]),
        "lon_w_deg": ellipsoid.wrap_angle(-np.degrees(j["lon_e"]), 360.0),
        "lon_e_deg": np.degrees(j["lon_e"]),
        "local_solar_time": local_solar_time_text(j["lst_h"]),
        "local_solar_time_h": j["lst_h"],
        "sza_deg": np.degrees(j["sza"]),
        "subsolar_lat_pg_deg": np.degrees(j["subsolar_lat_pg"]),
        "subsolar_lon_w_deg": ellipsoid.wrap_angle(-np.degrees(j["subsolar_lon_e"]), 360.0),
        "speed_km_s": j["speed_km_s"],
        "speed_km_h": j["speed_km_s"] * KM_S_TO_KM_H,
        "speed_rot_km_s": j["speed_rot_km_s"],
        "x_km": j["state_j2000"][:, 0],
        "y_km": j["state_j2000"][:, 1],
        "z_km": j["state_j2000"][:, 2],
        "jupiter_pole_ra_deg": np.degrees(j["pole_ra"]),
        "jupiter_pole_dec_deg": np.degrees(j["pole_dec"]),
    }
    # Inside Jupiter (flyplan's model only, never a real trajectory): no numbers.
    below = j["altitude_km"] <= 0.0
    if below.any():
        for k in ("radius_km", "altitude_km", "lat_pg_deg", "lat_pc_deg", "lon_w_deg",
                  "lon_e_deg", "sza_deg"):
            cols[k] = np.where(below, np.nan, cols[k])
    for moon in moons:
        name = MOON_IDS[moon].lower()
        m = moon_arrays(j["et"], moon, j)
        # Inside the moon (the model near a flyby it does not reproduce): blank,
        # never a range smaller than the moon.
        gone = resolve.unresolved(m["range_km"], moon_radius(moon))
        if gone.any():
            for k in ("range_km", "ang_diam", "phase", "limb_angle"):
                m[k] = np.where(gone, np.nan, m[k])
            for k in ("occulted", "transit", "in_shadow"):
                m[k] = m[k] & ~gone
        if keep is not None:
            keep[moon] = m
        cols.update({
            f"{name}_range_km": m["range_km"],
            f"{name}_ang_diam_deg": np.degrees(m["ang_diam"]),
            f"{name}_phase_deg": np.degrees(m["phase"]),
            f"{name}_limb_angle_deg": np.degrees(m["limb_angle"]),
            f"{name}_occulted": m["occulted"],
            f"{name}_in_shadow": m["in_shadow"],
            f"{name}_transit": m["transit"],
            f"{name}_x_km": m["pos_jupiter"][:, 0],
            f"{name}_y_km": m["pos_jupiter"][:, 1],
            f"{name}_z_km": m["pos_jupiter"][:, 2],
        })
    return pd.DataFrame(cols)
