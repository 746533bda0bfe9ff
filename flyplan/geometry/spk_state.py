"""States (position and velocity) straight from loaded SPK segments, vectorized over time.

SPICE evaluates an SPK one epoch at a time.  For Juno's trajectory that is
~2.7 us per epoch (NAIF's SPKs are type 1, modified difference arrays;
flyplan's own model is type 13, Hermite interpolation): most of the Juno
row.  Here the records covering a whole time array are read once
(``dafgda``) and evaluated in numpy, as SPICE's ``spke01`` / ``spkr01``
(type 1), ``spke13`` / ``spkr09`` (type 13, the same window selection) and
the Chebyshev types 2 and 3 (with velocity) would, operation for operation
where that matters.

The segment is the one SPICE itself picks (``spksfs``: the highest priority
segment covering the first and the last epoch, the same one for both, and
no segment of higher priority inside the span: :mod:`flyplan.geometry.spk_segments`); a
segment relative to another centre is chained as SPICE chains it (body
relative to the segment's centre, less the requested centre relative to
that same centre).  Every result is checked against ``spkezr_v`` at a few
of the epochs; when anything does not fit (another segment type, a frame
other than J2000, several segments over the span, a mismatch) SPICE's own
answer is returned, so the answer is always SPICE's.

Units: km, km/s, TDB seconds past J2000.  The kernel pool is only read.
"""

from __future__ import annotations

import numpy as np

__all__ = ["states", "CHECK_TOL_KM", "CHECK_TOL_KM_S", "CHECK_TOL_KM_S_TYPE13"]

# Agreement with SPICE demanded at the check epochs.  Type 1 is evaluated in
# SPICE's own order (1.2e-10 km, 4e-15 km/s measured over PJ1 and PJ45
# +-6 h); type 13 by another formula (3.4e-8 km over PJ38 +-6 h).
CHECK_TOL_KM = 1e-6
CHECK_TOL_KM_S = 1e-9
# Type 13 velocities: SPICE's hrmint (a Neville table in raw seconds) is
# itself off the exact Hermite interpolant by up to 2e-8 km/s where the
# model's steps change from 7.6 s to 0.8 s at perijove; the Newton form here
# is within 2e-10 km/s of it there (exact rational arithmetic, tests/test_spk_state.py).
CHECK_TOL_KM_S_TYPE13 = 1e-7
_CHECKS = 5
# From this many epochs on, numpy (below, spkezr_v).  The same threshold as
# the moons' reader (flyplan.geometry.chebyshev): every value depends on its
# own epoch only, so a table computed in blocks of at least this many rows
# (flyplan.domain.perijove_blocks) is the whole table's, byte for byte.  The
# numpy path's fixed cost (~2 ms: segment look-ups, a pass per record shape)
# makes it slower than spkezr_v below ~1,100 epochs.
_MIN_EPOCHS = 64
_J2000 = 1
_TYPE1_RECORD = 71


def _segment(body: int, t0: float, t1: float):
    """(handle, ints, dc) of the one segment SPICE reads for ``body`` over [t0, t1], or None."""
    from flyplan.geometry.spk_segments import sole_segment

    seg = sole_segment(body, t0, t1)
    if seg is None:
        return None
    handle, dc, ic = seg
    if ic[2] != _J2000:
        return None
    return handle, ic, dc


def _read(handle: int, first: int, last: int) -> np.ndarray:
    import spiceypy

    return np.asarray(spiceypy.dafgda(handle, int(first), int(last)), dtype=float)


def _type1(handle: int, begin: int, end: int, et: np.ndarray) -> np.ndarray:
    """SPK type 1 (modified difference arrays) at each ET: ``spkr01`` + ``spke01`` in numpy."""
    n = int(_read(handle, end, end)[0])
    epochs = _read(handle, begin + _TYPE1_RECORD * n, begin + _TYPE1_RECORD * n + n - 1)
    # spkr01: the first record whose final epoch is >= ET.
    rec = np.minimum(np.searchsorted(epochs, et, side="left"), n - 1)
    r0, r1 = int(rec.min()), int(rec.max())
    data = _read(handle, begin + r0 * _TYPE1_RECORD,
                 begin + (r1 + 1) * _TYPE1_RECORD - 1).reshape(-1, _TYPE1_RECORD)
    rec -= r0
    out = np.empty((len(et), 6))
    kqmax1 = data[:, 67].astype(int)
    kq = data[:, 68:71].astype(int)
    if np.any(kq.max(axis=1) > kqmax1 - 1) or np.any(kqmax1 > 16):
        raise ValueError("type 1 record outside spke01's assumptions")
    sample_k = kqmax1[rec]
    # spke01's recurrences have a shape fixed by KQMAX1: one vectorized pass
    # over all samples whose record has the same KQMAX1 (a dozen values).
    data_t = np.ascontiguousarray(data.T)
    for k in np.unique(sample_k):
        for idx in _blocks(np.flatnonzero(sample_k == k)):
            out[idx] = _spke01(data_t[:, rec[idx]], et[idx], int(k))
    return out


# Samples evaluated together: the per-sample work arrays (a type 1 record
# and its tables, ~1.6 kB a sample; a type 13 window, 0.8 kB) stay a few
# tens of MB for the 1,000,000-sample requests flyplan allows.
_BLOCK = 32768


def _blocks(idx: np.ndarray):
    return (idx[i:i + _BLOCK] for i in range(0, len(idx), _BLOCK))


def _spke01(rt: np.ndarray, et: np.ndarray, kqmax1: int) -> np.ndarray:
    """``spke01`` for records ``rt`` (71, m) all with the same KQMAX1, at ``et`` (m,)."""
    m = len(et)
    # Arrays are (index, sample) so that every step below is one contiguous
    # row; 1-based indices, so they read as spke01's.
    g = rt[0:16]  # g[j] = G(j), j >= 1
    dt = np.zeros((16, 3, m))
    dt[1:] = rt[22:67].reshape(3, 15, m).transpose(1, 0, 2)
    kq = rt[68:71].astype(int)
    # Terms past each component's integration order do not enter SPICE's sum.
    dt[np.arange(16)[:, None, None] > kq[None, :, :]] = 0.0
    delta = et - rt[0]
    mq2 = kqmax1 - 2
    fc = np.empty((16, m))
    fc[1] = 1.0
    wc = np.empty((15, m))
    tp = delta
    for j in range(1, mq2 + 1):
        np.divide(tp, g[j], out=fc[j + 1])
        np.divide(delta, g[j], out=wc[j])
        tp = delta + g[j]
    w = np.zeros((18, m))
    w[1:kqmax1 + 1] = (1.0 / np.arange(1, kqmax1 + 1))[:, None]
    tmp = np.empty(m)
    ks, jx = kqmax1 - 1, 0
    while ks >= 2:
        jx += 1
        for j in range(1, jx + 1):
            np.multiply(wc[j], w[j + ks], out=tmp)
            np.multiply(fc[j + 1], w[j + ks - 1], out=w[j + ks])
            w[j + ks] -= tmp
        ks -= 1
    top = int(kq.max())
    total = np.zeros((3, m))
    for j in range(top, 0, -1):
        total += dt[j] * w[j + 1]
    out = np.empty((6, m))
    out[:3] = rt[[16, 18, 20]] + delta * (rt[[17, 19, 21]] + delta * total)
    for j in range(1, jx + 1):
        np.multiply(wc[j], w[j + 1], out=tmp)
        np.multiply(fc[j + 1], w[j], out=w[j + 1])
        w[j + 1] -= tmp
    total = np.zeros((3, m))
    for j in range(top, 0, -1):
        total += dt[j] * w[j]
    out[3:] = rt[[17, 19, 21]] + delta * total
    return out.T


def _type13(handle: int, begin: int, end: int, et: np.ndarray) -> np.ndarray:
    """SPK type 13 (Hermite, unequal steps) at each ET: ``spkr09``'s window, one Hermite polynomial."""
    wm1, n = _read(handle, end - 1, end)
    wndsiz, n = int(round(wm1)) + 1, int(round(n))
    if wndsiz < 1 or n < wndsiz:
        raise ValueError("type 13 segment outside spkr13's assumptions")
    epochs = _read(handle, begin + 6 * n, begin + 6 * n + n - 1)
    # spkr09: LOW is the last epoch < ET (the first when there is none), 1-based.
    low = np.maximum(np.searchsorted(epochs, et, side="left"), 1)
    deg = wndsiz - 1
    if wndsiz % 2:
        high = np.minimum(low + 1, n)
        near_low = np.abs(et - epochs[low - 1]) < np.abs(et - epochs[high - 1])
        near = np.where((low == 1) & (et <= epochs[0]) | near_low, low, high)
        first = np.minimum(np.maximum(near - deg // 2, 1), n - deg)
    else:
        first = np.minimum(np.maximum(low - deg // 2, 1), n - deg)
    # One Newton form of the Hermite polynomial per distinct window.
    starts, which = np.unique(first - 1, return_inverse=True)
    s0, s1 = int(starts.min()), int(starts.max()) + wndsiz
    st = _read(handle, begin + 6 * s0, begin + 6 * s1 - 1).reshape(-1, 6)
    win = (starts - s0)[:, None] + np.arange(wndsiz)[None, :]  # (windows, wndsiz)
    x = epochs[s0:s1][win]
    origin = x[:, :1]
    scale = np.maximum(x[:, -1:] - origin, 1.0)
    u = (x - origin) / scale
    z = np.repeat(u, 2, axis=1)  # doubled nodes, (windows, 2 wndsiz)
    f = st[win]  # (windows, wndsiz, 6)
    # Divided differences in place: c[:, i] ends as f[z_0 .. z_i].
    c = np.repeat(f[:, :, :3], 2, axis=1)
    deriv = f[:, :, 3:] * scale[:, :, None]
    two = 2 * wndsiz
    prev = c.copy()
    for order in range(1, two):
        num = prev[:, 1:two - order + 1] - prev[:, :two - order]
        den = (z[:, order:] - z[:, :two - order])[:, :, None]
        nxt = np.divide(num, den, out=np.zeros_like(num), where=den != 0)
        if order == 1:
            nxt[:, 0::2] = deriv
        prev = nxt
        c[:, order] = nxt[:, 0]
    out = np.empty((len(et), 6))
    for idx in _blocks(np.arange(len(et))):
        w = which[idx]
        uu = (et[idx] - origin[w, 0]) / scale[w, 0]
        zs = z[w]
        cs = c[w]
        p = cs[:, two - 1].copy()
        dp = np.zeros_like(p)
        for k in range(two - 2, -1, -1):
            d = (uu - zs[:, k])[:, None]
            dp = dp * d + p
            p = p * d + cs[:, k]
        out[idx, :3] = p
        out[idx, 3:] = dp / scale[w]
    return out


def _chebyshev(handle: int, begin: int, end: int, kind: int, et: np.ndarray) -> np.ndarray:
    """SPK types 2 and 3 (Chebyshev) position and velocity at each ET."""
    from flyplan.geometry.spk_segments import record_runs

    init, intlen, rsize, n = _read(handle, end - 3, end)
    rsize, n = int(rsize), int(n)
    r0, r1, order, t_sorted, runs = record_runs(et, init, intlen, n, _BLOCK)
    data = _read(handle, begin + r0 * rsize, begin + (r1 + 1) * rsize - 1).reshape(-1, rsize)
    sets = 3 if kind == 2 else 6
    ncoef = (rsize - 2) // sets
    out = np.empty((len(et), 6))
    for i, lo, hi in runs:
        row = data[i]
        s = (t_sorted[lo:hi] - row[0]) / row[1]
        t = np.empty((ncoef, hi - lo))
        dt = np.empty((ncoef, hi - lo))
        t[0], dt[0] = 1.0, 0.0
        if ncoef > 1:
            t[1], dt[1] = s, 1.0
        s2 = 2.0 * s
        for k in range(2, ncoef):
            t[k] = s2 * t[k - 1] - t[k - 2]
            dt[k] = 2.0 * t[k - 1] + s2 * dt[k - 1] - dt[k - 2]
        coef = row[2:2 + 3 * ncoef].reshape(3, ncoef)
        block = np.empty((6, hi - lo))
        # einsum, not BLAS: a threaded gemm this thin loses to its own start-up on a busy machine.
        block[:3] = np.einsum("ak,km->am", coef, t)
        if kind == 2:
            block[3:] = np.einsum("ak,km->am", coef, dt) / row[1]
        else:
            block[3:] = np.einsum("ak,km->am", row[2 + 3 * ncoef:2 + 6 * ncoef].reshape(3, ncoef), t)
        if order is None:
            out[lo:hi] = block.T
        else:
            out[order[lo:hi]] = block.T
    return out


def _relative(body: int, et: np.ndarray, t0: float, t1: float):
    """(state of ``body`` relative to its segment's centre, that centre, velocity tolerance), or None."""
    seg = _segment(body, t0, t1)
    if seg is None:
        return None
    handle, (_, center, _, kind, begin, end), _ = seg
    if kind == 1:
        return _type1(handle, begin, end, et), center, CHECK_TOL_KM_S
    if kind == 13:
        return _type13(handle, begin, end, et), center, CHECK_TOL_KM_S_TYPE13
    if kind in (2, 3):
        return _chebyshev(handle, begin, end, kind, et), center, CHECK_TOL_KM_S
    return None


def _fast(body: int, center: int, et: np.ndarray):
    """(state, velocity tolerance) from the segments, or None when SPICE must answer."""
    t0, t1 = float(et.min()), float(et.max())
    got = _relative(body, et, t0, t1)
    if got is None:
        return None
    state, via, tol = got
    if via == center:
        return state, tol
    # SPICE's chain, one level: both bodies relative to the segment's centre.
    other = _relative(center, et, t0, t1)
    if other is None or other[1] != via:
        return None
    return state - other[0], max(tol, other[2])


def states(body: int, center: int, et) -> np.ndarray:
    """Geometric J2000 state of ``body`` relative to ``center`` at each ET, shape (n, 6).

    Parameters
    ----------
    body, center : int
        NAIF ids.  The fast path needs one SPK segment of type 1, 2, 3 or 13
        in J2000 serving the whole span for ``body``, relative to ``center``
        or to a body that ``center`` has such a segment relative to (Juno
        relative to Jupiter's barycentre, Jupiter relative to it).
    et : array_like, shape (n,)
        TDB seconds past J2000.

    Returns
    -------
    numpy.ndarray
        Position (km) and velocity (km/s), equal to
        ``cyice.spkezr_v(body, et, "J2000", "NONE", center)`` to
        ``CHECK_TOL_KM`` / ``CHECK_TOL_KM_S`` (``CHECK_TOL_KM_S_TYPE13``
        for a type 13 segment), checked at a few epochs of every call;
        SPICE's answer whenever the check fails.
    """
    from spiceypy import cyice

    et = np.ascontiguousarray(et, dtype=float)

    def spice(t):
        return cyice.spkezr_v(str(body), np.ascontiguousarray(t), "J2000", "NONE",
                              str(center))[0]

    if len(et) < _MIN_EPOCHS or not np.all(np.isfinite(et)):
        return spice(et)
    from spiceypy.utils.exceptions import SpiceyError

    try:
        with np.errstate(all="ignore"):  # a bad record shows in the check below
            out = _fast(body, center, et)
    except (ValueError, IndexError, FloatingPointError, SpiceyError):
        out = None
    if out is None:
        return spice(et)
    out, vel_tol = out
    pick = np.unique(np.linspace(0, len(et) - 1, _CHECKS).astype(int))
    ref = spice(et[pick])
    err = np.abs(out[pick] - ref)
    if not (np.all(err[:, :3] <= CHECK_TOL_KM) and np.all(err[:, 3:] <= vel_tol)):
        return spice(et)
    return out
