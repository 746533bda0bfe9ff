"""Positions straight from the Chebyshev records of loaded SPK segments (types 2 and 3).

SPICE evaluates an SPK one epoch at a time: for the moons' Chebyshev
segments that is ~2 us per epoch, almost all of it bookkeeping around a
20-term polynomial.  Here the records covering a whole time array are read
once (``dafgda``) and evaluated with Clenshaw's recurrence in numpy, about
twenty times faster.  The segment is the one SPICE itself picks
(``spksfs``: highest priority covering the times, and no segment of higher
priority inside the span: :mod:`flyplan.geometry.spk_segments`), and every result is
checked against SPICE at a few of the epochs; when anything does not fit
(another segment type, a frame other than J2000, several segments over the
span, a mismatch) the caller's SPICE call is used instead, so the answer is
always SPICE's.

Units: km, TDB seconds past J2000.  The kernel pool is only read.
"""

from __future__ import annotations

import numpy as np

__all__ = ["positions", "CHECK_TOL_KM"]

# Agreement with SPICE's own evaluation demanded at the check epochs, km: the
# same polynomial evaluated in another order differs by ~1e-10 km.
CHECK_TOL_KM = 1e-6
_CHECKS = 5
_J2000 = 1
_BLOCK = 32768


def _segment(body: int, center: int, t0: float, t1: float):
    """(handle, begin, init, intlen, rsize, n, ncoef_sets) of the segment serving [t0, t1], or None."""
    import spiceypy

    from flyplan.geometry.spk_segments import sole_segment

    seg = sole_segment(body, t0, t1)
    if seg is None:
        return None
    h0, _, ic = seg
    target, cen, frame, kind, begin, end = ic
    if cen != center or frame != _J2000 or kind not in (2, 3):
        return None
    init, intlen, rsize, n = spiceypy.dafgda(h0, end - 3, end)
    return h0, begin, float(init), float(intlen), int(rsize), int(n), 3 if kind == 2 else 6


def _evaluate(seg, et: np.ndarray) -> np.ndarray:
    import spiceypy

    from flyplan.geometry.spk_segments import record_runs

    handle, begin, init, intlen, rsize, n, sets = seg
    r0, r1, order, t_sorted, runs = record_runs(et, init, intlen, n, _BLOCK)
    data = np.asarray(spiceypy.dafgda(handle, begin + r0 * rsize, begin + (r1 + 1) * rsize - 1))
    data = data.reshape(r1 - r0 + 1, rsize)
    ncoef = (rsize - 2) // sets
    out = np.empty((len(et), 3))
    # One record's polynomial per run: one (3, ncoef) @ (ncoef, m) product.
    for i, lo, hi in runs:
        row = data[i]
        s = (t_sorted[lo:hi] - row[0]) / row[1]
        t = np.empty((ncoef, hi - lo))
        t[0] = 1.0
        if ncoef > 1:
            t[1] = s
        s2 = 2.0 * s
        for k in range(2, ncoef):
            np.multiply(s2, t[k - 1], out=t[k])
            t[k] -= t[k - 2]
        coef = row[2:2 + 3 * ncoef].reshape(3, ncoef)
        # einsum, not BLAS: a threaded gemm this thin loses to its own start-up on a busy machine.
        block = np.einsum("ak,km->am", coef, t)
        if order is None:
            out[lo:hi] = block.T
        else:
            out[order[lo:hi]] = block.T
    return out


def positions(body: int, center: int, et, spice_fallback=None) -> np.ndarray:
    """Geometric J2000 position of ``body`` relative to ``center`` at each ET, km, shape (n, 3).

    Parameters
    ----------
    body, center : int
        NAIF ids; the fast path needs a type 2 or 3 segment of ``body``
        relative to exactly ``center`` in J2000 serving the whole span.
    et : array_like, shape (n,)
        TDB seconds past J2000.
    spice_fallback : callable, optional
        ``f(et) -> (n, 3)`` used when the fast path does not apply (default:
        ``cyice.spkezp_v(body, et, "J2000", "NONE", center)``).

    Returns
    -------
    numpy.ndarray
        Positions equal to SPICE's to ``CHECK_TOL_KM`` (checked at a few
        epochs of every call).
    """
    from spiceypy import cyice

    et = np.ascontiguousarray(et, dtype=float)

    def spice(t):
        if spice_fallback is not None:
            return spice_fallback(t)
        return cyice.spkezp_v(body, np.ascontiguousarray(t), "J2000", "NONE", center)[0]

    if len(et) < 64:
        return spice(et)
    seg = _segment(body, center, float(et.min()), float(et.max()))
    if seg is None:
        return spice(et)
    out = _evaluate(seg, et)
    pick = np.unique(np.linspace(0, len(et) - 1, _CHECKS).astype(int))
    ref = spice(et[pick])
    if not np.all(np.abs(out[pick] - ref) <= CHECK_TOL_KM):
        return spice(et)
    return out
