"""JunoCam's view of Jupiter's cloud tops: times x surface points, vectorized.

For each time and each point of Jupiter's 1-bar ellipsoid (planetographic
latitude, System III west longitude): whether the point faces Juno (above the
limb), whether it lies in JunoCam's swath, its range, emission, incidence and
phase angles, local solar time and JunoCam's pixel scale there.  SPICE is
called once per time array (``spiceypy.cyice`` ``_v`` functions); the pairs are
numpy (:mod:`flyplan.numerics.footprint`).  There is no loop over points or
times in Python.

Conventions (also in :data:`SURFACE_CONVENTIONS`, stated in every output):

- Juno relative to Jupiter's centre is geometric (``NONE``), as the JunoCam IK
  addendum asks for its geometry (``INS-61500_LIGHTTIME_CORRECTION = 'NONE'``);
  light time from the cloud tops to Juno (under 0.4 s within 1e5 km) moves a
  point by under 5 km, well below a pixel there.
- The Sun is seen from Jupiter's centre with light time and stellar aberration
  (``LT+S``, the project's convention for local time and illumination); the
  angles use the Sun's direction from the surface point itself.
- The spin axis comes from a loaded C-kernel, else from flyplan's attitude model
  (:func:`flyplan.geometry.junocam.spin_axis`).
"""

from __future__ import annotations

import numpy as np

from flyplan.constants import JUNO, JUPITER
from flyplan.numerics import footprint
from flyplan.numerics.ellipsoid import wrap_angle

__all__ = ["SURFACE_CONVENTIONS", "observer_frames", "surface_geometry", "grid",
           "SURFACE_FIELDS", "subset_frames"]

SURFACE_CONVENTIONS = {
    "surface": "points of Jupiter's 1-bar ellipsoid (71492 x 71492 x 66854 km) at "
               "planetographic latitude lat_pg_deg and System III west longitude lon_w_deg",
    "visible": "the point faces Juno: in front of the limb (as SPICE illumf 'visibl')",
    "in_swath": "visible and the direction Juno -> point within JunoCam's swath: the spin "
                "plane -29.70..+28.65 deg (IK INS-61500 FOV in the FK's spacecraft frame); "
                "spin axis from a C-kernel when loaded, else flyplan's attitude model",
    "angles": "emission_deg, incidence_deg, phase_deg at the surface point, against the "
              "ellipsoid normal (as SPICE ilumin); lit: incidence < 90 deg",
    "km_per_px": "JunoCam pixel scale on the cloud tops: range_km x IFOV (0.6754 mrad, IK "
                 "pixel size / focal length), across the line of sight",
    "km_per_px_emission": "km_per_px / cos(emission): the pixel's stretch along the direction "
                          "of emission on the surface",
    "local_solar_time_h": "local solar time at the point, 24 'hours' per Jupiter solar day "
                          "(as SPICE et2lst)",
    "abcorr_surface": "Juno - Jupiter geometric (NONE, as the JunoCam IK addendum); the Sun "
                      "from Jupiter's centre LT+S, its direction taken from the point",
}

SURFACE_FIELDS = ("visible", "in_swath", "lit", "range_km", "emission_deg", "incidence_deg",
                  "phase_deg", "spin_plane_angle_deg", "km_per_px", "km_per_px_emission",
                  "local_solar_time_h")


def _rotate(m, v):
    return np.einsum("nij,nj->ni", m, v)


def observer_frames(et, *, attitude=None, sun_abcorr: str = "LT+S", observer: int = JUNO):
    """Juno, the Sun and the spin axis in System III at each ET.

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.
    attitude : flyplan.geometry.junocam.Attitude, optional
        Spin-axis model when no C-kernel covers the times (default Earth-pointed).
    sun_abcorr : str
        Aberration correction of the Sun seen from Jupiter's centre.

    Returns
    -------
    dict
        ``et``; ``a``, ``c`` (radii, km); ``observer_bf``, ``sun_bf``,
        ``axis_bf`` (n, 3) body-fixed km (axis unit); ``axis_j2000`` (n, 3);
        ``axis_label`` (where the spin axis came from); ``state_j2000`` (n, 6)
        Juno relative to Jupiter's centre.
    """
    from spiceypy import cyice

    from flyplan.geometry.junocam import spin_axis
    from flyplan.geometry.samples import jupiter_radii, sun_from_jupiter

    et = np.array(np.atleast_1d(et), dtype=float)  # a writable copy, as cyice needs
    a, c = jupiter_radii()
    state, _ = cyice.spkezr_v(str(observer), et, "J2000", "NONE", str(JUPITER))
    rot = np.asarray(cyice.pxform_v("J2000", "IAU_JUPITER", et))
    sun = sun_from_jupiter(et, sun_abcorr)
    axis, label = spin_axis(et, attitude, observer=observer)
    return {
        "et": et, "a": a, "c": c,
        "observer_bf": _rotate(rot, state[:, :3]),
        "sun_bf": _rotate(rot, sun),
        "axis_bf": _rotate(rot, axis),
        "axis_j2000": axis,
        "axis_label": label,
        "state_j2000": state,
        "rot": rot,
    }


def subset_frames(frames: dict, idx) -> dict:
    """The frames of :func:`observer_frames` at the times ``idx`` (indices or a mask)."""
    out = dict(frames)
    for k in ("et", "observer_bf", "sun_bf", "axis_bf", "axis_j2000", "state_j2000", "rot"):
        out[k] = frames[k][idx]
    return out


def surface_geometry(et, lat_pg_deg, lon_w_deg, *, attitude=None, cam=None, frames=None,
                     sun_abcorr: str = "LT+S"):
    """JunoCam geometry of surface points at each time.

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.
    lat_pg_deg, lon_w_deg : array_like, shape (m,) or (n, m)
        Planetographic latitude and System III west longitude of the points,
        degrees; (n, m) for points that move with time (drifting features).
    attitude : flyplan.geometry.junocam.Attitude, optional
        Spin-axis model when no C-kernel covers the times.
    cam : flyplan.geometry.junocam.Camera, optional
        IFOV and swath (default: from the loaded IK/FK, else the constants).
    frames : dict, optional
        The output of :func:`observer_frames` for the same ``et`` (reused).

    Returns
    -------
    dict of numpy.ndarray, shape (n, m)
        :data:`SURFACE_FIELDS`, angles in degrees, ranges in km, plus
        ``axis_label`` (str).
    """
    from flyplan.geometry.junocam import camera

    cam = cam or camera()
    fr = frames if frames is not None else observer_frames(et, attitude=attitude,
                                                          sun_abcorr=sun_abcorr)
    lat = np.radians(np.asarray(lat_pg_deg, dtype=float))
    lon_e = footprint.west_to_east(np.radians(np.asarray(lon_w_deg, dtype=float)))
    pts, nrm = footprint.surface_points(lat, lon_e, fr["a"], fr["c"])
    g = footprint.pair_geometry(fr["observer_bf"], fr["sun_bf"], fr["axis_bf"], pts, nrm,
                                np.radians(cam.swath_deg))
    sun_lon_e = np.arctan2(fr["sun_bf"][:, 1], fr["sun_bf"][:, 0])
    lst = wrap_angle(12.0 + np.degrees(lon_e - sun_lon_e[:, None]) / 15.0, 24.0)
    km_px = g["range_km"] * cam.ifov_rad
    with np.errstate(divide="ignore", invalid="ignore"):
        stretch = np.where(g["visible"], km_px / np.cos(g["emission"]), np.inf)
    return {
        "visible": g["visible"],
        "in_swath": g["in_swath"],
        "lit": g["lit"],
        "range_km": g["range_km"],
        "emission_deg": np.degrees(g["emission"]),
        "incidence_deg": np.degrees(g["incidence"]),
        "phase_deg": np.degrees(g["phase"]),
        "spin_plane_angle_deg": np.degrees(g["spin_plane_angle"]),
        "km_per_px": km_px,
        "km_per_px_emission": stretch,
        "local_solar_time_h": np.broadcast_to(lst, km_px.shape),
        "axis_label": fr["axis_label"],
    }


def grid(res_deg: float):
    """Cell centres of a planetographic-latitude x west-longitude grid, degrees.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Latitudes from ``-90 + res/2`` up, west longitudes from ``res/2`` up.
    """
    if not (0 < res_deg <= 30):
        raise ValueError("the grid resolution must lie in (0, 30] degrees")
    nlat = int(round(180.0 / res_deg))
    nlon = int(round(360.0 / res_deg))
    lat = -90.0 + (np.arange(nlat) + 0.5) * (180.0 / nlat)
    lon = (np.arange(nlon) + 0.5) * (360.0 / nlon)
    return lat, lon
