"""The built-in Galilean-moon ephemeris as an SPK kernel, built into the cache on first use.

:func:`galilean_spks` returns the paths of the SPKs holding Io, Europa,
Ganymede, Callisto (501-504) and Jupiter (599) relative to Jupiter's
barycentre (5) over a window of Juno's mission: one file per calendar year
(:func:`galilean_spk`), generated from :mod:`flyplan.ephemeris.galilean` the
first time a window needs it (a fraction of a second: the integration
resumes from the checkpoint before the year) and reused afterwards.  The
files together hold the very records of one file for the whole mission (the
records of one day on one grid; a year's file those starting in that year,
so neighbouring files meet end to end).  A name carries a hash of the fitted
constants and of the generator version, and the year, so a file made from
other constants is never picked up.  The kernel manager should prefer NAIF's
jup3xx satellite ephemeris when one is available; outputs that used this one
should say so with :data:`ACCURACY_NOTE`.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Callable

import numpy as np

from flyplan.ephemeris.galilean import (
    JUPITER,
    JUPITER_BARYCENTER,
    MOON_NAMES,
    MOONS,
    GalileanFit,
    et_from_jd,
    load_fit,
    system_states,
)
from flyplan.errors import KernelError

__all__ = [
    "ACCURACY_NOTE",
    "DEFAULT_START_ET",
    "DEFAULT_STOP_ET",
    "YEARS",
    "build_galilean_spk",
    "covers",
    "galilean_spk",
    "galilean_spks",
    "year_window",
    "years_for",
    "start_galilean_spk",
    "cache_name",
]

# Bump when the generated file would differ for the same fit (sampling,
# layout, comment text, integrator): the cache name changes with it.
GENERATOR_VERSION = 4

# 2015-12-01 .. 2031-02-01 TDB: Juno's mission from arrival through every
# perijove of the timetable and both prediction lists (PJ110, 2028-09) to the
# end of 2030, with a month's margin either side for light time and
# time-scale offsets.
DEFAULT_START_ET = float(et_from_jd(2457357.5))
DEFAULT_STOP_ET = float(et_from_jd(2462898.5))

# Chebyshev records of one day, degree 19, each fitted by least squares to the
# integrator's 49 half-hourly positions in it: the SPK reproduces the
# integrator to 0.2 m and 0.6 mm/s (measured, 2016-2031; ~0.9 MB a year), and SPICE
# evaluates type 2 about twice as fast as the 4-hourly Hermite type 13 this
# replaced (which made the moons the cost of every perijove table and moon
# event search).
SPACING_S = 86400.0
DEGREE = 19

# Measured: held-out fits (two excerpts fitted, the third predicted) and the
# SPK against the integrator; see flyplan/data/galilean_fit.json and
# tests/test_galilean.py.  The span's far end (2030, nine years from the
# 2021 excerpt) lies inside the held-out tests' reach: fitted on 2015 and
# 2021 only, the model predicts 2053 (32 years on) to 0.40 km at worst
# (Ganymede); fitted on 2015 and 2053, it predicts 2021 to 0.04 km.
ACCURACY_NOTE = (
    "built-in Galilean-moon ephemeris (flyplan, integrated and fitted to JPL jup310): "
    "about 1 km from jup310 over 2016-2030; expect 10-20 km from the ephemerides Juno's "
    "navigation used after 2022"
)

SPK_BODIES = (*MOONS, JUPITER)


def covers(t0: float, t1: float) -> bool:
    """Whether the built-in ephemeris serves ``t0 .. t1`` (ET, TDB s past J2000)."""
    return DEFAULT_START_ET <= float(t0) <= float(t1) <= DEFAULT_STOP_ET


# A window's files reach this far beyond it: light time to the moons from
# anywhere flyplan looks from (Earth, ~50 min) and any time-scale offset.
_YEAR_MARGIN_S = 86400.0


def _record_range(fit: GalileanFit) -> tuple[int, int]:
    """Indices ``k`` (record start ``fit.epoch + k*SPACING_S``) of the whole span's records."""
    k0 = int(np.floor((DEFAULT_START_ET - fit.epoch) / SPACING_S))
    k1 = max(int(np.ceil((DEFAULT_STOP_ET - fit.epoch) / SPACING_S)), k0 + 1)
    return k0, k1


def _year_of(et: float) -> int:
    import datetime as dt

    return (dt.datetime(2000, 1, 1, 12) + dt.timedelta(seconds=float(et))).year


def _jan1_et(year: int) -> float:
    import datetime as dt

    return (dt.datetime(year, 1, 1) - dt.datetime(2000, 1, 1, 12)).total_seconds()


def _year_records(year: int, fit: GalileanFit) -> tuple[int, int]:
    """Record indices ``[k0, k1)`` of ``year``'s file: the records starting in that TDB year."""
    lo, hi = _record_range(fit)
    k0 = int(np.ceil((_jan1_et(year) - fit.epoch) / SPACING_S))
    k1 = int(np.ceil((_jan1_et(year + 1) - fit.epoch) / SPACING_S))
    return max(k0, lo), min(k1, hi)


def year_window(year: int, fit: GalileanFit | None = None) -> tuple[float, float]:
    """Start and end (TDB s past J2000) of ``year``'s file: whole records of the mission's grid."""
    fit = fit or load_fit()
    k0, k1 = _year_records(year, fit)
    if k1 <= k0:
        raise ValueError(f"the built-in moon ephemeris has no records in {year}")
    return fit.epoch + k0 * SPACING_S, fit.epoch + k1 * SPACING_S


#: The calendar years (TDB) of the per-year files, 2015 .. 2031.
YEARS = tuple(range(_year_of(DEFAULT_START_ET), _year_of(DEFAULT_STOP_ET) + 1))


def years_for(t0: float | None = None, t1: float | None = None,
              fit: GalileanFit | None = None) -> list[int]:
    """The years whose files a window ``t0 .. t1`` (ET) needs; every year when not given.

    The window is widened by a day each way (light time, time-scale
    offsets) and clipped to the ephemeris' span.
    """
    fit = fit or load_fit()
    lo, hi = _record_range(fit)
    if t0 is None or t1 is None:
        k0, k1 = lo, hi - 1
    else:
        a, b = sorted((float(t0), float(t1)))
        k0 = min(max(int(np.floor((a - _YEAR_MARGIN_S - fit.epoch) / SPACING_S)), lo), hi - 1)
        k1 = min(max(int(np.floor((b + _YEAR_MARGIN_S - fit.epoch) / SPACING_S)), lo), hi - 1)
    return list(range(_year_of(fit.epoch + k0 * SPACING_S), _year_of(fit.epoch + k1 * SPACING_S) + 1))
_LOCK_TIMEOUT_S = 600.0


def _tdb_date(et: float) -> str:
    import datetime as dt

    return (dt.datetime(2000, 1, 1, 12) + dt.timedelta(seconds=float(et))).strftime("%Y-%m-%d %H:%M TDB")


def _comment(fit: GalileanFit, first: float, last: float, spacing_s: float, degree: int) -> str:
    info = fit.info or {}
    sources = info.get("sources", {})
    excerpts = ", ".join(e["label"] for e in sources.get("excerpts", [])) or "(unknown)"
    lines = [
        "flyplan built-in Galilean-moon ephemeris",
        "",
        "Bodies 501 Io, 502 Europa, 503 Ganymede, 504 Callisto and 599 Jupiter relative to",
        "body 5 (Jupiter barycentre), frame J2000, TDB; SPK type 2 (Chebyshev), degree "
        f"{degree}, records of {spacing_s / 3600:g} h,",
        f"{_tdb_date(first)} to {_tdb_date(last)}.",
        "",
        "This is not a JPL product.  Prefer NAIF's jup3xx satellite ephemeris when available.",
        "",
        "Source: numerical integration of the four moons about Jupiter (point mass, J2, J4,",
        "J6 about the IAU pole with its periodic terms; mutual attraction with indirect",
        "terms; tides of the Sun, Saturn, Uranus and Neptune from de421), DOP853 8th order",
        f"at a fixed {fit.step:g} s step.  Initial states and the pole's mean terms fitted by",
        "least squares to one-day excerpts of JPL's jup310 "
        f"({excerpts}); GMs and harmonics are jup310's.",
        f"Fit: flyplan/data/galilean_fit.json ({info.get('generated_by', 'scripts/fit_galilean.py')}, "
        f"fit of {info.get('fit_date', '?')}), constants digest {fit.digest[:16]}.",
        "Jupiter (599) is placed so that GM(599) r(599) + sum GM(i) r(i) = 0 about body 5.",
        "",
        f"Accuracy: {ACCURACY_NOTE}.",
    ]
    held = info.get("held_out", [])
    if held:
        lines.append("Held-out test (fit two excerpts, predict the third), largest position error, km:")
        for h in held:
            res = h["residuals_km"][h["held_out"]]
            lines.append(f"  {h['held_out']}: " + ", ".join(
                f"{MOON_NAMES[int(b)]} {v['max_km']:.3f}" for b, v in res.items()))
    lines += ["", f"Generator: flyplan.ephemeris.moons_spk, version {GENERATOR_VERSION}."]
    return "\n".join(lines)


def _grid(fit: GalileanFit, start_et: float, stop_et: float, spacing_s: float) -> np.ndarray:
    """The integrator's grid, whole records of ``spacing_s`` spanning [start_et, stop_et]."""
    k0 = np.floor((start_et - fit.epoch) / spacing_s)
    k1 = max(np.ceil((stop_et - fit.epoch) / spacing_s), k0 + 1)
    per = int(round(spacing_s / fit.step))
    return fit.epoch + np.arange(k0 * per, k1 * per + 1) * fit.step


def _records(fit: GalileanFit, start_et: float, stop_et: float, spacing_s: float, degree: int,
             say: Callable[[str], None]):
    """The integrator's grid and its Chebyshev records: ``(et, first, coeffs)``.

    Numerical work only (numba, numpy, the de421 tables through jplephem): no
    SPICE call, so it may run in a thread while the caller uses SPICE.
    """
    from flyplan.ephemeris import _galilean_core as core
    from flyplan.ephemeris.spkwrite import chebyshev_records

    if not stop_et > start_et:
        raise ValueError("stop_et must be after start_et")
    if abs(spacing_s / fit.step - round(spacing_s / fit.step)) > 1e-9:
        raise ValueError(f"spacing_s must be a multiple of the integrator step ({fit.step:g} s)")
    et = _grid(fit, start_et, stop_et, spacing_s)
    if not core.propagate.signatures:
        say("loading the moon integrator (numba: compiled on first use, then cached)")
    say(f"integrating the Galilean moons {_tdb_date(et[0])[:10]} .. {_tdb_date(et[-1])[:10]}")
    states = system_states(et, fit)
    first, coeffs = chebyshev_records(et, states[..., :3], spacing_s, degree)
    return et, first, coeffs


def build_galilean_spk(path, start_et: float = DEFAULT_START_ET, stop_et: float = DEFAULT_STOP_ET,
                       progress: Callable[[str], None] | None = None, *, fit: GalileanFit | None = None,
                       spacing_s: float = SPACING_S, degree: int = DEGREE, records=None) -> Path:
    """Write the built-in moon ephemeris for ``start_et`` .. ``stop_et`` as an SPK.

    Parameters
    ----------
    path : path-like
        Destination; written atomically.
    start_et, stop_et : float
        TDB seconds past J2000 to cover (the file extends to the enclosing
        sample epochs).  Within 1900-2053.
    progress : callable, optional
        Receives short messages (what is being done).
    fit : GalileanFit, optional
        The model; the committed fit by default.
    spacing_s : float
        Length of the Chebyshev records, s; a multiple of the integrator step.
    degree : int
        Chebyshev degree of the type 2 records.
    records : concurrent.futures.Future, optional
        The records for these arguments, being computed elsewhere
        (:func:`start_galilean_spk`); only written here.

    Returns
    -------
    pathlib.Path
        ``path``.  The bytes depend only on the arguments and the fit: no
        time stamp is written.
    """
    from flyplan.ephemeris.spkwrite import ChebyshevSegment, write_spk

    say = progress or (lambda message: None)
    fit = fit or load_fit()
    t0 = time.perf_counter()
    if records is not None:
        et, first, coeffs = records.result()
        t0 = getattr(records, "started", t0)
    else:
        et, first, coeffs = _records(fit, start_et, stop_et, spacing_s, degree, say)
    segid = f"flyplan Galilean fit {fit.digest[:8]}"
    segments = [ChebyshevSegment(body, JUPITER_BARYCENTER, "J2000", first, spacing_s,
                                 coeffs[:, i], segid=segid)
                for i, body in enumerate(SPK_BODIES)]
    say(f"writing {path}")
    path = write_spk(path, segments, comment=_comment(fit, et[0], et[-1], spacing_s, degree),
                       internal_name="flyplan built-in Galilean moons")
    say(f"built-in moon ephemeris ready ({time.perf_counter() - t0:.1f} s, "
        f"{path.stat().st_size / 1e6:.1f} MB)")
    return path


def cache_name(year: int, fit: GalileanFit | None = None) -> str:
    """File name of ``year``'s cached SPK: changes with the fitted constants and the generator."""
    fit = fit or load_fit()
    key = (f"{GENERATOR_VERSION}|{fit.digest}|{DEFAULT_START_ET!r}|{DEFAULT_STOP_ET!r}|"
           f"{SPACING_S!r}|{DEGREE}")
    return f"galilean_jup310fit_{hashlib.sha256(key.encode()).hexdigest()[:12]}_{int(year)}.bsp"


def start_galilean_spk(t0: float | None = None, t1: float | None = None,
                       progress: Callable[[str], None] | None = None) -> Callable[[], list[Path]]:
    """Begin making the built-in moon SPKs of a window; returns the function that finishes them.

    When some of the window's year files (:func:`years_for`) are missing,
    their records are computed in a thread (numerical work only, no SPICE)
    while the caller goes on -- with SPICE, e.g. building the Juno model's
    SPK -- and calling the returned function writes the files (SPICE, in the
    caller's thread) and returns the window's paths, as :func:`galilean_spks`
    does.  The bytes are those :func:`galilean_spk` writes.  When the files
    are cached, nothing is started.
    """
    from concurrent.futures import ThreadPoolExecutor

    from flyplan.ephemeris import manifest
    from flyplan.paths import built_dir

    fit = load_fit()
    years = years_for(t0, t1, fit)
    paths = [built_dir() / cache_name(y, fit) for y in years]
    missing = [y for y, p in zip(years, paths) if not manifest.verified(p)]
    if not missing:
        return lambda: paths
    say = progress or (lambda message: None)
    say(f"building flyplan's built-in Galilean-moon ephemeris for {_years_text(missing)} "
        "(first use, a moment)")
    pool = ThreadPoolExecutor(1, thread_name_prefix="flyplan-moons")
    started = time.perf_counter()
    records = {}
    for y in missing:
        records[y] = pool.submit(_records, fit, *year_window(y, fit), SPACING_S, DEGREE, say)
        records[y].started = started
    pool.shutdown(wait=False)
    return lambda: [galilean_spk(y, progress, _records=records.get(y), _announced=True)
                    for y in years]


def _years_text(years) -> str:
    years = list(years)
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def galilean_spks(t0: float | None = None, t1: float | None = None,
                  progress: Callable[[str], None] | None = None) -> list[Path]:
    """The built-in moon SPKs a window ``t0 .. t1`` (ET) needs, built on first use.

    Parameters
    ----------
    t0, t1 : float, optional
        The window, TDB s past J2000; every year's file (2015 .. 2031) when
        not given.
    progress : callable, optional
        Receives short messages while files are built.

    Returns
    -------
    list of pathlib.Path
        One file per calendar year, in time order (:func:`galilean_spk`).
    """
    return start_galilean_spk(t0, t1, progress)()


def galilean_spk(year: int, progress: Callable[[str], None] | None = None, *, _records=None,
                 _announced: bool = False) -> Path:
    """The built-in moon ephemeris SPK of one calendar year in the cache, built on first use.

    Parameters
    ----------
    year : int
        TDB calendar year, one of :data:`YEARS`: the file holds the records
        starting in that year (:func:`year_window`).
    progress : callable, optional
        Receives short messages while the file is built (the CLI prints them
        on stderr); not called when the file is already there.

    Returns
    -------
    pathlib.Path
        ``<cache>/built/galilean_jup310fit_<hash>_<year>.bsp``.

    Raises
    ------
    KernelError
        When the cache cannot be written, or another process holds the build
        lock for too long.
    """
    from filelock import FileLock, Timeout

    from flyplan.paths import built_dir

    from flyplan.ephemeris import manifest

    fit = load_fit()
    path = built_dir() / cache_name(year, fit)
    # Used only when it is byte for byte what was built (the manifest's sha256).
    if manifest.verified(path):
        return path
    lock = FileLock(str(path) + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with lock.acquire(timeout=_LOCK_TIMEOUT_S):
            # another process may have built it while this one waited
            problem = manifest.check(path)
            if problem is not None:
                say = progress or (lambda message: None)
                if problem != "missing":
                    say(f"rebuilding {path.name}: {problem}")
                if not _announced:
                    say(f"building flyplan's built-in Galilean-moon ephemeris for {year} "
                        "(first use, a moment)")
                start_et, stop_et = year_window(year, fit)
                build_galilean_spk(path, start_et, stop_et, progress=progress, fit=fit,
                                   records=_records)
                manifest.record(path, "flyplan.ephemeris.moons_spk")
    except Timeout as exc:
        raise KernelError(
            "another flyplan process has been building the moon ephemeris for over "
            f"{_LOCK_TIMEOUT_S:.0f} s",
            kernel=str(path),
            hint=f"if no flyplan process is running, delete {lock.lock_file} and retry",
        ) from exc
    except OSError as exc:
        raise KernelError(
            f"cannot write the built-in moon ephemeris into the cache ({exc.strerror or exc})",
            kernel=str(path),
            hint="set FLYPLAN_CACHE to a folder you can write to",
        ) from exc
    return path
