"""The kernels loaded for a request, and what they mean for the results.

:func:`assemble` asks the kernel manager (:func:`flyplan.kernels.cache.complete`)
to make sure the cache holds what the window needs and to choose it (through
the one chooser, :mod:`flyplan.kernels.select`), then turns those choices into
a :class:`KernelSelection`: a :class:`~flyplan.kernels.pool.KernelSet` plus
labels saying where Juno's trajectory and the moons come from, falling back to
what flyplan supplies itself (its constants and leapseconds kernels, DE421
from the skyfield-data wheel, the built-in Galilean-moon ephemeris and the
built-in Juno model).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.constants import JUPITER
from flyplan.errors import CoverageError, FlyplanError
from flyplan.kernels import builtin, registry
from flyplan.kernels.files import serves
from flyplan.kernels.pool import KernelSet
from flyplan.kernels.registry import Candidate
from flyplan.kernels.select import SOURCES, juno_coverage_text

__all__ = ["KernelSelection", "base_kernels", "assemble", "extend_moons"]


@dataclass
class KernelSelection:
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


def _progress(message: str) -> None:
    print(message, file=sys.stderr)


def _add(ks: KernelSet, path: Path, note: str) -> None:
    """Add a found kernel with its provenance (download URL for cached ones)."""
    from flyplan.kernels.cache import provenance

    source, sha = provenance(path)
    ks.add(path, source=source, note=note, sha256=sha)


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
        _add(ks, lsk.path, "leapseconds")
    else:
        ks.add(builtin.leapseconds_kernel(), source="built-in",
               note="leap seconds of naif0012.tls, written by flyplan")
        notes.append("no NAIF leapseconds kernel found: using flyplan's copy of naif0012's table")
    pck = registry.best(cands, "pck")
    if pck:
        _add(ks, pck.path, "planetary constants")
    else:
        ks.add(builtin.constants_kernel(), source="built-in",
               note="Jupiter-system constants of pck00011.tpc, written by flyplan")
        notes.append("no NAIF PCK found: using flyplan's copy of pck00011's Jupiter constants")
    for role in ("gm", "fk", "ik", "ik_addendum", "sclk"):
        c = registry.best(cands, role)
        if c:
            _add(ks, c.path, role)
    return ks, notes


def assemble(t0: float, t1: float, *, cands: list[Candidate], source: str = "auto",
             moons: bool = True, pj: int | None = None,
             fetch: bool | None = None) -> KernelSelection:
    """Choose the kernels for the window ``[t0, t1]`` (ET).

    Parameters
    ----------
    t0, t1 : float
        Window, TDB seconds past J2000.  A leapseconds kernel must be loaded
        (only to word messages).
    cands : list of Candidate
        The kernels found (:func:`flyplan.kernels.select.candidates`).
    source : {"auto", "naif", "model"}
        Juno's trajectory: NAIF kernels only, flyplan's model only, or NAIF
        when it covers the window and the model otherwise.
    moons : bool
        Whether to look for a Galilean-moon ephemeris.
    pj : int, optional
        The perijove the window belongs to (needed for the model).
    fetch : bool, optional
        Let the kernel manager download the NAIF kernels the window needs and
        the directories lack; default: unless offline (``$FLYPLAN_OFFLINE``).
        Cached kernels are verified either way.

    Raises
    ------
    CoverageError
        When no source covers Juno over the window.
    FetchError
        When ``source="naif"`` and the Juno kernel covering the window
        cannot be fetched.
    """
    from flyplan.kernels import cache

    if source not in SOURCES:
        raise FlyplanError(f"unknown trajectory source {source!r}",
                           hint=f"choose one of {', '.join(SOURCES)}")
    cands, chosen, fetch_notes, failures = cache.complete(
        cands, t0, t1, source=source, moons=moons, fetching=fetch, progress=_progress)
    ks, notes = base_kernels(cands)
    sel = KernelSelection(ks, notes=fetch_notes + notes)
    orb = registry.best(cands, "orbnum")
    sel.orbnum = orb.path if orb else None

    # Satellites before planets: a satellite file's copies of the planets (some
    # excerpts carry broken ones) must not override the planetary ephemeris.
    if moons:
        finish = _start_moons(chosen, t0, t1)
        if finish is not None and pj is not None and (
                source == "model" or (source == "auto" and not chosen.chosen("juno_spk"))):
            # On a first use both built-in SPKs are made: the moons' integration
            # (a thread, no SPICE) runs while the Juno model's is built here.
            from flyplan.ephemeris import juno_model

            juno_model.model_spk(pj, progress=_progress)
        _add_moons(sel, chosen, cands, t0, t1, finish)
    else:
        sel.moons_label = "moons not asked for (--no-moons): moon columns omitted"

    planets = chosen.chosen("planets")
    if not planets:
        raise CoverageError("no planetary ephemeris covers the window",
                            hint="install skyfield-data or fetch de440s.bsp")
    item = planets[0]
    if item.status == "built-in":
        ks.add(item.path, source="skyfield-data wheel", note="JPL DE421 planetary ephemeris")
    else:
        _add(ks, item.path, "planetary ephemeris")

    struct = registry.best(cands, "struct")
    if struct:
        _add(ks, struct.path, "Juno structure offsets")

    if source in ("auto", "naif"):
        files = chosen.chosen("juno_spk")
        for i in files:
            _add(ks, i.path, f"Juno trajectory, {i.note}")
        if files:
            sel.trajectory = "naif"
            kinds = {i.note for i in files}
            sel.trajectory_label = (f"NAIF {'/'.join(sorted(kinds))} trajectory: "
                                    + ", ".join(i.name for i in files))
            return sel
        if source == "naif":
            from flyplan.timeutil import et_to_utc

            raise CoverageError(
                f"no Juno trajectory kernel covers {et_to_utc(t0, 0)} .. {et_to_utc(t1, 0)}",
                kernel="spk_rec_*/spk_pre_* (Juno, NAIF id -61)",
                covered=juno_coverage_text(cands),
                hint="fetch the kernels (flyplan kernels fetch), narrow --window, or use "
                     "--source model for flyplan's approximate trajectory")
    juno_failures = [f for name, f in failures.items() if name.startswith("spk_")]
    _add_model(sel, pj, t0, t1, cands, juno_failures)
    return sel


def _start_moons(chosen, t0, t1):
    """Start making the window's built-in moon SPKs (one per year) if they are not cached."""
    from flyplan.ephemeris import moons_spk

    if chosen.chosen("satellites") or not moons_spk.covers(t0, t1):
        return None
    return moons_spk.start_galilean_spk(t0, t1, progress=_progress)


def _add_builtin_moons(kernels, paths) -> bool:
    """Add the built-in moon SPKs ``paths`` not in ``kernels`` yet; whether any was added."""
    from flyplan.ephemeris import moons_spk

    new = [p for p in paths if p not in kernels]
    for path in new:
        kernels.add(path, source="built-in", note=moons_spk.ACCURACY_NOTE)
    return bool(new)


def extend_moons(sel: KernelSelection, t0: float, t1: float) -> None:
    """Load the built-in moon ephemeris of a selection over [t0, t1] as well.

    The built-in ephemeris is one file per calendar year, chosen for the
    window the selection was made for; a search over a longer span (a whole
    orbit) may reach into the year before or after.  Nothing happens for a
    JPL satellite file or no moons, or outside the ephemeris' span.

    Parameters
    ----------
    sel : KernelSelection
        A selection made by :func:`assemble` (its kernels loaded).
    t0, t1 : float
        The span, TDB seconds past J2000.
    """
    from flyplan.ephemeris import moons_spk

    if sel.moons != "built-in":
        return
    t0, t1 = max(t0, moons_spk.DEFAULT_START_ET), min(t1, moons_spk.DEFAULT_STOP_ET)
    if t0 < t1 and _add_builtin_moons(sel.kernels, moons_spk.galilean_spks(t0, t1, progress=_progress)):
        sel.kernels.load()


def _add_moons(sel: KernelSelection, chosen, cands, t0, t1, finish=None) -> None:
    from flyplan.ephemeris import moons_spk

    found = chosen.chosen("satellites")
    if found:
        _add(sel.kernels, found[0].path, "JPL Jupiter satellite ephemeris")
        sel.moons, sel.moons_label = "naif", f"JPL satellite ephemeris {found[0].name}"
        return
    if moons_spk.covers(t0, t1):
        # One file per calendar year; adjacent years' segments meet end to end.
        paths = finish() if finish is not None else moons_spk.galilean_spks(t0, t1, progress=_progress)
        _add_builtin_moons(sel.kernels, paths)
        sel.moons, sel.moons_label = "built-in", moons_spk.ACCURACY_NOTE
        if any(c.role == "satellites" for c in cands):
            sel.notes.append("NAIF satellite ephemerides found do not cover the window: "
                             "using flyplan's built-in Galilean ephemeris")
        return
    sel.moons = None
    sel.moons_label = ("no Galilean-moon ephemeris covers this window (a JPL jup3xx.bsp or "
                       "flyplan's built-in ephemeris is needed; `flyplan kernels fetch "
                       "--satellites` fetches JPL's): moon columns omitted")
    sel.notes.append(sel.moons_label)


def _add_model(sel: KernelSelection, pj, t0, t1, cands, failures=()) -> None:
    from flyplan.ephemeris import juno_model

    if pj is None:
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
    sel.kernels.add(path, source="built-in", note=label)
    sel.trajectory, sel.trajectory_label, sel.approximate = "model", label, True
    # The model gives Juno relative to Jupiter's centre (599); reaching the Sun
    # and Earth needs 599 relative to the barycentre (5), which only a
    # satellite ephemeris has.  Without one, place the centre at the barycentre
    # (off by < 200 km, which moves the Sun's direction by < 3e-7 rad), loaded
    # first so that any real source overrides it.
    if not any(serves(k.path, [JUPITER], t0, t1) for k in sel.kernels.of_kind("spk")
               if k.path != path):
        sel.kernels.add(builtin.jupiter_at_barycentre_spk(), source="built-in", first=True,
                        note="Jupiter's centre placed at the system barycentre (< 200 km)")
        sel.notes.append("no satellite ephemeris covers the window: Jupiter's centre is "
                         "placed at the Jupiter-system barycentre (< 200 km; Sun and Earth "
                         "directions unaffected)")
