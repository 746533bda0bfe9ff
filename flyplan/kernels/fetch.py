"""Downloading kernels into the cache: one verified file at a time.

A kernel is fetched from NAIF's archive (``https://naif.jpl.nasa.gov/pub/naif/``)
or a mirror laid out the same way (``$FLYPLAN_NAIF_URL``: ``https://``,
``http://`` or ``file://``, or a plain directory) into
``<cache>/naif/<archive path>``, so the cache is itself a kernel directory.

Every download

- holds a per-file lock (``filelock``), so two processes fetching the same
  kernel end with one good copy and one download;
- streams into a temporary file beside its destination, hashing as it goes,
  with connect/read timeouts and retries (``requests`` + ``urllib3``), an
  overall deadline and a minimum throughput (:func:`limits`), and a size cap
  from the registry or the listing (a body far larger than announced is
  refused);
- is checked before it is kept: the byte count against ``Content-Length``, the
  sha256 against the registry when it knows one, and the DAF/text header and
  DAF length (:func:`flyplan.kernels.files.check_kernel_file`);
- then enters the cache by an atomic rename, with a small record beside it
  (``.<name>.json``: the URL the bytes came from after redirects, sha256,
  size, and whether the registry vouched for the digest) for provenance and
  later checks.

A verified cached file is read without taking its lock, so a read-only cache
serves everything already in it.

A cached file that fails these checks (truncated, wrong header, hash not the
recorded one) is removed and fetched again, never used.  A host that refused a
connection once is not tried again by the same process, so a machine without
network fails in seconds, not minutes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.kernels import registry
from flyplan.errors import FetchError, KernelError
from flyplan.kernels.files import check_kernel_file

__all__ = ["Fetched", "Listing", "naif_url", "normalize_base", "offline", "url_for",
           "cache_path", "fetch", "verify_cached", "discard_if_corrupt", "remove_cached",
           "record", "listing",
           "file_sha256", "by_hand",
           "limits", "Limits",
           "CONNECT_TIMEOUT_S", "READ_TIMEOUT_S", "LISTING_MAX_AGE_S"]

# A server that has not answered the connection in 5 s is not going to: fail
# fast so that an offline machine falls back to what it has.
CONNECT_TIMEOUT_S = 5.0
# Longest silence inside a transfer: a server that sends nothing for this
# long has stalled ($FLYPLAN_FETCH_STALL_S).
READ_TIMEOUT_S = 10.0
# Longest a single file's transfer may take, s ($FLYPLAN_FETCH_TIMEOUT); jup365
# (1.1 GB) needs about 15 min at 10 Mbit/s.
TOTAL_TIMEOUT_S = 3600.0
# Least throughput, bytes/s averaged over RATE_WINDOW_S ($FLYPLAN_FETCH_MIN_RATE):
# a server trickling bytes never trips a read timeout.
MIN_RATE_BPS = 20_000.0
RATE_WINDOW_S = 10.0
# A body may exceed the size the registry or the listing announced (listings
# round, "595K") by this factor plus slack before it is refused.
SIZE_FACTOR, SIZE_SLACK = 1.5, 1 << 20
# Whole-download attempts when a transfer breaks off midway.
ATTEMPTS = 3
# How long to wait for another process downloading the same file.
LOCK_TIMEOUT_S = 3600.0
# A cached directory listing younger than this is used without asking again.
LISTING_MAX_AGE_S = 24 * 3600.0
# Largest directory listing read, bytes (NAIF's biggest are a few hundred kB).
_LISTING_MAX_BYTES = 16 << 20
_CHUNK = 1 << 16

# Hosts (scheme://netloc) that failed to connect in this process, with why.
_UNREACHABLE: dict[str, str] = {}
# (path, size, mtime_ns) -> sha256 of files hashed in this process.
_HASHES: dict[tuple, str] = {}
_SESSION = None


# -- configuration --------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    """How long and how slowly a transfer may run.

    Attributes
    ----------
    total_s : float
        Deadline of one file's transfer, s.
    min_rate_bps : float
        Least throughput, bytes/s, averaged over ``window_s``.
    window_s : float
        Averaging window of the throughput check, s.
    stall_s : float
        Longest silence, s (the socket read timeout).
    """

    total_s: float
    min_rate_bps: float
    window_s: float
    stall_s: float


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        return default
    return value if value >= 0 and value == value else default


def limits() -> Limits:
    """The transfer limits: module defaults, overridden by ``$FLYPLAN_FETCH_TIMEOUT``
    (s), ``$FLYPLAN_FETCH_MIN_RATE`` (bytes/s, 0 turns the check off) and
    ``$FLYPLAN_FETCH_STALL_S`` (s)."""
    return Limits(total_s=_env_float("FLYPLAN_FETCH_TIMEOUT", TOTAL_TIMEOUT_S) or TOTAL_TIMEOUT_S,
                  min_rate_bps=_env_float("FLYPLAN_FETCH_MIN_RATE", MIN_RATE_BPS),
                  window_s=RATE_WINDOW_S,
                  stall_s=_env_float("FLYPLAN_FETCH_STALL_S", READ_TIMEOUT_S) or READ_TIMEOUT_S)


def offline(override: bool | None = None) -> bool:
    """Whether downloads are off: ``override``, else ``$FLYPLAN_OFFLINE`` (1/true/yes)."""
    if override is not None:
        return bool(override)
    return os.environ.get("FLYPLAN_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def naif_url(override: str | None = None) -> str:
    """The archive's base URL: ``override``, ``$FLYPLAN_NAIF_URL`` or NAIF's, ending in ``/``."""
    raw = override or os.environ.get("FLYPLAN_NAIF_URL") or registry.default_base_url()
    return normalize_base(raw)


def normalize_base(raw: str) -> str:
    """Check and normalise a base URL; a plain directory path becomes a ``file://`` URL.

    Raises
    ------
    FetchError
        For a scheme other than https, http and file.
    """
    from urllib.parse import urlsplit

    text = str(raw).strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise FetchError(f"not a valid kernel archive URL {text!r}: {exc}",
                         hint="give e.g. https://naif.jpl.nasa.gov/pub/naif/ or a "
                              "directory") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.netloc:
            raise FetchError(f"no host in the kernel archive URL {text!r}",
                             hint="give e.g. https://naif.jpl.nasa.gov/pub/naif/")
        url = text
    elif scheme in ("file", "") or len(scheme) == 1:  # one letter: a Windows drive
        # A missing directory is not an error here: cached kernels must keep
        # working when a mirror is unmounted; fetching from it then fails
        # with "not found" naming the path.
        path = Path(_file_url_path(text) if scheme == "file" else text).expanduser()
        url = path.resolve().as_uri()
    else:
        raise FetchError(f"unsupported URL scheme {scheme!r} in {text!r}",
                         hint="use an https://, http:// or file:// URL")
    return url if url.endswith("/") else url + "/"


def _file_url_path(url: str) -> str:
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.netloc and parts.netloc != "localhost":
        # file://../shared/naif: a relative path written as a URL.
        path = parts.netloc + path
    return url2pathname(path)


def url_for(base: str, relpath: str) -> str:
    """URL of an archive path under ``base`` (which ends in ``/``)."""
    from urllib.parse import quote

    return base + quote(relpath)


def cache_path(relpath: str) -> Path:
    """Where an archive path lives in the cache: ``<cache>/naif/<relpath>``.

    Raises
    ------
    FetchError
        For a path that could leave the cache (absolute, ``..``, odd names).
    """
    from flyplan.paths import naif_cache_dir

    if not registry._safe_relpath(relpath):
        raise FetchError(f"refusing the archive path {relpath!r}", kernel=relpath,
                         hint="kernel paths must be plain relative names")
    root = naif_cache_dir()
    dest = root.joinpath(*relpath.split("/"))
    top = os.path.normpath(root)
    if os.path.commonpath([top, os.path.normpath(dest)]) != top:
        raise FetchError(f"refusing the archive path {relpath!r}", kernel=relpath)
    return dest


# -- the cache's records --------------------------------------------------------------------

@dataclass(frozen=True)
class Fetched:
    """A kernel in the cache.

    Attributes
    ----------
    path : pathlib.Path
        The cached file.
    url : str
        Where it was downloaded from.
    sha256 : str
        Its verified digest.
    size : int
        Bytes.
    downloaded : bool
        False when a good copy was already cached.
    """

    path: Path
    url: str
    sha256: str
    size: int
    downloaded: bool


def _record_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.json")


def record(path: str | os.PathLike) -> dict | None:
    """The download record of a cached kernel (url, sha256, size, fetched_utc), if any."""
    try:
        data = json.loads(_record_path(Path(path)).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def file_sha256(path: str | os.PathLike) -> str:
    """sha256 of a file, remembered for the rest of the process while the file is unchanged."""
    from flyplan.kernels.files import sha256_file

    p = Path(path)
    st = p.stat()
    key = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(p)
    return _HASHES[key]


def verify_cached(path: str | os.PathLike, sha256: str | None = None) -> tuple[str | None, str]:
    """Check a cached kernel; return ``(problem or None, sha256 or "")``.

    The header and DAF length must be sound, and the digest must equal
    ``sha256`` (the registry's) when given, else the one recorded at download.
    """
    p = Path(path)
    try:
        check_kernel_file(p)
    except KernelError as exc:
        return exc.message, ""
    rec = record(p) or {}
    expected = (sha256 or rec.get("sha256") or "").lower() or None
    try:
        actual = file_sha256(p)
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})", ""
    if expected and actual != expected:
        return f"sha256 {actual[:12]}... is not the expected {expected[:12]}...", actual
    return None, actual


def discard_if_corrupt(path: str | os.PathLike, sha256: str | None = None) -> str | None:
    """Remove a cached kernel if it is corrupt; return the problem, or None if it is sound.

    Checked again under the file's download lock, so that a copy another
    process has just put in place is never removed by mistake.  When another
    process holds the lock (it is replacing the file), nothing is removed
    and the problem is returned.
    """
    from filelock import FileLock, Timeout

    p = Path(path)
    problem, _ = verify_cached(p, sha256)
    if problem is None:
        return None  # sound: no lock needed (a read-only cache has none to take)
    try:
        with FileLock(str(p.parent / f".{p.name}.lock"), timeout=0):
            if not p.exists():
                return "removed meanwhile"
            problem, _ = verify_cached(p, sha256)
            if problem:
                remove_cached(p)
            return problem
    except Timeout:
        return "being replaced by another process"
    except (OSError, FetchError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else exc.reason
        return f"{problem}; it cannot be removed ({why or exc}) and is not used"


def remove_cached(path: str | os.PathLike) -> None:
    """Delete a cached kernel and its record (a corrupt copy is never kept).

    Raises
    ------
    FetchError
        When the cache does not allow it (read-only, permissions).
    """
    p = Path(path)
    for q in (p, _record_path(p)):
        try:
            q.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise _write_error(exc, p) from None


# -- fetching -------------------------------------------------------------------------------

class _NotFound(Exception):
    pass


def _error(message: str, *, url: str, reason: str, kernel: str | None = None,
           hint: str | None = None) -> FetchError:
    """A FetchError that also carries ``url`` and a short ``reason`` for one-line notes."""
    exc = FetchError(message, kernel=kernel or url.rsplit("/", 1)[-1], hint=hint)
    exc.url, exc.reason = url, reason
    return exc


class _Broken(Exception):
    """A transfer that broke off; worth another attempt."""


def fetch(relpath: str, *, sha256: str | None = None, also=(), base: str | None = None,
          progress=None, size_hint: int | None = None) -> Fetched:
    """Make ``<cache>/naif/<relpath>`` a good copy of the archive's file; return it.

    A verified cached copy is used as it is (nothing is downloaded); a corrupt
    one is replaced.

    Parameters
    ----------
    relpath : str
        Archive path, e.g. ``"generic_kernels/lsk/naif0012.tls"``.
    sha256 : str, optional
        Expected digest (from the registry); without it the header check and
        the recorded digest stand guard.
    also : sequence of str
        Other archive paths of the same file, tried in order on a 404.
    base : str, optional
        Base URL (default :func:`naif_url`).
    progress : callable, optional
        Called with one-line messages (e.g. ``"fetched naif0012.tls ..."``).
    size_hint : int, optional
        Approximate size, for the progress bar when the server does not say.

    Raises
    ------
    FetchError
        Naming the file, the URLs tried, why, and how to place it by hand.
    """
    from filelock import FileLock, Timeout

    base = naif_url(base)
    dest = cache_path(relpath)
    name = dest.name
    expected = (sha256 or "").lower() or None
    if dest.is_file():
        # Reading needs no lock: files enter the cache by an atomic rename, so
        # a read-only cache serves whatever verifies in it.
        problem, digest = verify_cached(dest, expected)
        if problem is None:
            rec = record(dest) or {}
            return Fetched(dest, rec.get("url") or "cache", digest, dest.stat().st_size, False)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"cannot create the cache directory {dest.parent}: {exc.strerror}",
                         kernel=name, hint="set FLYPLAN_CACHE to a writable directory") from None
    lock = FileLock(str(dest.parent / f".{name}.lock"), timeout=LOCK_TIMEOUT_S)
    try:
        with lock:
            if dest.exists():
                problem, digest = verify_cached(dest, expected)
                if problem is None:
                    rec = record(dest) or {}
                    return Fetched(dest, rec.get("url") or "cache", digest, dest.stat().st_size,
                                   False)
                remove_cached(dest)
                if progress:
                    progress(f"cached {name} was corrupt ({problem}): fetching it again")
            return _fetch_locked(relpath, dest, expected, also, base, progress, size_hint)
    except Timeout:
        raise FetchError(f"another process has held the download lock of {name} for "
                         f"{LOCK_TIMEOUT_S / 60:.0f} min", kernel=str(dest),
                         hint=f"wait for it to finish, or delete {lock.lock_file} if no "
                              "flyplan process is running") from None
    except OSError as exc:
        # The lock file (or the partial download) cannot be written: a
        # read-only or full cache, or a name the file system refuses.
        raise _write_error(exc, dest) from None


def _write_error(exc: OSError, dest: Path) -> FetchError:
    import errno

    where = exc.filename or dest.parent
    if exc.errno == errno.ENOSPC:
        what, fix = "the disk is full", "free some space, or set FLYPLAN_CACHE to another disk"
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        what, fix = "the cache is not writable", "set FLYPLAN_CACHE to a writable directory"
    elif exc.errno == errno.ENAMETOOLONG:
        what, fix = "the file name is too long", "use a shorter FLYPLAN_CACHE path"
    else:
        what, fix = exc.strerror or str(exc), "check the cache directory (FLYPLAN_CACHE)"
    err = _error(f"cannot store {dest.name} in the cache: {what} ({where})",
                 url=str(dest), reason=what, kernel=dest.name, hint=fix)
    err.dest = dest
    return err


def _sweep_parts(directory: Path, max_age_s: float = 86400.0) -> None:
    """Remove partial downloads left by processes killed a day or more ago."""
    now = time.time()
    for d in directory.glob(".part-*"):
        try:
            if d.is_dir() and not d.is_symlink() and now - d.stat().st_mtime > max_age_s:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def _fetch_locked(relpath, dest, expected, also, base, progress, size_hint) -> Fetched:
    name = dest.name
    _sweep_parts(dest.parent)
    tried = []
    for rel in (relpath, *also):
        url = url_for(base, rel)
        try:
            digest, size, url = _download(url, dest, expected, size_hint)
        except _NotFound as exc:
            tried.append(f"{url} ({exc})")
            continue
        except FetchError as exc:
            exc.hint = exc.hint or by_hand(relpath, url, dest)
            _annotate(exc, relpath, url, dest)
            raise
        if progress:
            progress(f"fetched {name} ({_human(size)}) from {url}")
        return Fetched(dest, url, digest, size, True)
    url = url_for(base, relpath)
    exc = _error(f"could not fetch {name}: not found at " + "; ".join(tried), url=url,
                 reason="HTTP 404 not found" if url.startswith("http") else "not found",
                 kernel=name, hint=by_hand(relpath, url, dest))
    _annotate(exc, relpath, url, dest)
    raise exc


def _annotate(exc: FetchError, relpath: str, url: str, dest: Path) -> None:
    # What a one-line note needs: the URL tried, why, where the file belongs
    # and NAIF's own URL for it.
    if not hasattr(exc, "url"):
        exc.url, exc.reason = url, exc.message
    exc.dest = dest
    exc.naif_url = url_for(registry.default_base_url(), relpath)


def by_hand(relpath: str, url: str, dest: Path) -> str:
    """How to place a kernel by hand: where to get it and where to put it."""
    naif = url_for(registry.default_base_url(), relpath)
    src = url if url == naif else f"{url} (or NAIF's copy, {naif})"
    return (f"download {src} and save it as {dest} (or in a directory given with --kernels / "
            f"FLYPLAN_KERNELS), or point FLYPLAN_NAIF_URL / --naif-url at an archive that has it")


def _download(url: str, dest: Path, expected: str | None, size_hint) -> tuple[str, int, str]:
    """Download ``url`` into ``dest`` (verified, atomic); return (sha256, size, final URL)."""
    name = dest.name
    last = None
    for attempt in range(ATTEMPTS):
        try:
            tmpdir = Path(tempfile.mkdtemp(prefix=".part-", dir=dest.parent))
        except OSError as exc:
            raise _write_error(exc, dest) from None
        tmp = tmpdir / name
        try:
            try:
                digest, size, source = _transfer(url, tmp, size_hint)
            except _Broken as exc:
                last = exc
                time.sleep(0.3 * (attempt + 1))
                continue
            except _TooSlow as exc:
                # Not retried: a server this slow will not be faster at once,
                # and the caller should fall back now, not in minutes.
                if not isinstance(exc, _Oversize):
                    _UNREACHABLE.setdefault(_host(url), str(exc))
                raise _error(f"could not fetch {name} from {url}: {exc}; nothing was kept",
                             url=url, reason=str(exc), kernel=name,
                             hint="try again later or from another mirror (--naif-url); the "
                                  "limits are FLYPLAN_FETCH_TIMEOUT, FLYPLAN_FETCH_MIN_RATE "
                                  "and FLYPLAN_FETCH_STALL_S") from None
            except OSError as exc:
                raise _write_error(exc, dest) from None
            if expected and digest != expected:
                raise _error(
                    f"{name} from {url} does not match the registry: sha256 {digest} "
                    f"instead of {expected}; it was not kept", url=url,
                    reason="sha256 does not match the registry's", kernel=name,
                    hint="the server holds a different file under this name: check the "
                         "mirror, or report it if it is NAIF's archive")
            try:
                check_kernel_file(tmp)
            except KernelError as exc:
                raise _error(f"{name} from {url} is not a sound kernel ({exc.message}); "
                             "it was not kept", url=url,
                             reason=f"not a sound kernel: {exc.message}", kernel=name) from None
            rec = {"url": source, "sha256": digest, "size": size,
                   "verified": "registry sha256" if expected else "none: no registry hash",
                   "fetched_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            if source != url:
                rec["requested_url"] = url
            try:
                _write_record(dest, rec)
                os.replace(tmp, dest)
            except OSError as exc:
                _record_path(dest).unlink(missing_ok=True)
                raise _write_error(exc, dest) from None
            st = dest.stat()
            _HASHES[(str(dest.resolve()), st.st_size, st.st_mtime_ns)] = digest
            return digest, size, source
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
    raise _error(f"could not fetch {name} from {url}: {last} ({ATTEMPTS} attempts); "
                 "nothing was kept", url=url, reason=str(last), kernel=name)


def _write_record(dest: Path, data: dict) -> None:
    path = _record_path(dest)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _TooSlow(Exception):
    """A transfer past its deadline, below the minimum throughput, stalled or oversized."""


class _Oversize(_TooSlow):
    """A body far larger than announced (the host may still serve other files well)."""


def _size_cap(size_hint) -> int | None:
    if not size_hint or size_hint <= 0:
        return None
    return int(size_hint * SIZE_FACTOR) + SIZE_SLACK


def _transfer(url: str, tmp: Path, size_hint) -> tuple[str, int, str]:
    """Stream ``url`` into ``tmp``; return (sha256, bytes, the URL the bytes came from)."""
    h = hashlib.sha256()
    with open(tmp, "wb") as out, _ProgressBar(tmp.name, size_hint) as bar:
        if url.startswith("file:"):
            n, source = _copy_file(url, out, h, bar), url
        else:
            n, source = _copy_http(url, out, h, bar, _size_cap(size_hint))
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest(), n, source


def _copy_file(url: str, out, h, bar) -> int:
    src = Path(_file_url_path(url))
    try:
        f = open(src, "rb")
    except FileNotFoundError:
        raise _NotFound("no such file") from None
    except IsADirectoryError:
        raise _NotFound("a directory, not a file") from None
    except OSError as exc:
        raise _error(f"cannot read {src}: {exc.strerror}", url=url, reason=exc.strerror,
                     kernel=src.name) from None
    with f:
        total = os.fstat(f.fileno()).st_size
        bar.start(total)
        n = 0
        while block := f.read(_CHUNK):
            out.write(block)
            h.update(block)
            n += len(block)
            bar.advance(len(block))
    if n != total:
        raise _Broken(f"read {n} of {total} bytes")
    return n


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def _session():
    global _SESSION
    if _SESSION is None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        from flyplan import __version__

        retry = Retry(total=3, connect=1, read=0, status=2, backoff_factor=0.3,
                      status_forcelist=(429, 500, 502, 503, 504),
                      allowed_methods=frozenset({"GET", "HEAD"}),
                      respect_retry_after_header=False, raise_on_status=False)
        s = requests.Session()
        s.mount("http://", HTTPAdapter(max_retries=retry))
        s.mount("https://", HTTPAdapter(max_retries=retry))
        # Identity: Content-Length must be the file's length, and the bytes the file's.
        s.headers.update({"User-Agent": f"flyplan/{__version__} (kernel manager)",
                          "Accept-Encoding": "identity"})
        _SESSION = s
    return _SESSION


def _get(url: str, lim: Limits | None = None):
    """GET ``url`` streaming; raise FetchError for an unreachable host."""
    lim = lim or limits()
    from flyplan.kernels import netstate

    host = _host(url)
    if host not in _UNREACHABLE:
        # Another run found the host unreachable a few minutes ago: do not
        # spend the connection timeout again (flyplan.kernels.netstate).
        seen = netstate.remembered(host)
        if seen is not None:
            ago = f"{seen[1] / 60:.0f} min" if seen[1] >= 60 else "under a minute"
            _UNREACHABLE[host] = f"{seen[0]}; last tried {ago} ago"
    if host in _UNREACHABLE:
        raise _error(f"could not fetch {url}: {_UNREACHABLE[host]} (not retried)", url=url,
                     reason=_UNREACHABLE[host])
    # Only now: a host remembered unreachable costs no import of requests (~0.2 s).
    import requests

    try:
        r = _session().get(url, stream=True, timeout=(CONNECT_TIMEOUT_S, lim.stall_s))
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
        why = _why(exc)
        _UNREACHABLE[host] = why
        netstate.remember(host, why)
        raise _error(f"could not fetch {url}: {why}", url=url, reason=why) from None
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise _error(f"could not fetch {url}: {_why(exc)}", url=url, reason=_why(exc)) from None
    netstate.forget(host)
    return r


def _why(exc) -> str:
    text = str(exc)
    for needle, why in (("Name or service not known", "host name not resolved (offline?)"),
                        ("Failed to resolve", "host name not resolved (offline?)"),
                        ("Connection refused", "connection refused"),
                        ("timed out", f"no answer within {CONNECT_TIMEOUT_S:g} s"),
                        ("Network is unreachable", "network unreachable")):
        if needle in text:
            return why
    return type(exc).__name__ + (": " + text[:200] if text else "")


def _stream(r, url: str, cap: int | None, lim: Limits):
    """Blocks of a streaming response, within the deadline, throughput and size cap.

    ``read1`` returns what one socket read brings, so a server trickling
    bytes is measured as it trickles (``iter_content`` would wait for a whole
    chunk); each read is bounded by the stall timeout.
    """
    import urllib3

    t0 = mark_t = time.monotonic()
    n = mark_n = 0
    while True:
        try:
            block = r.raw.read1(_CHUNK)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
            raise _TooSlow(f"the server sent nothing for {lim.stall_s:g} s after {n} "
                           "bytes (stalled)") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Broken(f"transfer broke off after {n} bytes ({_why(exc)})") from None
        if not block:
            return
        n += len(block)
        if cap is not None and n > cap:
            raise _Oversize(f"the body is larger than the {_human(cap)} allowed for it "
                           "(the registry or listing announced far less); refused")
        yield block
        now = time.monotonic()
        if now - t0 > lim.total_s:
            raise _TooSlow(f"the transfer did not finish within {lim.total_s:g} s "
                           f"({_human(n)} received)")
        if now - mark_t >= lim.window_s:
            rate = (n - mark_n) / (now - mark_t)
            if rate < lim.min_rate_bps:
                raise _TooSlow(f"the server sent {rate:.0f} bytes/s, below the minimum "
                               f"{lim.min_rate_bps:.0f} bytes/s")
            mark_t, mark_n = now, n


def _copy_http(url: str, out, h, bar, cap: int | None = None) -> tuple[int, str]:
    lim = limits()
    with _get(url, lim) as r:
        if r.status_code in (404, 410):
            raise _NotFound(f"HTTP {r.status_code}")
        if r.status_code != 200:
            raise _error(f"could not fetch {url}: HTTP {r.status_code} {r.reason}", url=url,
                         reason=f"HTTP {r.status_code}")
        source = r.url or url
        total = r.headers.get("Content-Length")
        total = int(total) if total and total.isdigit() else None
        if total is not None and cap is not None and total > cap:
            raise _Oversize(f"the server announces {_human(total)}, far more than the "
                           f"{_human(cap)} expected; refused")
        if total is not None:
            cap = total if cap is None else min(cap, total)
        bar.start(total)
        n = 0
        for block in _stream(r, url, cap, lim):
            out.write(block)
            h.update(block)
            n += len(block)
            bar.advance(len(block))
    if total is not None and n != total:
        raise _Broken(f"transfer cut short: {n} of {total} bytes")
    return n, source


class _ProgressBar:
    """A rich progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, name: str, size_hint=None):
        self.name, self.hint = name, size_hint
        self._p = self._task = None

    def __enter__(self):
        try:
            tty = sys.stderr.isatty()
        except (AttributeError, ValueError):
            tty = False
        if tty:
            from rich.console import Console
            from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn,
                                       TimeRemainingColumn, TransferSpeedColumn)

            self._p = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                               TransferSpeedColumn(), TimeRemainingColumn(),
                               console=Console(stderr=True), transient=True)
            self._p.__enter__()
        return self

    def start(self, total):
        if self._p is not None:
            self._task = self._p.add_task(f"fetching {self.name}", total=total or self.hint)

    def advance(self, n):
        if self._p is not None and self._task is not None:
            self._p.advance(self._task, n)

    def __exit__(self, *exc):
        if self._p is not None:
            self._p.__exit__(*exc)
        return False


def _human(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n:.1f} GB"


# -- directory listings ---------------------------------------------------------------------

@dataclass
class Listing:
    """The kernel names of one archive directory, as last read.

    Attributes
    ----------
    base, dir : str
        Base URL and archive directory (``"JUNO/kernels/spk/"``).
    entries : list of (str, int or None)
        File names and approximate sizes.
    fetched : float
        When it was read (Unix time).
    error : str or None
        Why a refresh failed, when this is an older copy.
    """

    base: str
    dir: str
    entries: list = field(default_factory=list)
    fetched: float = 0.0
    error: str | None = None

    @property
    def url(self) -> str:
        return url_for(self.base, self.dir)

    @property
    def age_s(self) -> float:
        return max(0.0, time.time() - self.fetched)


def _listing_cache(base: str, dir_: str) -> Path:
    from flyplan.paths import naif_cache_dir

    key = hashlib.sha256(f"{base}\0{dir_}".encode()).hexdigest()[:16]
    return naif_cache_dir() / ".listings" / f"{key}.json"


def _read_listing_cache(base: str, dir_: str) -> Listing | None:
    try:
        data = json.loads(_listing_cache(base, dir_).read_text())
        if data.get("base") != base or data.get("dir") != dir_:
            return None
        entries = [(str(n), s if isinstance(s, int) else None) for n, s in data["entries"]
                   if registry.safe_name(str(n))]
        return Listing(base, dir_, entries, float(data["fetched"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# A failed read of a listing is remembered as a negative entry: its own small
# file (never in the listing cache, so a failure cannot pass for a listing),
# kept for netstate's lifetime (ten minutes; $FLYPLAN_OFFLINE_TTL, 0 turns it
# off).  Offline or behind a failing mirror, a run of commands asks once.

def _listing_failure_path(base: str, dir_: str) -> Path:
    from flyplan.paths import naif_cache_dir

    key = hashlib.sha256(f"{base}\0{dir_}".encode()).hexdigest()[:16]
    return naif_cache_dir() / ".listing-failures" / f"{key}.json"


def _host_remembered(url: str) -> bool:
    from flyplan.kernels import netstate

    host = _host(url)
    return host in _UNREACHABLE or netstate.remembered(host) is not None


def _ago(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else "under a minute"


def _read_listing_failure(base: str, dir_: str, now: float | None = None
                          ) -> tuple[str, float] | None:
    """``(why, seconds ago)`` of a remembered failed read of the listing, while fresh."""
    from flyplan.kernels import netstate

    ttl = netstate.remember_s()
    if ttl <= 0:
        return None
    try:
        data = json.loads(_listing_failure_path(base, dir_).read_text())
        if data.get("base") != base or data.get("dir") != dir_:
            return None
        age = (time.time() if now is None else now) - float(data["at"])
        why = str(data["why"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return (why, age) if 0.0 <= age < ttl else None


def _remember_listing_failure(base: str, dir_: str, why: str) -> None:
    from flyplan.kernels import netstate

    if netstate.remember_s() <= 0:
        return
    path = _listing_failure_path(base, dir_)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"base": base, "dir": dir_, "why": why, "at": time.time()}))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs another attempt next run


def listing(dir_: str, role: str, *, base: str | None = None, max_age: float = LISTING_MAX_AGE_S,
            refresh: bool = False, network: bool = True) -> Listing | None:
    """Kernel files of ``role`` in the archive directory ``dir_``.

    A cached listing younger than ``max_age`` seconds is used as it is;
    otherwise the directory is read again (unless ``network`` is False or
    flyplan is offline) and the cache updated.  When reading fails, the older
    cached listing is returned with ``error`` set, or a listing with no
    entries when there is none; the failure is remembered for
    :func:`flyplan.kernels.netstate.remember_s` seconds, during which the
    directory is not read again (``refresh`` reads it anyway).
    """
    base = naif_url(base)
    cached = _read_listing_cache(base, dir_)
    if cached is not None and not refresh and cached.age_s < max_age:
        return cached
    if not network or offline():
        return cached
    url = url_for(base, dir_)
    # An unreachable host is netstate's to remember (and _get's to say, the
    # same words as for the files); any other failure is remembered here.
    failed = None if refresh or _host_remembered(url) else _read_listing_failure(base, dir_)
    if failed is not None:
        out = cached or Listing(base, dir_)
        out.error = f"{failed[0]}; last tried {_ago(failed[1])} ago (not retried)"
        return out
    try:
        entries = _read_listing(url, role)
    except FetchError as exc:
        _remember_listing_failure(base, dir_, exc.message)
        out = cached or Listing(base, dir_)
        out.error = exc.message
        return out
    _listing_failure_path(base, dir_).unlink(missing_ok=True)
    out = Listing(base, dir_, entries, time.time())
    path = _listing_cache(base, dir_)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps({"base": base, "dir": dir_, "url": url,
                                   "fetched": out.fetched, "entries": entries}, indent=0))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs a request next time
    return out


def _read_listing(url: str, role: str) -> list[tuple[str, int | None]]:
    if url.startswith("file:"):
        d = Path(_file_url_path(url))
        if not d.is_dir():
            raise FetchError(f"no directory {d}", kernel=url)
        out = []
        for entry in sorted(os.scandir(d), key=lambda e: e.name):
            if entry.is_file() and registry.safe_name(entry.name, {role}):
                out.append((entry.name, entry.stat().st_size))
        return out
    lim = limits()
    with _get(url, lim) as r:
        if r.status_code != 200:
            raise FetchError(f"could not read the listing {url}: HTTP {r.status_code}", kernel=url)
        parts = []
        try:
            for block in _stream(r, url, _LISTING_MAX_BYTES, lim):
                parts.append(block)
        except (_TooSlow, _Broken) as exc:
            if isinstance(exc, _TooSlow) and not isinstance(exc, _Oversize):
                _UNREACHABLE.setdefault(_host(url), str(exc))
            raise FetchError(f"could not read the listing {url}: {exc}", kernel=url) from None
    rejected: list[str] = []
    entries = registry.parse_listing(b"".join(parts).decode("utf-8", "replace"), roles={role},
                                     rejected=rejected)
    if rejected:
        # A listing naming kernels that cannot be stored safely is not trusted
        # (nor cached): the older cached copy, or none, serves instead.
        raise FetchError(f"the listing {url} names {len(rejected)} kernel file(s) flyplan "
                         f"cannot store safely (e.g. {rejected[0][:60]!r}..., "
                         f"{len(rejected[0])} characters); it was not used", kernel=url)
    return entries
