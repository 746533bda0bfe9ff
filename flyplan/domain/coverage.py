"""JunoCam coverage of Jupiter's cloud tops over one perijove pass: :func:`coverage`.

For every cell of a planetographic-latitude x System III west-longitude grid,
the moment of the pass when JunoCam sees the cell best (smallest range while
the cell faces Juno and lies in the swath, and meets the optional emission,
incidence and daylight limits), the pixel scale then, that time as spacecraft
event time (SCET) and Earth-received time (ERT), and the emission, incidence
and phase angles, local solar time and daylight at that moment.  The geometry
is :mod:`flyplan.geometry.surface`; the per-pair work is blocks of matrix
products (:func:`flyplan.numerics.footprint.best_times`).

The request is set up by :func:`flyplan.orbit.prepare`, as every request is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from flyplan.constants import CONVENTIONS, JUNO

__all__ = ["coverage", "CoverageResult", "Pass", "prepare_pass", "COVERAGE_VARIABLES"]

COVERAGE_VARIABLES = {
    "km_per_px": "best JunoCam pixel scale on the cloud tops over the pass (range x IFOV), km",
    "km_per_px_emission": "km_per_px / cos(emission) at that time, km",
    "range_km": "range from Juno at that time, km",
    "et": "time of the best view, spacecraft event time, TDB s past J2000",
    "utc": "the same, UTC ISO-8601 (SCET)",
    "utc_ert": "Earth-received time of data taken then (UTC)",
    "emission_deg": "emission angle then, degrees",
    "incidence_deg": "solar incidence angle then, degrees",
    "phase_deg": "phase angle then, degrees",
    "local_solar_time_h": "local solar time then, hours",
    "lit": "incidence below 90 degrees then",
    "n_samples": "samples of the pass in which the cell was imageable",
}


@dataclass
class Pass:
    """A perijove pass set up for surface work: kernels loaded, times sampled.

    Attributes
    ----------
    number : int
    et_pj, utc_pj : float, str
        Perijove (closest approach to Jupiter's centre), refined to 1 ms.
    method : str
        How the perijove time was found.
    plan : flyplan.kernels.select.KernelPlan
    window : (float, float)
        ET bounds.
    step_s : float
    et : numpy.ndarray
        Sample times.
    attitude : flyplan.geometry.junocam.Attitude
    notes : list of str
    """

    number: int
    et_pj: float
    utc_pj: str
    method: str
    plan: object
    window: tuple
    step_s: float
    et: np.ndarray
    attitude: object
    notes: list = field(default_factory=list)
    window_utc: tuple = ()

    def frames(self):
        """:func:`flyplan.geometry.surface.observer_frames` at the samples.

        Raises
        ------
        flyplan.errors.CoverageError
            When the trajectory puts Juno inside Jupiter's 1-bar ellipsoid: a view
            of the cloud tops from there is not a result the model can give.
        """
        from flyplan.errors import CoverageError
        from flyplan.geometry.surface import observer_frames
        from flyplan.numerics.ellipsoid import geodetic
        from flyplan.timeutil import et_to_utc

        fr = observer_frames(self.et, attitude=self.attitude)
        _, alt = geodetic(fr["observer_bf"], fr["a"], fr["c"])
        if np.any(alt <= 0.0):
            i = int(np.argmin(alt))
            raise CoverageError(
                f"the trajectory for PJ{self.number} puts Juno {-alt[i]:.0f} km inside "
                f"Jupiter's 1-bar ellipsoid at {et_to_utc(self.et[i])}: the model cannot "
                "resolve this pass",
                covered=self.plan.trajectory_label,
                hint="use a NAIF trajectory kernel for this perijove (--kernels)")
        return fr


def prepare_pass(n: int, *, window="-3h..+3h", step="10s", kernels=None, source="auto",
                 extra_kernels=(), attitude=None) -> Pass:
    """Load the kernels for perijove ``n`` and sample ``window`` every ``step``.

    Parameters
    ----------
    n : int
        Perijove number.
    window : str
        Relative to perijove (``"-3h..+3h"``) or absolute (``"UTC..UTC"``).
    step : str or float
        Sampling step.
    kernels : path-like, optional
        Kernel directory laid out like NAIF's archive.
    source : {"auto", "naif", "model"}
        Juno's trajectory source.
    extra_kernels : iterable of path-like
        Loaded on top (e.g. a Juno C-kernel, which then gives the spin axis).
    attitude : flyplan.geometry.junocam.Attitude, optional
        Spin-axis model when no C-kernel covers; default: the perijove's entry
        in flyplan's attitude table.

    Raises
    ------
    flyplan.errors.FlyplanError
        For a perijove, window or kernel set the data cannot serve.
    """
    from flyplan.geometry.junocam import attitude_for
    from flyplan.kernels.pool import KernelSet
    from flyplan.orbit import prepare
    from flyplan.timeutil import et_to_utc, parse_duration, sample_times

    step_s = parse_duration(step)
    if not step_s > 0:
        raise ValueError("the step must be positive")
    req = prepare(n, window, kernels=kernels, source=source, moons=False)
    plan = req.selection
    t0, t1 = req.window
    if extra_kernels:
        ks = KernelSet()
        ks.extend(plan.kernels)
        for path in extra_kernels:
            ks.add(path, note="given with --kernel")
        plan.kernels = ks
        plan.kernels.load()
    notes = list(req.notes)
    if attitude is None:
        attitude, note = attitude_for(n)
        if note:
            notes.append(note)
    return Pass(req.number, req.et, et_to_utc(req.et), req.method, plan, (t0, t1), step_s,
                sample_times(t0, t1, step_s), attitude, notes, (et_to_utc(t0), et_to_utc(t1)))


def earth_received_utc(et) -> np.ndarray:
    """Earth-received UTC of data Juno takes at each ET (:mod:`flyplan.geometry.earth`)."""
    from spiceypy import cyice

    from flyplan.constants import JUPITER_BARYCENTER
    from flyplan.geometry import earth

    et = np.array(np.atleast_1d(et), dtype=float)
    if len(et) == 0:
        return np.array([], dtype=str)
    # skyfield's DE421 has Jupiter's barycentre only: Juno's offset from it.
    off = cyice.spkezp_v(JUNO, et, "J2000", "NONE", JUPITER_BARYCENTER)[0]
    return earth.received(et, off)["utc_ert"].to_numpy(dtype=str)


@dataclass
class CoverageResult:
    """JunoCam's best view of every grid cell over one pass.

    Attributes
    ----------
    dataset : xarray.Dataset
        Variables :data:`COVERAGE_VARIABLES` on dimensions ``lat_pg_deg`` x
        ``lon_w_deg`` (cell centres); cells never imageable hold NaN (and
        ``n_samples`` 0).
    track : pandas.DataFrame
        Juno's sub-spacecraft point per sample (``utc``, ``et``,
        ``lat_pg_deg``, ``lon_w_deg``, ``altitude_km``) and the swath edges'
        spin-axis label.
    """

    pass_: Pass
    dataset: object
    track: object
    res_deg: float
    limits: dict
    axis_label: str
    camera_source: str
    notes: list = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.pass_.number

    def frame(self, covered_only: bool = True):
        """The grid as a DataFrame, one row per cell (only imageable cells by default)."""
        df = self.dataset.to_dataframe().reset_index()
        if covered_only:
            df = df[df["n_samples"] > 0].reset_index(drop=True)
        return df

    def metadata(self) -> dict:
        from flyplan import __version__
        from flyplan.geometry.surface import SURFACE_CONVENTIONS

        p = self.pass_
        return {
            "flyplan_version": __version__,
            "perijove": p.number,
            "perijove_utc": p.utc_pj,
            "perijove_et": p.et_pj,
            "perijove_time_method": p.method,
            "window_utc": list(p.window_utc),
            "step_s": p.step_s,
            "res_deg": self.res_deg,
            "limits": dict(self.limits),
            "spin_axis": self.axis_label,
            "camera": self.camera_source,
            "source": p.plan.describe(),
            "notes": list(self.notes),
            "variables": dict(COVERAGE_VARIABLES),
            "conventions": {**CONVENTIONS, **SURFACE_CONVENTIONS},
            "kernels": p.plan.kernels.provenance(),
        }

    def summary(self) -> dict:
        """Cells imageable (and lit), the share of the surface (cells weighted by the
        cosine of their latitude), and the finest cell: km/px, where and when."""
        ds = self.dataset
        n = ds["n_samples"].values
        km = ds["km_per_px"].values
        lat = np.radians(ds["lat_pg_deg"].values)[:, None] * np.ones_like(km)
        # Cell areas on the sphere (planetographic cells: close enough for a share).
        w = np.cos(lat)
        seen = n > 0
        i = np.nanargmin(np.where(seen, km, np.inf)) if seen.any() else None
        out = {"cells": int(n.size), "cells_imageable": int(seen.sum()),
               "area_fraction": float((w * seen).sum() / w.sum())}
        if i is not None:
            r, c = np.unravel_index(i, km.shape)
            out.update(best_km_per_px=float(km[r, c]),
                       best_lat_pg_deg=float(ds["lat_pg_deg"].values[r]),
                       best_lon_w_deg=float(ds["lon_w_deg"].values[c]),
                       best_utc=str(ds["utc"].values[r, c]))
        lit = ds["lit"].values == 1
        out["cells_imageable_lit"] = int((seen & lit).sum())
        return out


def _check_limits(max_emission_deg, max_incidence_deg):
    from flyplan.errors import FlyplanError

    for name, v in (("max_emission_deg", max_emission_deg),
                    ("max_incidence_deg", max_incidence_deg)):
        if v is not None and not 0.0 < v <= 90.0:
            raise FlyplanError(f"{name} = {v:g} is outside (0, 90] degrees",
                               hint=f"give {name} in degrees between 0 and 90")


def coverage(n: int, *, window: str = "-3h..+3h", step="10s", res_deg: float = 1.0,
             kernels=None, source: str = "auto", extra_kernels=(), attitude=None,
             max_emission_deg: float | None = None, max_incidence_deg: float | None = None,
             lit: bool = False, engine: str = "numba") -> CoverageResult:
    """JunoCam's coverage of Jupiter's cloud tops over perijove ``n``'s pass.

    Parameters
    ----------
    n : int
        Perijove number.
    window : str
        Around perijove (``"-3h..+3h"``) or ``"UTC..UTC"``.
    step : str or float
        Sampling step (``"10s"``).
    res_deg : float
        Grid cell size, degrees of planetographic latitude and west longitude.
    kernels, source, extra_kernels, attitude
        As :func:`prepare_pass`.
    max_emission_deg, max_incidence_deg : float, optional
        Only views within these angles count.
    lit : bool
        Only daylit views count.
    engine : {"numba", "numpy"}
        How the time x cell pairs are scanned
        (:func:`flyplan.numerics.footprint.best_times`).

    Returns
    -------
    CoverageResult
    """
    from flyplan.errors import FlyplanError

    try:
        import xarray as xr
    except ImportError:
        raise FlyplanError("coverage maps need the xarray package, which is not installed",
                           hint='pip install "flyplan[coverage]"') from None
    from flyplan.geometry.junocam import camera
    from flyplan.geometry.surface import grid, surface_geometry
    from flyplan.numerics import footprint
    from flyplan.numerics.ellipsoid import geodetic, wrap_angle
    from flyplan.timeutil import et_to_utc

    _check_limits(max_emission_deg, max_incidence_deg)
    try:
        lat, lon = grid(res_deg)
    except ValueError as exc:
        raise FlyplanError(f"--res {res_deg:g}: {exc}", hint="use e.g. --res 1") from None
    p = prepare_pass(n, window=window, step=step, kernels=kernels, source=source,
                     extra_kernels=extra_kernels, attitude=attitude)
    cam = camera()
    fr = p.frames()
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    pts, nrm = footprint.surface_points(np.radians(la.ravel()), -np.radians(lo.ravel()),
                                        fr["a"], fr["c"])
    idx, _, count = footprint.best_times(
        fr["observer_bf"], fr["sun_bf"], fr["axis_bf"], pts, nrm, np.radians(cam.swath_deg),
        max_emission=None if max_emission_deg is None else np.radians(max_emission_deg),
        max_incidence=None if max_incidence_deg is None else np.radians(max_incidence_deg),
        lit=lit, engine=engine)
    seen = idx >= 0
    shape = la.shape
    m = la.size
    cols = {k: np.full(m, np.nan) for k in ("km_per_px", "km_per_px_emission", "range_km", "et",
                                            "emission_deg", "incidence_deg", "phase_deg",
                                            "local_solar_time_h")}
    lit_cells = np.zeros(m, dtype=np.int8)
    utc = np.full(m, "", dtype=object)
    ert = np.full(m, "", dtype=object)
    if seen.any():
        # Full geometry only at each cell's chosen time: one (time, cell) pair per cell,
        # the cells as "points moving with time" of shape (cells, 1).
        from flyplan.geometry.surface import subset_frames

        cells = np.flatnonzero(seen)
        g = surface_geometry(p.et[idx[seen]], la.ravel()[seen][:, None],
                             lo.ravel()[seen][:, None], cam=cam,
                             frames=subset_frames(fr, idx[seen]))
        for k in ("km_per_px", "km_per_px_emission", "range_km", "emission_deg",
                  "incidence_deg", "phase_deg", "local_solar_time_h"):
            cols[k][cells] = g[k][:, 0]
        uniq, inv = np.unique(idx[seen], return_inverse=True)
        cols["et"][cells] = p.et[idx[seen]]
        lit_cells[cells] = g["lit"][:, 0].astype(np.int8)
        utc[cells] = np.asarray(et_to_utc(p.et[uniq], 1))[inv]
        ert[cells] = earth_received_utc(p.et[uniq])[inv]
    coords = {"lat_pg_deg": lat, "lon_w_deg": lon}
    dims = ("lat_pg_deg", "lon_w_deg")
    data = {k: (dims, v.reshape(shape)) for k, v in cols.items()}
    data["lit"] = (dims, lit_cells.reshape(shape))
    data["n_samples"] = (dims, count.reshape(shape).astype(np.int32))
    data["utc"] = (dims, utc.reshape(shape).astype(str))
    data["utc_ert"] = (dims, ert.reshape(shape).astype(str))
    ds = xr.Dataset(data, coords=coords)
    for k, text in COVERAGE_VARIABLES.items():
        ds[k].attrs["description"] = text
    ds["lat_pg_deg"].attrs["description"] = "planetographic latitude of the cell centre, degrees"
    ds["lon_w_deg"].attrs["description"] = "System III west longitude of the cell centre, degrees"
    # Sub-spacecraft track, for maps.
    import pandas as pd

    lat_ss, alt = geodetic(fr["observer_bf"], fr["a"], fr["c"])
    lon_ss = wrap_angle(-np.arctan2(fr["observer_bf"][:, 1], fr["observer_bf"][:, 0]))
    track = pd.DataFrame({"utc": et_to_utc(p.et, 1), "et": p.et,
                          "lat_pg_deg": np.degrees(lat_ss), "lon_w_deg": np.degrees(lon_ss),
                          "altitude_km": alt})
    limits = {"max_emission_deg": max_emission_deg, "max_incidence_deg": max_incidence_deg,
              "lit": lit}
    notes = list(p.notes)
    if p.plan.approximate:
        notes.append("Juno's trajectory is flyplan's approximate model: "
                     + p.plan.trajectory_label)
    return CoverageResult(p, ds, track, float(res_deg), limits, fr["axis_label"], cam.source,
                          notes)
