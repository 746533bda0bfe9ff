"""Compiled core of the Galilean-moon integrator (numba).

Imported only by :mod:`flyplan.ephemeris.galilean` when a trajectory is first
computed, so that importing flyplan neither imports numba nor compiles
anything.  Functions compile on their first call and are cached on disk by
numba (next to this file, or in the user's cache directory when the package
is read-only; ``NUMBA_CACHE_DIR`` overrides), so later processes load the
machine code instead of compiling it again (4.5 s).

State vector ``y`` (24,): for each moon i = 0..3 (Io, Europa, Ganymede,
Callisto) the position (km) and velocity (km/s) relative to Jupiter's centre,
J2000 axes, at ``y[6*i:6*i+6]``.  Time is TDB seconds past J2000.

Model parameters are passed as arrays (see :func:`flyplan.ephemeris.galilean`
for how they are filled):

``gm`` (5,)
    GM of Jupiter, Io, Europa, Ganymede, Callisto (km^3/s^2).
``zonal`` (nz,)
    ``zonal[n]`` is J_n of Jupiter (J0 and J1 unused, zero).
``pole`` (4 + 4*k,)
    Right ascension and declination of Jupiter's pole, radians:
    ``ra = pole[0] + pole[1]*T + sum pole[4+4j]*sin(pole[6+4j] + pole[7+4j]*T)``,
    ``dec = pole[2] + pole[3]*T + sum pole[5+4j]*cos(pole[6+4j] + pole[7+4j]*T)``,
    T in Julian centuries of TDB past J2000 (the IAU form).
``pgm`` (np,)
    GM of the external perturbers (Sun, planets' barycentres).
``cheb``, ``cinfo``
    Chebyshev tables (SPK type 2, relative to the solar-system barycentre) of
    each perturber followed by Jupiter's barycentre: ``cheb[k]`` has shape
    (3, nint, ncoef), ``cinfo[k] = (init, intlen, nint, ncoef)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

SEC_PER_CENTURY = 36525.0 * 86400.0

# DOP853 (Hairer, Norsett & Wanner), its 8th-order solution only, used with a
# fixed step; coefficients as published with scipy.integrate (BSD licence).
_C = np.array([
    0.0,
    0.526001519587677318785587544488e-01,
    0.789002279381515978178381316732e-01,
    0.118350341907227396726757197510,
    0.281649658092772603273242802490,
    0.333333333333333333333333333333,
    0.25,
    0.307692307692307692307692307692,
    0.651282051282051282051282051282,
    0.6,
    0.857142857142857142857142857142,
    1.0,
])
_A = np.zeros((12, 12))
_A[1, 0] = 5.26001519587677318785587544488e-2
_A[2, :2] = [1.97250569845378994544595329183e-2, 5.91751709536136983633785987549e-2]
_A[3, [0, 2]] = [2.95875854768068491816892993775e-2, 8.87627564304205475450678981324e-2]
_A[4, [0, 2, 3]] = [2.41365134159266685502369798665e-1, -8.84549479328286085344864962717e-1,
                    9.24834003261792003115737966543e-1]
_A[5, [0, 3, 4]] = [3.7037037037037037037037037037e-2, 1.70828608729473871279604482173e-1,
                    1.25467687566822425016691814123e-1]
_A[6, [0, 3, 4, 5]] = [3.7109375e-2, 1.70252211019544039314978060272e-1,
                       6.02165389804559606850219397283e-2, -1.7578125e-2]
_A[7, [0, 3, 4, 5, 6]] = [3.70920001185047927108779319836e-2, 1.70383925712239993810214054705e-1,
                          1.07262030446373284651809199168e-1, -1.53194377486244017527936158236e-2,
                          8.27378916381402288758473766002e-3]
_A[8, [0, 3, 4, 5, 6, 7]] = [6.24110958716075717114429577812e-1, -3.36089262944694129406857109825,
                             -8.68219346841726006818189891453e-1, 2.75920996994467083049415600797e1,
                             2.01540675504778934086186788979e1, -4.34898841810699588477366255144e1]
_A[9, [0, 3, 4, 5, 6, 7, 8]] = [4.77662536438264365890433908527e-1, -2.48811461997166764192642586468,
                                -5.90290826836842996371446475743e-1, 2.12300514481811942347288949897e1,
                                1.52792336328824235832596922938e1, -3.32882109689848629194453265587e1,
                                -2.03312017085086261358222928593e-2]
_A[10, [0, 3, 4, 5, 6, 7, 8, 9]] = [-9.3714243008598732571704021658e-1, 5.18637242884406370830023853209,
                                    1.09143734899672957818500254654, -8.14978701074692612513997267357,
                                    -1.85200656599969598641566180701e1, 2.27394870993505042818970056734e1,
                                    2.49360555267965238987089396762, -3.0467644718982195003823669022]
_A[11, [0, 3, 4, 5, 6, 7, 8, 9, 10]] = [2.27331014751653820792359768449, -1.05344954667372501984066689879e1,
                                        -2.00087205822486249909675718444, -1.79589318631187989172765950534e1,
                                        2.79488845294199600508499808837e1, -2.85899827713502369474065508674,
                                        -8.87285693353062954433549289258, 1.23605671757943030647266201528e1,
                                        6.43392746015763530355970484046e-1]
_B = np.zeros(12)
_B[[0, 5, 6, 7, 8, 9, 10, 11]] = [5.42937341165687622380535766363e-2, 4.45031289275240888144113950566,
                                  1.89151789931450038304281599044, -5.8012039600105847814672114227,
                                  3.1116436695781989440891606237e-1, -1.52160949662516078556178806805e-1,
                                  2.01365400804030348374776537501e-1, 4.47106157277725905176885569043e-2]


@njit(cache=True, error_model="numpy")
def _cheb_position(cheb, cinfo, k, t):
    """Position of table ``k`` at ``t`` (km); Clenshaw's recurrence.

    Outside the table the first or last interval is extended: used only for
    the tidal pull of distant bodies, a day or two past the end of the
    planetary ephemeris (the 2053 jup310 excerpt) costs nothing measurable.
    """
    init = cinfo[k, 0]
    intlen = cinfo[k, 1]
    nint = int(cinfo[k, 2])
    ncoef = int(cinfo[k, 3])
    idx = int(np.floor((t - init) / intlen))
    if idx < 0:
        idx = 0
    elif idx > nint - 1:
        idx = nint - 1
    s = 2.0 * (t - init - idx * intlen) / intlen - 1.0
    s2 = 2.0 * s
    bx1 = by1 = bz1 = 0.0
    bx2 = by2 = bz2 = 0.0
    for j in range(ncoef - 1, 0, -1):
        bx0 = s2 * bx1 - bx2 + cheb[k, 0, idx, j]
        by0 = s2 * by1 - by2 + cheb[k, 1, idx, j]
        bz0 = s2 * bz1 - bz2 + cheb[k, 2, idx, j]
        bx2 = bx1
        by2 = by1
        bz2 = bz1
        bx1 = bx0
        by1 = by0
        bz1 = bz0
    return (s * bx1 - bx2 + cheb[k, 0, idx, 0],
            s * by1 - by2 + cheb[k, 1, idx, 0],
            s * bz1 - bz2 + cheb[k, 2, idx, 0])


@njit(cache=True, error_model="numpy")
def _pole_vector(t, pole):
    """Unit vector of Jupiter's north pole in J2000 at TDB ``t``."""
    T = t / SEC_PER_CENTURY
    ra = pole[0] + pole[1] * T
    dec = pole[2] + pole[3] * T
    for j in range((pole.shape[0] - 4) // 4):
        ang = pole[6 + 4 * j] + pole[7 + 4 * j] * T
        ra += pole[4 + 4 * j] * np.sin(ang)
        dec += pole[5 + 4 * j] * np.cos(ang)
    cd = np.cos(dec)
    return cd * np.cos(ra), cd * np.sin(ra), np.sin(dec)


@njit(cache=True, error_model="numpy")
def _jupiter_field(x, y, z, p, radius, zonal, f):
    """Jupiter's gravity per unit GM at (x, y, z) from its centre (1/km^2).

    Point mass plus the zonal harmonics about the pole ``p``:
    a_n = J_n (R/r)^n / r^2 [((n+1) P_n(u) + u P_n'(u)) r_hat - P_n'(u) p],
    u = r_hat . p, the gradient of -J_n R^n P_n(u) / r^(n+1).
    """
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    inv_r = 1.0 / r
    xh = x * inv_r
    yh = y * inv_r
    zh = z * inv_r
    u = xh * p[0] + yh * p[1] + zh * p[2]
    radial = -1.0
    polar = 0.0
    # Legendre P_n(u) and P_n'(u) by their recurrences
    pnm1 = 1.0
    pn = u
    dpnm1 = 0.0
    dpn = 1.0
    q = radius * inv_r
    qn = q
    for n in range(2, zonal.shape[0]):
        pnew = ((2 * n - 1) * u * pn - (n - 1) * pnm1) / n
        dpnew = n * pn + u * dpn
        pnm1 = pn
        pn = pnew
        dpnm1 = dpn
        dpn = dpnew
        qn *= q
        jn = zonal[n]
        if jn != 0.0:
            radial += jn * qn * ((n + 1) * pn + u * dpn)
            polar -= jn * qn * dpn
    s = inv_r * inv_r
    f[0] = s * (radial * xh + polar * p[0])
    f[1] = s * (radial * yh + polar * p[1])
    f[2] = s * (radial * zh + polar * p[2])


@njit(cache=True, error_model="numpy")
def derivatives(t, y, gm, zonal, radius, pole, pgm, cheb, cinfo, f, sp, dy):
    """Time derivative of the state ``y`` at TDB ``t`` into ``dy``.

    Jovicentric equations of motion: Jupiter's field (point mass and zonal
    harmonics) on each moon, the moons' mutual attraction, Jupiter's reaction
    to each moon through the same field (the indirect terms, which is how
    Jupiter's oblateness couples back), and the tidal pull of the external
    bodies.  No relativistic term: without one the model reproduces jup310
    to metres over the fitted windows.
    """
    p = _pole_vector(t, pole)
    for i in range(4):
        _jupiter_field(y[6 * i], y[6 * i + 1], y[6 * i + 2], p, radius, zonal, f[i])
    # external bodies relative to Jupiter's barycentre (the distance between
    # the barycentre and Jupiter's centre, ~200 km, changes no tide measurably)
    npert = pgm.shape[0]
    for k in range(npert + 1):
        sp[k, 0], sp[k, 1], sp[k, 2] = _cheb_position(cheb, cinfo, k, t)
    for k in range(npert):
        for c in range(3):
            sp[k, c] -= sp[npert, c]
    for i in range(4):
        xi = y[6 * i]
        yi = y[6 * i + 1]
        zi = y[6 * i + 2]
        g = gm[0] + gm[i + 1]
        ax = g * f[i, 0]
        ay = g * f[i, 1]
        az = g * f[i, 2]
        for j in range(4):
            if j == i:
                continue
            dx = y[6 * j] - xi
            dyy = y[6 * j + 1] - yi
            dz = y[6 * j + 2] - zi
            d2 = dx * dx + dyy * dyy + dz * dz
            w = 1.0 / (d2 * np.sqrt(d2))
            gj = gm[j + 1]
            ax += gj * (dx * w + f[j, 0])
            ay += gj * (dyy * w + f[j, 1])
            az += gj * (dz * w + f[j, 2])
        for k in range(npert):
            sx = sp[k, 0]
            sy = sp[k, 1]
            sz = sp[k, 2]
            dx = sx - xi
            dyy = sy - yi
            dz = sz - zi
            d2 = dx * dx + dyy * dyy + dz * dz
            w = 1.0 / (d2 * np.sqrt(d2))
            s2 = sx * sx + sy * sy + sz * sz
            ws = 1.0 / (s2 * np.sqrt(s2))
            ax += pgm[k] * (dx * w - sx * ws)
            ay += pgm[k] * (dyy * w - sy * ws)
            az += pgm[k] * (dz * w - sz * ws)
        dy[6 * i] = y[6 * i + 3]
        dy[6 * i + 1] = y[6 * i + 4]
        dy[6 * i + 2] = y[6 * i + 5]
        dy[6 * i + 3] = ax
        dy[6 * i + 4] = ay
        dy[6 * i + 5] = az


@njit(cache=True, error_model="numpy")
def _rk8_increment(t, y, h, gm, zonal, radius, pole, pgm, cheb, cinfo, k, tmp, f, sp, incr):
    """The change of ``y`` over one DOP853 8th-order step of length ``h``, into ``incr``."""
    n = y.shape[0]
    # one call site of derivatives(): numba inlines it, so two would double
    # the compile time
    for s in range(12):
        for m in range(n):
            tmp[m] = y[m]
        for j in range(s):
            a = _A[s, j]
            if a != 0.0:
                ah = a * h
                for m in range(n):
                    tmp[m] += ah * k[j, m]
        derivatives(t + _C[s] * h, tmp, gm, zonal, radius, pole, pgm, cheb, cinfo, f, sp, k[s])
    for m in range(n):
        incr[m] = 0.0
    for j in range(12):
        b = _B[j]
        if b != 0.0:
            bh = b * h
            for m in range(n):
                incr[m] += bh * k[j, m]


# nogil: the integrations forward and backward from the epoch run in two threads.
@njit(cache=True, nogil=True, error_model="numpy")
def propagate_from(t0, y0, comp0, istep0, h, tq, gm, zonal, radius, pole, pgm, cheb, cinfo):
    """:func:`propagate` resumed at the grid point ``t0 + istep0*h``.

    ``y0`` and ``comp0`` are the state and its Kahan compensation there, as
    this function returns them: resuming from them continues the very
    integration that reached them, bit for bit, so a stored checkpoint spares
    integrating from ``t0`` again.  ``tq`` must not be before the grid point.

    Returns
    -------
    out : numpy.ndarray, shape (len(tq), 24)
        States at ``tq``.
    y, comp : numpy.ndarray, shape (24,)
        State and compensation at the last grid point reached.
    istep : int
        Its index: the grid point is ``t0 + istep*h``.
    """
    n = y0.shape[0]
    nq = tq.shape[0]
    out = np.empty((nq, n))
    k = np.empty((12, n))
    tmp = np.empty(n)
    f = np.empty((4, 3))
    sp = np.empty((pgm.shape[0] + 1, 3))
    y = y0.copy()
    incr = np.empty(n)
    # Kahan-compensated accumulation of the steps: plain sums lose ~1e-16 of
    # the state per step, which after 10^5-10^6 steps is millimetres of
    # random along-track drift, enough to spoil the fit's partial derivatives
    comp = comp0.copy()
    istep = istep0
    # grid times from the step count, so that no rounding accumulates
    t = t0 + istep * h
    iq = 0
    while iq < nq:
        dt = tq[iq] - t
        if dt * h < 0.0:
            raise ValueError("query times must be monotonic in the direction of h")
        if dt == 0.0:
            for m in range(n):
                out[iq, m] = y[m] - comp[m]
            iq += 1
            continue
        # a full step along the grid, or a shorter one to a time before the
        # next grid point (one call site: numba inlines the step)
        partial = abs(dt) < abs(h)
        _rk8_increment(t, y, dt if partial else h, gm, zonal, radius, pole, pgm, cheb, cinfo, k, tmp, f,
                       sp, incr)
        if partial:
            for m in range(n):
                out[iq, m] = y[m] + (incr[m] - comp[m])
            iq += 1
        else:
            for m in range(n):
                add = incr[m] - comp[m]
                total = y[m] + add
                comp[m] = (total - y[m]) - add
                y[m] = total
            istep += 1
            t = t0 + istep * h
    return out, y, comp, istep


@njit(cache=True, nogil=True, error_model="numpy")
def propagate(t0, y0, h, tq, gm, zonal, radius, pole, pgm, cheb, cinfo):
    """States at the times ``tq`` from the state ``y0`` at ``t0``.

    Fixed steps of ``h`` seconds from ``t0`` (grid ``t0 + i*h``); the sign of
    ``h`` is the direction, and ``tq`` must be monotonic in that direction and
    not before ``t0``.  A time between two grid points is reached by one
    shorter step from the grid point before it, so every output lies on the
    very same trajectory, wherever it is asked for.  The integration from
    ``t0`` with nothing to compensate: :func:`propagate_from` at step 0.

    Returns
    -------
    numpy.ndarray, shape (len(tq), 24)
    """
    return propagate_from(t0, y0, np.zeros(y0.shape[0]), 0, h, tq, gm, zonal, radius, pole, pgm,
                          cheb, cinfo)[0]


@njit(cache=True, parallel=True, error_model="numpy")
def propagate_many(t0, y0s, h, tq, gm, zonal, radius, poles, pgm, cheb, cinfo):
    """:func:`propagate` for several initial states and poles, in parallel.

    ``y0s`` (m, 24) and ``poles`` (m, npole); returns (m, len(tq), 24).
    Used for the finite-difference partial derivatives of the fit.
    """
    m = y0s.shape[0]
    out = np.empty((m, tq.shape[0], y0s.shape[1]))
    for i in prange(m):
        out[i] = propagate(t0, y0s[i], h, tq, gm, zonal, radius, poles[i], pgm, cheb, cinfo)
    return out
