"""flyplan's built-in Juno trajectory: a perijove table and a numerical propagator.

Real Juno trajectory kernels cover only a few perijoves.  For every other one
(PJ0-PJ110) flyplan ships a table of perijove states,
``flyplan/data/juno_perijoves.csv`` (built by ``scripts/build_juno_table.py``
from the real kernels, NAIF's ORBNUM file and the published perijove times),
and propagates the tabulated state over the orbit with Jupiter's zonal
gravity, the Galilean moons as point masses and the Sun's tide.  The result is written
as an SPK type 13 (Juno, -61, relative to Jupiter's centre, 599, frame J2000)
into ``built_dir()``, so the geometry engine reads it through SPICE like any
NAIF kernel.  It is an approximation and is labelled so everywhere
(:func:`describe`).

The perijove state
------------------
A row gives Juno's state at perijove (closest approach to Jupiter's centre,
where the radial velocity is zero) as

- ``et``: perijove time, TDB seconds past J2000 (the runtime model needs no
  leapseconds kernel); ``utc`` is the same instant as published;
- ``r_p_km``: distance from Jupiter's centre, km;
- ``inc_deg``, ``node_deg``, ``argp_deg``: the orbit plane and the perijove
  direction in the Jupiter equatorial frame JEQ defined below, degrees.  They
  are geometric: the plane is the one of the position and velocity at
  perijove, and ``argp`` is the angle from the ascending node to the perijove
  position, measured in the direction of motion;
- ``v_p_kms``: speed at perijove relative to Jupiter's centre, km/s.

Since the velocity at perijove is perpendicular to the position, these six
numbers fix the state exactly (:func:`row_state`).

The JEQ frame: z along Jupiter's north pole of the IAU rotation model at the
J2000 epoch (RA 268.056595 deg, Dec 64.495303 deg; the constant terms of
``BODY599_POLE_RA/DEC`` in NAIF's pck00010.tpc and pck00011.tpc, which agree),
x along the ascending node of Jupiter's equator on the ICRF (J2000) equator,
i.e. along ICRF-z x pole, and y = z x x.  It is inertial: System III longitude
comes from the perijove time and the PCK's rotation model when the geometry
engine reads the SPK through the IAU_JUPITER frame.

Dynamics
--------
- Jupiter: GM (of the planet alone, BODY599_GM) and zonal harmonics J2, J4,
  J6 about the IAU pole of date;
- the Galilean moons as point masses at their positions in flyplan's built-in
  moon ephemeris (:mod:`flyplan.ephemeris.galilean`), with the indirect term
  (the frame is Jupiter-centred: each moon's pull on Jupiter is subtracted).
  Against the real kernels this matches the kernels' accelerations to
  ~2e-11 km/s^2 away from perijove, where the moons as rings in Jupiter's
  equator (the earlier model, ``moons="rings"``) are off by ~3e-8 km/s^2,
  and a kernel state propagated from after its last trim manoeuvre reaches
  the next perijove within 8 s (rings: up to 15 min) -- docs/juno_model.md;
- the Sun's tide, with Jupiter's heliocentric orbit from Standish's
  approximate Keplerian elements;
- for PJ0 only, the Jupiter orbit insertion burn as a finite burn (fixed
  inertial direction, linear acceleration profile) fitted to the reconstructed
  kernel.  Other trajectory correction maneuvers (a few m/s each) are not
  modelled: a row that, propagated, misses the next perijove because of one
  says so in its note (``does not join PJn ...``) and in :func:`describe`.

The right-hand side is compiled (:mod:`flyplan.ephemeris._juno_core`, numba,
cached on disk); the moons' states come on a 1800-s grid, interpolated by
cubic Hermite polynomials.

Nothing runs at import time: no file is read and no directory is created
until a function is called.
"""

from __future__ import annotations

import csv
import hashlib
import math
import time
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

import numpy as np

from flyplan.constants import JUPITER_POLE_DEC_DEG, JUPITER_POLE_RA_DEG
from flyplan.errors import KernelError, PerijoveError
from flyplan.paths import built_dir

__all__ = [
    "ACCURACY_NOTE",
    "GENERATOR_VERSION",
    "PerijoveRow",
    "perijove_row",
    "perijove_rows",
    "row_state",
    "state_elements",
    "propagate",
    "trajectory",
    "model_window",
    "model_spk",
    "describe",
]

#: Bump when the dynamics or the SPK layout change: it is part of the SPK's name.
GENERATOR_VERSION = "4"

ACCURACY_NOTE = ("approximate (flyplan Juno model: a perijove table propagated with "
                 "Jupiter's zonal gravity; see the row's method and uncertainty)")

TABLE = "juno_perijoves.csv"
#: How a row's note starts the flag of a row that, propagated, misses the next perijove.
JOIN_NOTE = "does not join"

# --- constants (each with its source) --------------------------------------

#: GM of Jupiter (NAIF 599), km^3/s^2: NAIF gm_de431.tpc, BODY599_GM.
GM_JUPITER = 1.266865349218008e8
#: GM of the Sun, km^3/s^2: NAIF gm_de431.tpc, BODY10_GM.
GM_SUN = 1.3271244004193938e11
#: Zonal harmonics of Jupiter's gravity, normalised to R_REF (unnormalised
#: J_n): Juno gravity science, Iess et al. (2018), Nature 555, 220.
ZONAL_J = {2: 14696.5e-6, 4: -586.6e-6, 6: 34.2e-6}
#: Reference radius of ZONAL_J, km (Iess et al. 2018; equals the PCK's 1-bar a).
R_REF_KM = 71492.0
#: Galilean moons as rings: (GM km^3/s^2 from NAIF gm_de431.tpc BODY501..504_GM,
#: mean orbital radius km from JPL SSD "Planetary Satellite Mean Elements").
MOON_RINGS = (
    (5.959916033410404e3, 421800.0),   # Io
    (3.202738774922892e3, 671100.0),   # Europa
    (9.887834453334144e3, 1070400.0),  # Ganymede
    (7.179289361397270e3, 1882700.0),  # Callisto
)
#: Jupiter's north pole, IAU 2009/2015 (NAIF pck00010.tpc = pck00011.tpc,
#: BODY599_POLE_RA/DEC): RA0, dRA/dT, DEC0, dDEC/dT in degrees and degrees per
#: Julian century TDB past J2000.  The nutation-precession terms (< 0.003 deg)
#: are left out of the dynamics.
POLE_RA = JUPITER_POLE_RA_DEG
POLE_DEC = JUPITER_POLE_DEC_DEG
#: Jupiter's heliocentric orbit: E. M. Standish, "Keplerian Elements for
#: Approximate Positions of the Major Planets" (JPL SSD), Table 1 (1800-2050 AD),
#: J2000 ecliptic and equinox: a (au), e, I, L, long. perihelion, long. node
#: (deg) and their rates per Julian century.  Good to ~0.1 deg, ample for a tide.
_JUPITER_ELEMENTS = ((5.20288700, -0.00011607), (0.04838624, -0.00013253),
                     (1.30439695, -0.00183714), (34.39644051, 3034.74612775),
                     (14.72847983, 0.21252668), (100.47390909, 0.20469106))
_AU_KM = 149597870.7          # IAU 2012 Resolution B2
_OBLIQUITY_J2000 = 23.43928   # deg, IAU 1976/Standish's rotation to the equator

_DAY = 86400.0
_CENTURY = 36525.0 * _DAY
_D2R = math.pi / 180.0


# --- frames -----------------------------------------------------------------

def _pole(ra_deg: float, dec_deg: float) -> np.ndarray:
    ra, dec = ra_deg * _D2R, dec_deg * _D2R
    return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])


def jupiter_pole(et: float) -> np.ndarray:
    """Jupiter's north pole (IAU rotation model, no nutation terms), unit vector in J2000.

    Parameters
    ----------
    et : float
        Epoch, TDB seconds past J2000.
    """
    t = et / _CENTURY
    return _pole(POLE_RA[0] + POLE_RA[1] * t, POLE_DEC[0] + POLE_DEC[1] * t)


@lru_cache(maxsize=1)
def jeq_matrix() -> np.ndarray:
    """Rotation from J2000 to the table's JEQ frame (rows: JEQ x, y, z in J2000)."""
    z = _pole(POLE_RA[0], POLE_DEC[0])
    x = np.cross([0.0, 0.0, 1.0], z)
    x /= np.linalg.norm(x)
    m = np.array([x, np.cross(z, x), z])
    m.setflags(write=False)
    return m


def sun_position(et: float | np.ndarray) -> np.ndarray:
    """The Sun relative to Jupiter, km, J2000 (Standish's elements; ~0.1 deg).

    Parameters
    ----------
    et : float or array
        TDB seconds past J2000.

    Returns
    -------
    numpy.ndarray, shape (3,) or (3, n)
    """
    t = np.asarray(et, dtype=float) / _CENTURY
    a, e, inc, mlon, lperi, node = (c0 + c1 * t for c0, c1 in _JUPITER_ELEMENTS)
    argp = (lperi - node) * _D2R
    node, inc = node * _D2R, inc * _D2R
    m = np.remainder(mlon - lperi + 180.0, 360.0) * _D2R - math.pi
    ecc = m + e * np.sin(m)
    for _ in range(5):   # Newton on Kepler's equation; e = 0.048 converges in 3
        ecc = ecc - (ecc - e * np.sin(ecc) - m) / (1.0 - e * np.cos(ecc))
    xp = a * (np.cos(ecc) - e)
    yp = a * np.sqrt(1.0 - e * e) * np.sin(ecc)
    cw, sw, cn, sn, ci, si = (np.cos(argp), np.sin(argp), np.cos(node), np.sin(node),
                              np.cos(inc), np.sin(inc))
    x = (cw * cn - sw * sn * ci) * xp + (-sw * cn - cw * sn * ci) * yp
    y = (cw * sn + sw * cn * ci) * xp + (-sw * sn + cw * cn * ci) * yp
    z = sw * si * xp + cw * si * yp
    ce, se = math.cos(_OBLIQUITY_J2000 * _D2R), math.sin(_OBLIQUITY_J2000 * _D2R)
    # Heliocentric Jupiter, ecliptic -> equatorial; the Sun seen from Jupiter is its negative.
    return -_AU_KM * np.array([x, ce * y - se * z, se * y + ce * z])


# --- dynamics ---------------------------------------------------------------

@dataclass(frozen=True)
class Burn:
    """A finite burn: constant thrust in a fixed inertial direction.

    The acceleration grows as the propellant burns, ``acc0 / (1 - (1 -
    acc0/acc1) f)`` with ``f`` the fraction of the burn elapsed (constant
    thrust and mass flow).

    Parameters
    ----------
    et0, et1 : float
        Start and end, TDB seconds past J2000.
    acc0, acc1 : float
        Acceleration at start and end, km/s^2.
    direction : tuple of 3 float
        Unit thrust direction, J2000.
    """

    et0: float
    et1: float
    acc0: float
    acc1: float
    direction: tuple


def _zonal(r: np.ndarray, pole: np.ndarray) -> np.ndarray:
    # Gradient of -GM/r * sum J_n (R/r)^n P_n(u), u = sin(latitude), written in
    # vector form so that no body-fixed frame is needed:
    # a_n = GM J_n R^n / r^(n+2) * [((n+1) P_n + u P_n') r_hat - P_n' pole].
    rn = math.sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2])
    rh = r / rn
    u = rh[0] * pole[0] + rh[1] * pole[1] + rh[2] * pole[2]
    p = [1.0, u]
    dp = [0.0, 1.0]
    for k in range(2, 7):
        p.append(((2 * k - 1) * u * p[k - 1] - (k - 1) * p[k - 2]) / k)
        dp.append(k * p[k - 1] + u * dp[k - 1])
    radial = -1.0
    polar = 0.0
    q = R_REF_KM / rn
    for n, jn in ZONAL_J.items():
        f = jn * q ** n
        radial += f * ((n + 1) * p[n] + u * dp[n])
        polar -= f * dp[n]
    return (GM_JUPITER / (rn * rn)) * (radial * rh + polar * pole)


_RING_GM = np.array([gm for gm, _ in MOON_RINGS])
_RING_A = np.array([a for _, a in MOON_RINGS])


def _rings(r: np.ndarray, pole: np.ndarray, ellipk, ellipe, gm=_RING_GM,
           a=_RING_A) -> np.ndarray:
    # Potential of a ring of mass GM and radius a in Jupiter's equator, at
    # cylindrical (rho, z): -2 GM K(m) / (pi S), S^2 = (a+rho)^2 + z^2,
    # m = 4 a rho / S^2; its gradient in closed form with K and E.
    z = float(r @ pole)
    rho_v = r - z * pole
    rho = math.sqrt(float(rho_v @ rho_v))
    s2 = (a + rho) ** 2 + z * z
    s = np.sqrt(s2)
    q = (a - rho) ** 2 + z * z
    m = 4.0 * a * rho / s2
    kk, ee = ellipk(m), ellipe(m)
    gz = float(np.sum(-2.0 * gm * z * ee / (math.pi * s * q)))
    if rho < 1e-6:
        return gz * pole
    grho = float(np.sum(gm / (math.pi * rho * s) * (ee * (a * a - rho * rho + z * z) / q - kk)))
    return gz * pole + (grho / rho) * rho_v


#: Mean radii of Io, Europa, Ganymede, Callisto, km (pck00011 BODY50x_RADII).
_MOON_RADIUS_KM = (1821.5, 1560.8, 2631.2, 2410.3)
#: Spacing of the moon-position grid the propagator interpolates, s: the
#: built-in moon ephemeris's own step; cubic Hermite through positions and
#: velocities there is good to ~0.03 km for Io, far below its 0.1-20 km accuracy.
_GRID_H = 1800.0
#: Moon states are computed and cached in chunks of this many grid steps.
_CHUNK_N = 1024
_moon_chunks: dict[int, np.ndarray] = {}


def _moon_grid(lo: float, hi: float) -> tuple[float, np.ndarray]:
    """The four moons' states relative to Jupiter on the grid covering [lo, hi].

    Returns the first node's epoch and an array (n, 4, 6) (km, km/s, J2000),
    from flyplan's built-in moon ephemeris; chunks are cached for the process
    (one orbit of Juno is ~3 chunks, 0.6 MB).
    """
    from flyplan.ephemeris import galilean

    span = _GRID_H * _CHUNK_N
    k0 = int(math.floor((min(lo, hi) - 2 * _GRID_H) / span))
    # The last interval needs the first node of the chunk after.
    k1 = int(math.floor((max(lo, hi) + 2 * _GRID_H) / span)) + 1
    missing = [k for k in range(k0, k1 + 1) if k not in _moon_chunks]
    if missing:
        # One call for all of them: the moon integrator's cost is the distance
        # from its epoch, not the number of times asked.
        ets = np.concatenate([k * span + _GRID_H * np.arange(_CHUNK_N) for k in missing])
        states = galilean.propagate(ets)
        for j, k in enumerate(missing):
            chunk = np.ascontiguousarray(states[j * _CHUNK_N:(j + 1) * _CHUNK_N])
            chunk.setflags(write=False)
            _moon_chunks[k] = chunk
    return k0 * span, np.concatenate([_moon_chunks[k] for k in range(k0, k1 + 1)])


def preload_moons(lo: float, hi: float) -> None:
    """Compute the moon grid for [lo, hi] (TDB s) in one pass (for long builds)."""
    _moon_grid(lo, hi)


_ZONAL_ARRAY = np.array([ZONAL_J.get(n, 0.0) for n in range(7)])
_NO_BURN = np.array([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])


class _Forces:
    """Right-hand side of the equations of motion (position km, velocity km/s).

    ``moons="points"`` (the model): each Galilean moon a point mass at its
    position in flyplan's built-in moon ephemeris, with the indirect term.
    ``moons="rings"``: the earlier model, each moon a ring of its mass in
    Jupiter's equator (kept for the diagnostics that compare the two).
    """

    def __init__(self, et_ref: float, span: float, burn: Burn | None = None, *,
                 moons: str = "points"):
        self.pole = jupiter_pole(et_ref)
        self.burn = burn
        self.moons = moons
        # The Sun moves < 0.1 deg/day as seen from Jupiter: a cubic through
        # Standish's positions over the span is exact to far below what a tide needs.
        n = 4
        self._t0 = et_ref
        self._h = max(abs(span), _DAY)
        u = np.linspace(-1.0, 1.0, n)
        self._coef = np.polynomial.polynomial.polyfit(u, sun_position(et_ref + u * self._h).T, n - 1)
        if moons == "rings":
            from scipy.special import ellipe, ellipk

            self._ellip = (ellipk, ellipe)
            self.fun = self._rings_rhs
            return
        from flyplan.ephemeris import _juno_core

        g0, grid = _moon_grid(et_ref, et_ref + span)
        b = _NO_BURN if burn is None else np.array(
            [burn.et0, burn.et1, burn.acc0, burn.acc1, *burn.direction], dtype=float)
        args = (GM_JUPITER, _ZONAL_ARRAY, R_REF_KM, np.ascontiguousarray(self.pole),
                np.ascontiguousarray(self._coef), self._t0, self._h, GM_SUN, _RING_GM,
                np.array(_MOON_RADIUS_KM), g0, _GRID_H, grid, b)
        core = _juno_core.rhs
        self.fun = lambda t, y: core(t, y, *args)

    def sun(self, t: float) -> np.ndarray:
        u = (t - self._t0) / self._h
        c = self._coef
        return c[0] + u * (c[1] + u * (c[2] + u * c[3]))

    def __call__(self, t: float, y: np.ndarray) -> np.ndarray:
        return self.fun(t, np.asarray(y, dtype=float))

    def _rings_rhs(self, t: float, y: np.ndarray) -> np.ndarray:
        r = y[:3]
        acc = _zonal(r, self.pole) + _rings(r, self.pole, *self._ellip)
        s = self.sun(t)
        d = s - r
        acc += GM_SUN * (d / np.linalg.norm(d) ** 3 - s / np.linalg.norm(s) ** 3)
        b = self.burn
        if b is not None and b.et0 <= t <= b.et1:
            f = (t - b.et0) / (b.et1 - b.et0)
            acc += b.acc0 / (1.0 - (1.0 - b.acc0 / b.acc1) * f) * np.asarray(b.direction)
        return np.concatenate([y[3:], acc])


RTOL = 1e-12
ATOL = 1e-9


def _solve(forces: _Forces, et0: float, y0: np.ndarray, et1: float, *, dense: bool = True,
           events=None):
    from scipy.integrate import solve_ivp

    # A burn switches the acceleration on and off: never step across its edges.
    stops = [et0]
    edges = [] if forces.burn is None else [forces.burn.et0, forces.burn.et1]
    for edge in edges:
        if (edge - et0) * (et1 - edge) > 0:
            stops.append(edge)
    stops = sorted(stops, reverse=bool(et1 < et0)) + [float(et1)]
    sols = []
    y = np.asarray(y0, dtype=float)
    for a, b_ in zip(stops[:-1], stops[1:]):
        if a == b_:
            continue
        sol = solve_ivp(forces.fun, (a, b_), y, method="DOP853", rtol=RTOL, atol=ATOL,
                        dense_output=dense, events=events)
        if sol.status < 0:
            raise RuntimeError(f"Juno model integration failed: {sol.message}")
        sols.append(sol)
        if sol.status == 1:   # a terminal event
            break
        y = sol.y[:, -1]
    return sols


def propagate(et0: float, state0, ets, *, burn: Burn | None = None,
              moons: str = "points") -> np.ndarray:
    """Propagate a Juno state relative to Jupiter's centre to the given epochs.

    Parameters
    ----------
    et0 : float
        Epoch of ``state0``, TDB seconds past J2000.
    state0 : array_like, shape (6,)
        Position (km) and velocity (km/s) relative to Jupiter's centre (599), J2000.
    ets : array_like, shape (n,)
        Output epochs, TDB seconds past J2000, on either side of ``et0``, any order.
    burn : Burn, optional
        A finite burn to include.
    moons : {"points", "rings"}
        The Galilean moons as point masses where they are (the model), or as
        rings (the earlier model, for comparisons).

    Returns
    -------
    numpy.ndarray, shape (n, 6)
        States at ``ets`` (km, km/s), J2000, relative to 599.
    """
    ets = np.atleast_1d(np.asarray(ets, dtype=float))
    out = np.empty((len(ets), 6))
    y0 = np.asarray(state0, dtype=float)
    for side in (1.0, -1.0):
        mask = (ets - et0) * side > 0
        if not mask.any():
            continue
        tt = ets[mask]
        tend = tt[np.argmax(np.abs(tt - et0))]
        forces = _Forces(et0, tend - et0, burn, moons=moons)
        sols = _solve(forces, et0, y0, tend)
        res = np.empty((len(tt), 6))
        for sol in sols:
            lo, hi = sorted((sol.t[0], sol.t[-1]))
            sel = (tt >= lo) & (tt <= hi)
            if sel.any():
                res[sel] = sol.sol(tt[sel]).T
        out[mask] = res
    out[ets == et0] = y0
    return out


# --- the table --------------------------------------------------------------

@dataclass(frozen=True)
class PerijoveRow:
    """One perijove of the built-in table.

    Attributes
    ----------
    pj : int
        Perijove number (PJ0 = Jupiter orbit insertion).
    utc : str
        Perijove time as published (UTC, spacecraft event time, ISO-8601 with Z).
    et : float
        The same instant, TDB seconds past J2000.
    status : str
        ``reconstructed`` or ``predicted`` (of the published time).
    method : str
        How the state was obtained: ``anchored`` (a real NAIF kernel),
        ``apojove`` (NAIF ORBNUM apojove position, period-fitted),
        ``bridged`` (carried ``orbits`` orbits from perijove ``anchor``).
    anchor : str
        The kernel, ORBNUM file or anchor perijove the state comes from.
    orbits : int
        Orbits bridged from the anchor (0 when anchored).
    r_p_km, inc_deg, node_deg, argp_deg, v_p_kms : float
        The perijove state (see the module docstring for the JEQ frame).
    period_d : float
        Mean of the two published perijove-to-perijove intervals around it, days.
    a_km : float
        Semi-major axis from ``period_d`` by Kepler's third law with the GM of
        Jupiter plus the Galilean moons (informative; the model uses ``v_p_kms``).
    sigma_time_s, sigma_alt_km, sigma_angle_deg : float
        Estimated 1-sigma uncertainties near perijove (within +-1 h): perijove
        time, altitude, and latitude/longitude of the sub-spacecraft point.
    note : str
        Caveats (moon flyby on the inbound leg, kernel timing, ...).
    burn_et0, burn_et1, burn_acc0, burn_acc1, burn_ra_deg, burn_dec_deg : float
        A finite burn (PJ0's orbit insertion; NaN elsewhere): start and end
        (TDB s past J2000), acceleration at start and end (km/s^2, constant
        thrust in between, see :class:`Burn`) and thrust direction (J2000 right
        ascension and declination, degrees).
    """

    pj: int
    utc: str
    et: float
    status: str
    method: str
    anchor: str
    orbits: int
    r_p_km: float
    inc_deg: float
    node_deg: float
    argp_deg: float
    v_p_kms: float
    period_d: float
    a_km: float
    sigma_time_s: float
    sigma_alt_km: float
    sigma_angle_deg: float
    note: str
    burn_et0: float = math.nan
    burn_et1: float = math.nan
    burn_acc0: float = math.nan
    burn_acc1: float = math.nan
    burn_ra_deg: float = math.nan
    burn_dec_deg: float = math.nan

    def as_dict(self) -> dict:
        """The row as a plain dict."""
        return asdict(self)

    @property
    def label(self) -> str:
        """Method in words, e.g. ``bridged 5 orbits from PJ43``."""
        orbits = f"{self.orbits} orbit{'' if self.orbits == 1 else 's'}"
        if self.method == "bridged":
            return f"bridged {orbits} from {self.anchor}"
        if self.method == "extrapolated":
            return f"extrapolated {orbits} from {self.anchor} across a moon flyby"
        if self.method == "apojove":
            return f"fitted to the ORBNUM apojove, plane bridged {orbits}"
        return f"anchored on NAIF kernel {self.anchor}"

    @property
    def burn(self) -> Burn | None:
        """The row's finite burn, or None."""
        if not math.isfinite(self.burn_et0):
            return None
        return Burn(self.burn_et0, self.burn_et1, self.burn_acc0, self.burn_acc1,
                    tuple(_pole(self.burn_ra_deg, self.burn_dec_deg)))


COLUMNS = tuple(f.name for f in fields(PerijoveRow))
_INT = {"pj", "orbits"}
_STR = {"utc", "status", "method", "anchor", "note"}


@lru_cache(maxsize=1)
def _table() -> tuple[dict, str]:
    data = resources.files("flyplan.data").joinpath(TABLE).read_bytes()
    rows = {}
    lines = [ln for ln in data.decode("utf-8").splitlines() if ln and not ln.startswith("#")]
    for rec in csv.DictReader(lines):
        kw = {}
        for name in COLUMNS:
            raw = rec.get(name, "")
            if name in _INT:
                kw[name] = int(raw)
            elif name in _STR:
                kw[name] = raw
            else:
                kw[name] = float(raw) if raw not in ("", None) else math.nan
        rows[kw["pj"]] = PerijoveRow(**kw)
    return rows, hashlib.sha256(data).hexdigest()


def perijove_rows() -> dict[int, PerijoveRow]:
    """All rows of the built-in table, by perijove number."""
    return dict(_table()[0])


def perijove_row(pj: int) -> PerijoveRow:
    """The built-in table's row for perijove ``pj``.

    Parameters
    ----------
    pj : int
        Perijove number.

    Raises
    ------
    PerijoveError
        If the table has no such perijove.
    """
    rows = _table()[0]
    try:
        return rows[int(pj)]
    except (KeyError, ValueError, TypeError):
        lo, hi = min(rows), max(rows)
        raise PerijoveError(
            f"the built-in Juno model has no perijove {pj!r}",
            kernel=f"flyplan/data/{TABLE}",
            covered=f"PJ{lo}-PJ{hi} (PJ0 = orbit insertion 2016-07-05)",
            hint=f"choose a perijove number from {lo} to {hi}, or load NAIF Juno kernels "
                 "that cover the time you need") from None


def row_state(row: PerijoveRow) -> tuple[float, np.ndarray]:
    """Juno's state at perijove from a table row.

    Returns
    -------
    et : float
        Perijove time, TDB seconds past J2000.
    state : numpy.ndarray, shape (6,)
        Position (km) and velocity (km/s) relative to Jupiter's centre, J2000.
    """
    i, n, w = (math.radians(x) for x in (row.inc_deg, row.node_deg, row.argp_deg))
    ci, si, cn, sn, cw, sw = math.cos(i), math.sin(i), math.cos(n), math.sin(n), math.cos(w), math.sin(w)
    rhat = np.array([cn * cw - sn * sw * ci, sn * cw + cn * sw * ci, sw * si])
    vhat = np.array([-cn * sw - sn * cw * ci, -sn * sw + cn * cw * ci, cw * si])
    m = jeq_matrix()
    return row.et, np.concatenate([row.r_p_km * (m.T @ rhat), row.v_p_kms * (m.T @ vhat)])


def state_elements(state) -> dict:
    """The table's perijove parameters of a state (J2000, relative to 599).

    For a state at perijove this inverts :func:`row_state`; for any other state
    it gives the plane and the direction of the position vector.

    Returns
    -------
    dict
        ``r_p_km`` (|r|), ``inc_deg``, ``node_deg``, ``argp_deg`` (JEQ frame,
        degrees) and ``v_p_kms`` (|v|).
    """
    m = jeq_matrix()
    r = m @ np.asarray(state[:3], dtype=float)
    v = m @ np.asarray(state[3:6], dtype=float)
    h = np.cross(r, v)
    h /= np.linalg.norm(h)
    inc = math.degrees(math.acos(max(-1.0, min(1.0, h[2]))))
    node = math.degrees(math.atan2(h[0], -h[1])) % 360.0
    nv = np.array([math.cos(math.radians(node)), math.sin(math.radians(node)), 0.0])
    argp = math.degrees(math.atan2(float(np.cross(nv, r) @ h), float(nv @ r))) % 360.0
    return {"r_p_km": float(np.linalg.norm(r)), "inc_deg": inc, "node_deg": node,
            "argp_deg": argp, "v_p_kms": float(np.linalg.norm(v))}


def model_window(pj: int) -> tuple[float, float]:
    """The span the model SPK of a perijove covers, TDB seconds past J2000.

    From one day before the preceding apojove to one day after the following
    one, the apojoves taken half-way between published perijove times (PJ0 has
    no preceding orbit; the span before it mirrors the one after).
    """
    rows = _table()[0]
    row = perijove_row(pj)
    prev_, next_ = rows.get(row.pj - 1), rows.get(row.pj + 1)
    after = (next_.et - row.et) / 2 if next_ else (row.et - prev_.et) / 2
    before = (row.et - prev_.et) / 2 if prev_ else after
    return row.et - before - _DAY, row.et + after + _DAY


def trajectory(pj: int, ets) -> np.ndarray:
    """Model states of Juno at ``ets`` around perijove ``pj`` (no SPK written).

    Parameters
    ----------
    pj : int
        Perijove number.
    ets : array_like
        TDB seconds past J2000.

    Returns
    -------
    numpy.ndarray, shape (n, 6)
        J2000, relative to Jupiter's centre, km and km/s.
    """
    row = perijove_row(pj)
    et0, y0 = row_state(row)
    return propagate(et0, y0, ets, burn=row.burn)


#: Closest spacing of SPK samples, s.  Right after a burn edge the integrator
#: restarts with millisecond steps; samples that close make the Hermite fit
#: ill-conditioned.
_MIN_GAP_S = 5.0


def _sample_times(t0: float, t1: float, sols, keep) -> np.ndarray:
    # The integrator's own steps are short near perijove and long far out;
    # cutting each into pieces puts the SPK's samples where the curvature is.
    keep = {float(k) for k in keep if t0 <= k <= t1}
    steps = np.unique(np.concatenate([s.t for s in sols] + [sorted(keep)]))
    steps = steps[(steps >= t0) & (steps <= t1)]
    thinned = [steps[0]]
    for t in steps[1:]:
        if t - thinned[-1] >= _MIN_GAP_S:
            thinned.append(t)
        elif t in keep and thinned[-1] not in keep:
            thinned[-1] = t
    steps = np.array(thinned)
    pieces = 6
    frac = np.arange(pieces) / pieces
    t = (steps[:-1, None] + np.diff(steps)[:, None] * frac).ravel()
    # Never more than an hour apart, so the Hermite fit stays far below a metre.
    gaps = np.diff(np.append(t, steps[-1]))
    extra = [np.linspace(a, a + g, int(g // 3600.0) + 1, endpoint=False)[1:]
             for a, g in zip(t, gaps) if g > 3600.0]
    return np.unique(np.concatenate([t, [steps[-1]], *extra]))


def _spk_name(pj: int) -> str:
    digest = hashlib.sha256(f"{_table()[1]}:{GENERATOR_VERSION}".encode()).hexdigest()[:10]
    return f"flyplan_juno_model_pj{int(pj):03d}_{digest}.bsp"


def describe(pj: int) -> str:
    """One-line label for outputs made from the model, with its measured bounds.

    The bounds are those within an hour of perijove
    (:func:`flyplan.ephemeris.juno_bounds.bounds`, leave-one-out calibrated);
    each sample row carries its own.

    Examples
    --------
    ``approximate (flyplan Juno model, bridged 5 orbits from PJ43: within 1 h of
    perijove ±1,000 km altitude, ±1.2° latitude, ±1,400 km on the ground, ±0.4 km/s
    (measured bounds), perijove time from the timetable)``
    """
    from flyplan import predictions
    from flyplan.ephemeris.juno_bounds import bounds

    row = perijove_row(pj)
    b = {k: float(v[0]) for k, v in bounds(row, [3600.0]).items()}
    # The model's perijove is the timetable's time by construction: say where
    # it comes from rather than imply the model predicts it.
    when = predictions.time_label(row.pj)
    tail = f", perijove time {when}" if when else ", perijove time from the timetable"
    fly = "; flyby pass anchored on the published figure" if "flyby pass anchored" in row.note \
        else ""
    # A row that, propagated, misses the next perijove says so, and why.
    fly += "".join(f"; {x}" for x in row.note.split("; ") if x.startswith(JOIN_NOTE))
    return (f"approximate (flyplan Juno model, {row.label}{fly}: within 1 h of perijove "
            f"±{b['altitude_km']:,.0f} km altitude, ±{b['lat_pg_deg']:.2g}° latitude, "
            f"±{b['ground_km']:,.0f} km on the ground, ±{b['speed_km_s']:.2g} km/s "
            f"(measured bounds){tail})")


def model_spk(pj: int, progress: Callable[[str], None] | None = None) -> Path:
    """The model SPK for perijove ``pj``, generated on first use.

    The file (Juno -61 relative to Jupiter 599, J2000, SPK type 13) covers
    :func:`model_window` and lives in ``built_dir()``; its name carries a hash
    of the table and :data:`GENERATOR_VERSION`, so a new table or generator
    makes a new file.  Concurrent callers wait on a file lock and reuse it.

    Parameters
    ----------
    pj : int
        Perijove number.
    progress : callable, optional
        Called with a short message when the file has to be generated.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    PerijoveError
        If the table has no such perijove.
    KernelError
        If the cache folder cannot be created.
    """
    from flyplan.ephemeris import manifest

    row = perijove_row(pj)
    path = built_dir() / _spk_name(row.pj)
    # Used only when it is byte for byte what was built (the manifest's sha256).
    if manifest.verified(path):
        return path
    # Only a build needs the lock (and its import, tens of ms of a warm run).
    from filelock import FileLock

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock"):
            if manifest.verified(path):
                return path
            _build_model_spk(row, path, progress)
            manifest.record(path, "flyplan.ephemeris.juno_model")
    except OSError as exc:
        raise KernelError(f"cannot write flyplan's Juno model into the cache: "
                          f"{exc.strerror or exc}", kernel=str(path),
                          hint="set FLYPLAN_CACHE to a writable folder") from None
    return path


def _build_model_spk(row: PerijoveRow, path: Path, progress) -> None:
    from flyplan.ephemeris.spkwrite import Segment, write_spk13

    if progress is not None:
        progress(f"computing flyplan's approximate Juno trajectory for PJ{row.pj} ...")
    started = time.perf_counter()
    t0, t1 = model_window(row.pj)
    et_p, y0 = row_state(row)
    burn = row.burn
    sols = []
    for end in (t0, t1):
        forces = _Forces(et_p, end - et_p, burn)
        sols += _solve(forces, et_p, y0, end)
    edges = [] if burn is None else [e for e in (burn.et0, burn.et1) if t0 < e < t1]
    ets = _sample_times(t0, t1, sols, [t0, t1, et_p, *edges])
    states = np.empty((len(ets), 6))
    for sol in sols:
        lo, hi = sorted((sol.t[0], sol.t[-1]))
        sel = (ets >= lo) & (ets <= hi)
        states[sel] = sol.sol(ets[sel]).T
    states[ets == et_p] = y0
    # A burn switches the acceleration on and off: one segment on each side
    # of an edge, so that no interpolation window straddles it.
    bounds = [t0, *edges, t1]
    segments = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        sel = (ets >= a) & (ets <= b)
        segments.append(Segment(-61, 599, "J2000", ets[sel], states[sel],
                                degree=min(15, 2 * int(sel.sum()) - 1),
                                segid=f"flyplan Juno model PJ{row.pj}"))
    write_spk13(path, segments, comment=_comment(row, t0, t1), internal_name="flyplan Juno model")
    if progress is not None:
        progress(f"  wrote {path.name} ({len(ets)} states, "
                 f"{time.perf_counter() - started:.1f} s)")


def _comment(row: PerijoveRow, t0: float, t1: float) -> str:
    table_sha = _table()[1]
    lines = [
        "flyplan Juno model, approximate",
        "",
        "Juno (-61) relative to Jupiter's centre (599), frame J2000, SPK type 13,",
        f"PJ{row.pj} (perijove {row.utc}), covering ET {t0:.3f} .. {t1:.3f}.",
        f"Accuracy: {describe(row.pj)}",
        f"Method: {row.label}; {row.note}".rstrip("; "),
        f"Uncertainty near perijove (1 sigma): time {row.sigma_time_s:g} s, altitude "
        f"{row.sigma_alt_km:g} km, latitude/longitude {row.sigma_angle_deg:g} deg.",
        "",
        "Perijove state (JEQ frame: z = IAU pole of Jupiter at J2000, x = node of Jupiter's",
        "equator on the ICRF equator):",
        f"  et {row.et!r}  r_p {row.r_p_km!r} km  inc {row.inc_deg!r}  node {row.node_deg!r}"
        f"  argp {row.argp_deg!r} deg  v_p {row.v_p_kms!r} km/s",
        "Dynamics: Jupiter GM (gm_de431) and J2 J4 J6 (Iess et al. 2018) about the IAU pole,",
        "Galilean moons as point masses (flyplan's moon ephemeris), solar tide (Standish",
        "elements); no maneuvers except PJ0's JOI.",
        f"Generated by flyplan.ephemeris.juno_model version {GENERATOR_VERSION} from "
        f"flyplan/data/{TABLE} (sha256 {table_sha}).",
        "Not a NAIF product: use NAIF's reconstructed Juno kernels wherever they exist.",
    ]
    return "\n".join(lines)
