"""Compiled right-hand side of the Juno model's equations of motion (numba).

Imported only by :mod:`flyplan.ephemeris.juno_model` when a trajectory is
first propagated, so that importing flyplan neither imports numba nor
compiles anything.  Compiled on first call and cached on disk by numba (as
:mod:`flyplan.ephemeris._galilean_core` is), so later processes load the
machine code.

Juno's state ``y`` (6,): position (km) and velocity (km/s) relative to
Jupiter's centre, J2000 axes; time TDB seconds past J2000.  Parameters:

``gm_j``
    GM of Jupiter alone (the moons are separate bodies), km^3/s^2.
``zonal`` (7,)
    ``zonal[n]`` = J_n (unnormalised), 0 for the terms left out.
``r_ref``
    Reference radius of ``zonal``, km.
``pole`` (3,)
    Jupiter's pole, unit vector J2000 (held fixed over one propagation).
``sun`` (4, 3), ``sun_t0``, ``sun_h``
    Cubic in ``u = (t - sun_t0) / sun_h`` for the Sun's position relative to
    Jupiter (km); ``gm_sun``.
``moon_gm`` (4,), ``moon_r`` (4,)
    GM (km^3/s^2) and radius (km) of Io, Europa, Ganymede, Callisto.
``grid_t0``, ``grid_h``, ``grid`` (n, 4, 6)
    The moons' states relative to Jupiter's centre on a uniform time grid
    (km, km/s); positions between nodes by cubic Hermite interpolation.
``burn`` (7,)
    ``et0, et1, acc0, acc1, dir_x, dir_y, dir_z`` of a finite burn
    (:class:`flyplan.ephemeris.juno_model.Burn`); ``et1 < et0`` for none.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy")
def _zonal(x, y, z, p, gm_j, zonal, r_ref, out):
    # Gradient of -GM/r * (1 - sum J_n (R/r)^n P_n(u)), u = r_hat . pole, in
    # vector form (no body-fixed frame needed):
    # a_n = GM J_n R^n / r^(n+2) [((n+1) P_n + u P_n') r_hat - P_n' pole].
    r = np.sqrt(x * x + y * y + z * z)
    inv = 1.0 / r
    xh, yh, zh = x * inv, y * inv, z * inv
    u = xh * p[0] + yh * p[1] + zh * p[2]
    radial = -1.0
    polar = 0.0
    pm1, pn, dpn = 1.0, u, 1.0
    q = r_ref * inv
    qn = q
    for n in range(2, zonal.shape[0]):
        pnew = ((2 * n - 1) * u * pn - (n - 1) * pm1) / n
        dpn = n * pn + u * dpn
        pm1, pn = pn, pnew
        qn *= q
        jn = zonal[n]
        if jn != 0.0:
            radial += jn * qn * ((n + 1) * pn + u * dpn)
            polar -= jn * qn * dpn
    s = gm_j * inv * inv
    out[0] = s * (radial * xh + polar * p[0])
    out[1] = s * (radial * yh + polar * p[1])
    out[2] = s * (radial * zh + polar * p[2])


@njit(cache=True, error_model="numpy")
def rhs(t, y, gm_j, zonal, r_ref, pole, sun, sun_t0, sun_h, gm_sun, moon_gm, moon_r,
        grid_t0, grid_h, grid, burn):
    """d(state)/dt of Juno at TDB ``t`` (see the module docstring for the arguments)."""
    dy = np.empty(6)
    dy[0], dy[1], dy[2] = y[3], y[4], y[5]
    acc = np.empty(3)
    _zonal(y[0], y[1], y[2], pole, gm_j, zonal, r_ref, acc)
    # The Sun's tide (direct pull less its pull on Jupiter).
    u = (t - sun_t0) / sun_h
    s = np.empty(3)
    for k in range(3):
        s[k] = sun[0, k] + u * (sun[1, k] + u * (sun[2, k] + u * sun[3, k]))
    dx, dyy, dz = s[0] - y[0], s[1] - y[1], s[2] - y[2]
    d3 = (dx * dx + dyy * dyy + dz * dz) ** 1.5
    s3 = (s[0] * s[0] + s[1] * s[1] + s[2] * s[2]) ** 1.5
    acc[0] += gm_sun * (dx / d3 - s[0] / s3)
    acc[1] += gm_sun * (dyy / d3 - s[1] / s3)
    acc[2] += gm_sun * (dz / d3 - s[2] / s3)
    # The moons as point masses where they are: direct pull, less the pull on
    # Jupiter's centre (the frame is Jupiter-centred, not inertial).
    n = grid.shape[0]
    x = (t - grid_t0) / grid_h
    i = int(np.floor(x))
    if i < 0:
        i = 0
    elif i > n - 2:
        i = n - 2
    f = x - i
    h00 = (1.0 + 2.0 * f) * (1.0 - f) * (1.0 - f)
    h10 = f * (1.0 - f) * (1.0 - f) * grid_h
    h01 = f * f * (3.0 - 2.0 * f)
    h11 = f * f * (f - 1.0) * grid_h
    for m in range(4):
        rm = np.empty(3)
        for k in range(3):
            rm[k] = (h00 * grid[i, m, k] + h10 * grid[i, m, 3 + k]
                     + h01 * grid[i + 1, m, k] + h11 * grid[i + 1, m, 3 + k])
        ex, ey, ez = y[0] - rm[0], y[1] - rm[1], y[2] - rm[2]
        dn = np.sqrt(ex * ex + ey * ey + ez * ez)
        # Inside the moon (a trajectory the model cannot resolve) the field
        # of a uniform sphere keeps the integration finite.
        if dn < moon_r[m]:
            dn = moon_r[m]
        e3 = dn * dn * dn
        m3 = (rm[0] * rm[0] + rm[1] * rm[1] + rm[2] * rm[2]) ** 1.5
        g = moon_gm[m]
        acc[0] -= g * (ex / e3 + rm[0] / m3)
        acc[1] -= g * (ey / e3 + rm[1] / m3)
        acc[2] -= g * (ez / e3 + rm[2] / m3)
    if burn[0] <= t <= burn[1]:
        fr = (t - burn[0]) / (burn[1] - burn[0])
        a = burn[2] / (1.0 - (1.0 - burn[2] / burn[3]) * fr)
        acc[0] += a * burn[4]
        acc[1] += a * burn[5]
        acc[2] += a * burn[6]
    dy[3], dy[4], dy[5] = acc[0], acc[1], acc[2]
    return dy
