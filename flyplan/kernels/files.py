"""What a kernel file is: its kind, its sha256, whether it is whole and readable.

Facts about one file at a time; nothing here loads anything into SPICE's pool
(binary files are read through the DAF reader, which needs no pool).
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

from flyplan.errors import KernelError

__all__ = ["kernel_kind", "sha256_file", "cached_sha256", "damaged_spk_bodies",
           "check_kernel_file", "spk_cover", "spans", "serves", "union_covers",
           "write_text_once"]

# Extension -> kernel kind, from NAIF's kernel naming recommendations.
_EXT_KIND = {
    ".bsp": "spk", ".bc": "ck", ".bpc": "pck", ".bds": "dsk",
    ".tls": "lsk", ".tpc": "pck", ".tf": "fk", ".ti": "ik", ".tsc": "sclk", ".tm": "mk",
}
_BINARY_EXT = {".bsp", ".bc", ".bpc", ".bds"}
_DAF_KIND = {b"DAF/SPK ": "spk", b"DAF/CK  ": "ck", b"DAF/PCK ": "pck", b"DAS/DSK ": "dsk"}
_TEXT_EXT = {".tls", ".tpc", ".tf", ".ti", ".tsc", ".tm"}
_DAF_IDWORDS = (b"DAF/SPK ", b"DAF/CK  ", b"DAF/PCK ", b"NAIF/DAF", b"DAS/DSK ")


def kernel_kind(path: str | os.PathLike) -> str | None:
    """Kernel kind from a file name (``"spk"``, ``"lsk"``, ...), or None if not a kernel name."""
    return _EXT_KIND.get(Path(path).suffix.lower())


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


_DIGESTS: dict | None = None


def cached_sha256(path: Path) -> str:
    """sha256 of a kernel, remembered across runs by (path, size, mtime).

    Hashing a 1 GB satellite ephemeris takes seconds; a kernel whose size and
    modification time are unchanged keeps its digest.  The memory lives in
    the cache directory; losing it only costs a re-hash.
    """
    import json

    from flyplan.paths import cache_dir

    global _DIGESTS
    st = path.stat()
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    store = cache_dir() / "sha256.json"
    if _DIGESTS is None:
        try:
            _DIGESTS = json.loads(store.read_text())
        except (OSError, ValueError):
            _DIGESTS = {}
    digest = _DIGESTS.get(key)
    if digest is None:
        digest = sha256_file(path)
        if st.st_size < (1 << 20):
            return digest  # small files: hashing is cheaper than remembering
        _DIGESTS[key] = digest
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_name(f".{store.name}.tmp-{os.getpid()}")
            tmp.write_text(json.dumps(_DIGESTS))
            os.replace(tmp, store)
        except OSError:
            pass  # a read-only cache only costs a re-hash next time
    return digest


_DAMAGE: dict[str, dict[int, str]] = {}


def damaged_spk_bodies(path: str | os.PathLike) -> dict[int, str]:
    """Bodies whose SPK segments in ``path`` cannot be read: ``{naif_id: why}``.

    A Chebyshev segment (types 2 and 3) ends with its directory: the
    interval length, the record size and the record count, whose product
    must fill the segment.  Files cut out of larger ones sometimes carry
    segments whose directory is zero: ``spkcov`` still reports them
    covering, and SPICE fails only when a position is asked for
    (``SPICE(DAFBEGGTEND)``).  Checking the directories here (a few doubles
    a segment, through ``dafgda``; nothing is loaded into the pool) lets the
    caller choose another file instead.  Other segment types are only
    checked for addresses inside the file.  Remembered per (path, size,
    modification time) for the process.
    """
    import spiceypy

    p = Path(path)
    st = p.stat()
    key = f"{p}|{st.st_size}|{st.st_mtime_ns}"
    if key in _DAMAGE:
        return _DAMAGE[key]
    words = st.st_size // 8
    damaged: dict[int, str] = {}
    handle = spiceypy.dafopr(str(p))
    try:
        spiceypy.dafbfs(handle)
        while spiceypy.daffna():
            _, ic = spiceypy.dafus(spiceypy.dafgs(2), 2, 6)
            body, kind, begin, end = int(ic[0]), int(ic[3]), int(ic[4]), int(ic[5])
            if not 0 < begin <= end <= words:
                damaged[body] = f"segment addresses {begin}..{end} outside the file"
            elif kind in (2, 3) and end - begin >= 3:
                _, _, rsize, n = spiceypy.dafgda(handle, end - 3, end)
                if n < 1 or rsize * n + 4 != end - begin + 1:
                    damaged[body] = (f"type {kind} segment directory says {n:.0f} records of "
                                     f"{rsize:.0f} words in a {end - begin + 1}-word segment")
    finally:
        spiceypy.dafcls(handle)
    _DAMAGE[key] = damaged
    return damaged


def _check_daf_summary(p: Path, fmt: str, fward: int, size: int) -> None:
    # The first summary record: next, previous, and the number of summaries
    # (segments) it holds.  A DAF header followed by zeros has none.
    bad = None
    if not 2 <= fward or fward * 1024 > size:
        bad = f"its first summary record ({fward}) is outside the file"
    else:
        with open(p, "rb") as f:
            f.seek((fward - 1) * 1024)
            nxt, prev, nsum = struct.unpack("<ddd" if fmt[0] == "<" else ">ddd", f.read(24))
        if not (nsum == int(nsum) and 1 <= nsum <= 125 and nxt >= 0 and prev >= 0):
            bad = "its first summary record holds no segments"
    if bad:
        raise KernelError(f"{p.name} is not a sound DAF kernel: {bad}", kernel=str(p),
                          hint="delete it and download it again")


def check_kernel_file(path: str | os.PathLike) -> str:
    """Check that a file looks like a complete SPICE kernel; return its kind.

    Binary kernels must start with a DAF identification word and be at least
    as long as their file record says (a truncated download fails this);
    text kernels must carry a ``KPL/`` header or a ``\\begindata`` marker.

    Raises
    ------
    KernelError
        When the file is missing, unreadable, truncated or not a kernel.
    """
    p = Path(path)
    kind = kernel_kind(p)
    if not p.is_file():
        raise KernelError(f"kernel file not found: {p}", kernel=str(p),
                          hint="check the path, or run `flyplan kernels fetch` to download it")
    try:
        with open(p, "rb") as f:
            head = f.read(1024)
    except OSError as exc:
        raise KernelError(f"cannot read kernel file {p}: {exc.strerror}", kernel=str(p),
                          hint="check the file's permissions") from None
    size = p.stat().st_size
    if head[:8] in _DAF_IDWORDS or head[:4] == b"DAF/":
        if p.suffix.lower() in _TEXT_EXT:
            raise KernelError(f"{p.name} is a binary (DAF) file, but its name says it is a "
                              f"text kernel ({p.suffix})", kernel=str(p),
                              hint="replace it with the real text kernel, or rename it to "
                                   "what it holds")
        if len(head) < 1024:
            raise KernelError(f"{p.name} is truncated ({size} bytes, less than one DAF record)",
                              kernel=str(p), hint="delete it and download it again")
        bff = head[88:96]
        if bff in (b"LTL-IEEE", b"BIG-IEEE"):
            fmt = "<iii" if bff == b"LTL-IEEE" else ">iii"
            _fward, _bward, free = struct.unpack(fmt, head[76:88])
            # FREE is the first free double-precision word; every word before it
            # must be in the file.
            if free > 1 and (free - 1) * 8 > size:
                raise KernelError(
                    f"{p.name} is truncated: {size} bytes, but its file record needs "
                    f"{(free - 1) * 8}", kernel=str(p), hint="delete it and download it again")
            if head[:4] == b"DAF/" and head[:8] != b"DAS/DSK ":
                _check_daf_summary(p, fmt, _fward, size)
        return kind or _DAF_KIND.get(head[:8], "spk")
    if p.suffix.lower() in _BINARY_EXT:
        raise KernelError(f"{p.name} is not a binary SPICE kernel (no DAF header)",
                          kernel=str(p), hint="replace it with the real kernel from NAIF")
    text = head.decode("latin-1")
    if text.startswith("KPL/") or "\\begindata" in text or "\\begintext" in text:
        return kind or "text"
    raise KernelError(f"{p.name} is not a SPICE kernel (no KPL/ header or \\begindata)",
                      kernel=str(p), hint="remove it from the kernel directory or replace it")



def spk_cover(path: str | os.PathLike, body: int) -> list[tuple[float, float]]:
    """ET intervals in which the SPK ``path`` has segments for ``body``."""
    import spiceypy

    cover = spiceypy.spkcov(str(path), int(body))
    return [spiceypy.wnfetd(cover, i) for i in range(spiceypy.wncard(cover))]


def spans(path: str | os.PathLike, bodies, t0: float, t1: float) -> bool:
    """Whether one interval of ``path`` holds ``[t0, t1]`` for every body."""
    return all(any(a <= t0 and t1 <= b for a, b in spk_cover(path, body)) for body in bodies)


def serves(path: str | os.PathLike, bodies, t0: float, t1: float) -> bool:
    """Whether ``path`` has readable segments for every body over ``t0 .. t1``."""
    return spans(path, bodies, t0, t1) and not set(bodies) & set(damaged_spk_bodies(path))


def union_covers(intervals, t0: float, t1: float) -> bool:
    """Whether the union of ``intervals`` (ET pairs) holds ``[t0, t1]``."""
    t = t0
    for a, b in sorted(intervals):
        if a > t:
            return False
        t = max(t, b)
        if t >= t1:
            return True
    return t >= t1


def write_text_once(path: Path, text: str, encoding: str = "utf-8") -> bool:
    """Make ``path`` hold exactly ``text``: untouched when it already does, else written
    to a temporary file beside it and renamed into place (never half-written).

    Returns
    -------
    bool
        Whether the file was written.

    Raises
    ------
    OSError
        When the directory cannot be made or written; the caller words the error.
    """
    try:
        if path.read_text(encoding=encoding) == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding=encoding)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True
