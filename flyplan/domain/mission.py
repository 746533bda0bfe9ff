"""The mission table: one row per perijove, computed in parallel processes.

Each row holds the perijove's time and geometry, the closest approach to
each Galilean moon within the orbit (Geometry Finder, ``ABSMIN``), the
smallest moon range inside the sampled window, and where the trajectory came
from with its accuracy.  Work is split over processes, never threads: each
process owns its own SPICE kernel pool.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from flyplan.domain.api import ResultMixin, metadata_property
from flyplan.constants import ABCORR_MOON_RANGE, JUNO, JUPITER, MOON_IDS, MOONS
from flyplan.errors import FlyplanError

__all__ = ["perijoves", "MissionTable", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = ("pj", "utc", "et", "altitude_km", "radius_km", "lat_pg_deg", "lat_pc_deg",
                   "lon_w_deg", "lon_e_deg", "local_solar_time", "speed_km_s", "speed_km_h",
                   "speed_rot_km_s")
# Scan step of the orbit-long moon searches, s: the Juno-moon distance has no
# two extrema closer than this (moon periods are days; the fastest change is
# Juno's perijove pass, over hours).  Checked against a 60 s scan in
# tests/test_mission.py.
_CA_STEP_S = 1200.0


def _closest_approaches(moons, t0: float, t1: float) -> dict[int, tuple[float, float]]:
    """{moon: (ET, range km)} of the smallest Juno-moon distance in [t0, t1].

    A vectorized scan of the geometric ranges every ``_CA_STEP_S`` (Juno's
    position relative to Jupiter's centre read once for all moons) finds the
    candidate minima; the Geometry Finder (``gfdist`` LOCMIN, light time as
    everywhere else: ``ABCORR_MOON_RANGE``) refines
    the three lowest within a scan step either side.  Searching the whole
    orbit with ``gfdist`` alone costs several times more, for the same answer.
    """
    from spiceypy import cyice

    et = np.append(np.arange(t0, t1, _CA_STEP_S), t1)
    juno, _ = cyice.spkpos_v(str(JUNO), et, "J2000", "NONE", str(JUPITER))
    out = {}
    for moon in moons:
        pos, _ = cyice.spkpos_v(str(moon), et, "J2000", "NONE", str(JUPITER))
        out[moon] = _refine_minimum(moon, et, np.linalg.norm(pos - juno, axis=1))
    return out


def _refine_minimum(moon: int, et: np.ndarray, rng: np.ndarray) -> tuple[float, float]:
    """(ET, LT range km) of the smallest minimum near the scan's three lowest samples."""
    import spiceypy

    inner = np.flatnonzero((rng[1:-1] <= rng[:-2]) & (rng[1:-1] <= rng[2:])) + 1
    candidates = np.concatenate([[0, len(et) - 1], inner])
    best = (float("nan"), float("inf"))
    for i in candidates[np.argsort(rng[candidates])][:3]:
        lo, hi = float(et[max(i - 1, 0)]), float(et[min(i + 1, len(et) - 1)])
        cnfine = spiceypy.cell_double(2)
        spiceypy.wninsd(lo, hi, cnfine)
        result = spiceypy.cell_double(20)
        spiceypy.gfdist(str(moon), ABCORR_MOON_RANGE, str(JUNO), "LOCMIN", 0.0, 0.0, _CA_STEP_S / 8, 100,
                        cnfine, result)
        times = [spiceypy.wnfetd(result, k)[0] for k in range(spiceypy.wncard(result))]
        for t in times + [lo, hi]:
            p, _ = spiceypy.spkpos(str(moon), t, "J2000", ABCORR_MOON_RANGE, str(JUNO))
            r = float(np.linalg.norm(p))
            if r < best[1]:
                best = (float(t), r)
    return best


def _orbit_span(kernels, et_pj: float) -> tuple[float, float]:
    """The orbit around perijove (preceding to following apojove, :func:`flyplan.orbit.orbit_window`)
    within what the loaded Juno kernels cover, less a margin at their ends."""
    from flyplan.orbit import COVERAGE_MARGIN_S, ORBIT_SEARCH_S, orbit_window

    lo, hi = et_pj - ORBIT_SEARCH_S, et_pj + ORBIT_SEARCH_S
    for _, a, b in kernels.coverage(JUNO):
        if a <= et_pj <= b:
            lo, hi = max(lo, a + COVERAGE_MARGIN_S), min(hi, b - COVERAGE_MARGIN_S)
    before, after = orbit_window(et_pj, lo, hi)
    return (before if before is not None else lo), (after if after is not None else hi)


def _one(n: int, window, step, kernels, source, moons) -> dict:
    from flyplan.geometry import resolve
    from flyplan.kernels.assemble import extend_moons
    from flyplan.geometry.samples import moon_radius
    from flyplan.domain.perijove import perijove
    from flyplan.timeutil import et_to_utc

    res = perijove(n, window=window, step=step, kernels=kernels, source=source, moons=moons,
                   extras=False)
    s = res.summary
    row = {"pj": n, **{k: s[k] for k in SUMMARY_COLUMNS[1:]}}
    unc = s.get("uncertainty", {})
    row.update(time_unc_s=unc.get("time_s"), altitude_unc_km=unc.get("altitude_km"),
               lat_unc_deg=unc.get("lat_pg_deg"), lon_unc_deg=unc.get("lon_deg"),
               ground_unc_km=unc.get("ground_km"), speed_unc_km_s=unc.get("speed_km_s"))
    row.update(time_method=res.method, trajectory_source=res.selection.trajectory,
               approximate=bool(res.selection.approximate), trajectory=res.selection.trajectory_label,
               moons_source=res.selection.moons_label)
    if res.selection.moons:
        c0, c1 = _orbit_span(res.selection.kernels, res.et)
        # The orbit may reach into another year's built-in moon file.
        extend_moons(res.selection, c0, c1)
        row["orbit_search_utc"] = f"{et_to_utc(c0, 0)}..{et_to_utc(c1, 0)}"
        found = _closest_approaches(MOONS.values(), c0, c1)
        ca_unc = _ca_bounds(found, n, res.et, res.selection.approximate)
        for name, moon in MOONS.items():
            key = name.lower()
            et_ca, rng = found[moon]
            row[f"{key}_ca_utc"] = et_to_utc(et_ca) if np.isfinite(et_ca) else None
            if resolve.inside(rng, moon_radius(moon) * resolve.INSIDE_MARGIN):
                # Never a distance from inside the moon: the row says why.
                rng = float("nan")
                row[f"{key}_ca_note"] = (f"{resolve.UNRESOLVED}: flyplan's Juno model passes "
                                         f"inside {name}")
            row[f"{key}_ca_range_km"] = rng
            row[f"{key}_ca_altitude_km"] = rng - moon_radius(moon)
            row[f"{key}_min_range_window_km"] = float(res.samples[f"{key}_range_km"].min())
            row[f"{key}_ca_time_unc_s"], row[f"{key}_ca_distance_unc_km"] = ca_unc[moon]
    return row


def _ca_bounds(found, pj: int, et_pj: float, approximate: bool) -> dict:
    """{moon: (time_unc_s, distance_unc_km)} of the closest approaches (0 on real kernels)."""
    import pandas as pd

    from flyplan.domain.uncertainty import add_event_bounds

    moons = [m for m in found if np.isfinite(found[m][0])]
    from flyplan.geometry.samples import moon_radius

    ev = pd.DataFrame({"et": [found[m][0] for m in moons], "kind": "closest_approach",
                       "body": [MOON_IDS[m].upper() for m in moons],
                       "altitude_km": [found[m][1] - moon_radius(m) for m in moons]})
    add_event_bounds(ev, pj, et_pj, approximate)
    out = {m: (float("nan"), float("nan")) for m in found}
    out.update({m: (float(t), float(d)) for m, t, d in
                zip(moons, ev["time_unc_s"], ev["distance_unc_km"])})
    return out


def _chunk(args) -> list[dict]:
    from spiceypy.utils.exceptions import SpiceyError

    from flyplan.errors import spice_message

    numbers, window, step, kernels, source, moons = args
    rows = []
    for n in numbers:
        # One perijove that cannot be computed is a row saying why, not the
        # end of a 72-row table.
        try:
            rows.append(_one(n, window, step, kernels, source, moons))
        except FlyplanError as exc:
            rows.append({"pj": n, "error": str(exc).splitlines()[0]})
        except SpiceyError as exc:
            rows.append({"pj": n, "error": f"SPICE: {spice_message(exc)}"})
    return rows


@dataclass(repr=False)
class MissionTable(ResultMixin):
    """The mission table: one row per perijove.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per perijove (columns in :func:`perijoves`).
    first, last : int
        The perijove range.
    window : str
        The sampled window around each perijove.
    step_s : float
        Its step, s.
    notes : list of str
    """

    table: object
    first: int
    last: int
    window: str
    step_s: float
    notes: list = field(default_factory=list)

    _TABLES = ("table",)

    def __len__(self) -> int:
        return len(self.table)

    @metadata_property
    def metadata(self) -> dict:
        """Provenance and conventions."""
        from flyplan import __version__
        from flyplan.constants import CONVENTIONS

        return {"flyplan_version": __version__, "perijoves": [self.first, self.last],
                "window": self.window, "step_s": self.step_s, "notes": list(self.notes),
                "conventions": dict(CONVENTIONS)}


def _check_range(first, last, window, step, table) -> None:
    """InputError/LimitError for a range no timetable reaches or too much work, before any."""
    from flyplan.errors import InputError
    from flyplan.timeutil import check_sample_count, parse_duration, parse_window

    if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) for x in (first, last)):
        raise InputError(f"perijove numbers must be integers (got {first!r}..{last!r})")
    if first < 0 or last > max(table):
        raise InputError(f"the range PJ{first}..PJ{last} is outside flyplan's timetable",
                         hint=f"give perijoves 0..{max(table)}")
    win = parse_window(window) if isinstance(window, str) else window
    if win.relative:
        per = (float(win.stop) - float(win.start)) / parse_duration(step) + 2
        check_sample_count((last - first + 1) * per,
                           f"the mission table ({last - first + 1} perijoves)")


def perijoves(first: int = 0, last: int | None = None, *, window: str = "-3h..+3h",
              step: str | float = "10s", kernels=None, source: str = "auto",
              moons: bool = True, workers: int = 1, executor: str | None = None,
              scheduler: str | None = None, progress=None):
    """One row per perijove from ``first`` to ``last`` inclusive.

    Parameters
    ----------
    first, last : int
        Perijove range; ``last`` defaults to the last reconstructed perijove
        in the package timetable.
    window, step
        The sampled window around each perijove and its step (as for
        :func:`flyplan.perijove`); the window's samples give each moon's
        smallest range near perijove (``<moon>_min_range_window_km``).
    kernels, source, moons
        As for :func:`flyplan.perijove`.
    workers : int
        Processes to use (SPICE is not thread-safe; each process has its own
        kernel pool).
    executor : {"inline", "processes", "dask"}, optional
        Where the perijoves run (:func:`flyplan.sweep.open_executor`); default
        in-process for one worker, else a local process pool; ``"dask"`` on
        the scheduler at ``scheduler`` or a local cluster of ``workers``.
    scheduler : str, optional
        Address of a Dask scheduler (implies ``executor="dask"``).
    progress : callable, optional
        Called with the number of perijoves just finished (for a progress bar).

    Returns
    -------
    MissionTable
        ``.table``: a DataFrame with columns ``pj``, ``utc``, ``et``, ``altitude_km``, ``radius_km``,
        ``lat_pg_deg``, ``lat_pc_deg``, ``lon_w_deg``, ``lon_e_deg``,
        ``local_solar_time``, ``speed_km_s``, ``speed_km_h``,
        ``speed_rot_km_s``, ``time_method``, ``trajectory_source``,
        ``approximate``, ``trajectory`` (label with accuracy), ``moons_source``,
        and per moon ``<moon>_ca_utc``, ``<moon>_ca_range_km``,
        ``<moon>_ca_altitude_km`` (closest approach within the orbit, range
        from Juno and height above the moon's mean radius) and
        ``<moon>_min_range_window_km``; ``error`` for perijoves that could not
        be computed (message's first line).
    """
    import pandas as pd

    from flyplan.timetable import timetable

    table = timetable()
    if last is None:
        last = max(k for k, v in table.items() if v.status == "reconstructed")
    if last < first:
        raise FlyplanError(f"the range ends (PJ{last}) before it starts (PJ{first})",
                           hint="give --to at or after --from")
    _check_range(first, last, window, step, table)
    from flyplan import sweep
    from flyplan.timeutil import parse_duration

    numbers = list(range(first, last + 1))
    finished = progress or (lambda n: None)
    with sweep.open_executor(executor, min(int(workers), len(numbers)), scheduler) as ex:
        # Contiguous chunks keep neighbouring perijoves (which share kernels)
        # together; in-process, one perijove per task (each computes from
        # scratch anyway), so a progress bar moves with every row.
        chunks = ([[n] for n in numbers] if ex.kind == "inline"
                  else sweep.split(numbers, ex.workers))
        tasks = [functools.partial(_chunk, (c, window, step, kernels, source, moons))
                 for c in chunks]
        parts = ex.run(tasks, done=lambda i: finished(len(chunks[i])))
    df = pd.DataFrame([row for part in parts for row in part])
    df.attrs["moons"] = list(MOON_IDS.values())
    return MissionTable(df, first, last, window, parse_duration(step))
