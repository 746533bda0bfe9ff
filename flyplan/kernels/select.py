"""Which kernels serve a request, and how sure we are of them.

Given a time window (and the perijove it belongs to), pick from the kernel
directories (``--kernels DIR`` / ``$FLYPLAN_KERNELS``, then flyplan's cache)
the smallest set that covers it, falling back to what flyplan can supply
itself: its constants and leapseconds kernels, DE421 from the skyfield-data
wheel, the built-in Galilean-moon ephemeris and the built-in Juno model.  The
result is a :class:`KernelPlan`: a :class:`~flyplan.kernels.pool.KernelSet` plus
labels saying where the trajectory and the moons come from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.kernels import builtin
from flyplan.kernels import registry
from flyplan.constants import (
    EARTH,
    EARTH_BARYCENTER,
    JUNO,
    JUPITER,
    JUPITER_BARYCENTER,
    MOON_IDS,
    SUN,
)
from flyplan.errors import CoverageError
from flyplan.kernels.pool import KernelSet
from flyplan.kernels.registry import Candidate

# What the planetary ephemeris must serve: the Sun (illumination, local time),
# Jupiter's barycentre, and the Earth (light time, Earth-pointed attitude).
PLANET_BODIES = (SUN, JUPITER_BARYCENTER, EARTH_BARYCENTER, EARTH)

__all__ = ["KernelPlan", "kernel_dirs", "candidates", "base_kernels", "assemble", "choose_planets",
           "PLANET_BODIES", "SOURCES"]

SOURCES = ("auto", "naif", "model")


@dataclass
class KernelPlan:
    """The kernels chosen for a request and what they mean for the results.

    Attributes
    ----------
    kernels : KernelSet
        What to load, in load order.
    trajectory : str
        ``"naif"`` or ``"model"``.
    trajectory_label : str
        Human-readable origin of Juno's trajectory (file names or model row).
    approximate : bool
        True when the trajectory is flyplan's model, not a NAIF kernel.
    moons : str or None
        ``"naif"``, ``"built-in"`` or None when no moon ephemeris covers the window.
    moons_label : str
        Origin and accuracy of the moon positions, or why they are absent.
    notes : list of str
        One-line notes for the user (skipped kernels, fallbacks).
    orbnum : pathlib.Path or None
        A NAIF ORBNUM file, when one was found.
    """

    kernels: KernelSet
    trajectory: str = "naif"
    trajectory_label: str = ""
    approximate: bool = False
    moons: str | None = None
    moons_label: str = ""
    notes: list = field(default_factory=list)
    orbnum: Path | None = None

    def describe(self) -> dict:
        """Provenance as a dictionary for CSV/JSON metadata."""
        return {
            "trajectory": self.trajectory,
            "trajectory_label": self.trajectory_label,
            "approximate": self.approximate,
            "moons": self.moons,
            "moons_label": self.moons_label,
            "notes": list(self.notes),
        }


def kernel_dirs(kernels: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched for kernels, most preferred first.

    The explicit directory (``--kernels``) or ``$FLYPLAN_KERNELS``, then the
    cache of downloaded NAIF kernels when it exists.
    """
    from flyplan.kernels.paths import naif_cache_dir, user_kernel_dir

    dirs = []
    explicit = Path(kernels).expanduser() if kernels else user_kernel_dir()
    if explicit is not None:
        dirs.append(explicit)
    cache = naif_cache_dir()
    if cache.is_dir():
        dirs.append(cache)
    return dirs


def candidates(dirs: list[Path]) -> list[Candidate]:
    """Every recognised kernel file in ``dirs`` (a name found twice: first directory wins).

    A file in flyplan's cache that is not a sound kernel (truncated, wrong
    header) is removed -- the kernel manager fetches it again -- where one in
    a user's directory is an error naming it.
    """
    from flyplan.kernels.paths import naif_cache_dir

    cache = naif_cache_dir()
    seen, out = set(), []
    for d in dirs:
        on_bad = _drop_corrupt if d == cache else None
        for c in registry.scan(d, on_bad=on_bad):
            if c.name not in seen:
                seen.add(c.name)
                out.append(c)
    return out


def _drop_corrupt(path: Path, error) -> None:
    from flyplan.kernels.fetch import discard_if_corrupt

    if discard_if_corrupt(path):
        _progress(f"removed corrupt cached kernel {path.name} ({error.message})")


def _add(ks: KernelSet, c: Candidate, note: str) -> None:
    """Add a found kernel with its provenance (download URL for cached ones)."""
    from flyplan.kernels.cache import provenance

    source, sha = provenance(c.path)
    ks.add(c.path, source=source, note=note, sha256=sha)


def base_kernels(cands: list[Candidate]) -> tuple[KernelSet, list[str]]:
    """Leapseconds, constants and Juno's frame/instrument kernels.

    NAIF's files when present; otherwise flyplan's built-in LSK and PCK.

    Returns
    -------
    (KernelSet, list of str)
        The set and notes on what was substituted.
    """
    ks, notes = KernelSet(), []
    lsk = registry.best(cands, "lsk")
    if lsk:
        _add(ks, lsk, "leapseconds")
    else:
        ks.add(builtin.leapseconds_kernel(), source="built-in",
               note="leap seconds of naif0012.tls, written by flyplan")
        notes.append("no NAIF leapseconds kernel found: using flyplan's copy of naif0012's table")
    pck = registry.best(cands, "pck")
    if pck:
        _add(ks, pck, "planetary constants")
    else:
        ks.add(builtin.constants_kernel(), source="built-in",
               note="Jupiter-system constants of pck00011.tpc, written by flyplan")
        notes.append("no NAIF PCK found: using flyplan's copy of pck00011's Jupiter constants")
    for role in ("gm", "fk", "ik", "ik_addendum", "sclk"):
        c = registry.best(cands, role)
        if c:
            _add(ks, c, role)
    return ks, notes


def _spk_cover(path: Path, body: int) -> list[tuple[float, float]]:
    import spiceypy

    cover = spiceypy.spkcov(str(path), int(body))
    return [spiceypy.wnfetd(cover, i) for i in range(spiceypy.wncard(cover))]


def _covers(path: Path, bodies, t0: float, t1: float) -> bool:
    """Whether ``path`` has readable segments for every body over ``t0 .. t1``."""
    from flyplan.kernels.pool import damaged_spk_bodies

    return _spans(path, bodies, t0, t1) and not set(bodies) & set(damaged_spk_bodies(path))


def _spans(path: Path, bodies, t0: float, t1: float) -> bool:
    return all(any(a <= t0 and t1 <= b for a, b in _spk_cover(path, body)) for body in bodies)


def choose_planets(cands, t0: float, t1: float) -> tuple[Candidate | None, list[str]]:
    """The preferred planetary SPK serving :data:`PLANET_BODIES` over ``t0 .. t1``.

    Returns the candidate (None when none serves) and one note for each
    better-ranked file that covers the window but was passed over because a
    segment it needed is damaged (:func:`flyplan.kernels.pool.damaged_spk_bodies`).
    """
    from flyplan.kernels.pool import damaged_spk_bodies

    notes = []
    ranked = sorted((c for c in cands if c.role == "planets"), key=lambda c: c.rank, reverse=True)
    for c in ranked:
        if not _spans(c.path, PLANET_BODIES, t0, t1):
            continue
        bad = {b: why for b, why in damaged_spk_bodies(c.path).items() if b in PLANET_BODIES}
        if not bad:
            return c, notes
        notes.append(f"{c.name}: not used, damaged segment(s) for "
                     + "; ".join(f"{b} ({why})" for b, why in sorted(bad.items())))
    return None, notes


def _juno_files(cands: list[Candidate], t0: float, t1: float) -> list[Candidate]:
    """Juno SPKs that together cover [t0, t1], least preferred first (SPICE: last wins).

    Reconstructed before predicted, newer before older, one file before
    several: :func:`flyplan.kernels.cache.choose`.
    """
    from flyplan.kernels.cache import choose

    return choose([(c.rank, _spk_cover(c.path, JUNO), c) for c in cands
                   if c.role == "juno_spk"], t0, t1)


def _union_covers(intervals, t0, t1) -> bool:
    t = t0
    for a, b in sorted(intervals):
        if a > t:
            return False
        t = max(t, b)
        if t >= t1:
            return True
    return t >= t1


def juno_coverage_text(cands: list[Candidate]) -> str:
    """Human-readable coverage of every Juno trajectory file found."""
    from flyplan.timeutil import et_to_utc

    parts = []
    for c in sorted((c for c in cands if c.role == "juno_spk"), key=lambda c: c.name):
        for a, b in _spk_cover(c.path, JUNO):
            parts.append(f"{c.name}: {et_to_utc(a, 0)} .. {et_to_utc(b, 0)}")
    return "; ".join(parts) or "no Juno trajectory kernel found"


def assemble(t0: float, t1: float, *, kernels=None, source: str = "auto", moons: bool = True,
             pj: int | None = None, cands: list[Candidate] | None = None,
             fetch: bool | None = None) -> KernelPlan:
    """Choose the kernels for the window ``[t0, t1]`` (ET).

    Parameters
    ----------
    t0, t1 : float
        Window, TDB seconds past J2000.  A leapseconds kernel must be loaded
        (only to word messages).
    kernels : path-like, optional
        Kernel directory (else ``$FLYPLAN_KERNELS``), searched before the cache.
    source : {"auto", "naif", "model"}
        Juno's trajectory: NAIF kernels only, flyplan's model only, or NAIF
        when it covers the window and the model otherwise.
    moons : bool
        Whether to look for a Galilean-moon ephemeris.
    pj : int, optional
        The perijove the window belongs to (needed for the model).
    cands : list of Candidate, optional
        Pre-scanned candidates (saves a directory walk).
    fetch : bool, optional
        Let the kernel manager (:mod:`flyplan.kernels.cache`) download the NAIF
        kernels the window needs and the directories lack; default: unless
        offline (``$FLYPLAN_OFFLINE``).  Cached kernels are verified either way.

    Raises
    ------
    CoverageError
        When no source covers Juno over the window.
    FetchError
        When ``source="naif"`` and the Juno kernel covering the window
        cannot be fetched.
    """
    from flyplan.kernels import cache as manager

    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    if cands is None:
        cands = candidates(kernel_dirs(kernels))
    cands, fetch_notes, failures = manager.complete(cands, t0, t1, source=source, moons=moons,
                                                    fetching=fetch, progress=_progress)
    ks, notes = base_kernels(cands)
    plan = KernelPlan(ks, notes=fetch_notes + notes)
    orb = registry.best(cands, "orbnum")
    plan.orbnum = orb.path if orb else None

    # Satellites before planets: a satellite file's copies of the planets (some
    # excerpts carry broken ones) must not override the planetary ephemeris.
    if moons:
        _add_moons(plan, cands, t0, t1)
    else:
        plan.moons_label = "moons not asked for (--no-moons): moon columns omitted"

    chosen, damaged = choose_planets(cands, t0, t1)
    # The manager's notes (online) may already say the same.
    plan.notes.extend(n for n in damaged if n not in plan.notes)
    if chosen:
        _add(ks, chosen, "planetary ephemeris")
    else:
        de421 = builtin.planetary_spk()
        if de421 is None:
            raise CoverageError("no planetary ephemeris covers the window",
                                hint="install skyfield-data or fetch de440s.bsp")
        ks.add(de421, source="skyfield-data wheel", note="JPL DE421 planetary ephemeris")

    struct = registry.best(cands, "struct")
    if struct:
        _add(ks, struct, "Juno structure offsets")

    if source in ("auto", "naif"):
        files = _juno_files(cands, t0, t1)
        for c in files:
            _add(ks, c, "Juno trajectory, " + ("reconstructed" if c.juno.reconstructed
                                               else "predicted"))
        if files:
            plan.trajectory = "naif"
            kinds = {("reconstructed" if c.juno.reconstructed else "predicted") for c in files}
            plan.trajectory_label = (f"NAIF {'/'.join(sorted(kinds))} trajectory: "
                                     + ", ".join(c.name for c in files))
            return plan
        if source == "naif":
            from flyplan.timeutil import et_to_utc

            raise CoverageError(
                f"no Juno trajectory kernel covers {et_to_utc(t0, 0)} .. {et_to_utc(t1, 0)}",
                kernel="spk_rec_*/spk_pre_* (Juno, NAIF id -61)",
                covered=juno_coverage_text(cands),
                hint="fetch the kernels (flyplan kernels fetch), narrow --window, or use "
                     "--source model for flyplan's approximate trajectory")
    juno_failures = [f for name, f in failures.items() if name.startswith("spk_")]
    _add_model(plan, pj, t0, t1, cands, juno_failures)
    return plan


def _add_moons(plan: KernelPlan, cands, t0, t1) -> None:
    sats = sorted((c for c in cands if c.role == "satellites"), key=lambda c: c.rank, reverse=True)
    chosen = next((c for c in sats if _covers(c.path, list(MOON_IDS), t0, t1)), None)
    if chosen:
        _add(plan.kernels, chosen, "JPL Jupiter satellite ephemeris")
        plan.moons, plan.moons_label = "naif", f"JPL satellite ephemeris {chosen.name}"
        return
    try:
        from flyplan.ephemeris import moons_spk
    except ImportError:
        moons_spk = None
    if moons_spk is not None and moons_spk.covers(t0, t1):
        path = moons_spk.galilean_spk(progress=_progress)
        plan.kernels.add(path, source="built-in", note=moons_spk.ACCURACY_NOTE)
        plan.moons, plan.moons_label = "built-in", moons_spk.ACCURACY_NOTE
        if sats:
            plan.notes.append("NAIF satellite ephemerides found do not cover the window: "
                              "using flyplan's built-in Galilean ephemeris")
        return
    plan.moons = None
    plan.moons_label = ("no Galilean-moon ephemeris covers this window (a JPL jup3xx.bsp or "
                        "flyplan's built-in ephemeris is needed; `flyplan kernels fetch "
                        "--satellites` fetches JPL's): moon columns omitted")
    plan.notes.append(plan.moons_label)


def _add_model(plan: KernelPlan, pj, t0, t1, cands, failures=()) -> None:
    try:
        from flyplan.ephemeris import juno_model
    except ImportError:
        juno_model = None
    if juno_model is None or pj is None:
        from flyplan.timeutil import et_to_utc

        hint = "fetch the kernels (flyplan kernels fetch) or choose a covered time"
        if failures:
            hint = "; ".join(f"{f.message} -- {f.hint}" if f.hint else f.message
                             for f in failures)
        raise CoverageError(
            f"no Juno trajectory kernel covers {et_to_utc(t0, 0)} .. {et_to_utc(t1, 0)}",
            kernel="spk_rec_*/spk_pre_* (Juno, NAIF id -61)",
            covered=juno_coverage_text(cands), hint=hint)
    path = juno_model.model_spk(pj, progress=_progress)
    label = juno_model.describe(pj)
    plan.kernels.add(path, source="built-in", note=label)
    plan.trajectory, plan.trajectory_label, plan.approximate = "model", label, True
    # The model gives Juno relative to Jupiter's centre (599); reaching the Sun
    # and Earth needs 599 relative to the barycentre (5), which only a
    # satellite ephemeris has.  Without one, place the centre at the barycentre
    # (off by < 200 km, which moves the Sun's direction by < 3e-7 rad), loaded
    # first so that any real source overrides it.
    if not any(_covers(k.path, [JUPITER], t0, t1) for k in plan.kernels.of_kind("spk")
               if k.path != path):
        plan.kernels.add(builtin.jupiter_at_barycentre_spk(), source="built-in", first=True,
                         note="Jupiter's centre placed at the system barycentre (< 200 km)")
        plan.notes.append("no satellite ephemeris covers the window: Jupiter's centre is "
                          "placed at the Jupiter-system barycentre (< 200 km; Sun and Earth "
                          "directions unaffected)")


def _progress(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)
