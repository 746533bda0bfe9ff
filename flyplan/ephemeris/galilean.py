"""Built-in ephemeris of the Galilean moons: a numerically integrated model fitted to JPL.

JPL's satellite ephemerides (jup3xx.bsp) are large downloads, and flyplan must
place Io, Europa, Ganymede and Callisto without them.  This module integrates
the four moons about Jupiter with a force model that reproduces JPL's jup310:

- Jupiter as a point mass plus the zonal harmonics J2, J4, J6 about its pole,
  the pole following the IAU model (mean terms fitted, periodic terms from
  pck00010);
- the moons' mutual attraction, and Jupiter's reaction to each moon through
  its full field (the indirect terms);
- the tides of the Sun and Saturn, whose positions come from de421 (shipped
  in the ``skyfield-data`` package, so nothing is downloaded).

The initial states at one epoch and the pole's mean terms were fitted to three
one-day excerpts of jup310 by ``scripts/fit_galilean.py``; the result, with
its provenance and residuals, is ``flyplan/data/galilean_fit.json``.

Everything here is numeric: km, km/s, TDB seconds past J2000 (``et``), J2000
axes.  No SPICE kernel pool is used, and nothing happens at import time: numba
is imported, and the integrator compiled, on the first propagation (a few
seconds).  :mod:`flyplan.ephemeris.moons_spk` writes the result as an SPK.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from flyplan.errors import CoverageError, KernelError

__all__ = [
    "MOONS",
    "MOON_NAMES",
    "GalileanFit",
    "load_fit",
    "propagate",
    "system_states",
    "planetary_tables",
]

MOONS = (501, 502, 503, 504)
MOON_NAMES = {501: "Io", 502: "Europa", 503: "Ganymede", 504: "Callisto"}
JUPITER = 599
JUPITER_BARYCENTER = 5

SEC_PER_DAY = 86400.0
J2000_JD = 2451545.0

FIT_RESOURCE = "galilean_fit.json"
CHECKPOINT_RESOURCE = "galilean_checkpoints.json"

# Chebyshev tables of de421 may be extended this far past their end: the
# tides of distant bodies over the last day of the 2053 jup310 excerpt (de421
# stops on 2053-10-09) change by far less than a metre.
_EXTRAPOLATION_LIMIT_S = 3 * SEC_PER_DAY


def et_from_jd(jd_tdb):
    """TDB seconds past J2000 from a TDB Julian date (no leap seconds involved)."""
    return (np.asarray(jd_tdb, dtype=float) - J2000_JD) * SEC_PER_DAY


@dataclass(frozen=True)
class GalileanFit:
    """The constants of the Galilean model: everything a propagation needs.

    Parameters
    ----------
    epoch : float
        Epoch of ``states``, TDB seconds past J2000.
    states : numpy.ndarray, shape (4, 6)
        Position (km) and velocity (km/s) of Io, Europa, Ganymede and Callisto
        relative to Jupiter's centre, J2000 axes, at ``epoch``.
    gm : numpy.ndarray, shape (5,)
        GM of Jupiter, Io, Europa, Ganymede, Callisto, km^3/s^2.
    radius : float
        Reference radius of the zonal harmonics, km.
    zonal : numpy.ndarray
        ``zonal[n]`` is J_n (dimensionless); entries 0 and 1 are zero.
    pole : numpy.ndarray
        Jupiter's pole in the IAU form, radians and radians per Julian century
        (see :mod:`flyplan.ephemeris._galilean_core`): RA0, RA rate, Dec0,
        Dec rate, then (RA amplitude, Dec amplitude, phase, rate) per
        periodic term.
    perturbers : tuple of (int, float)
        NAIF id (relative to the solar-system barycentre in de421) and GM of
        each external body.
    step : float
        Integrator step, s.  Part of the model: the fit used this very step.
    info : dict
        Provenance and residuals as stored in the fit file (not used to
        propagate).
    """

    epoch: float
    states: np.ndarray
    gm: np.ndarray
    radius: float
    zonal: np.ndarray
    pole: np.ndarray
    perturbers: tuple
    step: float
    info: dict = field(default_factory=dict, compare=False, repr=False)

    def replace(self, **changes) -> "GalileanFit":
        """A copy with some fields changed (as :func:`dataclasses.replace`)."""
        import dataclasses

        return dataclasses.replace(self, **changes)

    @property
    def digest(self) -> str:
        """sha256 (hex) of the numbers that define the trajectory."""
        h = hashlib.sha256()
        for a in (self.epoch, self.states, self.gm, self.radius, self.zonal, self.pole,
                  np.array(self.perturbers, dtype=float), self.step):
            h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
        return h.hexdigest()

    # -- the JSON form ------------------------------------------------------

    def model_dict(self) -> dict:
        """The trajectory-defining constants as JSON-ready values (degrees for the pole)."""
        deg = np.degrees(self.pole)
        periodic = deg[4:].reshape(-1, 4)
        return {
            "epoch_tdb_jd": J2000_JD + self.epoch / SEC_PER_DAY,
            "epoch_et": self.epoch,
            "frame": "J2000",
            "center": JUPITER,
            "states_km_kms": {str(b): [float(v) for v in s] for b, s in zip(MOONS, self.states)},
            "gm_km3_s2": {str(b): float(g) for b, g in zip((JUPITER, *MOONS), self.gm)},
            "radius_km": float(self.radius),
            "zonal": {f"J{n}": float(j) for n, j in enumerate(self.zonal) if n >= 2},
            "pole": {
                "ra0_deg": float(deg[0]),
                "ra_rate_deg_per_century": float(deg[1]),
                "dec0_deg": float(deg[2]),
                "dec_rate_deg_per_century": float(deg[3]),
                "periodic": [
                    {"ra_amp_deg": float(a), "dec_amp_deg": float(d),
                     "phase_deg": float(p), "rate_deg_per_century": float(r)}
                    for a, d, p, r in periodic
                ],
            },
            "perturbers": [{"naif_id": int(i), "gm_km3_s2": float(g)} for i, g in self.perturbers],
            "integrator": {"method": "DOP853 8th-order solution, fixed step", "step_s": float(self.step)},
        }

    @classmethod
    def from_model_dict(cls, model: dict, info: dict | None = None) -> "GalileanFit":
        """Inverse of :meth:`model_dict`."""
        p = model["pole"]
        pole = [p["ra0_deg"], p["ra_rate_deg_per_century"], p["dec0_deg"], p["dec_rate_deg_per_century"]]
        for term in p["periodic"]:
            pole += [term["ra_amp_deg"], term["dec_amp_deg"], term["phase_deg"], term["rate_deg_per_century"]]
        nmax = max(int(k[1:]) for k in model["zonal"])
        zonal = np.zeros(nmax + 1)
        for k, v in model["zonal"].items():
            zonal[int(k[1:])] = v
        gm = model["gm_km3_s2"]
        return cls(
            epoch=float(model["epoch_et"]),
            states=np.array([model["states_km_kms"][str(b)] for b in MOONS], dtype=float),
            gm=np.array([gm[str(b)] for b in (JUPITER, *MOONS)], dtype=float),
            radius=float(model["radius_km"]),
            zonal=zonal,
            pole=np.radians(np.array(pole, dtype=float)),
            perturbers=tuple((int(q["naif_id"]), float(q["gm_km3_s2"])) for q in model["perturbers"]),
            step=float(model["integrator"]["step_s"]),
            info=info or {},
        )


def fit_path() -> Path:
    """Where the committed fit file is (inside the installed package)."""
    return Path(str(resources.files("flyplan.data").joinpath(FIT_RESOURCE)))


def load_fit(path: str | Path | None = None) -> GalileanFit:
    """The fitted model from ``flyplan/data/galilean_fit.json`` (or ``path``).

    Raises
    ------
    KernelError
        When the file is missing or is not a fit file.
    """
    path = Path(path) if path is not None else fit_path()
    try:
        doc = json.loads(path.read_text())
        return GalileanFit.from_model_dict(doc["model"], info=doc)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise KernelError(
            f"cannot read the Galilean-moon fit ({exc})", kernel=str(path),
            hint="reinstall flyplan, or regenerate the file with scripts/fit_galilean.py",
        ) from exc


def _de421_path() -> Path:
    try:
        path = Path(str(resources.files("skyfield_data").joinpath("data", "de421.bsp")))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise KernelError(
            "the planetary ephemeris de421.bsp (package skyfield-data) is missing; "
            "the built-in moon ephemeris needs it for the Sun's and Saturn's tides",
            hint="pip install skyfield-data",
        )
    return path


@lru_cache(maxsize=8)
def planetary_tables(naif_ids: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """de421's Chebyshev tables for ``naif_ids`` and Jupiter's barycentre, for the integrator.

    Parameters
    ----------
    naif_ids : tuple of int
        Bodies whose position relative to the solar-system barycentre de421
        gives directly (the Sun 10, planetary barycentres 1-9).

    Returns
    -------
    cheb : numpy.ndarray, shape (len(naif_ids) + 1, 3, nint, ncoef)
        Coefficients (km), zero-padded to a common shape; Jupiter's barycentre last.
    cinfo : numpy.ndarray, shape (len(naif_ids) + 1, 4)
        Start (TDB s past J2000), interval length (s), number of intervals and
        of coefficients of each table.
    """
    from jplephem.spk import SPK

    kernel = SPK.open(str(_de421_path()))
    try:
        segments = {s.target: s for s in kernel.segments if s.center == 0}
        tables, info = [], []
        for naif_id in (*naif_ids, JUPITER_BARYCENTER):
            seg = segments[naif_id]
            init, intlen, _ = seg._data  # seconds, as stored in the SPK
            coef = np.array(seg.load_array()[2])  # (3, nint, ncoef), copied out of the mmap
            tables.append(coef)
            info.append((init, intlen, coef.shape[1], coef.shape[2]))
    finally:
        kernel.close()
    shape = (len(tables), 3, max(t.shape[1] for t in tables), max(t.shape[2] for t in tables))
    cheb = np.zeros(shape)
    for k, t in enumerate(tables):
        cheb[k, :, :t.shape[1], :t.shape[2]] = t
    cinfo = np.array(info, dtype=float)
    cheb.flags.writeable = False
    cinfo.flags.writeable = False
    return cheb, cinfo


def _check_span(fit: GalileanFit, et: np.ndarray) -> None:
    _, cinfo = planetary_tables(tuple(i for i, _ in fit.perturbers))
    first = cinfo[:, 0].max()
    last = (cinfo[:, 0] + cinfo[:, 1] * cinfo[:, 2]).min()
    lo, hi = float(et.min()), float(et.max())
    if lo < first - _EXTRAPOLATION_LIMIT_S or hi > last + _EXTRAPOLATION_LIMIT_S:
        def jd(x):
            return f"JD {J2000_JD + x / SEC_PER_DAY:.1f} TDB"

        raise CoverageError(
            f"the built-in moon ephemeris cannot reach {jd(lo)} .. {jd(hi)}: the planetary "
            "ephemeris it uses for the Sun's and Saturn's tides (de421) ends there",
            kernel="de421.bsp (skyfield-data)",
            covered=f"{jd(first)} .. {jd(last)}",
            hint="ask for times between 1900 and 2053, or load NAIF's jup3xx satellite ephemeris",
        )


def _args(fit: GalileanFit):
    cheb, cinfo = planetary_tables(tuple(i for i, _ in fit.perturbers))
    pgm = np.array([g for _, g in fit.perturbers], dtype=float)
    return (np.ascontiguousarray(fit.gm, dtype=float), np.ascontiguousarray(fit.zonal, dtype=float),
            float(fit.radius), np.ascontiguousarray(fit.pole, dtype=float), pgm, cheb, cinfo)


def checkpoints_path() -> Path:
    """Where the committed integration checkpoints are (inside the installed package)."""
    return Path(str(resources.files("flyplan.data").joinpath(CHECKPOINT_RESOURCE)))


@lru_cache(maxsize=4)
def _load_checkpoints(path: str, digest: str) -> dict:
    """Checkpoints of the fit with ``digest``: ``{direction: (steps, y, comp)}``.

    ``steps`` (m,) are signed step indices from the fit's epoch (positive
    forward, negative backward), sorted away from the epoch; ``y`` and
    ``comp`` (m, 24) the integrator's state and Kahan compensation there.  A
    file made from other constants, or unreadable, gives ``{}``: the
    integration then starts at the epoch, as without checkpoints.
    """
    try:
        doc = json.loads(Path(path).read_text())
        if doc.get("fit_digest") != digest:
            return {}
        out = {}
        for key, sign in (("forward", 1), ("backward", -1)):
            rows = doc[key]
            steps = np.array([r["step"] for r in rows], dtype=np.int64)
            y = np.array([r["y"] for r in rows], dtype=float).reshape(-1, 24)
            comp = np.array([r["comp"] for r in rows], dtype=float).reshape(-1, 24)
            if len(steps) and not (np.all(steps * sign > 0) and np.all(np.diff(steps) * sign > 0)):
                return {}
            out[sign] = (steps, y, comp)
        return out
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _resume_point(fit: GalileanFit, sign: int, first_query: float, use: bool):
    """Where to start the integration towards ``first_query``: ``(y, comp, istep)``.

    The checkpoint nearest to ``first_query`` not past it (step index counted
    in the direction ``sign``), or the fit's epoch.
    """
    y0 = np.ascontiguousarray(fit.states, dtype=float).reshape(24)
    start = (y0, np.zeros(24), 0)
    if not use:
        return start
    table = _load_checkpoints(str(checkpoints_path()), fit.digest).get(sign)
    if table is None or not len(table[0]):
        return start
    steps, ys, comps = table
    # how many whole steps lie between the epoch and the first query, in the
    # direction of travel (a checkpoint exactly on the query is fine)
    reach = np.floor((first_query - fit.epoch) * sign / fit.step)
    i = np.searchsorted(steps * sign, reach, side="right") - 1
    h = sign * fit.step
    # the integrator's own grid time (t0 + istep*h), not the division above,
    # decides: a resume point past the query would be refused
    while i >= 0 and (first_query - (fit.epoch + int(abs(steps[i])) * h)) * h < 0.0:
        i -= 1
    if i < 0:
        return start
    return (np.ascontiguousarray(ys[i]), np.ascontiguousarray(comps[i]), int(abs(steps[i])))


def propagate(et, fit: GalileanFit | None = None, *, checkpoints: bool = True) -> np.ndarray:
    """States of the four moons relative to Jupiter's centre at the times ``et``.

    Parameters
    ----------
    et : array_like
        TDB seconds past J2000, any order, any values within 1900-2053.
    fit : GalileanFit, optional
        The model; the committed fit by default.
    checkpoints : bool
        Start each direction's integration from the stored checkpoint
        (``flyplan/data/galilean_checkpoints.json``) nearest to its first
        time instead of from the fit's epoch, when the checkpoints were made
        from this very fit; the result is the same trajectory (the state and
        its rounding compensation are stored exactly).

    Returns
    -------
    numpy.ndarray, shape (n, 4, 6)
        Position (km) and velocity (km/s) of Io, Europa, Ganymede, Callisto,
        J2000 axes.  The integrator runs in fixed steps from the fit's epoch
        both ways; a time between steps is reached by one shorter step, so the
        result at any time lies on the same trajectory.
    """
    from flyplan.ephemeris import _galilean_core as core

    fit = fit or load_fit()
    et = np.atleast_1d(np.asarray(et, dtype=float))
    out = np.empty((et.size, 24))
    if et.size == 0:
        return out.reshape(0, 4, 6)
    _check_span(fit, et)
    args = _args(fit)
    order = np.argsort(et, kind="stable")
    ts = et[order]
    ahead = ts >= fit.epoch
    fwd = order[ahead]
    back = order[~ahead][::-1]

    def run(idx, sign):
        y, comp, istep = _resume_point(fit, sign, float(et[idx[0]]), checkpoints)
        return core.propagate_from(fit.epoch, y, comp, istep, sign * fit.step, et[idx], *args)[0]

    if len(fwd) and len(back):
        # Two independent integrations; the compiled core releases the GIL.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            later = pool.submit(run, fwd, 1)
            out[back] = run(back, -1)
            out[fwd] = later.result()
    elif len(fwd):
        out[fwd] = run(fwd, 1)
    elif len(back):
        out[back] = run(back, -1)
    return out.reshape(-1, 4, 6)


def integration_checkpoints(fit: GalileanFit, start_et: float, stop_et: float,
                            every_steps: int) -> dict:
    """The integrator's exact state every ``every_steps`` grid steps, both ways from the epoch.

    Parameters
    ----------
    fit : GalileanFit
        The model.
    start_et, stop_et : float
        Span to cover (TDB s past J2000); checkpoints are made up to the last
        one not past each end.
    every_steps : int
        Spacing of the checkpoints in integrator steps.

    Returns
    -------
    dict
        ``{"forward": [...], "backward": [...]}``, each a list of
        ``{"step": signed step index, "et": TDB s, "y": [24 floats],
        "comp": [24 floats]}`` ordered away from the epoch: what
        :func:`propagate` resumes from.
    """
    from flyplan.ephemeris import _galilean_core as core

    args = _args(fit)
    y0 = np.ascontiguousarray(fit.states, dtype=float).reshape(24)
    result = {}
    for key, sign, end in (("forward", 1, stop_et), ("backward", -1, start_et)):
        h = sign * fit.step
        last = int(np.floor((end - fit.epoch) * sign / fit.step))
        y, comp, istep = y0, np.zeros(24), 0
        rows = []
        for target in range(every_steps, last + 1, every_steps):
            tq = np.array([fit.epoch + target * h])
            _, y, comp, istep = core.propagate_from(fit.epoch, y, comp, istep, h, tq, *args)
            assert istep == target
            rows.append({"step": sign * target, "et": float(tq[0]),
                         "y": [float(v) for v in y], "comp": [float(v) for v in comp]})
        result[key] = rows
    return result


def barycentre_offset(jovicentric: np.ndarray, gm: np.ndarray) -> np.ndarray:
    """State of Jupiter's centre relative to the system barycentre.

    Parameters
    ----------
    jovicentric : numpy.ndarray, shape (n, 4, 6)
        Moon states relative to Jupiter's centre (km, km/s).
    gm : numpy.ndarray, shape (5,)
        GM of Jupiter and the four moons.

    Returns
    -------
    numpy.ndarray, shape (n, 6)
        ``-sum(gm_i r_i) / sum(gm)``: what makes the mass-weighted sum of
        Jupiter and the moons zero relative to the barycentre (Amalthea and
        the smaller moons, 2e-9 of the system's mass, are left out, as in the
        barycentre of a moon-only model; they move Jupiter by < 1 m).
    """
    gm = np.asarray(gm, dtype=float)
    return -np.einsum("i,nij->nj", gm[1:], jovicentric) / gm.sum()


def system_states(et, fit: GalileanFit | None = None) -> np.ndarray:
    """States of Io, Europa, Ganymede, Callisto and Jupiter relative to Jupiter's barycentre.

    Parameters
    ----------
    et : array_like
        TDB seconds past J2000.
    fit : GalileanFit, optional
        The model; the committed fit by default.

    Returns
    -------
    numpy.ndarray, shape (n, 5, 6)
        Bodies 501, 502, 503, 504, 599 relative to NAIF body 5, km and km/s,
        J2000 axes: what the SPK holds.
    """
    fit = fit or load_fit()
    moons = propagate(et, fit)
    jupiter = barycentre_offset(moons, fit.gm)
    return np.concatenate([moons + jupiter[:, None, :], jupiter[:, None, :]], axis=1)
