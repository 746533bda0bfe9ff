"""The one owner of SPICE's global kernel pool.

CSPICE keeps a single kernel pool per process, and it is not thread-safe.  All
of flyplan's loading goes through :class:`KernelSet`: an ordered set of kernel
files that knows each file's size, sha256 and origin, and whose :meth:`load`
makes the pool hold exactly that set, through a metakernel with absolute paths.
Loading the same set twice does nothing the second time.

Parallel work uses processes (each with its own pool), never threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.errors import CoverageError, KernelError, spice_message
from flyplan.kernels.files import (
    cached_sha256,
    check_kernel_file,
    union_covers,
    write_text_once,
)

__all__ = ["KernelInfo", "KernelSet", "active", "loaded", "gf_tolerance", "GF_DEFAULT_TOL_S"]

@dataclass(frozen=True)
class KernelInfo:
    """One kernel file in a :class:`KernelSet`.

    Attributes
    ----------
    path : pathlib.Path
        Absolute path.
    kind : str
        ``"lsk"``, ``"pck"``, ``"spk"``, ``"fk"``, ``"ik"``, ``"sclk"``, ``"ck"``.
    size : int
        Bytes.
    sha256 : str
        Hex digest of the file.
    source : str
        Where it came from: a URL, ``"local"`` or ``"built-in"``.
    note : str
        What it is for, or its accuracy for generated kernels.
    """

    path: Path
    kind: str
    size: int
    sha256: str
    source: str = "local"
    note: str = ""

    def as_dict(self) -> dict:
        return {"name": self.path.name, "path": str(self.path), "kind": self.kind,
                "size": self.size, "sha256": self.sha256, "source": self.source,
                "note": self.note}


# What the process's pool holds now: the files in load order, the count SPICE
# reports for them, and the set that loaded them.
_POOL: dict = {"files": None, "count": 0, "owner": None}


def active() -> "KernelSet | None":
    """The kernel set whose files SPICE's pool holds now, if any."""
    return _POOL["owner"] if _pool_intact() else None


def _pool_intact() -> bool:
    # Someone else (a test fixture, a user's own spiceypy call) may have cleared
    # or added to the pool; the count of loaded files tells.
    if _POOL["files"] is None:
        return False
    import spiceypy

    return spiceypy.ktotal("ALL") == _POOL["count"]


# SPICE's Geometry Finder convergence tolerance is a second process-wide
# setting; CSPICE can set it (gfstol) but not report it, so the value in force
# is remembered here and changed only through gf_tolerance().
GF_DEFAULT_TOL_S = 1e-6  # CSPICE's default (SPICE_GF_CNVTOL)
_GF_TOL = {"value": GF_DEFAULT_TOL_S}


def current_gf_tolerance() -> float:
    """The Geometry Finder tolerance in force, s."""
    return _GF_TOL["value"]


@contextlib.contextmanager
def gf_tolerance(tol_s: float):
    """Run Geometry Finder searches converged to ``tol_s`` seconds, then restore
    the tolerance that was in force (nested contexts restore each other).

    Parameters
    ----------
    tol_s : float
        Convergence tolerance, s (> 0).
    """
    import spiceypy

    previous = _GF_TOL["value"]
    spiceypy.gfstol(float(tol_s))
    _GF_TOL["value"] = float(tol_s)
    try:
        yield
    finally:
        spiceypy.gfstol(previous)
        _GF_TOL["value"] = previous


@contextlib.contextmanager
def loaded(kernels: "KernelSet"):
    """Hold ``kernels`` in SPICE's pool for the block, then restore the set that was
    loaded before (or an empty pool when none of flyplan's was).

    Yields
    ------
    KernelSet
        ``kernels``, loaded.
    """
    previous = active()
    kernels.load()
    try:
        yield kernels
    finally:
        if previous is not None:
            previous.load()
        else:
            KernelSet.unload()


@dataclass
class KernelSet:
    """An ordered set of kernel files; the sole owner of SPICE's kernel pool.

    Later files take precedence over earlier ones, as in SPICE.

    Parameters
    ----------
    files : iterable of path-like, optional
        Kernel files to add at once (``source="local"``).

    Examples
    --------
    >>> ks = KernelSet(["naif0012.tls", "pck00011.tpc", "juno.bsp"])  # doctest: +SKIP
    >>> ks.load()                                                     # doctest: +SKIP
    """

    files: list = field(default_factory=list)
    _infos: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        paths, self.files = list(self.files), []
        for p in paths:
            self.add(p)

    # -- building the set -------------------------------------------------------------
    def add(self, path: str | os.PathLike, *, source: str = "local", note: str = "",
            sha256: str | None = None, first: bool = False) -> KernelInfo:
        """Add a kernel file (checked, hashed); adding a file twice keeps the first.

        Parameters
        ----------
        path : path-like
            The file.
        source : str
            Its origin, for provenance (a URL, ``"local"``, ``"built-in"``).
        note : str
            What it is, or its accuracy.
        sha256 : str, optional
            A known digest (skips hashing, e.g. from a verified download).
        first : bool
            Put it first in load order (lowest precedence in SPICE), for a
            fallback that any real source should override.
        """
        try:
            p = Path(path).expanduser().resolve()
        except (TypeError, ValueError):
            raise KernelError(f"not a kernel file path: {path!r}",
                              hint="give the path of a kernel file") from None
        if p in self._infos:
            return self._infos[p]
        kind = check_kernel_file(p)
        info = KernelInfo(p, kind, p.stat().st_size, sha256 or cached_sha256(p), source, note)
        self._infos[p] = info
        if first:
            self.files.insert(0, p)
        else:
            self.files.append(p)
        return info

    def extend(self, other: "KernelSet") -> None:
        """Add every file of ``other`` (keeping its provenance), in its order."""
        for p in other.files:
            if p not in self._infos:
                self._infos[p] = other._infos[p]
                self.files.append(p)

    @property
    def kernels(self) -> list[KernelInfo]:
        """The files in load order, with their provenance."""
        return [self._infos[p] for p in self.files]

    def of_kind(self, kind: str) -> list[KernelInfo]:
        return [k for k in self.kernels if k.kind == kind]

    def __contains__(self, path) -> bool:
        return Path(path).expanduser().resolve() in self._infos

    def __len__(self) -> int:
        return len(self.files)

    # -- the pool ----------------------------------------------------------------------
    def metakernel(self, directory: str | os.PathLike | None = None) -> Path:
        """Write (or reuse) a metakernel listing this set with absolute paths.

        The file name is derived from the set's content, so the same set always
        maps to the same metakernel, which users can also furnish themselves.
        """
        from flyplan.paths import cache_dir

        directory = Path(directory) if directory else cache_dir() / "metakernels"
        digest = hashlib.sha256("\n".join(f"{k.path}\0{k.sha256}" for k in self.kernels)
                                .encode()).hexdigest()[:16]
        name = f"flyplan_{digest}.tm"
        text = _metakernel_text(self.kernels)
        try:
            return _write_metakernel(directory / name, text)
        except OSError:
            # A read-only cache: the metakernel is only needed for this load.
            import tempfile

            private = Path(tempfile.gettempdir()) / f"flyplan-{_uid()}"
            try:
                private.mkdir(mode=0o700, exist_ok=True)
                return _write_metakernel(private / name, text)
            except OSError as exc:
                raise KernelError(f"cannot write a metakernel in {directory} or {private}: "
                                  f"{exc.strerror or exc}", kernel=str(directory / name),
                                  hint="set FLYPLAN_CACHE to a writable directory") from None

    def load(self) -> "KernelSet":
        """Make SPICE's pool hold exactly this set; a no-op when it already does.

        When the pool holds a prefix of this set (or this set is a prefix of
        what the pool holds) only the difference is loaded or unloaded, so
        growing a base set into a full one costs no re-parsing of text kernels.
        Otherwise the pool is cleared and this set's metakernel is furnished.
        """
        import spiceypy

        if not self.files:
            raise KernelError("no kernels to load",
                              hint="give a kernel directory with --kernels DIR or FLYPLAN_KERNELS")
        want = [str(p) for p in self.files]
        have = _POOL["files"] if _pool_intact() else None
        try:
            if have == want:
                pass
            elif have is not None and want[:len(have)] == have:
                for p in want[len(have):]:
                    spiceypy.furnsh(spice_name(p))
            elif have is not None and have[:len(want)] == want:
                for p in reversed(have[len(want):]):
                    spiceypy.unload(spice_name(p))
            else:
                spiceypy.kclear()
                _POOL.update(files=None, count=0, owner=None)
                spiceypy.furnsh(spice_name(self.metakernel()))
        except spiceypy.utils.exceptions.SpiceyError as exc:
            spiceypy.kclear()
            _POOL.update(files=None, count=0, owner=None)
            raise KernelError(f"SPICE could not load the kernel set: {spice_message(exc)}",
                              kernel=", ".join(p.name for p in self.files),
                              hint="check those kernel files (flyplan kernels status)") from None
        _POOL.update(files=want, count=spiceypy.ktotal("ALL"), owner=self)
        return self

    @staticmethod
    def unload() -> None:
        """Empty SPICE's pool."""
        import spiceypy

        spiceypy.kclear()
        _POOL.update(files=None, count=0, owner=None)

    # -- coverage ----------------------------------------------------------------------
    def coverage(self, body: int) -> list[tuple[KernelInfo, float, float]]:
        """Intervals (kernel, start ET, stop ET) in which the SPKs of this set cover ``body``."""
        import spiceypy

        out = []
        for k in self.of_kind("spk"):
            cover = spiceypy.spkcov(str(k.path), int(body))
            for i in range(spiceypy.wncard(cover)):
                a, b = spiceypy.wnfetd(cover, i)
                out.append((k, a, b))
        return out

    def covers(self, body: int, start_et: float, stop_et: float) -> bool:
        """Whether the SPKs of this set together hold ``[start_et, stop_et]`` for ``body``
        (files that abut or overlap serve one span: SPICE reads across them)."""
        return union_covers([(a, b) for _, a, b in self.coverage(body)], start_et, stop_et)

    def require(self, body: int, start_et: float, stop_et: float, what: str) -> None:
        """Raise :class:`CoverageError` naming what is covered unless ``body`` is covered."""
        if self.covers(body, start_et, stop_et):
            return
        from flyplan.timeutil import et_to_utc

        cov = self.coverage(body)
        covered = "; ".join(f"{k.path.name}: {et_to_utc(a, 0)} .. {et_to_utc(b, 0)}"
                            for k, a, b in cov) or "nothing"
        model = any(k.path.name.startswith("flyplan_juno_model") for k, _, _ in cov)
        raise CoverageError(
            f"no loaded kernel covers {what} from {et_to_utc(start_et, 0)} to "
            f"{et_to_utc(stop_et, 0)}", covered=covered,
            hint="choose a time inside the coverage" + (
                " (flyplan's Juno model covers only the orbit around its perijove)" if model
                else ", add the kernel that covers it (flyplan kernels fetch), or use "
                     "--source model for Juno"))

    def provenance(self) -> list[dict]:
        """The kernels as dictionaries (name, path, kind, size, sha256, source, note)."""
        return [k.as_dict() for k in self.kernels]


# CSPICE's longest file name (FILSIZ); longer paths are reached through a link.
SPICE_MAX_PATH = 255
# Longest string value on one line of a text kernel; longer values continue with '+'.
_MAX_VALUE = 78


def _split_path(text: str, width: int = _MAX_VALUE) -> list[str]:
    """``text`` as quoted SPICE string pieces, each continued with a trailing '+'.

    A quote inside a value is written doubled; pieces are cut between
    characters (never inside a doubled quote or a multi-byte character) so
    that each quoted piece holds at most ``width`` bytes.
    """
    parts, cur, size = [], "", 0
    for ch in text:
        piece = "''" if ch == "'" else ch
        n = len(piece.encode("utf-8"))
        if cur and size + n > width - 1:  # room for the '+'
            parts.append(cur)
            cur, size = "", 0
        cur += piece
        size += n
    parts.append(cur)
    return [p + "+" for p in parts[:-1]] + parts[-1:]


def spice_name(path: str | os.PathLike) -> str:
    """A name SPICE can open for ``path``: the path itself, or a link to it when too long.

    CSPICE refuses file names over :data:`SPICE_MAX_PATH` bytes
    (``SPICE(FILENAMETOOLONG)``), which a deep cache or kernel directory
    easily exceeds.  Such a file is reached through a symbolic link named by
    the path's hash in a private directory under the system's temporary
    directory (created mode 0700, checked to be this user's).

    Raises
    ------
    KernelError
        When no short enough link can be made.
    """
    import tempfile

    text = str(path)
    if len(text.encode("utf-8", "surrogateescape")) <= SPICE_MAX_PATH:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    links = Path(tempfile.gettempdir()) / f"flyplan-{_uid()}" / "links"
    link = links / (digest + Path(text).suffix[:8])
    try:
        links.parent.mkdir(mode=0o700, exist_ok=True)
        links.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(links)
        import stat as _stat

        if not _stat.S_ISDIR(st.st_mode) or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise OSError(f"{links} is not a private directory of this user")
        if len(str(link).encode()) > SPICE_MAX_PATH:
            raise OSError("the temporary directory's path is too long as well")
        try:
            if os.readlink(link) == text:
                return str(link)
            link.unlink()
        except FileNotFoundError:
            pass
        except OSError:
            link.unlink(missing_ok=True)
        tmp = links / f".{digest}.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(text, tmp)
        os.replace(tmp, link)
    except OSError as exc:
        raise KernelError(f"the kernel path is {len(text)} characters long, more than SPICE's "
                          f"{SPICE_MAX_PATH}, and no short link could be made ({exc})",
                          kernel=text, hint="use a shorter FLYPLAN_CACHE or --kernels "
                                            "directory") from None
    return str(link)


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def _write_metakernel(path: Path, text: str) -> Path:
    write_text_once(path, text)
    return path


def _metakernel_text(kernels: list[KernelInfo]) -> str:
    lines = ["KPL/MK", "", "   Metakernel written by flyplan: absolute paths, in load order.", "",
             "   name  sha256", ""]
    lines += [f"   {_printable(k.path.name)}  {k.sha256}" for k in kernels]
    lines += ["", "\\begindata", "", "   KERNELS_TO_LOAD = ("]
    for k in kernels:
        for part in _split_path(spice_name(k.path)):
            lines.append(f"      '{part}'")
    lines += ["   )", "", "\\begintext", ""]
    return "\n".join(lines)


def _printable(name: str) -> str:
    # Comment lines too must not carry a control character or start a data block.
    text = "".join(c if c.isprintable() else "?" for c in name)
    return text.replace("\\begin", "?begin")
