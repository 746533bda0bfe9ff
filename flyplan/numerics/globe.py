"""Shapes for the 3-D view: Jupiter's ellipsoid placed along its pole in J2000.

Pure numpy, km and degrees; nothing here reads a kernel.  The samples carry
Jupiter's north pole as ``jupiter_pole_ra_deg`` / ``jupiter_pole_dec_deg``
(computed by :mod:`flyplan.geometry.samples` from the PCK's rotation model); these
functions build the drawing from it.  The ellipsoid is a spheroid, so its
orientation is fixed by the pole alone: System III meridians are not drawn.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pole_vector", "equator_basis", "spheroid_mesh", "latitude_circle", "view_normal"]


def pole_vector(ra_deg: float, dec_deg: float) -> np.ndarray:
    """Unit vector of right ascension / declination (degrees), J2000 axes."""
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


def equator_basis(pole) -> np.ndarray:
    """Orthonormal rows ``(e1, e2, pole)``: ``e1`` along the node of the body's
    equator on the J2000 equator (any equatorial vector when they coincide)."""
    p = np.asarray(pole, dtype=float)
    p = p / np.linalg.norm(p)
    e1 = np.cross([0.0, 0.0, 1.0], p)
    if np.linalg.norm(e1) < 1e-12:
        e1 = np.array([1.0, 0.0, 0.0])
    e1 = e1 / np.linalg.norm(e1)
    return np.stack([e1, np.cross(p, e1), p])


def _spheroid_points(lat_pg_deg, angle_deg, a: float, c: float, basis):
    # A point of the spheroid at planetographic (geodetic) latitude lat: the
    # prime-vertical radius N puts the normal at exactly that latitude.
    lat = np.radians(np.asarray(lat_pg_deg, dtype=float))
    ang = np.radians(np.asarray(angle_deg, dtype=float))
    e2 = 1.0 - (c * c) / (a * a)
    n = a / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    local = np.stack([n * np.cos(lat) * np.cos(ang), n * np.cos(lat) * np.sin(ang),
                      n * (1.0 - e2) * np.sin(lat)], axis=-1)
    return local @ basis


def spheroid_mesh(a: float, c: float, pole, n_lat: int = 37, n_lon: int = 73):
    """Grid of points on the spheroid whose symmetry axis is ``pole``.

    Parameters
    ----------
    a, c : float
        Equatorial and polar radii, km.
    pole : array_like, shape (3,)
        Direction of the north pole, J2000 axes.
    n_lat, n_lon : int
        Grid size (latitudes -90..90, angles 0..360 around the pole).

    Returns
    -------
    x, y, z : numpy.ndarray, shape (n_lat, n_lon)
        J2000 coordinates, km.
    lat_pg_deg : numpy.ndarray, shape (n_lat, n_lon)
        Planetographic latitude of each grid point, degrees.
    """
    lat = np.linspace(-90.0, 90.0, n_lat)
    ang = np.linspace(0.0, 360.0, n_lon)
    lat_g, ang_g = np.meshgrid(lat, ang, indexing="ij")
    pts = _spheroid_points(lat_g, ang_g, a, c, equator_basis(pole))
    return pts[..., 0], pts[..., 1], pts[..., 2], lat_g


def latitude_circle(a: float, c: float, pole, lat_pg_deg: float, n: int = 181) -> np.ndarray:
    """Points of one planetographic latitude circle on the spheroid, shape (n, 3), km."""
    ang = np.linspace(0.0, 360.0, n)
    return _spheroid_points(np.full(n, float(lat_pg_deg)), ang, a, c, equator_basis(pole))


def view_normal(xyz) -> np.ndarray:
    """Unit normal of the plane a path mostly lies in (sum of ``r_i x r_(i+1)``).

    For an orbit arc this is the orbit's angular-momentum direction; used to
    look at the orbit face-on.  Returns the J2000 z axis for a degenerate path.
    """
    p = np.asarray(xyz, dtype=float)
    p = p[np.all(np.isfinite(p), axis=1)]
    if len(p) < 2:
        return np.array([0.0, 0.0, 1.0])
    h = np.sum(np.cross(p[:-1], p[1:]), axis=0)
    norm = np.linalg.norm(h)
    return h / norm if norm > 0 else np.array([0.0, 0.0, 1.0])
