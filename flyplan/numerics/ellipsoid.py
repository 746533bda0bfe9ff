"""Pure numeric geometry on an oblate spheroid (Jupiter's 1-bar reference surface).

Everything here takes numpy arrays in km and returns km and radians; nothing
here reads a kernel or a file.  Vectors are ``(..., 3)`` arrays in the body-fixed
frame whose z axis is the spin axis (IAU_JUPITER for Jupiter).

Conventions
-----------
- *Altitude* is the distance to the nearest point of the ellipsoid (negative
  inside), which for a spheroid is the height along the surface normal.  It is
  not ``r - a``.
- *Planetographic latitude* is the angle between the equatorial plane and the
  surface normal at that nearest point (geodetic latitude; the convention of
  JunoCam and of SPICE's ``recpgr`` for Jupiter).
- *Planetocentric latitude* is the angle between the equatorial plane and the
  position vector itself.
- *System III longitude* is given east-positive by :func:`east_longitude` and
  west-positive (the IAU convention for Jupiter) by :func:`west_longitude`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "row_dot",
    "row_norm",
    "geodetic",
    "nearest_point",
    "planetocentric_latitude",
    "east_longitude",
    "west_longitude",
    "ray_intersection",
    "limb_angle",
    "limb_observer",
    "surface_normal",
    "wrap_angle",
]


def _split(xyz):
    xyz = np.asarray(xyz, dtype=float)
    return xyz[..., 0], xyz[..., 1], xyz[..., 2]


def geodetic(xyz, a: float, c: float, *, newton_steps: int = 2):
    """Planetographic latitude and altitude above an oblate spheroid.

    Heikkinen's closed form gives a first solution; Newton steps on the
    nearest-point condition then polish it to rounding level, which keeps the
    result exact also close to the poles and the centre where the closed form
    loses digits.

    Parameters
    ----------
    xyz : array_like, shape (..., 3)
        Points in the body-fixed frame, km.
    a, c : float
        Equatorial and polar radii, km (``a >= c``).
    newton_steps : int
        Polishing iterations; two reach double precision for any point
        farther than a few km from the centre.

    Returns
    -------
    lat : numpy.ndarray
        Planetographic (geodetic) latitude, radians.
    alt : numpy.ndarray
        Signed distance to the nearest point of the surface, km (negative inside).
    """
    x, y, z = _split(xyz)
    p = np.hypot(x, y)
    lat = _polish(p, z, a, c, _heikkinen(p, z, a, c), newton_steps)
    # Inside the evolute of the meridian ellipse (within ~9,000 km of Jupiter's
    # centre) a point has several normals and Newton may pick the wrong one;
    # those few points take Eberly's bisection, which always finds the nearest.
    deep = (p < (a * a - c * c) / a * 1.01) & (np.abs(z) < (a * a - c * c) / c * 1.01)
    if np.any(deep):
        lat = np.array(lat, copy=True)
        lat[deep] = _eberly_latitude(p[deep], z[deep], a, c)
    sl, cl = np.sin(lat), np.cos(lat)
    # Prime-vertical radius: the normal through the nearest point meets the axis here.
    e2 = 1.0 - (c * c) / (a * a)
    n = a / np.sqrt(1.0 - e2 * sl * sl)
    # Height along the normal, written to stay well conditioned at both poles and equator.
    alt = p * cl + z * sl - a * a / n
    return lat, alt


def _heikkinen(p, z, a, c):
    # Heikkinen (1982) closed form for geodetic coordinates on a spheroid.
    e2 = 1.0 - (c * c) / (a * a)
    ep2 = (a * a) / (c * c) - 1.0
    f_ = 54.0 * c * c * z * z
    g = p * p + (1.0 - e2) * z * z - e2 * (a * a - c * c)
    with np.errstate(all="ignore"):
        cc = e2 * e2 * f_ * p * p / (g * g * g)
        s = np.cbrt(1.0 + cc + np.sqrt(np.maximum(cc * cc + 2.0 * cc, 0.0)))
        k = s + 1.0 + 1.0 / s
        pp = f_ / (3.0 * k * k * g * g)
        q = np.sqrt(1.0 + 2.0 * e2 * e2 * pp)
        r0 = -(pp * e2 * p) / (1.0 + q) + np.sqrt(np.maximum(
            0.5 * a * a * (1.0 + 1.0 / q) - pp * (1.0 - e2) * z * z / (q * (1.0 + q))
            - 0.5 * pp * p * p, 0.0))
        v = np.sqrt((p - e2 * r0) ** 2 + (1.0 - e2) * z * z)
        z0 = c * c * z / (a * v)
        lat = np.arctan2(z + ep2 * z0, p)
    # Near the centre the closed form breaks down; start Newton from the
    # planetocentric latitude there instead.
    bad = ~np.isfinite(lat)
    if np.any(bad):
        lat = np.where(bad, np.arctan2(z, p), lat)
    return lat


def _eberly_latitude(p, z, a, c, iterations: int = 110):
    # Eberly, "Distance from a point to an ellipse, an ellipsoid, or a
    # hyperellipsoid" (Geometric Tools, 2013): bisection on the Lagrange
    # multiplier of the nearest-point problem, in the first quadrant.
    y0, y1 = np.abs(p), np.abs(z)
    r0 = (a / c) ** 2
    with np.errstate(all="ignore"):
        z0, z1 = y0 / a, y1 / c
        g = z0 * z0 + z1 * z1 - 1.0
        n0 = r0 * z0
        s0 = z1 - 1.0
        s1 = np.where(g < 0.0, 0.0, np.hypot(n0, z1) - 1.0)
        for _ in range(iterations):
            s = 0.5 * (s0 + s1)
            gs = (n0 / (s + r0)) ** 2 + (z1 / (s + 1.0)) ** 2 - 1.0
            s0 = np.where(gs > 0.0, s, s0)
            s1 = np.where(gs > 0.0, s1, s)
        s = 0.5 * (s0 + s1)
        x0 = r0 * y0 / (s + r0)
        x1 = y1 / (s + 1.0)
    # On the equatorial plane inside the evolute the multiplier form degenerates.
    # Bisection loses digits as z -> 0 there; within a few cm of the plane the
    # in-plane solution is exact to well under a metre.
    on_eq = y1 < 1e-9 * c
    x0_eq = np.minimum(a * a * y0 / (a * a - c * c), a)
    x1_eq = c * np.sqrt(np.maximum(1.0 - (x0_eq / a) ** 2, 0.0))
    x0 = np.where(on_eq, x0_eq, x0)
    x1 = np.where(on_eq, x1_eq, x1)
    lat = np.arctan2(x1 / (c * c), x0 / (a * a))
    return np.where(z < 0.0, -lat, lat)


def _polish(p, z, a, c, lat, steps):
    # Nearest point (a cos t, c sin t) in the meridian plane, parametrised by the
    # reduced latitude t: the residual is the component of (point - surface)
    # along the ellipse tangent.
    # Geodetic -> reduced latitude: tan(t) = (c/a) tan(lat).
    t = np.arctan2(c * np.sin(lat), a * np.cos(lat))
    for _ in range(steps):
        st, ct = np.sin(t), np.cos(t)
        g = (a * a - c * c) * st * ct - a * p * st + c * z * ct
        dg = (a * a - c * c) * (ct * ct - st * st) - a * p * ct - c * z * st
        with np.errstate(all="ignore"):
            step = np.where(dg != 0.0, g / dg, 0.0)
        t = t - step
    # Back to geodetic latitude: tan(lat) = (a/c) tan(t).
    return np.arctan2(a * np.sin(t), c * np.cos(t))


def nearest_point(xyz, a: float, c: float):
    """Nearest point of the spheroid to each point, km, shape ``(..., 3)``."""
    xyz = np.asarray(xyz, dtype=float)
    x, y, z = _split(xyz)
    lat, _ = geodetic(xyz, a, c)
    lon = np.arctan2(y, x)
    t = np.arctan2(c * np.sin(lat), a * np.cos(lat))
    rho = a * np.cos(t)
    return np.stack([rho * np.cos(lon), rho * np.sin(lon), c * np.sin(t)], axis=-1)


def surface_normal(lat, lon):
    """Outward unit normal at planetographic ``lat`` and east ``lon`` (radians)."""
    cl = np.cos(lat)
    return np.stack([cl * np.cos(lon), cl * np.sin(lon), np.sin(lat)], axis=-1)


def planetocentric_latitude(xyz):
    """Angle of the position vector above the equatorial plane, radians."""
    x, y, z = _split(xyz)
    return np.arctan2(z, np.hypot(x, y))


def wrap_angle(x, period: float = 2.0 * np.pi):
    """``x`` wrapped into ``[0, period)``.

    ``np.mod`` of a tiny negative number rounds up to ``period`` itself; that
    case is folded back to 0 so a longitude is never 360 degrees.
    """
    w = np.mod(x, period)
    return np.where(w >= period, 0.0, w)


def east_longitude(xyz):
    """East-positive longitude in the body-fixed frame, radians in ``[0, 2 pi)``."""
    x, y, _ = _split(xyz)
    return wrap_angle(np.arctan2(y, x))


def west_longitude(xyz):
    """West-positive longitude (IAU planetographic for Jupiter), radians in ``[0, 2 pi)``."""
    x, y, _ = _split(xyz)
    return wrap_angle(-np.arctan2(y, x))


def row_dot(u, v):
    """Dot product along the last axis of two (..., 3) arrays.

    Written out over the three components: ``np.sum(u * v, axis=-1)``
    reduces over an axis of length 3, several times slower on (n, 3) arrays,
    and einsum's own loop is ~1.5x slower than these five operations.
    """
    u, v = np.asarray(u), np.asarray(v)
    return u[..., 0] * v[..., 0] + u[..., 1] * v[..., 1] + u[..., 2] * v[..., 2]


def row_norm(v, keepdims: bool = False):
    """Euclidean norm along the last axis (``keepdims``: shape (..., 1))."""
    n = np.sqrt(row_dot(v, v))
    return n[..., None] if keepdims else n


def _scaled(v, a, c):
    # Stretch z by a/c: the spheroid becomes a sphere of radius a, and lines,
    # intersections and tangency survive the affine map.
    # A copy with z scaled in place: 7x faster than concatenating the pieces.
    out = np.array(v, dtype=float)
    out[..., 2] *= a / c
    return out


def ray_intersection(origin, direction, a: float, c: float):
    """Distance along a ray to its first intersection with the spheroid.

    Parameters
    ----------
    origin : array_like, shape (..., 3)
        Ray origins, km, body-fixed frame centred on the body.
    direction : array_like, shape (..., 3)
        Unit ray directions.
    a, c : float
        Equatorial and polar radii, km.

    Returns
    -------
    numpy.ndarray
        Distance to the first intersection in front of the origin, km; ``nan``
        where the ray misses the body (or starts inside it).
    """
    o = _scaled(origin, a, c)
    d = _scaled(direction, a, c)
    dd = row_dot(d, d)
    od = row_dot(o, d)
    oo = row_dot(o, o) - a * a
    disc = od * od - dd * oo
    with np.errstate(invalid="ignore"):
        t = (-od - np.sqrt(disc)) / dd
    hit = (disc >= 0.0) & (oo > 0.0) & (t > 0.0)
    return np.where(hit, t, np.nan)


def limb_observer(observer, a: float, c: float) -> dict:
    """The parts of :func:`limb_angle` that depend on the observer only.

    For several targets seen from the same observer positions (the four
    moons from Juno), computed once and passed as ``observer_terms``.
    """
    obs = np.asarray(observer, dtype=float)
    u_c = -obs / row_norm(obs, keepdims=True)
    # For a target dead on the centre line: any perpendicular will do.
    fallback = np.cross(u_c, np.array([0.0, 0.0, 1.0]))
    fallback_norm = row_norm(fallback, keepdims=True)
    fallback = np.where(fallback_norm > 1e-12, fallback / np.maximum(fallback_norm, 1e-300),
                        np.array([1.0, 0.0, 0.0]))
    o = _scaled(obs, a, c)
    p = _scaled(u_c, a, c)
    return {"u_c": u_c, "fallback": fallback, "o": o, "p": p,
            "k": row_dot(o, o) - a * a, "op": row_dot(o, p), "pp": row_dot(p, p)}


def limb_angle(observer, target_dir, a: float, c: float, observer_terms: dict | None = None):
    """Angle of a direction above the body's apparent limb, as seen from ``observer``.

    The limb is taken in the plane that holds the observer, the body's centre
    and the target direction, so the result is exact for the oblate shape.

    Parameters
    ----------
    observer : array_like, shape (..., 3)
        Observer position relative to the body centre, km, body-fixed axes.
    target_dir : array_like, shape (..., 3)
        Direction from the observer to the target (need not be unit).
    a, c : float
        Equatorial and polar radii, km.
    observer_terms : dict, optional
        :func:`limb_observer` of the same ``observer``, ``a`` and ``c``
        (computed here when not given).

    Returns
    -------
    numpy.ndarray
        Radians; positive when the direction clears the limb, negative when it
        points onto the disk.
    """
    ob = limb_observer(observer, a, c) if observer_terms is None else observer_terms
    u_c, o, p, k, op, pp = (ob[key] for key in ("u_c", "o", "p", "k", "op", "pp"))
    tgt = np.asarray(target_dir, dtype=float)
    u_t = tgt / row_norm(tgt, keepdims=True)
    cos_sep = np.clip(row_dot(u_c, u_t), -1.0, 1.0)
    sep = np.arccos(cos_sep)
    # In-plane unit vector perpendicular to the centre direction, on the target's side.
    perp = u_t - cos_sep[..., None] * u_c
    norm = row_norm(perp, keepdims=True)
    e = np.where(norm > 1e-15, perp / np.maximum(norm, 1e-300), ob["fallback"])
    # Tangency of the ray cos(th) u_c + sin(th) e in the scaled (spherical)
    # space: a quadratic in tan(th).
    q = _scaled(e, a, c)
    oq = row_dot(o, q)
    qq, pq = row_dot(q, q), row_dot(p, q)
    qa = oq * oq - k * qq
    qb = 2.0 * (op * oq - k * pq)
    qc = op * op - k * pp
    with np.errstate(invalid="ignore", divide="ignore"):
        disc = np.sqrt(np.maximum(qb * qb - 4.0 * qa * qc, 0.0))
        # qa < 0 outside the body; the positive root is the limb on the e side.
        r1 = (-qb - disc) / (2.0 * qa)
        r2 = (-qb + disc) / (2.0 * qa)
    tan_th = np.maximum(r1, r2)
    limb = np.arctan(tan_th)
    return sep - limb
