"""Points of interest on Jupiter and when JunoCam can image them: :func:`targets`.

A point of interest (:class:`~flyplan.domain.poi.POI`, re-exported here) is a
name, a planetographic latitude and a west longitude in System III, or in
System II with an epoch and a drift rate (:mod:`flyplan.domain.poi`).

A POI is *imageable* at a sample when it faces Juno, lies in JunoCam's swath,
and meets the limits given (``max_emission_deg``, ``max_incidence_deg``,
``lit``, ``max_km_per_px``).  Windows are runs of imageable samples, their
edges bisected to :data:`EDGE_TOL_S`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from flyplan.domain.poi import (POI, POIError, W_II, W_III, parse_poi,  # noqa: F401
                                read_poi_file, system_ii_to_iii)
from flyplan.errors import FlyplanError

__all__ = ["POI", "parse_poi", "read_poi_file", "targets", "TargetsResult", "Limits",
           "system_ii_to_iii", "EDGE_TOL_S", "W_III", "W_II"]

EDGE_TOL_S = 0.5


@dataclass(frozen=True)
class Limits:
    """What makes a POI imageable beyond facing Juno and lying in the swath."""

    max_emission_deg: float | None = None
    max_incidence_deg: float | None = None
    lit: bool = False
    max_km_per_px: float | None = None

    def as_dict(self) -> dict:
        return {"max_emission_deg": self.max_emission_deg,
                "max_incidence_deg": self.max_incidence_deg, "lit": self.lit,
                "max_km_per_px": self.max_km_per_px}

    def mask(self, g: dict) -> np.ndarray:
        ok = g["in_swath"].copy()
        if self.max_emission_deg is not None:
            ok &= g["emission_deg"] <= self.max_emission_deg
        if self.max_incidence_deg is not None:
            ok &= g["incidence_deg"] <= self.max_incidence_deg
        if self.lit:
            ok &= g["lit"]
        if self.max_km_per_px is not None:
            ok &= g["km_per_px"] <= self.max_km_per_px
        return ok

    def check(self) -> None:
        for name in ("max_emission_deg", "max_incidence_deg"):
            v = getattr(self, name)
            if v is not None and not 0.0 < v <= 90.0:
                raise FlyplanError(f"{name} = {v:g} is outside (0, 90] degrees",
                                   hint=f"give {name} in degrees between 0 and 90")
        if self.max_km_per_px is not None and not self.max_km_per_px > 0:
            raise FlyplanError(f"max_km_per_px = {self.max_km_per_px:g} must be positive",
                               hint="give a pixel scale in km")


_BEST_KEYS = ("utc", "utc_ert", "et", "range_km", "km_per_px", "km_per_px_emission",
              "emission_deg", "incidence_deg", "phase_deg", "local_solar_time_h", "in_swath",
              "lit", "lon_w_deg")


@dataclass
class TargetsResult:
    """Per POI, the best opportunity of the pass and every imageable window."""

    pass_: object
    pois: list
    records: list
    limits: Limits
    axis_label: str
    camera_source: str
    notes: list = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.pass_.number

    def metadata(self) -> dict:
        from flyplan import __version__
        from flyplan.constants import CONVENTIONS
        from flyplan.geometry.surface import SURFACE_CONVENTIONS

        p = self.pass_
        conv = {**CONVENTIONS, **SURFACE_CONVENTIONS,
                "system_ii": "lon_III = lon_II + (W_III - W_II), W_III = 284.95 + 870.536 d, "
                             "W_II = 43.3 + 870.270 d (IAU WGCCRE, Archinal et al. 2018)",
                "windows": f"runs of imageable samples, edges bisected to {EDGE_TOL_S} s; "
                           "utc_ert is the Earth-received time (SCET + one-way light time)"}
        return {
            "flyplan_version": __version__,
            "perijove": p.number, "perijove_utc": p.utc_pj, "perijove_et": p.et_pj,
            "perijove_time_method": p.method,
            "window_utc": list(p.window_utc),
            "step_s": p.step_s, "limits": self.limits.as_dict(), "spin_axis": self.axis_label,
            "camera": self.camera_source, "source": p.plan.describe(),
            "notes": list(self.notes), "conventions": conv,
            "kernels": p.plan.kernels.provenance(),
        }

    def best_frame(self):
        import pandas as pd

        rows = []
        for r in self.records:
            b = r["best"] or {}
            rows.append({"name": r["name"], "lat_pg_deg": r["lat_pg_deg"],
                         "lon_w_deg": r["lon_w_deg"], "imageable": r["imageable"],
                         "windows": len(r["windows"]), **{k: b.get(k) for k in _BEST_KEYS}})
        return pd.DataFrame(rows)

    def windows_frame(self):
        import pandas as pd

        rows = [{"name": r["name"], **w} for r in self.records for w in r["windows"]]
        return pd.DataFrame(rows, columns=["name", "start_utc", "end_utc", "start_et", "end_et",
                                           "duration_s", "best_utc", "best_km_per_px",
                                           "min_emission_deg"])


def _num(v):
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    v = float(v)
    return v if math.isfinite(v) else None


def _geometry_at(poi: POI, et, cam, attitude):
    from flyplan.geometry.surface import surface_geometry

    et = np.atleast_1d(np.asarray(et, dtype=float))
    lon = poi.lon_iii(et)[:, None]
    lat = np.full_like(lon, poi.lat_pg_deg)
    g = surface_geometry(et, lat, lon, cam=cam, attitude=attitude)
    out = {k: v[:, 0] for k, v in g.items() if isinstance(v, np.ndarray)}
    out["lon_w_deg"] = lon[:, 0]
    return out


def _record(g, i, ert) -> dict:
    from flyplan.timeutil import et_to_utc

    rec = {"utc": str(et_to_utc(g["et"][i])), "utc_ert": ert, "et": float(g["et"][i])}
    for k in _BEST_KEYS[3:]:
        rec[k] = _num(g[k][i])
    return rec


def targets(n: int, pois, *, window: str = "-3h..+3h", step="10s", kernels=None,
            source: str = "auto", extra_kernels=(), attitude=None,
            max_emission_deg: float | None = None, max_incidence_deg: float | None = None,
            lit: bool = False, max_km_per_px: float | None = None) -> TargetsResult:
    """When JunoCam can image each point of interest during perijove ``n``'s pass.

    Parameters
    ----------
    n : int
        Perijove number.
    pois : iterable of POI or str
        Points of interest (strings as :func:`parse_poi` reads them).
    window, step, kernels, source, extra_kernels, attitude
        As :func:`flyplan.domain.coverage.prepare_pass`.
    max_emission_deg, max_incidence_deg, lit, max_km_per_px
        Limits of an imageable view (see :class:`Limits`).

    Returns
    -------
    TargetsResult
        ``records``: per POI ``name``, ``lat_pg_deg``, ``lon_w_deg`` (System
        III at the best time), ``imageable``, ``best`` (the imageable sample
        with the finest pixel scale; when there is none, the visible sample
        with the finest, flags telling why not; None when the POI never faces
        Juno) and ``windows``.
    """
    from flyplan.domain.coverage import earth_received_utc, prepare_pass
    from flyplan.geometry.junocam import camera
    from flyplan.geometry.surface import surface_geometry

    limits = Limits(max_emission_deg, max_incidence_deg, bool(lit), max_km_per_px)
    limits.check()
    pois = list(pois)
    if not pois:
        raise POIError("no points of interest given", hint="use --poi NAME:LAT,LON or "
                       "--poi-file FILE")
    pois = [x if isinstance(x, POI) else parse_poi(x) for x in pois]
    names = [x.name for x in pois]
    if len(set(names)) != len(names):
        dup = sorted({x for x in names if names.count(x) > 1})
        raise POIError(f"points of interest named twice: {', '.join(dup)}",
                       hint="give each point its own name")
    p = prepare_pass(n, window=window, step=step, kernels=kernels, source=source,
                     extra_kernels=extra_kernels, attitude=attitude)
    cam = camera()
    fr = p.frames()
    lon = np.stack([x.lon_iii(p.et) for x in pois], axis=1)
    lat = np.broadcast_to(np.array([x.lat_pg_deg for x in pois]), lon.shape)
    g = surface_geometry(p.et, lat, lon, cam=cam, frames=fr)
    ok = limits.mask(g)
    records = []
    for j, poi in enumerate(pois):  # a handful of POIs; the times are vectorized
        col = {k: v[:, j] for k, v in g.items() if isinstance(v, np.ndarray)}
        col["et"], col["lon_w_deg"] = p.et, lon[:, j]

        def imageable(et, poi=poi):
            return limits.mask(_geometry_at(poi, et, cam, p.attitude))

        windows = _windows(p.et, ok[:, j], col, imageable)
        pool = ok[:, j] if ok[:, j].any() else col["visible"]
        best = None
        if pool.any():
            i = int(np.argmin(np.where(pool, col["km_per_px"], np.inf)))
            best = _record(col, i, str(earth_received_utc([p.et[i]])[0]))
        if windows:
            erts = earth_received_utc([w["start_et"] for w in windows]
                                      + [w["end_et"] for w in windows])
            k = len(windows)
            for w, a, b in zip(windows, erts[:k], erts[k:]):
                w["start_utc_ert"], w["end_utc_ert"] = str(a), str(b)
        records.append({"name": poi.name, "lat_pg_deg": poi.lat_pg_deg,
                        "lon_w_deg": _num(col["lon_w_deg"][i]) if best else
                        _num(col["lon_w_deg"][0]),
                        "lon_system": poi.system, "lon_input_deg": poi.lon_w_deg,
                        "epoch_utc": poi.epoch_utc, "drift_deg_per_day": poi.drift_deg_per_day,
                        "imageable": bool(ok[:, j].any()), "best": best, "windows": windows})
    notes = list(p.notes)
    if p.plan.approximate:
        notes.append("Juno's trajectory is flyplan's approximate model: "
                     + p.plan.trajectory_label)
    return TargetsResult(p, pois, records, limits, fr["axis_label"], cam.source, notes)


def _windows(et, ok, col, imageable) -> list[dict]:
    """Runs of imageable samples, edges bisected where they fall between samples."""
    from flyplan.domain.plan import refine_edges
    from flyplan.timeutil import et_to_utc

    if not ok.any():
        return []
    d = np.diff(ok.astype(np.int8))
    starts = list(np.flatnonzero(d == 1) + 1)
    ends = list(np.flatnonzero(d == -1))
    if ok[0]:
        starts.insert(0, 0)
    if ok[-1]:
        ends.append(len(ok) - 1)
    starts, ends = np.array(starts), np.array(ends)
    s_et, e_et = et[starts].astype(float), et[ends].astype(float)
    inner_s = starts > 0
    if inner_s.any():
        lo, hi = refine_edges(imageable, et[starts[inner_s] - 1], et[starts[inner_s]],
                              np.zeros(inner_s.sum(), bool), EDGE_TOL_S)
        s_et[inner_s] = hi
    inner_e = ends < len(ok) - 1
    if inner_e.any():
        lo, hi = refine_edges(imageable, et[ends[inner_e]], et[ends[inner_e] + 1],
                              np.ones(inner_e.sum(), bool), EDGE_TOL_S)
        e_et[inner_e] = lo
    out = []
    for a, b, i0, i1 in zip(s_et, e_et, starts, ends):
        seg = slice(i0, i1 + 1)
        k = i0 + int(np.argmin(col["km_per_px"][seg]))
        out.append({"start_utc": str(et_to_utc(a)), "end_utc": str(et_to_utc(b)),
                    "start_et": float(a), "end_et": float(b), "duration_s": float(b - a),
                    "best_utc": str(et_to_utc(et[k])), "best_km_per_px": _num(col["km_per_px"][k]),
                    "min_emission_deg": _num(np.min(col["emission_deg"][seg]))})
    return out
