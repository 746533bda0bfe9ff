"""The one chooser: which kernel file serves body B over ``[t0, t1]``.

Every decision of that kind is made here, once, for both uses: planning what
to download (:mod:`flyplan.kernels.cache` passes the registry's and the
listing's entries as ``remote`` options) and assembling what is loaded
(:mod:`flyplan.kernels.assemble` takes the choices of the last plan).

Preferences:

- Juno's trajectory: reconstructed beats predicted, a newer production date
  beats an older one, one file covering the window beats several, local beats
  remote for the same name (:func:`choose`).
- Planetary ephemeris: the highest-ranked file that serves
  :data:`PLANET_BODIES` over the window with no damaged segment, then DE421
  from the skyfield-data wheel, then a registry file to fetch.
- Galilean moons: the highest-ranked satellite file serving 501-504, then (for
  planning) a registry file, unless flyplan's built-in ephemeris serves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.constants import EARTH, EARTH_BARYCENTER, JUNO, JUPITER_BARYCENTER, MOON_IDS, SUN
from flyplan.kernels import registry
from flyplan.kernels.files import damaged_spk_bodies, serves, spans, spk_cover, union_covers
from flyplan.kernels.registry import Candidate, Entry

__all__ = ["PLANET_BODIES", "SOURCES", "Choice", "kernel_dirs", "candidates", "choose",
           "choose_juno", "choose_planets", "choose_satellites", "juno_coverage_text"]

# What the planetary ephemeris must serve: the Sun (illumination, local time),
# Jupiter's barycentre, and the Earth (light time, Earth-pointed attitude).
PLANET_BODIES = (SUN, JUPITER_BARYCENTER, EARTH_BARYCENTER, EARTH)

SOURCES = ("auto", "naif", "model")


@dataclass
class Choice:
    """What serves one role over a window.

    Attributes
    ----------
    role : str
        Registry role (``"planets"``, ``"satellites"``, ``"juno_spk"``).
    files : list
        :class:`~flyplan.kernels.registry.Candidate` (found locally) or
        :class:`~flyplan.kernels.registry.Entry` (to fetch), least preferred
        first (SPICE lets the last loaded file win).  Empty when nothing does.
    builtin : pathlib.Path or None
        A file flyplan itself supplies instead (DE421 from the skyfield-data wheel).
    notes : list of str
        Better-ranked files passed over, and why.
    """

    role: str
    files: list = field(default_factory=list)
    builtin: Path | None = None
    notes: list = field(default_factory=list)


def kernel_dirs(kernels: str | os.PathLike | None = None) -> list[Path]:
    """Directories searched for kernels, most preferred first.

    The explicit directory (``--kernels``) or ``$FLYPLAN_KERNELS``, then the
    cache of downloaded NAIF kernels when it exists.
    """
    from flyplan.paths import naif_cache_dir, user_kernel_dir

    dirs = []
    explicit = Path(kernels).expanduser() if kernels else user_kernel_dir()
    if explicit is not None:
        dirs.append(explicit)
    cache = naif_cache_dir()
    if cache.is_dir():
        dirs.append(cache)
    return dirs


def candidates(dirs: list[Path], *, progress=None) -> list[Candidate]:
    """Every recognised kernel file in ``dirs`` (a name found twice: first directory wins).

    A file in flyplan's cache that is not a sound kernel (truncated, wrong
    header) is removed -- the kernel manager fetches it again -- where one in
    a user's directory is an error naming it.
    """
    from flyplan.kernels.fetch import discard_if_corrupt
    from flyplan.paths import naif_cache_dir

    def drop(path: Path, error) -> None:
        if discard_if_corrupt(path) and progress:
            progress(f"removed corrupt cached kernel {path.name} ({error.message})")

    cache = naif_cache_dir()
    seen, out = set(), []
    for d in dirs:
        for c in registry.scan(d, on_bad=drop if d == cache else None):
            if c.name not in seen:
                seen.add(c.name)
                out.append(c)
    return out


def _covers_iv(intervals, t0, t1) -> bool:
    return any(a <= t0 and t1 <= b for a, b in intervals)


def choose(options, t0: float, t1: float) -> list:
    """The preferred options that together cover ``[t0, t1]``, least preferred first.

    Parameters
    ----------
    options : list of (key, intervals, object)
        ``key`` orders preference (higher is better) and starts with True for
        a reconstructed trajectory; ``intervals`` are the ET spans covered.

    Returns
    -------
    list
        Reconstructed files when they can cover the window: the best one
        covering it, else the best ones until their union covers it.  Else
        all files in order of preference until their union covers the window
        (reconstructed where they reach, the newest predicted filling the
        rest).  Empty when even all of them do not cover it.  Least preferred
        first, as SPICE lets the last loaded file win.
    """
    ranked = sorted(options, key=lambda o: o[0], reverse=True)
    for tier, single_first in (([o for o in ranked if o[0][0]], True), (ranked, False)):
        single = [o for o in tier if _covers_iv(o[1], t0, t1)] if single_first else []
        if single:
            return [single[0][2]]
        chosen, spans_ = [], []
        for _key, iv, obj in tier:
            overlap = [(a, b) for a, b in iv if b > t0 and a < t1]
            if not overlap:
                continue
            chosen.append(obj)
            spans_ += overlap
            if union_covers(spans_, t0, t1):
                return list(reversed(chosen))
    return []


def choose_juno(cands: list[Candidate], t0: float, t1: float, remote=()) -> Choice:
    """Juno trajectory files serving ``[t0, t1]``: local ones (their real coverage)
    and, when the local ones do not give a reconstructed trajectory, ``remote``
    entries (coverage from their names)."""
    local = [c for c in cands if c.role == "juno_spk"]
    options = [((c.juno.reconstructed, c.juno.produced, True, c.name), spk_cover(c.path, JUNO), c)
               for c in local]
    picked = choose(options, t0, t1)
    if (picked and all(c.juno.reconstructed for c in picked)) or not remote:
        return Choice("juno_spk", picked)
    names = {c.name for c in local}
    for e in remote:
        j = e.juno
        if j is None or e.name in names:
            continue
        options.append(((j.reconstructed, j.produced, False, e.name), [e.interval()], e))
    return Choice("juno_spk", choose(options, t0, t1))


def choose_planets(cands: list[Candidate], t0: float, t1: float, remote=()) -> Choice:
    """The planetary ephemeris serving :data:`PLANET_BODIES` over ``[t0, t1]``.

    A better-ranked file that covers the window but has a damaged segment it
    would need (:func:`flyplan.kernels.files.damaged_spk_bodies`) is passed
    over with a note; then DE421 from the skyfield-data wheel; then the first
    ``remote`` entry whose name's span covers the window.
    """
    from flyplan.kernels import builtin

    out = Choice("planets")
    ranked = sorted((c for c in cands if c.role == "planets"), key=lambda c: c.rank, reverse=True)
    for c in ranked:
        if not spans(c.path, PLANET_BODIES, t0, t1):
            continue
        bad = {b: why for b, why in damaged_spk_bodies(c.path).items() if b in PLANET_BODIES}
        if not bad:
            out.files = [c]
            return out
        out.notes.append(f"{c.name}: not used, damaged segment(s) for "
                         + "; ".join(f"{b} ({why})" for b, why in sorted(bad.items())))
    de421 = builtin.planetary_spk()
    if de421 is not None and serves(de421, PLANET_BODIES, t0, t1):
        out.builtin = Path(de421)
        return out
    for e in remote:
        if e.role == "planets" and _covers_iv([e.interval()], t0, t1):
            out.files = [e]
            return out
    return out


def choose_satellites(cands: list[Candidate], t0: float, t1: float, remote=()) -> Choice:
    """The Galilean-moon ephemeris (501-504) serving ``[t0, t1]``: the highest-ranked
    local satellite file, else the first ``remote`` entry whose span covers it."""
    out = Choice("satellites")
    ranked = sorted((c for c in cands if c.role == "satellites"), key=lambda c: c.rank,
                    reverse=True)
    local = next((c for c in ranked if serves(c.path, list(MOON_IDS), t0, t1)), None)
    if local is not None:
        out.files = [local]
        return out
    e = next((e for e in remote if e.role == "satellites" and _covers_iv([e.interval()], t0, t1)),
             None)
    if e is not None:
        out.files = [e]
    return out


def juno_coverage_text(cands: list[Candidate]) -> str:
    """Human-readable coverage of every Juno trajectory file found."""
    from flyplan.timeutil import et_to_utc

    parts = []
    for c in sorted((c for c in cands if c.role == "juno_spk"), key=lambda c: c.name):
        for a, b in spk_cover(c.path, JUNO):
            parts.append(f"{c.name}: {et_to_utc(a, 0)} .. {et_to_utc(b, 0)}")
    return "; ".join(parts) or "no Juno trajectory kernel found"


def is_remote(obj) -> bool:
    """Whether a chosen file is a registry/listing entry still to be fetched."""
    return isinstance(obj, Entry)
