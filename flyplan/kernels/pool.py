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
from flyplan.kernels.files import cached_sha256, check_kernel_file

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
        p = Path(path).expanduser().resolve()
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
        path = directory / f"flyplan_{digest}.tm"
        if not path.exists():
            directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
            tmp.write_text(_metakernel_text(self.kernels))
            os.replace(tmp, path)
        return path

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
                    spiceypy.furnsh(p)
            elif have is not None and have[:len(want)] == want:
                for p in reversed(have[len(want):]):
                    spiceypy.unload(p)
            else:
                spiceypy.kclear()
                _POOL.update(files=None, count=0, owner=None)
                spiceypy.furnsh(str(self.metakernel()))
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
        """Whether one SPK interval of this set holds ``[start_et, stop_et]`` for ``body``."""
        return any(a <= start_et and stop_et <= b for _, a, b in self.coverage(body))

    def require(self, body: int, start_et: float, stop_et: float, what: str) -> None:
        """Raise :class:`CoverageError` naming what is covered unless ``body`` is covered."""
        if self.covers(body, start_et, stop_et):
            return
        from flyplan.timeutil import et_to_utc

        cov = self.coverage(body)
        covered = "; ".join(f"{k.path.name}: {et_to_utc(a, 0)} .. {et_to_utc(b, 0)}"
                            for k, a, b in cov) or "nothing"
        raise CoverageError(
            f"no loaded kernel covers {what} from {et_to_utc(start_et, 0)} to "
            f"{et_to_utc(stop_et, 0)}", covered=covered,
            hint="choose a time inside the coverage, add the kernel that covers it "
                 "(flyplan kernels fetch), or use --source model for Juno")

    def provenance(self) -> list[dict]:
        """The kernels as dictionaries (name, path, kind, size, sha256, source, note)."""
        return [k.as_dict() for k in self.kernels]


def _split_path(text: str, width: int = 78) -> list[str]:
    # SPICE text-kernel strings are limited to 80 characters; longer values are
    # continued with a trailing '+'.
    parts = [text[i:i + width] for i in range(0, len(text), width)]
    return [p + "+" for p in parts[:-1]] + parts[-1:]


def _metakernel_text(kernels: list[KernelInfo]) -> str:
    lines = ["KPL/MK", "", "   Metakernel written by flyplan: absolute paths, in load order.", "",
             "   name  sha256", ""]
    lines += [f"   {k.path.name}  {k.sha256}" for k in kernels]
    lines += ["", "\\begindata", "", "   KERNELS_TO_LOAD = ("]
    for k in kernels:
        for part in _split_path(str(k.path)):
            lines.append(f"      '{part}'")
    lines += ["   )", "", "\\begintext", ""]
    return "\n".join(lines)
