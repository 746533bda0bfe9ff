"""The manifest of the kernels flyplan generates: each file's sha256, written at build time.

flyplan writes its own kernels into ``<cache>/built`` (the built-in moon
ephemeris, the Juno model SPKs, the text kernels of published constants).
A file changed after it was written -- a flipped bit, an edited Chebyshev
coefficient, a half-written copy -- would otherwise be used as it is, so
every build records the file's size and sha256 in ``<cache>/built/manifest.json``
and every use checks the file against it first (:func:`verified`).  A file
that is missing from the manifest or differs from it is rebuilt, never used.

The manifest is rewritten atomically under a file lock; reading it needs no
lock, so a read-only cache whose files verify keeps working.  It lives with
the ephemerides (below the kernel layer) because the ephemeris builders
record what they write.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

__all__ = ["manifest_path", "read", "record", "verified", "check", "state", "forget", "entries"]

_NAME = "manifest.json"
# What flyplan generates: SPKs and text kernels.
_KERNEL_EXT = {".bsp", ".tls", ".tpc", ".tf", ".ti", ".tsc", ".tm", ".bc", ".bpc"}


def manifest_path() -> Path:
    """``<cache>/built/manifest.json``."""
    from flyplan.paths import built_dir

    return built_dir() / _NAME


def read() -> dict:
    """The manifest: file name -> {sha256, size, generator, built_utc}; empty when absent."""
    try:
        data = json.loads(manifest_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    return {str(k): v for k, v in files.items() if isinstance(v, dict)} if isinstance(files, dict) \
        else {}


_HASHES: dict[tuple, str] = {}


def _sha256(path: Path) -> str:
    # Remembered for the process while size and modification time are unchanged.
    import hashlib

    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def record(path: str | os.PathLike, generator: str) -> None:
    """Enter a just-built file (its size and sha256) in the manifest.

    Raises
    ------
    OSError
        When the manifest cannot be written (the caller reports it).
    """
    from filelock import FileLock

    p = Path(path)
    entry = {"sha256": _sha256(p), "size": p.stat().st_size, "generator": generator,
             "built_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    target = manifest_path()
    with FileLock(str(target.with_name(f".{_NAME}.lock")), timeout=60):
        files = read()
        files[p.name] = entry
        tmp = target.with_name(f".{_NAME}.tmp-{os.getpid()}")
        try:
            tmp.write_text(json.dumps({"files": files}, indent=1, sort_keys=True),
                           encoding="utf-8")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


def check(path: str | os.PathLike) -> str | None:
    """Why a generated file may not be used (None when it matches the manifest)."""
    p = Path(path)
    if not p.is_file():
        return "missing"
    entry = read().get(p.name)
    if entry is None:
        return "not in flyplan's manifest of generated kernels"
    try:
        size = p.stat().st_size
        if size != entry.get("size"):
            return f"{size} bytes, but {entry.get('size')} were written"
        digest = _sha256(p)
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if digest != entry.get("sha256"):
        return f"sha256 {digest[:12]}... is not the {str(entry.get('sha256'))[:12]}... written"
    return None


def verified(path: str | os.PathLike) -> bool:
    """Whether a generated file is present and exactly as it was written."""
    return check(path) is None


def forget(path: str | os.PathLike) -> None:
    """Remove a generated file that failed :func:`check` (if the cache allows)."""
    try:
        Path(path).unlink(missing_ok=True)
    except OSError:
        pass


def entries() -> list[dict]:
    """Every file in ``<cache>/built`` with its state against the manifest.

    Returns
    -------
    list of dict
        ``name``, ``path``, ``size``, ``sha256`` (the manifest's), ``generator``
        and ``state`` (``"verified (manifest)"`` or ``"CHANGED: ..."`` /
        ``"UNRECORDED: ..."``, both rebuilt before use).
    """
    from flyplan.paths import built_dir

    root = built_dir()
    files = read()
    rows = []
    if not root.is_dir():
        return rows
    for p in sorted(root.iterdir()):
        if p.name.startswith(".") or not p.is_file() or p.suffix.lower() not in _KERNEL_EXT:
            continue
        entry = files.get(p.name, {})
        problem = check(p)
        state = ("verified (manifest)" if problem is None else
                 f"UNRECORDED: {problem}; rebuilt before use" if not entry else
                 f"CHANGED: {problem}; rebuilt before use")
        rows.append({"name": p.name, "path": str(p), "size": p.stat().st_size,
                     "sha256": entry.get("sha256", ""), "generator": entry.get("generator", ""),
                     "state": state})
    return rows


def state(path: str | os.PathLike) -> str:
    """One word or phrase for a generated file against the manifest (for ``kernels status``)."""
    p = Path(path)
    problem = check(p)
    if problem is None:
        return "verified (manifest)"
    if p.name not in read():
        return f"UNRECORDED: {problem}; rebuilt before use"
    return f"CHANGED: {problem}; rebuilt before use"
