"""Build the Juno perijove table from real kernels (build time only).

This is what ``scripts/build_juno_table.py`` runs to make
``flyplan/data/juno_perijoves.csv``, and what the leave-one-out tests call to
rebuild a row without its own kernel.  It needs SPICE and NAIF's kernels (a
leapseconds kernel, a PCK for System III, Juno's trajectory SPKs and the
ORBNUM file); flyplan never runs it at run time.

How a row is made
-----------------
``anchored``
    A NAIF Juno SPK covers the perijove: the state at the kernel's closest
    approach, put at the published time.
``apojove``
    NAIF's ORBNUM file gives the position of the apojove before the perijove
    (planetocentric latitude and longitude of the sub-spacecraft point and the
    altitude above the ellipsoid).  The velocity there is perpendicular to the
    position, in the orbit plane predicted by bridging (below); its size is
    fitted so that the model's next perijove lies at the interpolated
    perijove radius.  This pins the line of apsides (the perijove point to
    ~0.02 deg); the orbit plane's turn about that line comes from bridging.
``bridged``
    The state of the nearest anchor is carried orbit by orbit: at each
    perijove the speed is set so that the model reaches the next perijove at
    its published time (Juno's trim maneuvers keep the period on its
    schedule), the distance is reset to the anchors' perijove-radius trend
    (the maneuvers keep the perijove altitude), and the orbit plane and
    perijove direction evolve freely with the model's dynamics (zonal
    gravity, moon rings, the solar tide).  When both sides of a gap have
    anchors, the two bridges are blended, weighted by the inverse number of
    orbits bridged.  No bridge crosses a targeted moon flyby or the 2019
    eclipse-avoidance burn (:data:`BREAKS`).
``extrapolated``
    Bridged across a targeted moon flyby (the Io flybys before PJ57 and PJ58):
    the model has the moon, but not where Juno really passed it, so the
    bridge is indicative only.

Every non-anchored row's perijove speed is fitted so that the model reaches
the NEXT perijove at its published time (:func:`_arrival_target`): the rows,
propagated, join.  Where one still does not (an anchored row, whose kernel
holds Juno's trim manoeuvres), :func:`join_flags` measures the miss and the
implied change of perijove speed, and the row's note says so.

The perijove radius of every non-anchored row is interpolated linearly in
time between the anchors (held at the nearest one beyond them): fitting it
to the published times instead is no good, since the model's flight time over
half an orbit is off by minutes (moon positions, small maneuvers), which is
hundreds of km of perijove radius.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flyplan.ephemeris import juno_model as jm

__all__ = [
    "ANCHOR_KERNELS", "ORBNUM_FILE", "FLYBYS", "BREAKS", "Inputs", "load_inputs",
    "find_apsis", "fit_period", "bridge", "apojove_fit", "build_rows",
    "GM_SYSTEM",
]

#: Juno trajectory SPKs in ../shared/naif (paths relative to the NAIF root)
#: and the perijoves they cover.
ANCHOR_KERNELS = {
    "JUNO/kernels/spk/spk_rec_160522_160729_160909.bsp": (0,),
    "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp": (1,),
    "JUNO/kernels/spk/spk_pre_200625_201230_200914_btm29_f.bsp": (28, 29, 30),
    "JUNO/kernels/spk/spk_pre_220614_221109_220810_jm0450.bsp": (43, 44, 45, 46),
}
ORBNUM_FILE = "JUNO/kernels/orbnum/juno_rec_orbit_v08.orb"
GENERIC = ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00010.tpc")

#: Targeted moon flybys on the inbound leg of a perijove (Juno mission news
#: releases; dates UTC).  The model has the moon (a point mass), but a bridge
#: does not know where Juno passed it, so no bridge may cross one.
FLYBYS = {34: "Ganymede flyby 2021-06-07", 45: "Europa flyby 2022-09-29",
          57: "Io flyby 2023-12-30", 58: "Io flyby 2024-02-03"}
#: Orbit changes no bridge may cross, keyed by the perijove whose inbound leg
#: (since the previous perijove) holds them: the flybys, and the 10.5-hour
#: eclipse-avoidance burn of 2019-09-30 (Juno mission news, JPL: ~56 m/s, before
#: orbit 23's apojove; the ORBNUM apojove latitudes jump by 0.17 deg there
#: against their smooth orbit-to-orbit trend).
BREAKS = {**FLYBYS, 23: "eclipse-avoidance maneuver 2019-09-30"}

#: GM of Jupiter plus the Galilean moons (gm_de431): what Juno orbits far out.
GM_SYSTEM = jm.GM_JUPITER + float(sum(gm for gm, _ in jm.MOON_RINGS))

_DAY = 86400.0


# --- inputs -------------------------------------------------------------------

@dataclass
class Inputs:
    """What a table build reads: timetable, ORBNUM apojoves and anchor states."""

    naif: Path
    utc: dict[int, str]
    status: dict[int, str]
    et: dict[int, float]
    orbnum: dict[int, tuple[float, np.ndarray]] = field(default_factory=dict)
    anchors: dict[int, tuple[float, np.ndarray, str]] = field(default_factory=dict)
    kernels: list[str] = field(default_factory=list)


def read_timetable(path: Path | None = None) -> list[tuple[int, str, str]]:
    """(pj, utc, status) from the package's perijove timetable."""
    from importlib import resources

    if path is None:
        text = resources.files("flyplan.data").joinpath("perijove_timetable.csv").read_text()
    else:
        text = Path(path).read_text()
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("pj,"):
            continue
        pj, utc, status = line.split(",")[:3]
        out.append((int(pj), utc.strip(), status.strip()))
    return out


_ORB = re.compile(r"^\s*(\d+)\s+(\d{4} \w{3} \d\d \d\d:\d\d:\d\d)\s+\S+\s+"
                  r"(?:\d{4} \w{3} \d\d \d\d:\d\d:\d\d|Unable to determine)\s+"
                  r"(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$")


def read_orbnum_apojoves(path: Path) -> dict[int, tuple[str, float, float, float]]:
    """Apojove rows of a NAIF ORBNUM file: {orbit: (utc, lon_deg, lat_deg, alt_km)}.

    Juno's orbits run apojove to apojove, so orbit N's apojove precedes PJN.
    ``lon``/``lat`` are the planetocentric (east) longitude and latitude of the
    sub-spacecraft point (nearest point on the ellipsoid), ``alt`` the distance
    to it; checked against the reconstructed kernels (orbit 1: 0.01 km).
    """
    out = {}
    for line in Path(path).read_text().splitlines():
        m = _ORB.match(line)
        if m:
            orbit, utc = int(m.group(1)), m.group(2)
            _, _, sc_lon, sc_lat, alt, _ = (float(x) for x in m.groups()[2:])
            out[orbit] = (utc, sc_lon, sc_lat, alt)
    return out


def _orbnum_position(et: float, lon: float, lat: float, alt: float) -> np.ndarray:
    import spiceypy as sp

    a, c = jm.R_REF_KM, 66854.0   # pck00010 BODY599_RADII (a = b)
    lo, la = math.radians(lon), math.radians(lat)
    rs = 1.0 / math.sqrt((math.cos(la) / a) ** 2 + (math.sin(la) / c) ** 2)
    p = rs * np.array([math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la)])
    n = p / np.array([a * a, a * a, c * c])
    n /= np.linalg.norm(n)
    return np.asarray(sp.pxform("IAU_JUPITER", "J2000", et)) @ (p + alt * n)


def load_inputs(naif: str | Path, *, exclude: tuple[int, ...] = (),
                timetable: Path | None = None, orbnum: bool = True) -> Inputs:
    """Load the kernels and read what a table build needs.

    Parameters
    ----------
    naif : path-like
        Root of a NAIF archive mirror (``../shared/naif``).
    exclude : tuple of int
        Perijoves whose kernel state must not be used (leave-one-out).
    timetable : path-like, optional
        Timetable CSV (default: the package's).
    orbnum : bool
        Whether to use the ORBNUM apojoves.

    Notes
    -----
    Loads kernels into SPICE's pool (the caller owns the pool: ``kclear``).
    """
    import spiceypy as sp

    naif = Path(naif)
    for k in GENERIC:
        sp.furnsh(str(naif / k))
    tt = read_timetable(timetable)
    inp = Inputs(naif=naif, utc={p: u for p, u, _ in tt}, status={p: s for p, _, s in tt},
                 et={p: float(sp.str2et(u.rstrip("Z"))) for p, u, _ in tt})
    for rel, pjs in ANCHOR_KERNELS.items():
        path = naif / rel
        if not path.is_file():
            continue
        sp.furnsh(str(path))
        inp.kernels.append(rel)
        for pj in pjs:
            if pj in exclude:
                continue
            et_k, state = kernel_perijove(inp.et[pj])
            inp.anchors[pj] = (et_k, state, Path(rel).name)
    if orbnum and (naif / ORBNUM_FILE).is_file():
        for orbit, (utc, lon, lat, alt) in read_orbnum_apojoves(naif / ORBNUM_FILE).items():
            et = float(sp.str2et(utc))
            inp.orbnum[orbit] = (et, _orbnum_position(et, lon, lat, alt))
    return inp


def kernel_state(ets) -> np.ndarray:
    """Juno relative to Jupiter's centre from the loaded SPKs, J2000, km and km/s."""
    import spiceypy as sp

    ets = np.atleast_1d(np.asarray(ets, dtype=float))
    return np.array([sp.spkezr("-61", float(t), "J2000", "NONE", "599")[0] for t in ets])


def kernel_perijove(et_guess: float) -> tuple[float, np.ndarray]:
    """Closest approach to Jupiter's centre in the loaded kernels near ``et_guess``."""
    from scipy.optimize import brentq

    # r.v changes sign at perijove; it is smooth, so a bracketed root is exact.
    rv = lambda t: float(np.dot(*kernel_state(t)[0].reshape(2, 3)))  # noqa: E731
    lo, hi = et_guess - 120.0, et_guess + 120.0
    t = brentq(rv, lo, hi, xtol=1e-6)
    return t, kernel_state(t)[0]


# --- dynamics helpers ---------------------------------------------------------

def find_apsis(et0: float, y0, direction: int, kind: str = "peri", *,
               burn=None, skip: float = 6 * 3600.0, max_days: float = 80.0):
    """The next perijove or apojove of the model from a state, forward or backward.

    Parameters
    ----------
    et0 : float
        Epoch of ``y0``, TDB seconds past J2000.
    y0 : array_like, shape (6,)
        State relative to 599, J2000.
    direction : {1, -1}
        Forward or backward in time.
    kind : {"peri", "apo"}
    skip : float
        Seconds to step before looking (so that a start at an apsis is not found).

    Returns
    -------
    et : float
    state : numpy.ndarray, shape (6,)
    """
    y0 = np.asarray(y0, dtype=float)
    t_skip = et0 + direction * skip
    y1 = jm.propagate(et0, y0, [t_skip], burn=burn)[0]

    def event(t, y):
        return y[0] * y[3] + y[1] * y[4] + y[2] * y[5]

    event.terminal = True
    # r.v rises through zero at perijove and falls at apojove (forward in time).
    rising = 1 if kind == "peri" else -1
    event.direction = rising * direction
    end = t_skip + direction * max_days * _DAY
    forces = jm._Forces(t_skip, end - t_skip, burn)
    sols = jm._solve(forces, t_skip, y1, end, dense=False, events=event)
    for sol in sols:
        if sol.t_events[0].size:
            return float(sol.t_events[0][0]), sol.y_events[0][0]
    raise RuntimeError(f"no {kind}jove within {max_days} days")


def _with_speed(y, speed):
    y = np.array(y, dtype=float)
    y[3:] *= speed / np.linalg.norm(y[3:])
    return y


def fit_period(et0: float, y0, target: float, *, tol: float = 0.01,
               burn=None) -> tuple[np.ndarray, float, np.ndarray]:
    """Scale the speed of ``y0`` so the model's next perijove falls at ``target``.

    Parameters
    ----------
    et0 : float
        Epoch of ``y0`` (a perijove or an apojove).
    y0 : array_like, shape (6,)
    target : float
        Wanted epoch of the next (``target > et0``) or previous perijove.
    tol : float
        Seconds.

    Returns
    -------
    y0_fitted : numpy.ndarray, shape (6,)
        ``y0`` with its speed changed.
    et : float
        Epoch of the perijove reached.
    state : numpy.ndarray, shape (6,)
        State there.
    """
    direction = 1 if target > et0 else -1
    y0 = np.asarray(y0, dtype=float)
    r = np.linalg.norm(y0[:3])
    s = np.linalg.norm(y0[3:])

    def arrive(speed):
        return find_apsis(et0, _with_speed(y0, speed), direction, "peri", burn=burn)

    # Slope from Kepler (energy -> period), with the system GM that rules the
    # long stretch far out; then secant steps.
    t1, y1 = arrive(s)
    f1 = t1 - target
    if abs(f1) < tol:
        return _with_speed(y0, s), t1, y1
    a = 1.0 / (2.0 / r - s * s / GM_SYSTEM)
    span = abs(target - et0)
    period = span if np.linalg.norm(y0[:3]) < 1e6 else 2.0 * span
    slope = direction * 3.0 * period * a * s / GM_SYSTEM
    s2 = s - f1 / slope
    for _ in range(12):
        t2, y2 = arrive(s2)
        f2 = t2 - target
        if abs(f2) < tol:
            return _with_speed(y0, s2), t2, y2
        s, f1, s2 = s2, f2, s2 - f2 * (s2 - s) / (f2 - f1)
    raise RuntimeError(f"period fit did not converge ({f2:.3f} s off)")


def _reset_radius(y, r_p):
    # Move a perijove state to radius r_p keeping its Kepler energy (with the
    # system GM), so the period stays close to the one fitted.
    y = np.array(y, dtype=float)
    r0 = np.linalg.norm(y[:3])
    v2 = float(y[3:] @ y[3:]) + 2.0 * GM_SYSTEM * (1.0 / r_p - 1.0 / r0)
    y[:3] *= r_p / r0
    return _with_speed(y, math.sqrt(v2))


def bridge(et_k: float, y_k, targets: list[float], rp_prior, *, burn=None) -> list[np.ndarray]:
    """Carry a perijove state orbit by orbit to the following (or preceding) perijoves.

    Parameters
    ----------
    et_k : float
        Epoch of the anchor state.
    y_k : array_like, shape (6,)
        Anchor state at perijove, J2000, relative to 599.
    targets : list of float
        Published epochs of the next perijoves, in the order to visit them
        (increasing to go forward, decreasing to go back).
    rp_prior : callable
        ``rp_prior(i)``: perijove radius (km) to reset to at ``targets[i]``,
        or None to keep the model's.

    Returns
    -------
    list of numpy.ndarray
        The bridged perijove state at each target epoch (its speed still the
        one of the orbit that arrives there: fit it with :func:`fit_period`).
    """
    out = []
    et, y = et_k, np.asarray(y_k, dtype=float)
    for i, target in enumerate(targets):
        _, _, y_next = fit_period(et, y, target, burn=burn if i == 0 else None)
        rp = rp_prior(i)
        et, y = target, (_reset_radius(y_next, rp) if rp is not None else y_next)
        out.append(y)
    return out


def apojove_fit(et_apo: float, r_apo, h_prior, r_p: float, *, tol: float = 0.01) -> np.ndarray:
    """Perijove state from an ORBNUM apojove position, an orbit plane and a perijove radius.

    The velocity at apojove is perpendicular to the position, in the plane
    ``h_prior``; its size is fitted so that the model's next perijove is at
    distance ``r_p``.  (Fitting it to the published perijove time instead is
    no good: the model's half-orbit flight time is off by minutes, from the
    moons' positions and small maneuvers, which would move r_p by hundreds of
    km; it hardly moves the line of apsides, which is what the apojove gives.)

    Parameters
    ----------
    et_apo : float
        Apojove epoch.
    r_apo : array_like, shape (3,)
        Apojove position relative to 599, J2000, km.
    h_prior : array_like, shape (3,)
        Orbit normal to use (its component along ``r_apo`` is removed).
    r_p : float
        Perijove radius to reach, km.
    tol : float
        km.

    Returns
    -------
    numpy.ndarray, shape (6,)
        State at the model's perijove (whatever its epoch).
    """
    r = np.asarray(r_apo, dtype=float)
    ra = float(np.linalg.norm(r))
    rh = r / ra
    h = np.asarray(h_prior, dtype=float)
    h = h - (h @ rh) * rh
    h /= np.linalg.norm(h)
    vhat = np.cross(h, rh)

    def arrive(speed):
        return find_apsis(et_apo, np.concatenate([r, speed * vhat]), 1, "peri")[1]

    a = (ra + r_p) / 2.0
    s1 = math.sqrt(GM_SYSTEM * (2.0 / ra - 1.0 / a))
    y1 = arrive(s1)
    f1 = np.linalg.norm(y1[:3]) - r_p
    # d r_p / d v_apo = 4 a^2 v / GM for a long ellipse; then secant steps.
    s2 = s1 - f1 / (4.0 * a * a * s1 / GM_SYSTEM)
    for _ in range(12):
        y2 = arrive(s2)
        f2 = np.linalg.norm(y2[:3]) - r_p
        if abs(f2) < tol:
            return y2
        s1, f1, s2 = s2, f2, s2 - f2 * (s2 - s1) / (f2 - f1)
    raise RuntimeError(f"apojove fit did not converge ({f2:.3f} km off)")


def normal(y) -> np.ndarray:
    """Unit orbit normal of a state."""
    h = np.cross(y[:3], y[3:6])
    return h / np.linalg.norm(h)


def blend(states: list[np.ndarray], weights: list[float], r_p: float, v_p: float) -> np.ndarray:
    """A perijove state whose direction and plane are the weighted mean of ``states``."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    rh = sum(wi * s[:3] / np.linalg.norm(s[:3]) for wi, s in zip(w, states))
    hh = sum(wi * normal(s) for wi, s in zip(w, states))
    rh /= np.linalg.norm(rh)
    hh = hh - (hh @ rh) * rh
    hh /= np.linalg.norm(hh)
    return np.concatenate([r_p * rh, v_p * np.cross(hh, rh)])


def fit_burn(et_p: float, *, search: float = 3 * 3600.0, threshold: float = 2e-5) -> dict:
    """Fit a finite burn around a perijove to the loaded kernel (PJ0's orbit insertion).

    The kernel's acceleration (a central difference of its velocity) minus the
    model's is the thrust.  Its edges are found to 0.01 s; its direction is
    the mean thrust direction (Juno's insertion burn was inertially fixed: the
    thrust stays within 0.1 % of one direction, 0.6 deg from minus the
    perijove velocity) and its size is fitted as constant thrust with a
    steadily falling mass (see :class:`juno_model.Burn`).

    Returns
    -------
    dict
        ``burn_et0``, ``burn_et1``, ``burn_acc0``, ``burn_acc1`` (km/s^2),
        ``burn_ra_deg``, ``burn_dec_deg``, or an empty dict when no thrust
        above ``threshold`` km/s^2 is found.
    """
    from scipy.optimize import brentq, curve_fit

    forces = jm._Forces(et_p, search)
    h = 0.5

    def thrust(ts):
        ts = np.atleast_1d(ts)
        y = kernel_state(np.concatenate([ts - h, ts, ts + h])).reshape(3, len(ts), 6)
        acc_k = (y[2, :, 3:] - y[0, :, 3:]) / (2 * h)
        acc_m = np.array([forces(t, s)[3:] for t, s in zip(ts, y[1])])
        return acc_k - acc_m

    ts = np.arange(et_p - search, et_p + search, 30.0)
    on = np.where(np.linalg.norm(thrust(ts), axis=1) > threshold)[0]
    if not on.size:
        return {}
    above = lambda t: float(np.linalg.norm(thrust(t)[0])) - threshold  # noqa: E731
    t0 = brentq(above, ts[on[0]] - 30.0, ts[on[0]], xtol=0.01)
    t1 = brentq(above, ts[on[-1]], ts[on[-1]] + 30.0, xtol=0.01)
    inner = np.linspace(t0 + 1.0, t1 - 1.0, 300)
    vec = thrust(inner)
    d = vec.sum(axis=0)
    d /= np.linalg.norm(d)
    span = t1 - t0

    def rocket(x, a0, a1):
        return a0 / (1.0 - (1.0 - a0 / a1) * x / span)

    (a0, a1), _ = curve_fit(rocket, inner - t0, vec @ d, p0=[vec[0] @ d, vec[-1] @ d])
    return {"burn_et0": float(t0), "burn_et1": float(t1), "burn_acc0": float(a0),
            "burn_acc1": float(a1), "burn_ra_deg": math.degrees(math.atan2(d[1], d[0])) % 360.0,
            "burn_dec_deg": math.degrees(math.asin(d[2]))}


# --- the table -----------------------------------------------------------------

def _crosses_break(src: int, dst: int) -> bool:
    # Going from src to dst crosses the inbound legs of the perijoves after the
    # earlier one, up to and including the later one.
    lo, hi = sorted((src, dst))
    return any(lo < pj <= hi for pj in BREAKS)


def _interp_rp(known: dict[int, tuple[float, float]], et: float) -> float:
    ets = np.array(sorted(v[0] for v in known.values()))
    rps = np.array([v[1] for v in sorted(known.values())])
    return float(np.interp(et, ets, rps))


def _arrival_target(inp: Inputs, pj: int) -> float:
    """The epoch a row's speed is fitted to: the next perijove's published time.

    Fitted forward, a row propagated with the model arrives at the next
    perijove on time, so consecutive rows join (the last row: the previous
    perijove, backwards).
    """
    et = inp.et
    if pj + 1 in et:
        return et[pj + 1]
    return et[pj - 1]


#: Rows whose propagation misses the next perijove by more than this are flagged, s.
JOIN_TOL_S = 300.0


def _model_arrival(et0: float, y0, target: float, burn=None) -> float | None:
    """The model's perijove nearest ``target`` from a perijove state, or None within 12 h."""
    grid = target + np.arange(-12 * 3600.0, 12 * 3600.0 + 1, 30.0)
    r = np.linalg.norm(jm.propagate(et0, y0, grid, burn=burn)[:, :3], axis=1)
    i = int(np.argmin(r))
    if not 0 < i < len(grid) - 1:
        return None
    y0_, y1_, y2_ = r[i - 1:i + 2]
    return float(grid[i] + 0.5 * (y0_ - y2_) / (y0_ - 2 * y1_ + y2_) * 30.0)


def join_flags(inp: Inputs, rows: dict[int, dict], log=print) -> dict[int, dict]:
    """Flag the rows that, propagated with the model, miss the next perijove.

    For each row with a next row, the model's arrival there; where it misses
    by more than :data:`JOIN_TOL_S` (an anchored row: its kernel holds Juno's
    trim manoeuvres; or a targeted flyby or a big burn on the way,
    :data:`BREAKS`), the row gets ``join_miss_s`` and ``join_dv_ms``: the
    change of perijove speed that would make it arrive on time, the size of
    the manoeuvre the model is missing (``None`` when no speed does).
    """
    out = {}
    for pj, row in rows.items():
        row = dict(row)
        out[pj] = row
        if pj + 1 not in inp.et:
            continue
        burn = _row_burn(row)
        et0, y0 = row["et"], _row_state(row)
        target = inp.et[pj + 1]
        t = _model_arrival(et0, y0, target, burn)
        miss = None if t is None else t - target
        if miss is not None and abs(miss) <= JOIN_TOL_S:
            continue
        try:
            y_fit, _, _ = fit_period(et0, y0, target, burn=burn, tol=1.0)
            dv = 1000.0 * float(np.linalg.norm(y_fit[3:]) - np.linalg.norm(y0[3:]))
        except RuntimeError:
            dv = None
        row["join_miss_s"] = miss
        row["join_dv_ms"] = dv
        log(f"  PJ{pj} -> PJ{pj + 1}: arrival "
            + ("none within 12 h" if miss is None else f"{miss / 60:+.1f} min")
            + ("" if dv is None else f", implied delta-v {dv:+.2f} m/s at perijove"))
    return out


def _row_state(row: dict) -> np.ndarray:
    keys = ("r_p_km", "inc_deg", "node_deg", "argp_deg", "v_p_kms")
    full = {k: row.get(k) for k in keys}
    r = jm.PerijoveRow(pj=row["pj"], utc="", et=row["et"], status="", method="", anchor="",
                       orbits=0, period_d=math.nan, a_km=math.nan, sigma_time_s=math.nan,
                       sigma_alt_km=math.nan, sigma_angle_deg=math.nan, note="", **full)
    return jm.row_state(r)[1]


def _elements_row(pj: int, inp: Inputs, y: np.ndarray, **extra) -> dict:
    el = jm.state_elements(y)
    et = inp.et
    prev_, next_ = et.get(pj - 1), et.get(pj + 1)
    spans = [b - a for a, b in ((prev_, et[pj]), (et[pj], next_)) if a is not None and b is not None]
    period = float(np.mean(spans))
    a = (GM_SYSTEM * (period / (2.0 * math.pi)) ** 2) ** (1.0 / 3.0)
    row = {"pj": pj, "utc": inp.utc[pj], "et": et[pj], "status": inp.status[pj],
           **el, "period_d": period / _DAY, "a_km": a}
    row.update(extra)
    return row


def build_rows(inp: Inputs, *, only: set[int] | None = None, log=print) -> dict[int, dict]:
    """Every row of the perijove table from the loaded inputs.

    Parameters
    ----------
    inp : Inputs
        From :func:`load_inputs`.
    only : set of int, optional
        Build just these perijoves (plus what they need); for tests.
    log : callable
        Progress messages.

    Returns
    -------
    dict
        ``{pj: row dict}`` with the columns of :class:`juno_model.PerijoveRow`
        except the uncertainties (see :func:`uncertainty`).
    """
    et = inp.et
    pjs = sorted(et) if only is None else sorted(only)
    rows: dict[int, dict] = {}
    anchors = sorted(inp.anchors)

    # 1. Anchors: the kernel's closest approach, placed at the published time.
    for pj in anchors:
        et_k, y, kernel = inp.anchors[pj]
        extra = {"method": "anchored", "anchor": kernel, "orbits": 0,
                 "kernel_dt_s": et_k - et[pj]}
        if pj == 0 and (only is None or min(pjs) <= 1):
            extra.update(fit_burn(et_k))
        rows[pj] = _elements_row(pj, inp, y, **extra)

    # 2. Perijove radii: Juno's trim maneuvers hold them on a slow trend, which
    #    the anchors sample; in between, interpolate linearly in time.
    #    (PJ0's closest approach was mid-burn; the orbit after it had its
    #    perijove 340 km lower, still a better guess than none.)
    known_rp = {pj: (et[pj], rows[pj]["r_p_km"]) for pj in anchors}
    orb = [pj for pj in sorted(inp.orbnum) if pj in et and pj not in inp.anchors
           and pj not in FLYBYS and et.get(pj - 1, -np.inf) < inp.orbnum[pj][0] < et[pj]]

    def rp_prior(pj):
        return _interp_rp(known_rp, et[pj])

    # 3. Which anchors each row is bridged from: the nearest on each side,
    #    unless the way crosses a moon flyby or a big maneuver (BREAKS); with
    #    neither, the nearest one anyway (extrapolated, flagged).
    todo = [pj for pj in pjs if pj not in inp.anchors]
    sources: dict[int, list[int]] = {}
    for pj in todo:
        sides = [max([k for k in anchors if k < pj], default=None),
                 min([k for k in anchors if k > pj], default=None)]
        sides = [k for k in sides if k is not None]
        ok = [k for k in sides if not _crosses_break(k, pj)]
        sources[pj] = ok or [min(sides, key=lambda k: abs(k - pj))]

    # 4. One bridge per (anchor, direction), out to the farthest row using it.
    bridged: dict[int, list[tuple[np.ndarray, int, int]]] = {pj: [] for pj in todo}
    for k in anchors:
        for step in (1, -1):
            users = [pj for pj in todo if k in sources[pj] and (pj - k) * step > 0]
            if not users:
                continue
            far = max(users, key=lambda pj: abs(pj - k))
            chain = list(range(k + step, far + step, step))
            log(f"  bridging PJ{k} -> PJ{far} ({len(chain)} orbits)")
            states = bridge(et[k], inp.anchors[k][1], [et[n] for n in chain],
                            lambda i, chain=chain: rp_prior(chain[i]), burn=_row_burn(rows[k]))
            for n, y in zip(chain, states):
                if n in bridged and k in sources[n]:
                    bridged[n].append((y, k, abs(n - k)))

    # 5. Each remaining row: blend its bridges (weights 1/orbits); where NAIF's
    #    ORBNUM gives the apojove before it, fit the line of apsides to that.
    for pj in todo:
        use = bridged[pj]
        crossing = any(_crosses_break(k, pj) for _, k, _ in use)
        ys, weights = [c[0] for c in use], [1.0 / c[2] for c in use]
        nearest = min(use, key=lambda c: c[2])
        y = blend(ys, weights, rp_prior(pj), float(np.linalg.norm(nearest[0][3:])))
        plane_from = "+".join(f"PJ{c[1]}" for c in use)
        if pj in orb:
            # The plane at the apojove: the Sun's tide turns it by tenths of a
            # degree on the way in, so carry the bridged state back there.
            t_apo, r_apo = inp.orbnum[pj]
            h_prior = normal(jm.propagate(et[pj], y, [t_apo])[0])
            y = apojove_fit(t_apo, r_apo, h_prior, rp_prior(pj))
            y, _, _ = fit_period(et[pj], y, _arrival_target(inp, pj))
            rows[pj] = _elements_row(pj, inp, y, method="apojove",
                                     anchor=Path(ORBNUM_FILE).name, orbits=nearest[2],
                                     plane_from=plane_from)
            log(f"  PJ{pj}: apojove fit, plane from {plane_from}")
            continue
        y, _, _ = fit_period(et[pj], y, _arrival_target(inp, pj))
        method = "extrapolated" if crossing else "bridged"
        rows[pj] = _elements_row(pj, inp, y, method=method, anchor=f"PJ{nearest[1]}",
                                 orbits=nearest[2], plane_from=plane_from)
        log(f"  PJ{pj}: {method} from " + ", ".join(f"PJ{c[1]} ({c[2]} orbits)" for c in use))
    return {pj: rows[pj] for pj in sorted(rows) if only is None or pj in only}


def _row_burn(row: dict):
    if "burn_et0" not in row:
        return None
    return jm.Burn(row["burn_et0"], row["burn_et1"], row["burn_acc0"], row["burn_acc1"],
                   tuple(jm._pole(row["burn_ra_deg"], row["burn_dec_deg"])))


# --- uncertainties and the file -----------------------------------------------

#: Angular rate of the sub-spacecraft point at perijove, deg/s (58 km/s over
#: 73,500 km): turns a perijove-time uncertainty into a position one.
_DEG_PER_S = math.degrees(58.3 / 73500.0)
#: Published-time uncertainty, s: reconstructed rows agree with NAIF ORBNUM to
#: <= 0.5 s; predictions "may be off by minutes" (timetable header).
SIGMA_TIME = {"reconstructed": 0.5, "predicted": 120.0}


def uncertainty(row: dict) -> dict:
    """Estimated 1-sigma errors near perijove (within +-1 h) for a built row.

    The numbers follow the leave-one-out measurements in ``docs/juno_model.md``
    (``scripts/juno_model_loo.py``): a row's lat/lon error grows with the
    orbits bridged, its altitude error is the perijove-radius interpolation's.

    Returns
    -------
    dict
        ``sigma_time_s``, ``sigma_alt_km``, ``sigma_angle_deg``.
    """
    n = int(row.get("orbits", 0))
    method = row["method"]
    t = SIGMA_TIME.get(row["status"], 120.0)
    if method == "anchored":
        # A predicted kernel whose perijove is off the published time: its
        # geometry is as uncertain as that offset (the rotation phase moves
        # 0.01 deg/s, the track 0.045 deg/s).
        angle = max(0.01, 0.01 * abs(row.get("kernel_dt_s", 0.0)))
        alt = 1.0
    elif method == "apojove":
        # Line of apsides from ORBNUM (perijove point to ~0.02 deg); the plane
        # about it is bridged (its turn about that line, ~0.1 deg per orbit
        # from the trim maneuvers' normal components, is what grows), the
        # radius interpolated between anchors.
        angle = 0.05 + 0.08 * n
        alt = min(50.0 + 25.0 * n, 400.0)
    elif method == "bridged":
        # Measured: 0.1-0.2 deg after one orbit, ~0.4 after two, growing
        # ~0.15 deg per orbit (docs/juno_model.md, sections B-D).
        angle = 0.05 + 0.15 * n
        alt = min(100.0 + 50.0 * n, 800.0)
    else:   # extrapolated across a moon flyby the model does not contain
        angle = 3.0 + 0.15 * n
        alt = 1000.0 + 50.0 * n
    angle = math.hypot(angle, t * _DEG_PER_S)
    return {"sigma_time_s": t, "sigma_alt_km": round(alt, -1) if alt >= 10 else alt,
            "sigma_angle_deg": float(f"{angle:.2g}")}


def annotate(row: dict) -> dict:
    """Add the uncertainties and the note (caveats) to a built row."""
    row = dict(row)
    row.update(uncertainty(row))
    notes = []
    pj = row["pj"]
    if row["method"] == "anchored" and abs(row.get("kernel_dt_s", 0.0)) > 0.1:
        notes.append(f"kernel perijove {row['kernel_dt_s']:+.1f} s from the published time")
    if row["method"] == "anchored" and pj == 0:
        notes.append("orbit insertion burn fitted to the kernel")
    if row["method"] == "apojove":
        notes.append(f"line of apsides from ORBNUM orbit {pj}; plane bridged from {row['plane_from']}")
    if row["method"] in ("bridged", "extrapolated") and "+" in row.get("plane_from", ""):
        notes.append(f"blend of bridges from {row['plane_from']}")
    if row["method"] == "extrapolated":
        lo, hi = sorted((int(row["anchor"][2:]), pj))
        crossed = [BREAKS[p] for p in sorted(BREAKS) if lo < p <= hi]
        if crossed:
            notes.append("bridged across " + ", ".join(crossed) + ": indicative only")
    if "join_miss_s" in row:
        miss, dv = row["join_miss_s"], row.get("join_dv_ms")
        why = [BREAKS[pj + 1]] if pj + 1 in BREAKS else []
        why.insert(0, "Juno's trim manoeuvres (a kernel state)" if row["method"] == "anchored"
                   else "unmodelled manoeuvres")
        why = " and the ".join(why)
        when = "no perijove within 12 h" if miss is None else f"{miss / 60:+.0f} min"
        size = "" if dv is None else f", implied delta-v {abs(dv):.2f} m/s at perijove"
        notes.append(f"{jm.JOIN_NOTE} PJ{pj + 1} ({when}, crosses {why}{size})")
    if row["status"] == "predicted":
        notes.append("predicted perijove time")
    row["note"] = "; ".join(notes)
    return row


_FORMATS = {"et": "{:.6f}", "r_p_km": "{:.3f}", "inc_deg": "{:.7f}", "node_deg": "{:.7f}",
            "argp_deg": "{:.7f}", "v_p_kms": "{:.8f}", "period_d": "{:.6f}", "a_km": "{:.1f}",
            "burn_et0": "{:.3f}", "burn_et1": "{:.3f}", "burn_acc0": "{:.10e}",
            "burn_acc1": "{:.10e}", "burn_ra_deg": "{:.6f}", "burn_dec_deg": "{:.6f}"}


def format_rows(rows: dict[int, dict]) -> list[list[str]]:
    """Rows as CSV cells in :data:`juno_model.COLUMNS` order."""
    out = []
    for pj in sorted(rows):
        row = rows[pj]
        cells = []
        for col in jm.COLUMNS:
            v = row.get(col, "")
            if isinstance(v, float) and math.isnan(v):
                v = ""
            fmt = _FORMATS.get(col)
            cells.append(fmt.format(v) if fmt and v != "" else str(v))
        out.append(cells)
    return out


def write_table(rows: dict[int, dict], path: str | Path, header: str) -> Path:
    """Write the table CSV with a ``#`` comment header."""
    import csv
    import io

    buf = io.StringIO()
    for line in header.strip("\n").splitlines():
        buf.write(("# " + line).rstrip() + "\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(jm.COLUMNS)
    w.writerows(format_rows(rows))
    path = Path(path)
    path.write_text(buf.getvalue())
    return path


# --- comparison -----------------------------------------------------------------

JUPITER_RADII_KM = (71492.0, 71492.0, 66854.0)   # pck00010 BODY599_RADII (1-bar)


def geometry(ets, states) -> np.ndarray:
    """Altitude, planetographic latitude, System III longitude and speed of states.

    Parameters
    ----------
    ets : array_like, shape (n,)
        TDB seconds past J2000.
    states : array_like, shape (n, 6)
        Juno relative to 599, J2000, km and km/s.

    Returns
    -------
    numpy.ndarray, shape (n, 4)
        Altitude above the 1-bar ellipsoid (nearest point, km), planetographic
        latitude (deg), System III (IAU_JUPITER, west) longitude (deg) and
        inertial speed (km/s).  Needs a PCK in SPICE's pool.
    """
    import spiceypy as sp

    a, _, c = JUPITER_RADII_KM
    out = []
    for t, s in zip(np.atleast_1d(ets), np.atleast_2d(states)):
        p = np.asarray(sp.pxform("J2000", "IAU_JUPITER", float(t))) @ s[:3]
        npt, alt = sp.nearpt(p, a, a, c)
        lon, lat, _ = sp.recpgr("JUPITER", npt, a, (a - c) / a)
        out.append((alt, math.degrees(lat), math.degrees(lon), float(np.linalg.norm(s[3:]))))
    return np.array(out)


def compare(et_p: float, y_model, hours=(-1.0, 0.0, 1.0), burn=None) -> np.ndarray:
    """Model minus loaded kernel at perijove + ``hours``: d_alt km, d_lat deg, d_lon deg, d_speed km/s.

    The model is propagated from ``y_model`` at ``et_p``; the kernel is
    whatever Juno SPK is loaded.  Longitude differences are wrapped to +-180.
    """
    ets = et_p + 3600.0 * np.asarray(hours, dtype=float)
    d = geometry(ets, jm.propagate(et_p, y_model, ets, burn=burn)) - geometry(ets, kernel_state(ets))
    d[:, 2] = (d[:, 2] + 180.0) % 360.0 - 180.0
    return d
