"""Fitting the Galilean model to excerpts of JPL's jup310 (used by ``scripts/fit_galilean.py``).

The free parameters are the 24 components of the moons' initial states at the
fit epoch and the four mean terms of Jupiter's pole (RA, Dec and their rates);
everything else (GMs, J2-J6, the Sun's and Saturn's GM) is jup310's own, read
from the comment area of the excerpts.  The data are the moons' positions
relative to Jupiter's centre sampled from each excerpt; a Gauss-Newton
iteration with finite-difference partial derivatives (the fixed-step
integrator makes the model a smooth function of its parameters) minimises the
sum of squared position differences.

Also here: reading the excerpts, which the tests use as independent golden
values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from flyplan.ephemeris.galilean import (
    JUPITER,
    JUPITER_BARYCENTER,
    MOONS,
    GalileanFit,
    _args,
    _check_span,
    et_from_jd,
)

__all__ = [
    "Excerpt",
    "read_excerpt",
    "jup310_constants",
    "iau_pole",
    "observations",
    "fit_model",
    "residuals_by_window",
]

_BODIES = (*MOONS, JUPITER)


@dataclass(frozen=True)
class Excerpt:
    """A jup310 excerpt: an SPK holding 501-504 and 599 relative to 5 for about a day.

    Attributes
    ----------
    path : pathlib.Path
    label : str
        Short name, the first date covered (``"2021-02-26"``).
    window_jd : tuple of float
        TDB Julian dates covered by all of 501-504 and 599.
    constants : dict
        jup310's constants from the comment area (see :func:`jup310_constants`).
    """

    path: Path
    label: str
    window_jd: tuple
    constants: dict

    def states(self, et) -> np.ndarray:
        """States of 501-504 and 599 relative to body 5 at ``et`` (n, 5, 6), km and km/s."""
        from jplephem.spk import SPK

        jd = 2451545.0 + np.atleast_1d(np.asarray(et, dtype=float)) / 86400.0
        kernel = SPK.open(str(self.path))
        try:
            segs = {s.target: s for s in kernel.segments if s.center == JUPITER_BARYCENTER}
            # type 3 segments hold position and velocity (km, km/s) as such
            return np.stack([segs[b].compute(jd).T for b in _BODIES], axis=1)
        finally:
            kernel.close()

    def jovicentric(self, et) -> np.ndarray:
        """Moon states relative to Jupiter's centre (n, 4, 6)."""
        s = self.states(et)
        return s[:, :4] - s[:, 4:5]


def _fortran_float(text: str) -> float:
    return float(text.replace("D", "E").replace("d", "e"))


def jup310_constants(comment: str) -> dict:
    """The constants jup310's comment area lists.

    Returns
    -------
    dict
        ``"gm"``: {naif id: GM, km^3/s^2} for the bodies on the file, plus
        ``"system"``; ``"constants"``: {name: value} of the "Additional
        Constants" block (RADIUS, J502, J504, J506, ZACPL5, GM6, GM10, ...);
        ``"ephemeris"``: the global-fit name (``"JUP310.2"``).
    """
    gm = {}
    for m in re.finditer(r"^\s*[A-Za-z]+\s+(\d{3})\s+([-+0-9.EeDd]+)\s+\d+\s+\d+\s+\w+\s*$", comment, re.M):
        gm[int(m.group(1))] = _fortran_float(m.group(2))
    m = re.search(r"^\s*System\s+([-+0-9.EeDd]+)\s*$", comment, re.M)
    if m:
        gm["system"] = _fortran_float(m.group(1))
    block = comment.split("Additional Constants on the File:", 1)
    constants = {}
    if len(block) == 2:
        body = block[1].split("Chebyshev", 1)[0]
        for name, value in re.findall(r"([A-Z][A-Z0-9]*)\s+([-+]?\d\.\d+[EeDd][-+]\d+)", body):
            constants[name] = _fortran_float(value)
    fit = re.search(r"Global fit:\s*(\S+)", comment)
    return {"gm": gm, "constants": constants, "ephemeris": fit.group(1) if fit else None}


def read_excerpt(path: str | Path) -> Excerpt:
    """Open a jup310 excerpt and read its coverage and constants."""
    from jplephem.spk import SPK

    path = Path(path)
    kernel = SPK.open(str(path))
    try:
        segs = [s for s in kernel.segments if s.center == JUPITER_BARYCENTER and s.target in _BODIES]
        if sorted(s.target for s in segs) != sorted(_BODIES):
            raise ValueError(f"{path} does not hold 501-504 and 599 relative to 5")
        start = max(s.start_jd for s in segs)
        stop = min(s.end_jd for s in segs)
        constants = jup310_constants(kernel.comments())
    finally:
        kernel.close()
    import datetime as dt

    label = (dt.date(2000, 1, 1) + dt.timedelta(days=int(np.floor(start - 2451544.5)))).isoformat()
    return Excerpt(path=path, label=label, window_jd=(start, stop), constants=constants)


def iau_pole(pck_path: str | Path) -> np.ndarray:
    """Jupiter's pole model of a PCK (RA, Dec with their periodic terms), radians.

    Returns
    -------
    numpy.ndarray
        The ``pole`` array of :class:`GalileanFit`: RA0, RA rate, Dec0, Dec
        rate, then (RA amplitude, Dec amplitude, phase, rate) for each term
        with a non-zero amplitude.
    """
    import spiceypy as spice

    spice.furnsh(str(pck_path))
    try:
        ra = spice.gdpool("BODY599_POLE_RA", 0, 3)
        dec = spice.gdpool("BODY599_POLE_DEC", 0, 3)
        nra = spice.gdpool("BODY599_NUT_PREC_RA", 0, 100)
        ndec = spice.gdpool("BODY599_NUT_PREC_DEC", 0, 100)
        angles = spice.gdpool("BODY5_NUT_PREC_ANGLES", 0, 200).reshape(-1, 2)
    finally:
        spice.unload(str(pck_path))
    pole = [ra[0], ra[1], dec[0], dec[1]]
    for a, d, (phase, rate) in zip(nra, ndec, angles):
        if a != 0.0 or d != 0.0:
            pole += [a, d, phase, rate]
    return np.radians(np.array(pole, dtype=float))


def observations(excerpts: list[Excerpt], spacing_s: float = 3600.0):
    """The data of the fit: moon positions relative to Jupiter's centre.

    Parameters
    ----------
    excerpts : list of Excerpt
    spacing_s : float
        Sampling interval, s.  Samples fall on whole multiples of it in TDB
        seconds past J2000, so on the integrator's own grid.

    Returns
    -------
    et : numpy.ndarray, shape (m,)
    positions : numpy.ndarray, shape (m, 4, 3)
        km, J2000.
    window : numpy.ndarray of int, shape (m,)
        Index of the excerpt each sample comes from.
    """
    ets, pos, win = [], [], []
    for k, ex in enumerate(excerpts):
        lo, hi = et_from_jd(np.array(ex.window_jd))
        et = np.arange(np.ceil(lo / spacing_s), np.floor(hi / spacing_s) + 1) * spacing_s
        ets.append(et)
        pos.append(ex.jovicentric(et)[:, :, :3])
        win.append(np.full(et.size, k))
    return np.concatenate(ets), np.concatenate(pos), np.concatenate(win)


def _batch(fit: GalileanFit, y0s: np.ndarray, poles: np.ndarray, et: np.ndarray) -> np.ndarray:
    """Propagate several initial states / poles of ``fit`` to the sorted times ``et``."""
    from flyplan.ephemeris import _galilean_core as core

    gm, zonal, radius, _, pgm, cheb, cinfo = _args(fit)
    out = np.empty((len(y0s), et.size, 24))
    ahead = et >= fit.epoch
    if ahead.any():
        out[:, ahead] = core.propagate_many(fit.epoch, y0s, fit.step, et[ahead], gm, zonal, radius,
                                            poles, pgm, cheb, cinfo)
    if (~ahead).any():
        back = np.flatnonzero(~ahead)[::-1]
        out[:, back] = core.propagate_many(fit.epoch, y0s, -fit.step, et[back], gm, zonal, radius,
                                           poles, pgm, cheb, cinfo)
    return out


def residuals_by_window(fit: GalileanFit, et, positions, window, labels) -> dict:
    """Model minus data, per window and moon: rms and max of the position difference, km."""
    order = np.argsort(et)
    model = np.empty((et.size, 24))
    model[order] = _batch(fit, fit.states.reshape(1, 24), fit.pole.reshape(1, -1), et[order])[0]
    d = np.linalg.norm(model.reshape(-1, 4, 6)[:, :, :3] - positions, axis=2)
    out = {}
    for k, label in enumerate(labels):
        dk = d[window == k]
        out[label] = {str(b): {"rms_km": float(np.sqrt(np.mean(dk[:, i] ** 2))),
                               "max_km": float(dk[:, i].max())}
                      for i, b in enumerate(MOONS)}
    return out


# Finite-difference steps.  Over 30 years a change of 1 km in Io's initial
# position moves Io by ~20000 km (through its period), and the integrator's
# rounding makes ~2 m of noise.  These steps give responses of tens of km:
# far above the noise, and linear to ~1e-4 (the phase curvature).
_STEP_POSITION_KM = 1e-3
_STEP_VELOCITY_KMS = 3e-8
_STEP_POLE_RAD = 1e-5


def fit_model(start: GalileanFit, et, positions, *, fit_pole: bool = True, max_iterations: int = 10,
              tolerance_km: float = 2e-3, progress: Callable[[str], None] | None = None) -> GalileanFit:
    """Least-squares fit of the initial states (and the pole's mean terms) to positions.

    Levenberg-Marquardt on the column-scaled problem, with finite-difference
    partial derivatives, recomputed unless the previous step reduced the
    residuals well.

    Parameters
    ----------
    start : GalileanFit
        First guess; its constants other than states and pole are kept.  Its
        epoch is best inside one of the data windows: the states are then
        pinned by data directly and the problem is well conditioned.
    et : numpy.ndarray, shape (m,)
        TDB seconds past J2000 of the data.
    positions : numpy.ndarray, shape (m, 4, 3)
        Moon positions relative to Jupiter's centre, km.
    fit_pole : bool
        Also fit RA0, RA rate, Dec0 and Dec rate of Jupiter's pole.
    max_iterations : int
    tolerance_km : float
        Stop when the largest predicted change of a modelled position is
        below this.
    progress : callable, optional
        Receives one line per iteration.

    Returns
    -------
    GalileanFit
        ``start`` with the fitted states and pole.
    """
    say = progress or (lambda message: None)
    _check_span(start, np.asarray(et))
    order = np.argsort(et)
    ts = np.asarray(et, dtype=float)[order]
    data = np.asarray(positions, dtype=float)[order].reshape(-1)
    npole = 4 if fit_pole else 0
    steps = np.array(([_STEP_POSITION_KM] * 3 + [_STEP_VELOCITY_KMS] * 3) * 4 + [_STEP_POLE_RAD] * npole)
    x = np.concatenate([start.states.reshape(24), start.pole[:npole]])

    def unpack(xs):
        xs = np.atleast_2d(xs)
        poles = np.tile(start.pole, (len(xs), 1))
        poles[:, :npole] = xs[:, 24:]
        return np.ascontiguousarray(xs[:, :24]), poles

    def model(xs):
        y0s, poles = unpack(xs)
        return _batch(start, y0s, poles, ts).reshape(len(y0s), ts.size, 4, 6)[..., :3].reshape(len(y0s), -1)

    def rms(res):
        return float(np.sqrt(np.mean(res ** 2) * 3))

    jac = r = None
    damping = 1e-6
    for it in range(max_iterations):
        fresh = jac is None
        if fresh:
            trial = np.tile(x, (1 + x.size, 1))
            trial[1:] += np.diag(steps)
            runs = model(trial)
            r = runs[0] - data
            jac = ((runs[1:] - runs[0]) / steps[:, None]).T
        scale = np.linalg.norm(jac, axis=0)
        js = jac / scale
        for _ in range(6):
            # damped least squares: [J; sqrt(lambda) I] dx = [-r; 0]
            aug = np.vstack([js, np.sqrt(damping) * np.eye(x.size)])
            dx = np.linalg.lstsq(aug, np.concatenate([-r, np.zeros(x.size)]), rcond=None)[0] / scale
            predicted = float(np.abs(jac @ dx).max())
            if predicted < tolerance_km:
                break
            r_new = model(x + dx)[0] - data
            if rms(r_new) < rms(r):
                damping = max(damping / 10, 1e-12)
                break
            damping *= 10
        if predicted < tolerance_km:
            say(f"iteration {it + 1}: rms {rms(r):.6f} km, converged")
            break
        improved = rms(r_new) < rms(r)
        say(f"iteration {it + 1}: rms {rms(r):.6f} -> {rms(r_new) if improved else rms(r):.6f} km "
            f"(largest predicted change {predicted:.3g} km{'' if fresh else ', same partials'})")
        if not improved:
            if fresh:
                break  # no step improves: at the minimum within the rounding noise
            jac = None
            continue
        gain = rms(r_new) / rms(r)
        if fresh and gain > 0.995:
            x = x + dx
            break  # creeping along the floor set by the model and the rounding
        x, r = x + dx, r_new
        # partials reused only while they keep working well
        if gain > 0.3:
            jac = None
    y0s, poles = unpack(x)
    return start.replace(states=y0s[0].reshape(4, 6), pole=poles[0])
