"""Where camera rays meet Jupiter, and how the points are lit: vectorized ``sincpt``/``ilumin``.

For one epoch (a framelet's mid-exposure time) and any number of view
directions in the camera frame, :func:`intercepts` returns what SPICE's
``sincpt`` and ``ilumin`` (method ``ELLIPSOID``, target JUPITER, frame
IAU_JUPITER, observer Juno) give for each ray, computed over all rays at once:

- the ray is rotated to J2000 with the camera frame at ``et`` (a C-kernel,
  the SCLK and the FK must be loaded) and, for ``+S`` corrections, the stellar
  aberration of Juno's motion is taken out (``stlabx`` refined by fixed-point
  steps on ``stelab``, as ``sincpt``);
- the light time is that to each intercept point, found as ``sincpt`` does:
  one refinement after the centre's light time for ``LT``/``LT+S``, iterated
  to convergence for ``CN``/``CN+S``.  Between the few exact SPICE calls made
  per epoch, Jupiter's motion over the light-time spread (< 0.25 s) is
  linear and its rotation a rotation about the spin axis at the rate read
  from the frame kernel chain, both far below a millimetre off;
- the illumination angles use the Sun as seen from each surface point
  (light time and stellar aberration of the point's own inertial velocity,
  as ``ilumin``) and the apparent direction to Juno.

Angles in radians and distances in km inside; the returned columns are in
degrees and km.  Only the kernel pool is read; nothing is loaded here.
"""

from __future__ import annotations

import numpy as np

from flyplan.constants import C_KM_S as CLIGHT_KM_S, JUNO, JUPITER, SUN

__all__ = ["stelab", "intercepts", "BACKPLANES"]

BACKPLANES = ("lat_pg_deg", "lat_pc_deg", "lon_w_deg", "emission_deg", "incidence_deg",
              "phase_deg", "range_km", "km_per_px")


# Vectors are stored as (3, n) arrays below: component-wise arithmetic on
# contiguous rows is several times faster than numpy's cross/einsum on (n, 3).
def _dot(u, v):
    return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]


def _cross(u, v):
    return np.stack([u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2],
                     u[0] * v[1] - u[1] * v[0]])


def _norm(v):
    return np.sqrt(_dot(v, v))


def _col(v):
    return np.asarray(v, float).reshape(3, 1)


def _turn(v, axis, angle):
    """Rotate (3, n) vectors about the unit ``axis`` (3,) by ``angle`` (n,) radians."""
    k = _col(axis)
    cos, sin = np.cos(angle), np.sin(angle)
    return v * cos + _cross(k, v) * sin + k * (_dot(k, v) * (1.0 - cos))


def _stelab3(p, vobs):
    """SPICE ``stelab`` on (3, n) positions; ``vobs`` (3, 1) or (3, n) km/s."""
    u = p / _norm(p)
    h = _cross(u, np.asarray(vobs, float) / CLIGHT_KM_S)
    sinphi = _norm(h)
    ok = sinphi > 0
    k = h / np.where(ok, sinphi, 1.0)
    cosphi = np.sqrt(1.0 - np.minimum(sinphi, 1.0) ** 2)
    out = p * cosphi + _cross(k, p) * sinphi + k * (_dot(k, p) * (1.0 - cosphi))
    return np.where(ok, out, p)


def stelab(pobj, vobs):
    """Vectorized SPICE ``stelab``: apparent position of ``pobj`` for an observer moving at ``vobs``.

    Parameters
    ----------
    pobj : array_like, shape (n, 3)
        Positions relative to the observer, km.
    vobs : array_like, shape (3,) or (n, 3)
        Observer velocity relative to the solar-system barycentre, km/s
        (negate it for ``stlabx``, the transmission case).

    Returns
    -------
    numpy.ndarray, shape (n, 3)
    """
    p = np.atleast_2d(np.asarray(pobj, float)).T
    v = np.asarray(vobs, float)
    v = v.reshape(3, 1) if v.ndim == 1 else v.T
    return _stelab3(p, v).T


def _unstelab(app, vobs, iterations: int = 5):
    """The geometric direction whose apparent direction (``stelab``) is ``app`` (3, n).

    As ``sincpt``: the transmission correction as first guess, then
    fixed-point steps adding the residual of the reception correction.
    """
    v = _col(vobs)
    geo = _stelab3(app, -v)
    for _ in range(iterations):
        err = app - _stelab3(geo, v)
        geo = geo + err
        if np.max(np.abs(err), initial=0.0) <= 1e-16:
            break
    return geo


def _angle(u, v):
    return np.arctan2(_norm(_cross(u, v)), _dot(u, v))


def _ray_ellipsoid(o, d, a, c):
    """Distance along (3, n) rays to the spheroid (NaN on a miss), as ``surfpt``."""
    q = a / c
    oz, dz = o[2] * q, d[2] * q
    dd = d[0] * d[0] + d[1] * d[1] + dz * dz
    od = o[0] * d[0] + o[1] * d[1] + oz * dz
    oo = o[0] * o[0] + o[1] * o[1] + oz * oz - a * a
    disc = od * od - dd * oo
    with np.errstate(invalid="ignore"):
        t = (-od - np.sqrt(disc)) / dd
    return np.where((disc >= 0.0) & (oo > 0.0) & (t > 0.0), t, np.nan)


def intercepts(et: float, rays, *, frame: str = "JUNO_JUNOCAM", abcorr: str = "LT+S",
               ifov_rad: float | None = None) -> dict[str, np.ndarray]:
    """Surface intercepts on Jupiter's ellipsoid and illumination angles of camera rays.

    Parameters
    ----------
    et : float
        Epoch of the observation (Juno's clock), TDB seconds past J2000.
    rays : array_like, shape (n, 3)
        View directions in ``frame`` (any length).
    frame : str
        The camera frame (needs the CK, SCLK and FK loaded).
    abcorr : {"NONE", "LT", "LT+S", "CN", "CN+S"}
        Aberration correction, as for ``sincpt``.
    ifov_rad : float, optional
        Pixel angular size for ``km_per_px`` (range x IFOV); default JunoCam's.

    Returns
    -------
    dict of numpy.ndarray, each shape (n,)
        :data:`BACKPLANES` (degrees, km; NaN where the ray misses Jupiter),
        ``hit`` (bool), ``trgepc`` (ET of the intercept, as ``sincpt``) and
        ``spoint`` (n, 3) body-fixed intercepts, km.
    """
    import spiceypy

    from flyplan.geometry.junocam import IFOV_RAD
    from flyplan.geometry.samples import jupiter_radii

    abcorr = abcorr.upper().replace(" ", "")
    if abcorr not in ("NONE", "LT", "LT+S", "CN", "CN+S"):
        raise ValueError(f"unsupported aberration correction {abcorr!r}")
    ifov = IFOV_RAD if ifov_rad is None else ifov_rad
    a, c = jupiter_radii()
    rays = np.atleast_2d(np.asarray(rays, float))
    rays = rays / np.linalg.norm(rays, axis=1, keepdims=True)

    obs = np.asarray(spiceypy.spkssb(JUNO, et, "J2000"))
    cam = np.asarray(spiceypy.pxform(frame, "J2000", et))
    ray_app = cam @ rays.T  # (3, n), J2000
    stellar = abcorr.endswith("+S")
    light = abcorr != "NONE"
    lt_c = spiceypy.spkezp(JUPITER, et, "J2000", abcorr.split("+")[0], JUNO)[1] if light else 0.0
    t0 = et - lt_c
    jup = np.asarray(spiceypy.spkssb(JUPITER, t0, "J2000"))
    m0 = np.asarray(spiceypy.pxform("J2000", "IAU_JUPITER", t0))
    # Body-fixed coordinates of inertial vectors turn about ``axis`` at ``rate``
    # (rad/s): the frame chain's own rotation over one second.
    axis, rate = spiceypy.raxisa(np.asarray(spiceypy.pxform("J2000", "IAU_JUPITER", t0 + 1.0))
                                 @ m0.T)
    axis = np.asarray(axis)
    omega_bf = -rate * axis  # the body's spin in its own axes

    o0 = _col(m0 @ (obs[:3] - jup[:3]))
    dj = _col(m0 @ jup[3:])
    # Rays that miss a spheroid 100 km above the 1-bar level (plus what
    # aberration can move a ray, 2e-4 rad of the range) by the centre's light
    # time miss for any light time within the disk (< 0.25 s of motion).
    margin = 100.0 + 2e-4 * float(np.linalg.norm(o0))
    near = np.isfinite(_ray_ellipsoid(o0, m0 @ ray_app, a + margin, c + margin))
    idx = np.flatnonzero(near)
    ray_app = ray_app[:, idx]
    r0n = m0 @ (_unstelab(ray_app, obs[3:]) if stellar else ray_app)

    def intercept(dt):
        theta = rate * dt
        o_bf = _turn(o0 - dj * dt, axis, theta)
        d_bf = _turn(r0n, axis, theta)
        return o_bf, d_bf, _ray_ellipsoid(o_bf, d_bf, a, c)

    dt = np.zeros(len(idx))
    o_bf, d_bf, s = intercept(dt)
    for _ in range(0 if not light else (1 if abcorr.startswith("LT") else 10)):
        # A first-pass miss near the limb takes the light time of the nearest
        # approach, as sincpt's retry does (to within the disk's depth).
        rng = np.where(np.isfinite(s), s, -_dot(o_bf, d_bf))
        new = lt_c - rng / CLIGHT_KM_S
        converged = np.max(np.abs(new - dt), initial=0.0) < 1e-12
        dt = new
        o_bf, d_bf, s = intercept(dt)
        if converged:
            break
    hitn = np.isfinite(s)
    p = o_bf + np.where(hitn, s, 0.0) * d_bf
    theta = rate * dt

    normal = p / np.array([[a * a], [a * a], [c * c]])
    normal = normal / _norm(normal)
    lat_pg = np.arctan2(normal[2], np.hypot(normal[0], normal[1]))
    lat_pc = np.arctan2(p[2], np.hypot(p[0], p[1]))
    lon_w = np.mod(-np.arctan2(p[1], p[0]), 2.0 * np.pi)

    # The apparent direction from Juno to the point (ilumin's srfvec), body-fixed.
    to_point = _turn(m0 @ ray_app, axis, theta)
    # The Sun as seen from each surface point: geometric position at the point's
    # epoch less the light time to the Sun, then the aberration of the point's
    # own motion (Jupiter's barycentric velocity plus its spin), as ilumin.
    lt_s = spiceypy.spkezp(SUN, t0, "J2000", abcorr.split("+")[0], JUPITER)[1] if light else 0.0
    sun = np.asarray(spiceypy.spkssb(SUN, t0 - lt_s, "J2000"))
    sun_rel = _turn(_col(m0 @ (sun[:3] - jup[:3])) - dj * dt, axis, theta) - p
    if stellar:
        v_point = _turn(dj * np.ones_like(dt), axis, theta) + _cross(_col(omega_bf), p)
        sun_rel = _stelab3(sun_rel, v_point)
    emission = _angle(normal, -to_point)
    incidence = _angle(normal, sun_rel)
    phase = _angle(sun_rel, -to_point)

    n_all = len(rays)

    def full(values, fill=np.nan):
        out = np.full(n_all, fill, dtype=float)
        out[idx] = np.where(hitn, values, fill)
        return out

    hit = np.zeros(n_all, bool)
    hit[idx] = hitn
    spoint = np.full((n_all, 3), np.nan)
    spoint[idx] = np.where(hitn, p, np.nan).T
    rng = full(s)
    return {
        "lat_pg_deg": full(np.degrees(lat_pg)),
        "lat_pc_deg": full(np.degrees(lat_pc)),
        "lon_w_deg": full(np.degrees(lon_w)),
        "emission_deg": full(np.degrees(emission)),
        "incidence_deg": full(np.degrees(incidence)),
        "phase_deg": full(np.degrees(phase)),
        "range_km": rng,
        "km_per_px": rng * ifov,
        "hit": hit,
        "trgepc": full(t0 + dt),
        "spoint": spoint,
    }
