"""Jupiter's J2000 -> IAU_JUPITER rotation and its rate from the text PCK, vectorized over time.

``cyice.sxform_v("J2000", "IAU_JUPITER", et)`` costs ~1.6 us per epoch, a
third of the Juno row, for a rotation given by a few polynomials: the
IAU model's pole right ascension and declination and prime-meridian angle
(``BODY599_POLE_RA``, ``_POLE_DEC``, ``_PM``) plus their nutation and
precession terms (``BODY599_NUT_PREC_*`` on the angles
``BODY5_NUT_PREC_ANGLES``).  Here they are read from the kernel pool
(``gdpool``) and evaluated as SPICE's ``tisbod`` does (same formulas, same
order of the sums, the prime meridian reduced modulo 2 pi), then turned
into the 3-1-3 Euler rotation and its time derivative.

The result is checked against ``sxform_v`` at a few epochs of every call;
when the pool holds anything this does not model (constants referred to
another frame or epoch, a binary PCK, a redefined frame) or the check
fails, SPICE's own answer is returned.

Units: radians, seconds; ``et`` in TDB seconds past J2000.
"""

from __future__ import annotations

import numpy as np

__all__ = ["iau_jupiter", "CHECK_TOL"]

# Agreement with sxform_v demanded at the check epochs, per matrix element:
# the same angles composed in another order than SPICE's eul2xf differ by
# ~1e-15 (rotation) and ~1e-19 1/s (its rate, elements of size 1.8e-4 1/s).
CHECK_TOL = 1e-12
CHECK_TOL_RATE = 1e-16
_CHECKS = 5
# From this many epochs on, numpy (below, sxform_v).  The same threshold as
# the moons' reader (flyplan.geometry.chebyshev): every value depends on its
# own epoch only, so a table computed in blocks of at least this many rows
# (flyplan.domain.perijove_blocks) is the whole table's, byte for byte.
_MIN_EPOCHS = 64
_SPD = 86400.0
_CENTURY = _SPD * 36525.0


def _pool(name: str):
    import spiceypy
    from spiceypy.utils.exceptions import SpiceyError

    try:
        found = spiceypy.gdpool(name, 0, 200)
    except SpiceyError:  # not in the pool, or not numeric
        return None
    return np.asarray(found, dtype=float)


def _constants(body: int = 599, system: int = 5):
    """The pole and prime-meridian polynomials and nutation terms, or None when SPICE would do more."""
    if _pool(f"BODY{system}_CONSTANTS_REF_FRAME") is not None \
            or _pool(f"BODY{system}_CONSTANTS_JED_EPOCH") is not None:
        return None
    poly = []
    for item in ("POLE_RA", "POLE_DEC", "PM"):
        v = _pool(f"BODY{body}_{item}")
        if v is None or not 1 <= len(v) <= 3:
            return None
        poly.append(np.r_[v, np.zeros(3 - len(v))])
    angles = _pool(f"BODY{system}_NUT_PREC_ANGLES")
    angles = np.zeros((0, 2)) if angles is None else angles[: len(angles) // 2 * 2].reshape(-1, 2)
    terms = []
    for item in ("NUT_PREC_RA", "NUT_PREC_DEC", "NUT_PREC_PM"):
        v = _pool(f"BODY{body}_{item}")
        v = np.zeros(0) if v is None else v
        if len(v) > len(angles):
            return None
        terms.append(v)
    return poly, angles, terms


def _evaluate(consts, et: np.ndarray):
    (rc, dc, wc), angles, (ac, dcn, wcn) = consts
    x = et / _CENTURY
    y = et / _SPD
    ra = rc[0] + x * (rc[1] + x * rc[2])
    dec = dc[0] + x * (dc[1] + x * dc[2])
    w = wc[0] + y * (wc[1] + y * wc[2])
    dra = (rc[1] + 2.0 * x * rc[2]) / _CENTURY
    ddec = (dc[1] + 2.0 * x * dc[2]) / _CENTURY
    dw = (wc[1] + 2.0 * y * wc[2]) / _SPD
    rpd = np.pi / 180.0
    # tisbod's sums, term by term in its order (vdotg).
    n_terms = max(len(ac), len(dcn), len(wcn))
    sra, sdec, sw = np.zeros_like(et), np.zeros_like(et), np.zeros_like(et)
    sdra, sddec, sdw = np.zeros_like(et), np.zeros_like(et), np.zeros_like(et)
    for i in range(n_terms):
        # A zero coefficient adds an exact zero to SPICE's sum: skip its angle.
        if not any(i < len(v) and v[i] != 0.0 for v in (ac, dcn, wcn)):
            continue
        theta = (angles[i, 0] + x * angles[i, 1]) * rpd
        dtheta = (angles[i, 1] / _CENTURY) * rpd
        sin, cos = np.sin(theta), np.cos(theta)
        if i < len(ac):
            sra += ac[i] * sin
            sdra += ac[i] * (cos * dtheta)
        if i < len(dcn):
            sdec += dcn[i] * cos
            sddec += dcn[i] * (-sin * dtheta)
        if i < len(wcn):
            sw += wcn[i] * sin
            sdw += wcn[i] * (cos * dtheta)
    ra, dec, w = (ra + sra) * rpd, (dec + sdec) * rpd, (w + sw) * rpd
    dra, ddec, dw = (dra + sdra) * rpd, (ddec + sddec) * rpd, (dw + sdw) * rpd
    # MOD(W, TWOPI) as CSPICE's f2c runtime computes it (not an exact fmod):
    # W is ~1e5 rad by now, so the difference is ~1e-11 rad.
    twopi = 2.0 * np.pi
    q = w / twopi
    q = np.where(q >= 0.0, np.floor(q), -np.floor(-q))
    w = w - twopi * q
    phi, delta = ra + np.pi / 2.0, np.pi / 2.0 - dec
    dphi, ddelta = dra, -ddec
    return _euler_313(w, delta, phi, dw, ddelta, dphi)


def _euler_313(w, d, p, dw, dd, dp):
    """[w]_3 [d]_1 [p]_3 (SPICE's eul2m convention) and its time derivative, element by element."""
    cw, sw = np.cos(w), np.sin(w)
    sd, cd = np.sin(d), np.cos(d)
    sp, cp = np.sin(p), np.cos(p)
    zero = np.zeros_like(w)
    # M = [d]_1 [p]_3 by rows, and its derivative.
    m0 = (cp, sp, zero)
    m1 = (-cd * sp, cd * cp, sd)
    m2 = (sd * sp, -sd * cp, cd)
    dm0 = (-sp * dp, cp * dp, zero)
    dm1 = (sd * dd * sp - cd * cp * dp, -sd * dd * cp - cd * sp * dp, cd * dd)
    dm2 = (cd * dd * sp + sd * cp * dp, -cd * dd * cp + sd * sp * dp, -sd * dd)
    rot = np.empty((len(w), 3, 3))
    rate = np.empty((len(w), 3, 3))
    for j in range(3):
        r0 = cw * m0[j] + sw * m1[j]
        r1 = cw * m1[j] - sw * m0[j]
        rot[:, 0, j], rot[:, 1, j], rot[:, 2, j] = r0, r1, m2[j]
        rate[:, 0, j] = dw * r1 + cw * dm0[j] + sw * dm1[j]
        rate[:, 1, j] = -dw * r0 + cw * dm1[j] - sw * dm0[j]
        rate[:, 2, j] = dm2[j]
    return rot, rate


def iau_jupiter(et) -> tuple[np.ndarray, np.ndarray]:
    """J2000 -> IAU_JUPITER rotation and its time derivative at each ET.

    Parameters
    ----------
    et : array_like, shape (n,)
        TDB seconds past J2000.

    Returns
    -------
    rot : numpy.ndarray, shape (n, 3, 3)
        The rotation (the position block of SPICE's state transformation).
    rate : numpy.ndarray, shape (n, 3, 3)
        Its derivative, 1/s (the lower-left block), so that a J2000 state
        (r, v) is (rot r, rate r + rot v) in the rotating frame.  Both equal
        ``cyice.sxform_v("J2000", "IAU_JUPITER", et)``'s blocks to
        ``CHECK_TOL`` / ``CHECK_TOL_RATE`` (checked at a few epochs of every
        call; SPICE's answer whenever the check fails).
    """
    from spiceypy import cyice

    et = np.ascontiguousarray(et, dtype=float)

    def spice(t):
        x = cyice.sxform_v("J2000", "IAU_JUPITER", np.ascontiguousarray(t))
        return np.ascontiguousarray(x[:, :3, :3]), np.ascontiguousarray(x[:, 3:, :3])

    consts = _constants() if len(et) >= _MIN_EPOCHS and np.all(np.isfinite(et)) else None
    if consts is None:
        return spice(et)
    rot, rate = _evaluate(consts, et)
    pick = np.unique(np.linspace(0, len(et) - 1, _CHECKS).astype(int))
    ref_rot, ref_rate = spice(et[pick])
    if not (np.all(np.abs(rot[pick] - ref_rot) <= CHECK_TOL)
            and np.all(np.abs(rate[pick] - ref_rate) <= CHECK_TOL_RATE)):
        return spice(et)
    return rot, rate
