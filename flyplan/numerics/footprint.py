"""Observer x surface-point geometry on an oblate spheroid, vectorized (pure numpy).

Everything here takes km and radians in Jupiter's body-fixed frame (System III,
z along the spin pole) and reads no kernel.  Times are rows, surface points
columns: ``observer`` (n, 3) against ``points`` (m, 3) gives (n, m) arrays.

Definitions (the conventions :mod:`flyplan.geometry.surface` states in its
outputs):

- *visible*: the point faces the observer, ``(O - P) . n > 0`` with ``n`` the
  outward ellipsoid normal at ``P``.  On a convex body that is exactly "in
  front of the limb, not hidden by the body" (SPICE ``illumf``'s ``visibl``).
- *emission*, *incidence*, *phase*: angles at ``P`` between the normal and the
  observer, the normal and the Sun, and the Sun and the observer (as SPICE
  ``ilumin``); *lit* means incidence below 90 degrees.
- *spin-plane angle*: the angle of the direction ``P - O`` from the plane
  perpendicular to the spin axis (positive towards the axis); *in swath* when it
  lies within the camera's swath limits.
- *pixel scale*: ``km_per_px = range * IFOV`` (the footprint of one pixel
  across the line of sight) and ``km_per_px_emission = km_per_px / cos(emission)``
  (its stretch along the direction of emission, on the surface).
"""

from __future__ import annotations

import numpy as np

__all__ = ["surface_points", "pair_geometry", "best_times", "west_to_east"]


def west_to_east(lon_w):
    """East longitude from west longitude (same unit, radians here)."""
    return -np.asarray(lon_w, dtype=float)


def surface_points(lat_pg, lon_e, a: float, c: float):
    """Points of the spheroid at planetographic latitude and east longitude.

    Parameters
    ----------
    lat_pg, lon_e : array_like
        Radians, broadcast together.
    a, c : float
        Equatorial and polar radii, km.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Points (..., 3), km, and their outward unit normals (..., 3).
    """
    lat = np.asarray(lat_pg, dtype=float)
    lon = np.asarray(lon_e, dtype=float)
    lat, lon = np.broadcast_arrays(lat, lon)
    sl, cl = np.sin(lat), np.cos(lat)
    e2 = 1.0 - (c * c) / (a * a)
    # Prime-vertical radius: puts the surface normal at exactly planetographic lat.
    n = a / np.sqrt(1.0 - e2 * sl * sl)
    pts = np.stack([n * cl * np.cos(lon), n * cl * np.sin(lon), n * (1.0 - e2) * sl], axis=-1)
    normals = np.stack([cl * np.cos(lon), cl * np.sin(lon), sl], axis=-1)
    return pts, normals


def _unit(v):
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _angle(u, v):
    # atan2 keeps full precision near 0 and 180 degrees.
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))


def pair_geometry(observer, sun, axis, points, normals, swath_rad=None):
    """Full geometry of every (time, point) pair.

    Parameters
    ----------
    observer : array_like, shape (n, 3)
        Observer position relative to the body centre, km, body-fixed.
    sun : array_like, shape (n, 3)
        Sun position relative to the body centre, km, body-fixed.
    axis : array_like, shape (n, 3) or None
        Spin axis (any length), body-fixed; None skips the swath quantities.
    points, normals : array_like, shape (m, 3) or (n, m, 3)
        Surface points, km, and their outward unit normals; (n, m, 3) for
        points that move with time (drifting features).
    swath_rad : (float, float), optional
        Lowest and highest spin-plane angle of the swath, radians.

    Returns
    -------
    dict of numpy.ndarray, shape (n, m)
        ``range_km``, ``emission``, ``incidence``, ``phase`` (radians),
        ``visible``, ``lit``, and with ``axis`` ``spin_plane_angle`` (radians)
        and ``in_swath`` (also requires ``visible``).
    """
    obs = np.asarray(observer, dtype=float)[:, None, :]
    sun = np.asarray(sun, dtype=float)[:, None, :]
    p = np.asarray(points, dtype=float)
    nrm = np.asarray(normals, dtype=float)
    if p.ndim == 2:
        p, nrm = p[None], nrm[None]
    to_obs = obs - p
    to_sun = sun - p
    rng = np.linalg.norm(to_obs, axis=-1)
    emission = _angle(nrm, to_obs)
    incidence = _angle(nrm, to_sun)
    out = {
        "range_km": rng,
        "emission": emission,
        "incidence": incidence,
        "phase": _angle(to_sun, to_obs),
        "visible": np.sum(nrm * to_obs, axis=-1) > 0.0,
        "lit": np.sum(nrm * to_sun, axis=-1) > 0.0,
    }
    if axis is not None:
        ax = _unit(np.asarray(axis, dtype=float))[:, None, :]
        s = np.sum(-to_obs * ax, axis=-1) / rng
        angle = np.arcsin(np.clip(s, -1.0, 1.0))
        out["spin_plane_angle"] = angle
        if swath_rad is not None:
            out["in_swath"] = (angle >= swath_rad[0]) & (angle <= swath_rad[1]) & out["visible"]
    return out


def best_times(observer, sun, axis, points, normals, swath_rad, *, max_emission=None,
               max_incidence=None, lit=False, chunk_pairs: int = 2_000_000,
               engine: str = "numpy"):
    """For each surface point, the time of smallest range while it is imageable.

    *Imageable* means visible and inside the swath, and when asked, emission
    below ``max_emission``, incidence below ``max_incidence`` and lit.  Only
    the cheap tests are made for every pair (three matrix products per block
    of times); the caller computes the full geometry at the chosen times.

    Parameters
    ----------
    observer, sun, axis : array_like, shape (n, 3)
        Body-fixed, km (``axis`` any length).
    points, normals : array_like, shape (m, 3)
    swath_rad : (float, float)
        Swath limits, radians from the spin plane.
    max_emission, max_incidence : float, optional
        Radians.
    lit : bool
        Require incidence below 90 degrees.
    chunk_pairs : int
        Pairs handled at once by the numpy engine (memory: about 60 bytes per pair).
    engine : {"numpy", "numba"}
        Blocks of numpy matrix products, or one compiled pass over the pairs
        that skips the far side early and stores nothing per pair (several
        times faster; same results, tested).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Index of the best time per point (-1 where never imageable), the range
        then (km, ``nan`` where never), and how many times each point was
        imageable.
    """
    obs = np.ascontiguousarray(observer, dtype=float)
    sun = np.ascontiguousarray(sun, dtype=float)
    ax = _unit(np.ascontiguousarray(axis, dtype=float))
    p = np.ascontiguousarray(points, dtype=float)
    nrm = np.ascontiguousarray(normals, dtype=float)
    n, m = len(obs), len(p)
    best_r2 = np.full(m, np.inf)
    best_i = np.full(m, -1, dtype=np.int64)
    if engine == "numba":
        from flyplan.numerics._footprint_core import best_times_core

        bi, br2, cnt = best_times_core(
            obs, sun, ax, p, nrm, np.sin(swath_rad[0]), np.sin(swath_rad[1]),
            0.0 if max_emission is None else np.cos(max_emission),
            0.0 if max_incidence is None else np.cos(max_incidence),
            max_emission is not None, max_incidence is not None, bool(lit))
        return bi, np.where(np.isfinite(br2), np.sqrt(br2), np.nan), cnt
    if engine != "numpy":
        raise ValueError(f"engine must be 'numpy' or 'numba', not {engine!r}")
    count = np.zeros(m, dtype=np.int64)
    pp = np.einsum("ij,ij->i", p, p)
    pn = np.einsum("ij,ij->i", p, nrm)
    sin_lo, sin_hi = np.sin(swath_rad[0]), np.sin(swath_rad[1])
    cos_e = None if max_emission is None else np.cos(max_emission)
    cos_i = None if max_incidence is None else np.cos(max_incidence)
    step = max(1, int(chunk_pairs // max(m, 1)))
    for k0 in range(0, n, step):  # blocks of times, each handled as whole matrices
        o = obs[k0:k0 + step]
        # |O - P|^2 = |O|^2 - 2 O.P + |P|^2
        r2 = (np.einsum("ij,ij->i", o, o)[:, None] - 2.0 * (o @ p.T)) + pp[None, :]
        np.maximum(r2, 0.0, out=r2)
        rng = np.sqrt(r2)
        # (O - P).n > 0: the point faces the observer.
        facing = (o @ nrm.T) - pn[None, :]
        ok = facing > 0.0
        if cos_e is not None:
            ok &= facing > cos_e * rng
        # (P - O).axis / |P - O| within the swath's sines.
        a_ = ax[k0:k0 + step]
        s = ((p @ a_.T).T - np.einsum("ij,ij->i", o, a_)[:, None]) / rng
        ok &= (s >= sin_lo) & (s <= sin_hi)
        if lit or cos_i is not None:
            sv = sun[k0:k0 + step]
            sn = (sv @ nrm.T) - pn[None, :]
            if lit:
                ok &= sn > 0.0
            if cos_i is not None:
                d2 = np.einsum("ij,ij->i", sv, sv)[:, None] - 2.0 * (sv @ p.T) + pp[None, :]
                ok &= sn > cos_i * np.sqrt(d2)
        count += ok.sum(axis=0)
        r2 = np.where(ok, r2, np.inf)
        i = np.argmin(r2, axis=0)
        r = r2[i, np.arange(m)]
        better = r < best_r2
        best_r2 = np.where(better, r, best_r2)
        best_i = np.where(better, i + k0, best_i)
    best_r = np.where(np.isfinite(best_r2), np.sqrt(best_r2), np.nan)
    return best_i, best_r, count
