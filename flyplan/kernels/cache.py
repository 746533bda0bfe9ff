"""The kernel manager: which NAIF kernels a request needs, and getting them.

For a time window (a perijove's, or one given in UTC) :func:`needs` lists the
smallest set of kernels that serves it -- leapseconds, planetary constants,
a planetary ephemeris, Juno's trajectory, optionally the Galilean moons'
ephemeris and Juno's frame/instrument/clock kernels -- and for each says
whether it is in a local kernel directory, in flyplan's cache, served by a
built-in substitute, or to be fetched from NAIF's archive (or a mirror); the
choices themselves are :mod:`flyplan.kernels.select`'s.  :func:`provide`
fetches what is missing (:mod:`flyplan.kernels.fetch`: verified, atomic,
locked); :func:`complete` is what :func:`flyplan.kernels.assemble.assemble`
calls, turning failures into one-line notes where flyplan can do without the
kernel and into errors where it cannot.

Juno trajectory files are chosen from the local directories, the registry
(``flyplan/data/registry.toml``) and NAIF's directory listing (read at most
once a day, cached).  The listing is consulted only when the local files do
not already give a reconstructed trajectory, so a request whose kernels are
cached makes no network request at all.  The cache's status and cleaning
(:func:`cache_status`, :func:`clean_cache`) live here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.errors import FetchError
from flyplan.kernels import fetch, registry, select
from flyplan.kernels.registry import Candidate, Entry

__all__ = ["Item", "Needs", "Outcome", "needs", "provide", "complete", "provenance",
           "cache_status", "clean_cache", "MAX_AUTO_FETCH_BYTES"]

# Kernels bigger than this ($FLYPLAN_MAX_AUTO_FETCH) are fetched only when
# asked for (kernels fetch --satellites): nobody should find a 1 GB download
# started by `perijove`.
MAX_AUTO_FETCH_BYTES = 200_000_000


def _max_auto_fetch() -> int:
    try:
        return int(os.environ.get("FLYPLAN_MAX_AUTO_FETCH", MAX_AUTO_FETCH_BYTES))
    except ValueError:
        return MAX_AUTO_FETCH_BYTES

_BASE_ROLES = ("lsk", "pck")
_INSTRUMENT_ROLES = ("gm", "fk", "ik", "ik_addendum", "sclk", "struct")


@dataclass
class Item:
    """One kernel of a survey (:class:`Needs`).

    Attributes
    ----------
    role : str
        Registry role (``"lsk"``, ``"juno_spk"``, ...).
    name : str
        File name.
    status : str
        ``"local"`` (a ``--kernels`` directory), ``"cached"``, ``"fetch"`` (to be
        downloaded), ``"built-in"`` (flyplan's substitute), ``"skipped"`` (not
        needed, see ``note``) or ``"missing"`` (nothing known serves it).
    path : pathlib.Path or None
        Where it is, or where it will be in the cache.
    url : str or None
        Where it comes from (recorded download URL, or the URL to fetch).
    entry : registry.Entry or None
        The registry/listing entry, for files to fetch.
    size : int or None
        Bytes (approximate when ``size_approx``).
    size_approx : bool
    note : str
    """

    role: str
    name: str
    status: str
    path: Path | None = None
    url: str | None = None
    entry: Entry | None = None
    size: int | None = None
    size_approx: bool = False
    note: str = ""

    def as_dict(self) -> dict:
        return {"role": self.role, "name": self.name, "status": self.status,
                "path": str(self.path) if self.path else None, "url": self.url,
                "size": self.size, "size_approx": self.size_approx,
                "sha256": self.entry.sha256 if self.entry else None, "note": self.note}


@dataclass
class Needs:
    """The kernels a window needs and where each is to come from.

    Attributes
    ----------
    t0, t1 : float or None
        The window, ET (None: no window, generic kernels only).
    items : list of Item
    notes : list of str
        One-line notes (listing problems, kernels skipped and why).
    warnings : list of str
        Files found but passed over because they are damaged: said always.
    base : str
        Base URL downloads come from.
    """

    t0: float | None
    t1: float | None
    items: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    base: str = ""

    def chosen(self, role: str) -> list[Item]:
        """The items of ``role`` that can be loaded now (local, cached or built-in)."""
        return [i for i in self.items
                if i.role == role and i.status in ("local", "cached", "built-in") and i.path]

    @property
    def to_fetch(self) -> list[Item]:
        return [i for i in self.items if i.status == "fetch"]

    def of_role(self, role: str) -> list[Item]:
        return [i for i in self.items if i.role == role]


@dataclass
class Outcome:
    """What :func:`provide` did.

    Attributes
    ----------
    needs : Needs
        The last survey (after fetching, what is cached is marked so).
    cands : list of Candidate
        The candidates, with the fetched files added and corrupt ones removed.
    fetched : list of flyplan.kernels.fetch.Fetched
    failures : dict
        File name -> :class:`~flyplan.errors.FetchError`.
    removed : list of (pathlib.Path, str)
        Corrupt cached files removed, and why.
    """

    needs: Needs
    cands: list
    fetched: list = field(default_factory=list)
    failures: dict = field(default_factory=dict)
    removed: list = field(default_factory=list)


def _in_cache(path: Path) -> bool:
    from flyplan.paths import naif_cache_dir

    root = os.path.normpath(naif_cache_dir())
    p = os.path.normpath(path)
    return os.path.commonpath([root, p]) == root


def _preferred(role: str, exclude=()) -> Entry | None:
    """The registry's first (preferred) kernel of ``role``, unless it is excluded.

    Older versions listed after it serve when they are found locally; they
    are not fetched in its stead (flyplan's built-ins are the better fallback).
    """
    e = next((e for e in registry.known() if e.role == role), None)
    return None if e is None or e.name in exclude else e


def _have(c: Candidate, role: str, note: str = "") -> Item:
    cached = _in_cache(c.path)
    rec = fetch.record(c.path) if cached else None
    return Item(role, c.name, "cached" if cached else "local", c.path,
                url=(rec or {}).get("url"), entry=registry.lookup(c.name),
                size=c.path.stat().st_size, note=note)


def _want(e: Entry, role: str, base: str, note: str = "") -> Item:
    return Item(role, e.name, "fetch", fetch.cache_path(e.path), fetch.url_for(base, e.path), e,
                size=e.size or e.size_hint, size_approx=not e.size, note=note)


def needs(t0: float | None, t1: float | None, *, kernels=None, source: str = "auto",
          moons: bool = True, satellites: bool = False, instruments: bool = False,
          base: str | None = None, network: bool | None = None, refresh: bool = False,
          cands: list[Candidate] | None = None, exclude=(), local_only: bool = False) -> Needs:
    """The kernels the window ``[t0, t1]`` (ET) needs, and where each is to come from.

    Parameters
    ----------
    t0, t1 : float or None
        Window, TDB s past J2000; None for the generic kernels only.
    kernels : path-like, optional
        Kernel directory searched before the cache (``--kernels``).
    source : {"auto", "naif", "model"}
        Juno trajectory source; ``"model"`` needs no Juno kernel.
    moons : bool
        Whether a Galilean-moon ephemeris is wanted.
    satellites : bool
        Fetch JPL's satellite ephemeris even when it is large or flyplan's
        built-in one serves.
    instruments : bool
        Add Juno's frames, JunoCam instrument, clock and structure kernels
        and the GM constants.
    base : str, optional
        Base URL (default ``$FLYPLAN_NAIF_URL`` or NAIF's archive).
    network : bool, optional
        Whether the archive's directory listing may be read over the network
        (default: unless offline).  A cached listing is used either way.
    refresh : bool
        Read the listing again even when the cached one is recent.
    cands : list of Candidate, optional
        Pre-scanned local and cached kernels.
    exclude : collection of str
        File names not to fetch (e.g. ones that just failed).
    local_only : bool
        Choose among the files at hand and flyplan's own only: what can be
        loaded now, nothing to fetch.
    """
    base = fetch.naif_url(base)
    net = (not fetch.offline()) if network is None else bool(network)
    if cands is None:
        cands = select.candidates(select.kernel_dirs(kernels))
    out = Needs(t0, t1, base=base)
    items = out.items
    window = t0 is not None and t1 is not None
    remote = () if local_only else tuple(e for e in registry.known() if e.name not in exclude)

    roles = _BASE_ROLES + (_INSTRUMENT_ROLES if instruments else ())
    for role in roles:
        c = registry.best(cands, role)
        if c is not None:
            items.append(_have(c, role))
            continue
        e = None if local_only else _preferred(role, exclude)
        if e is not None:
            note = "flyplan's built-in copy serves if it cannot be fetched" if role in _BASE_ROLES \
                else ""
            items.append(_want(e, role, base, note))
        elif role in _BASE_ROLES:
            items.append(Item(role, _BUILTIN_NAME[role], "built-in", url="built-in",
                              note="written by flyplan from NAIF's file"))

    if window:
        _need_planets(out, cands, t0, t1, base, remote)
        if moons:
            _need_moons(out, cands, t0, t1, base, satellites, remote)
        if source in ("auto", "naif"):
            juno_remote = ()
            if not local_only:
                local = select.choose_juno(cands, t0, t1).files
                if not (local and all(c.juno.reconstructed for c in local)):
                    juno_remote = _juno_remote(out, cands, base, net, refresh, exclude)
            _need_juno(out, cands, t0, t1, base, juno_remote, source)
    elif satellites:
        e = _preferred("satellites", exclude)
        if e is not None:
            c = registry.best(cands, "satellites")
            items.append(_have(c, "satellites") if c and c.name == e.name
                         else _want(e, "satellites", base))
    return out


_BUILTIN_NAME = {"lsk": "flyplan leapseconds (naif0012's table)",
                 "pck": "flyplan Jupiter constants (pck00011's)"}


def _need_planets(out: Needs, cands, t0, t1, base, remote) -> None:
    choice = select.choose_planets(cands, t0, t1, remote)
    out.warnings.extend(choice.notes)
    if choice.files and not select.is_remote(choice.files[0]):
        out.items.append(_have(choice.files[0], "planets"))
    elif choice.builtin is not None:
        out.items.append(Item("planets", choice.builtin.name, "built-in", choice.builtin,
                              url="skyfield-data wheel", size=choice.builtin.stat().st_size,
                              note="the same file as NAIF's de421.bsp"))
    elif choice.files:
        out.items.append(_want(choice.files[0], "planets", base))
    else:
        out.items.append(Item("planets", "de4xx.bsp", "missing",
                              note="no planetary ephemeris flyplan knows covers the window"))


def _need_moons(out: Needs, cands, t0, t1, base, satellites, remote) -> None:
    choice = select.choose_satellites(cands, t0, t1, remote)
    if not choice.files:
        return
    e = choice.files[0]
    if not select.is_remote(e):
        out.items.append(_have(e, "satellites"))
        return
    size = e.size or e.size_hint or 0
    if satellites:
        out.items.append(_want(e, "satellites", base))
    elif _builtin_moons_serve(t0, t1):
        out.items.append(_skip(e, "not needed: flyplan's built-in Galilean ephemeris serves "
                                  "this window (`flyplan kernels fetch --satellites` for JPL's)"))
    elif size > _max_auto_fetch():
        out.items.append(_skip(e, f"{fetch._human(size)}: not fetched automatically "
                                  "(`flyplan kernels fetch --satellites` fetches it)"))
    else:
        out.items.append(_want(e, "satellites", base))


def _skip(e: Entry, note: str) -> Item:
    return Item(e.role, e.name, "skipped", entry=e, size=e.size or e.size_hint,
                size_approx=not e.size, note=note)


def _builtin_moons_serve(t0, t1) -> bool:
    from flyplan.ephemeris import moons_spk

    return bool(moons_spk.covers(t0, t1))


def _juno_remote(out: Needs, cands, base, net, refresh, exclude) -> list[Entry]:
    """Juno trajectory files to fetch: the registry's, then the archive listing's."""
    names = {c.name for c in cands if c.role == "juno_spk"}
    remote: dict[str, Entry] = {}
    for e in registry.known():
        if e.role == "juno_spk" and e.name not in names and e.name not in exclude:
            remote[e.name] = e
    lst_dir = registry.listings().get("juno_spk")
    if lst_dir:
        lst = fetch.listing(lst_dir, "juno_spk", base=base, refresh=refresh, network=net)
        if lst is not None:
            if lst.error:
                out.notes.append(f"could not read the Juno kernel listing {lst.url}: {lst.error}"
                                 + (" (using the copy from "
                                    f"{lst.age_s / 3600:.0f} h ago)" if lst.fetched else ""))
            for name, size in lst.entries:
                if name not in names and name not in remote and name not in exclude:
                    remote[name] = Entry(lst_dir + name, "juno_spk", size=None, size_hint=size,
                                         listed=True)
    return list(remote.values())


def _need_juno(out: Needs, cands, t0, t1, base, remote, source) -> None:
    picked = select.choose_juno(cands, t0, t1, remote).files
    if not picked:
        known = sorted((c for c in cands if c.role == "juno_spk"), key=lambda c: c.name)
        span = "; ".join(c.name for c in known[-6:]) or "none"
        out.items.append(Item("juno_spk", "spk_rec_*/spk_pre_*", "missing", note=(
            f"no Juno trajectory file known covers {registry.et_to_text(t0)} .. "
            f"{registry.et_to_text(t1)} "
            f"(latest known: {span})"
            + ("; flyplan's approximate model is used" if source == "auto" else ""))))
        return
    for obj in picked:
        kind = "reconstructed" if obj.juno.reconstructed else "predicted"
        if select.is_remote(obj):
            out.items.append(_want(obj, "juno_spk", base, kind))
        else:
            out.items.append(_have(obj, "juno_spk", kind))


# -- doing it -------------------------------------------------------------------------------

def provide(t0: float | None, t1: float | None, *, cands: list[Candidate] | None = None,
            kernels=None, source: str = "auto", moons: bool = True, satellites: bool = False,
            instruments: bool = False, base: str | None = None, network: bool | None = None,
            refresh: bool = False, progress=None) -> Outcome:
    """Survey ``[t0, t1]``, check the cached kernels chosen and fetch what is missing.

    Cached files in the plan are verified (header, DAF length, sha256 against
    the registry or the download record); a corrupt one is removed and
    fetched again.  Fetch failures are collected, not raised; a file whose
    fetch failed is not planned again in this call.  With ``network`` False
    (or offline) nothing is downloaded, but cached files are still verified.
    """
    net = (not fetch.offline()) if network is None else bool(network)
    base = fetch.naif_url(base)
    if cands is None:
        cands = select.candidates(select.kernel_dirs(kernels))
    cands = list(cands)
    out = Outcome(Needs(t0, t1), cands)
    kw = dict(source=source, moons=moons, satellites=satellites, instruments=instruments,
              base=base, network=net)
    # A few rounds: a downloaded trajectory file's real coverage can fall short
    # of what its name promised (edge days), which a new plan then makes up for.
    for _round in range(4):
        # Offline, choose among what is at hand: the survey is then exactly
        # what will be loaded.
        p = needs(t0, t1, cands=cands, exclude=set(out.failures), refresh=refresh,
                  local_only=not net, **kw)
        refresh = False
        out.needs = p
        bad = []
        for item in p.items:
            if item.status != "cached":
                continue
            problem = fetch.discard_if_corrupt(item.path, item.entry.sha256 if item.entry
                                               else None)
            if problem:
                bad.append(item.path)
                out.removed.append((item.path, problem))
                if progress:
                    progress(f"cached {item.name} is corrupt ({problem}): removed")
        if bad:
            cands[:] = [c for c in cands if c.path not in bad]
            continue
        todo = p.to_fetch if net else []
        if not todo:
            break
        for item in todo:
            e = item.entry
            try:
                f = fetch.fetch(e.path, sha256=e.sha256, also=e.also, base=base,
                                progress=progress, size_hint=e.size or e.size_hint)
            except FetchError as exc:
                out.failures[item.name] = exc
                continue
            out.fetched.append(f)
            info = registry.classify(f.path.name)
            cands[:] = [c for c in cands if c.path != f.path]
            cands.append(Candidate(f.path, info[0], info[1], info[2]))
    return out


def complete(cands: list[Candidate], t0: float, t1: float, *, source: str = "auto",
             moons: bool = True, fetching: bool | None = None, progress=None,
             ) -> tuple[list[Candidate], Needs, list[str], dict]:
    """Make sure the cache holds what ``[t0, t1]`` needs, and choose what to load.

    For :func:`flyplan.kernels.assemble.assemble`.

    Returns
    -------
    (list of Candidate, Needs, list of str, dict)
        The candidates (fetched files added, corrupt cached ones removed),
        the survey whose loadable items (:meth:`Needs.chosen`) are what to
        load, one-line notes for the user, and the fetch failures (file name
        -> FetchError) flyplan can do without.

    Raises
    ------
    FetchError
        When Juno's trajectory must come from NAIF (``source="naif"``) and
        the file that covers the window cannot be fetched.
    """
    out = provide(t0, t1, cands=cands, source=source, moons=moons, network=fetching,
                  progress=progress)
    net = (not fetch.offline()) if fetching is None else bool(fetching)
    chosen = out.needs
    if chosen.to_fetch:
        # Files still to fetch after the last round cannot be loaded: choose
        # again among what is at hand.
        chosen = needs(t0, t1, cands=out.cands, source=source, moons=moons, network=False,
                       local_only=True)
    notes = [f"cached {p.name} was not sound ({why}): not used" for p, why in out.removed]
    for name, exc in out.failures.items():
        role = (registry.classify(name) or ("?",))[0]
        if role == "juno_spk" and source == "naif":
            raise exc
        if role == "planets" and not chosen.chosen("planets"):
            raise exc
        notes.append(_failure_note(name, exc))
    notes += chosen.warnings
    if net:
        notes += out.needs.notes
        # A satellite file skipped for its size leaves the moons to flyplan's
        # moon ephemeris note; one skipped because the built-in serves is said here.
        notes += [f"{i.name} skipped: {i.note}" for i in out.needs.items
                  if i.status == "skipped" and "built-in" in i.note]
    return out.cands, chosen, notes, out.failures


def _failure_note(name: str, exc: FetchError) -> str:
    """One line: what was not fetched, from where, why, and where to put it by hand.

    What flyplan uses instead is said by the note of that substitute.
    """
    url, reason = getattr(exc, "url", None), getattr(exc, "reason", None)
    dest, naif = getattr(exc, "dest", None), getattr(exc, "naif_url", None)
    if not (url and reason and dest and naif):
        return f"{name} not fetched: {exc.message}"
    return (f"{name} not fetched ({reason}: {url}); to place it by hand, save {naif} "
            f"as {dest}")


def provenance(path: str | os.PathLike) -> tuple[str, str]:
    """Source (download URL, ``"cache"`` or ``"local"``) and sha256 of a kernel file."""
    p = Path(path)
    sha = fetch.file_sha256(p)
    if _in_cache(p):
        rec = fetch.record(p) or {}
        return rec.get("url") or "cache (placed by hand)", sha
    return "local", sha


# -- the cache ------------------------------------------------------------------------------

def cache_status(verify: bool = True) -> list[dict]:
    """Every kernel in the cache: path, role, size, sha256, state, source URL.

    ``state`` is ``"verified"`` (sha256 equals the registry's),
    ``"unverified: ..."`` (no registry hash: at best the file is unchanged
    since its download, whose sha256 was recorded; nothing vouches for the
    bytes that arrived), ``"header ok"`` (``verify`` False) or
    ``"CORRUPT: ..."``.  flyplan's generated kernels are listed by
    :func:`flyplan.ephemeris.manifest.entries`.
    """
    from flyplan.errors import KernelError
    from flyplan.kernels.files import check_kernel_file, kernel_kind
    from flyplan.paths import naif_cache_dir

    root = naif_cache_dir()
    rows = []
    if not root.is_dir():
        return rows
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith(".") or (kernel_kind(fn) is None and registry.classify(fn) is None):
                continue
            p = Path(dirpath) / fn
            info = registry.classify(fn)
            entry = registry.lookup(fn)
            rec = fetch.record(p) or {}
            row = {"path": str(p.relative_to(root)), "role": info[0] if info else "?",
                   "size": p.stat().st_size, "sha256": "", "state": "",
                   "source": rec.get("url") or "placed by hand"}
            if verify:
                problem, sha = fetch.verify_cached(p, entry.sha256 if entry else None)
                row["sha256"] = sha
                row["state"] = (f"CORRUPT: {problem}" if problem else
                                "verified" if entry and entry.sha256 else
                                "unverified: no registry hash; unchanged since its download"
                                if rec.get("sha256") else
                                "unverified: no registry hash, no download record (header ok)")
            else:
                try:
                    check_kernel_file(p)
                    row["state"] = "header ok"
                except KernelError as exc:
                    row["state"] = f"CORRUPT: {exc.message}"
                row["sha256"] = rec.get("sha256", "")
            rows.append(row)
    return rows


def clean_cache(everything: bool = False) -> tuple[int, int, list[str]]:
    """Delete the downloaded kernels (and with ``everything``, generated ones and metakernels).

    Only files flyplan recognises as its own are deleted -- kernels, their
    download records, locks, partial downloads and cached listings -- and
    only inside the cache; symbolic links are removed, never followed (no
    ``rmtree``: a misdirected ``FLYPLAN_CACHE`` must not cost a user's files).
    Directories left empty are removed.

    Returns
    -------
    (int, int, list of str)
        Files deleted, bytes freed, and paths left in place (not flyplan's, or
        flyplan's but not deletable, e.g. on a read-only cache, which is said).
    """
    from flyplan.kernels.files import kernel_kind
    from flyplan.paths import built_dir, cache_dir, naif_cache_dir

    roots = [naif_cache_dir()]
    if everything:
        roots += [built_dir(), cache_dir() / "metakernels"]
    count = freed = 0
    left = []
    for root in roots:
        if root.is_symlink() or not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            d = Path(dirpath)
            for fn in filenames:
                p = d / fn
                ours = (kernel_kind(fn) is not None or registry.classify(fn) is not None
                        or fn.endswith(".lock")
                        or fn.startswith(".") and (fn.endswith(".json") or ".tmp-" in fn)
                        or d.name == "built" and fn == "manifest.json")
                if d.name == ".listings" or any(part.startswith(".part-") for part in d.parts):
                    ours = True
                if not ours:
                    left.append(str(p))
                    continue
                try:
                    size = p.lstat().st_size
                    p.unlink()
                except OSError as exc:
                    left.append(f"{p} (flyplan's, but it cannot be deleted: "
                                f"{exc.strerror or exc})")
                    continue
                count += 1
                freed += size
            for dn in dirnames:
                q = d / dn
                if q.is_symlink():
                    q.unlink()
                    continue
                try:
                    q.rmdir()
                except OSError:
                    pass
        try:
            root.rmdir()
        except OSError:
            pass
    return count, freed, left
