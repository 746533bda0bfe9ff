"""Jupiter's day/night terminator on a latitude/longitude map, from the sub-solar point.

Pure numpy, degrees in and out; nothing here reads a kernel.  The report draws
what these functions return; it computes no geometry itself.

Definition
----------
A surface point is in daylight when the Sun is above its local horizon, i.e.
when its solar zenith angle, measured from the ellipsoid normal (the
planetographic vertical, as ``sza_deg`` in the samples), is below 90 degrees.
With the Sun taken at infinity, the normal at the sub-solar point *is* the
Sun's direction, so the terminator is the set of points whose normal is
perpendicular to the normal at the sub-solar point.  In planetographic
latitude and longitude that set is an exact great circle, whatever the
flattening.  Taking the Sun at infinity errs by at most Jupiter's radius over
the Sun's distance (about 1e-4 rad, 0.006 degrees).
"""

from __future__ import annotations

import numpy as np

__all__ = ["normal_vector", "is_night", "terminator_latitude", "terminator_line",
           "night_polygon"]


def normal_vector(lat_pg_deg, lon_w_deg):
    """Unit surface normal at planetographic latitude / west longitude (degrees).

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        Body-fixed (System III) axes: x towards 0 deg, z towards the north pole.
    """
    lat = np.radians(np.asarray(lat_pg_deg, dtype=float))
    lon_e = -np.radians(np.asarray(lon_w_deg, dtype=float))
    return np.stack([np.cos(lat) * np.cos(lon_e), np.cos(lat) * np.sin(lon_e), np.sin(lat)],
                    axis=-1)


def is_night(lat_pg_deg, lon_w_deg, sub_lat_pg_deg, sub_lon_w_deg):
    """Whether the Sun is below the local horizon (solar zenith angle > 90 deg)."""
    n = normal_vector(lat_pg_deg, lon_w_deg)
    s = normal_vector(sub_lat_pg_deg, sub_lon_w_deg)
    return np.sum(n * s, axis=-1) < 0.0


def terminator_latitude(lon_w_deg, sub_lat_pg_deg: float, sub_lon_w_deg: float):
    """Planetographic latitude of the terminator at each west longitude, degrees.

    On a meridian the night side is the part *below* the returned latitude
    when the sub-solar latitude is >= 0 (Sun north of the equator) and the
    part *above* it otherwise.  With the Sun exactly on the equator the
    terminator is the two meridians 90 deg from the sub-solar one; the
    function returns -90 on the day side of them and +90 on the night side,
    which keeps that rule.

    Parameters
    ----------
    lon_w_deg : array_like
        System III west longitudes, degrees.
    sub_lat_pg_deg, sub_lon_w_deg : float
        The sub-solar point, degrees.
    """
    dlon = np.radians(np.asarray(lon_w_deg, dtype=float) - sub_lon_w_deg)
    phs = np.radians(sub_lat_pg_deg)
    # n.s = cos(lat) cos(dlon) cos(phs) + sin(lat) sin(phs) = 0, written with
    # atan2 so that a Sun on the equator gives +-90 instead of a division by 0.
    # The side is decided on the input in degrees, as in night_polygon (a
    # tiny negative latitude may round to -0.0 in radians).
    sgn = 1.0 if sub_lat_pg_deg >= 0.0 else -1.0
    return np.degrees(np.arctan2(-np.cos(dlon) * np.cos(phs) * sgn, np.abs(np.sin(phs))))


def _longitudes(sub_lon_w_deg: float, step_deg: float) -> np.ndarray:
    # A regular grid over [0, 360] plus the two meridians where the terminator
    # crosses the equator, so the steep part near the equator is drawn exactly.
    grid = np.linspace(0.0, 360.0, int(round(360.0 / step_deg)) + 1)
    extra = np.mod(sub_lon_w_deg + np.array([-90.0, 90.0]), 360.0)
    return np.unique(np.concatenate([grid, extra]))


def terminator_line(sub_lat_pg_deg: float, sub_lon_w_deg: float, step_deg: float = 0.5):
    """The terminator as a line over west longitudes 0..360.

    Returns
    -------
    lon_w_deg, lat_pg_deg : numpy.ndarray
        Vertices ordered by increasing west longitude, degrees.
    """
    lon = _longitudes(sub_lon_w_deg, step_deg)
    return lon, terminator_latitude(lon, sub_lat_pg_deg, sub_lon_w_deg)


def night_polygon(sub_lat_pg_deg: float, sub_lon_w_deg: float, lat_range=(-90.0, 90.0),
                  step_deg: float = 0.5):
    """Closed polygon of the night side within a band of latitudes.

    The polygon follows the terminator (clipped to ``lat_range``) from 0 to
    360 deg west and returns along the band's edge on the night side, with a
    vertex every ``step_deg`` there too, so that filling it shades exactly the
    night side both on a longitude/latitude map and in polar coordinates
    (where a straight edge would become a chord, and the edge at a pole is a
    single point).

    Parameters
    ----------
    sub_lat_pg_deg, sub_lon_w_deg : float
        The sub-solar point, degrees.
    lat_range : (float, float)
        Latitude band to cover, degrees (``(0, 90)`` for a north polar view).
    step_deg : float
        Longitude spacing of the vertices, degrees.

    Returns
    -------
    lon_w_deg, lat_pg_deg : numpy.ndarray
        Polygon vertices, degrees; the last vertex equals the first.
    """
    lo, hi = float(lat_range[0]), float(lat_range[1])
    lon, lat = terminator_line(sub_lat_pg_deg, sub_lon_w_deg, step_deg)
    lat = np.clip(lat, lo, hi)
    edge = lo if sub_lat_pg_deg >= 0.0 else hi
    back = lon[::-1]
    lons = np.concatenate([lon, back, lon[:1]])
    lats = np.concatenate([lat, np.full(len(back), edge), lat[:1]])
    return lons, lats
