"""Which kernels flyplan knows, and which of them a request needs.

Kernels are recognised by NAIF's file names (the same names locally, in the
cache and in NAIF's archive), so a directory laid out like
``https://naif.jpl.nasa.gov/pub/naif/`` -- or any directory holding such files
-- can serve as a kernel source.

Juno's trajectory files are named ``spk_rec_YYMMDD_YYMMDD_YYMMDD.bsp`` (start,
end, production date; reconstructed) and ``spk_pre_...`` (predicted).  When
several cover a time, reconstructed beats predicted and newer beats older.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flyplan.errors import KernelError
from flyplan.kernels.files import check_kernel_file, kernel_kind

__all__ = ["Candidate", "JunoSpkName", "classify", "parse_juno_spk", "scan", "ROLES", "Entry",
           "known", "listings", "default_base_url", "safe_name", "parse_listing",
           "name_interval", "date_to_et", "et_to_text", "lookup"]

# role -> (regex on the file name, how to rank several: higher is preferred)
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("lsk", re.compile(r"^naif(\d{4})\.tls$", re.I)),
    ("pck", re.compile(r"^pck(\d{5})\.tpc$", re.I)),
    ("gm", re.compile(r"^gm_de(\d{3,4})\.tpc$", re.I)),
    ("planets", re.compile(r"^de(\d{3,4})[a-z]*(?:_[\w.-]*)?\.bsp$", re.I)),
    ("satellites", re.compile(r"^jup(\d{3})(?:[_-][\w.-]*)?\.bsp$", re.I)),
    ("juno_spk", re.compile(r"^spk_(rec|pre)_(\d{6})_(\d{6})_(\d{6})(?:_[\w-]+)?\.bsp$", re.I)),
    ("struct", re.compile(r"^juno_struct_v(\d+)\.bsp$", re.I)),
    ("fk", re.compile(r"^juno_v(\d+)\.tf$", re.I)),
    ("ik", re.compile(r"^juno_junocam_v(\d+)\.ti$", re.I)),
    ("ik_addendum", re.compile(r"^junoaddendum(\d+)\.ti$", re.I)),
    ("sclk", re.compile(r"^jno_sclkscet[._](\d+)\.tsc$", re.I)),
    ("orbnum", re.compile(r"^juno_(rec|pre)_orbit(?:_v(\d+))?\.orb$", re.I)),
]
ROLES = tuple(role for role, _ in _PATTERNS)


@dataclass(frozen=True)
class JunoSpkName:
    """What a Juno trajectory file name says.

    Attributes
    ----------
    reconstructed : bool
        ``spk_rec`` (True) or ``spk_pre`` (False).
    start, stop : datetime.date
        Coverage claimed by the name (UTC dates; the stop day is inclusive).
    produced : datetime.date
        Production date.
    """

    reconstructed: bool
    start: _dt.date
    stop: _dt.date
    produced: _dt.date


def _yymmdd(text: str) -> _dt.date:
    return _dt.datetime.strptime(text, "%y%m%d").date()


def parse_juno_spk(name: str) -> JunoSpkName | None:
    """Parse a Juno trajectory SPK name; None when the name is not one."""
    m = _PATTERNS[5][1].match(name)
    if not m:
        return None
    try:
        return JunoSpkName(m.group(1).lower() == "rec", _yymmdd(m.group(2)),
                           _yymmdd(m.group(3)), _yymmdd(m.group(4)))
    except ValueError:
        return None


@dataclass(frozen=True)
class Candidate:
    """A kernel file flyplan recognised.

    Attributes
    ----------
    path : pathlib.Path
        Where it is.
    role : str
        One of :data:`ROLES`.
    rank : tuple
        Preference among files of the same role (higher is better).
    juno : JunoSpkName or None
        For Juno trajectory files, what the name says.
    """

    path: Path
    role: str
    rank: tuple
    juno: JunoSpkName | None = None

    @property
    def name(self) -> str:
        return self.path.name


def classify(name: str) -> tuple[str, tuple, JunoSpkName | None] | None:
    """Role, rank and (for Juno SPKs) parsed name of a kernel file name, or None."""
    for role, rx in _PATTERNS:
        m = rx.match(name)
        if not m:
            continue
        if role == "juno_spk":
            juno = parse_juno_spk(name)
            if juno is None:
                return None
            return role, (juno.reconstructed, juno.produced.toordinal(), name), juno
        if role == "orbnum":
            return role, (m.group(1).lower() == "rec", int(m.group(2) or 0)), None
        if role == "planets":
            # Prefer newer DE numbers; among equals the smaller excerpt ('s') files
            # are as good for the span they cover.
            return role, (int(m.group(1)), name), None
        return role, (int(m.group(1)), name), None
    return None


def scan(directory: str | os.PathLike, on_bad=None) -> list[Candidate]:
    """Recognised kernel files under ``directory`` (recursively).

    Parameters
    ----------
    directory : path-like
        Where to look.
    on_bad : callable, optional
        Called as ``on_bad(path, error)`` for a kernel-named file that is not a
        valid kernel, instead of raising; the file is then left out.

    Raises
    ------
    KernelError
        When the directory is missing or unreadable, or when a file with a
        kernel's extension is not a kernel (named in the message).
    """
    root = Path(directory).expanduser()
    if not root.is_dir():
        raise KernelError(f"kernel directory not found: {root}", kernel=str(root),
                          hint="pass an existing directory with --kernels DIR or FLYPLAN_KERNELS, "
                               "or drop the option to use the cache and built-in kernels")
    if not os.access(root, os.R_OK | os.X_OK):
        raise KernelError(f"kernel directory is not readable: {root}", kernel=str(root),
                          hint="check its permissions")
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            path = Path(dirpath) / fn
            info = classify(fn)
            if kernel_kind(fn) is not None:
                # A kernel-named file that is not a kernel would fail later in
                # SPICE with a less helpful message; say which file now.
                try:
                    check_kernel_file(path)
                except KernelError as exc:
                    if on_bad is None:
                        raise
                    on_bad(path, exc)
                    continue
            if info is None:
                continue
            role, rank, juno = info
            out.append(Candidate(path.resolve(), role, rank, juno))
    return out


def best(candidates: list[Candidate], role: str) -> Candidate | None:
    """The preferred file of ``role``, or None."""
    of_role = [c for c in candidates if c.role == role]
    return max(of_role, key=lambda c: c.rank) if of_role else None


# -- the registry of known kernels (flyplan/data/registry.toml) ----------------------------

@dataclass(frozen=True)
class Entry:
    """A kernel of NAIF's archive that flyplan knows by name.

    Attributes
    ----------
    path : str
        Path relative to the archive's base URL (and to the cache's ``naif/``),
        e.g. ``"generic_kernels/lsk/naif0012.tls"``.
    role : str
        One of :data:`ROLES`.
    size : int or None
        Bytes, when known exactly.
    sha256 : str or None
        Hex digest, when known.
    also : tuple of str
        Other archive paths of the same file, tried in order after ``path``.
    covers : tuple of datetime.date or None
        First and last fully covered UTC day, for SPKs whose name does not say.
    about : str
        What it is.
    size_hint : int or None
        Approximate bytes, shown when ``size`` is unknown.
    listed : bool
        True when discovered in a directory listing rather than the registry file.
    """

    path: str
    role: str
    size: int | None = None
    sha256: str | None = None
    also: tuple = ()
    covers: tuple | None = None
    about: str = ""
    size_hint: int | None = None
    listed: bool = False

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def juno(self) -> JunoSpkName | None:
        return parse_juno_spk(self.name) if self.role == "juno_spk" else None

    def interval(self) -> tuple[float, float] | None:
        """Approximate ET span the file covers, from its name or ``covers``."""
        if self.role == "juno_spk":
            return name_interval(self.name)
        if self.covers:
            return date_to_et(self.covers[0]), date_to_et(self.covers[1]) + 86400.0
        return None

    @property
    def rank(self) -> tuple:
        info = classify(self.name)
        return info[1] if info else ()


def _registry_text() -> str:
    from importlib import resources

    return resources.files("flyplan.data").joinpath("registry.toml").read_text()


@lru_cache(maxsize=1)
def _registry() -> dict:
    import tomllib

    return tomllib.loads(_registry_text())


def default_base_url() -> str:
    """NAIF's public archive, the default base URL of downloads."""
    return _registry().get("base_url", "https://naif.jpl.nasa.gov/pub/naif/")


@lru_cache(maxsize=1)
def known() -> tuple[Entry, ...]:
    """The kernels listed in the registry file shipped with flyplan, in file order."""
    out = []
    for row in _registry().get("kernel", []):
        name = row["path"].rsplit("/", 1)[-1]
        info = classify(name)
        if info is None or info[0] != row["role"] or not _safe_relpath(row["path"]):
            raise ValueError(f"registry entry {row['path']!r} does not match role {row['role']!r}")
        covers = row.get("covers")
        out.append(Entry(
            path=row["path"], role=row["role"], size=row.get("size") or None,
            sha256=(row.get("sha256") or "").lower() or None, also=tuple(row.get("also", ())),
            covers=tuple(_dt.date.fromisoformat(d) for d in covers) if covers else None,
            about=row.get("about", ""), size_hint=row.get("size_hint") or None))
    return tuple(out)


def listings() -> dict[str, str]:
    """Role -> archive directory whose listing may hold files the registry does not list."""
    return {role: spec["dir"] for role, spec in _registry().get("listing", {}).items()}


def lookup(name: str) -> Entry | None:
    """The registry entry of a file name, if the registry lists it."""
    return next((e for e in known() if e.name == name), None)


# -- names from remote listings ------------------------------------------------------------

# Longest kernel name accepted from a listing.  The cache stores beside each
# file a record ``.<name>.json`` (written through ``.<name>.json.tmp-<pid>``)
# and a lock ``.<name>.lock``; all must fit a 255-byte file name.  NAIF's
# longest Juno names are about 45 characters.
MAX_NAME_LEN = 200
assert MAX_NAME_LEN + len("..json.tmp-") + 20 <= 255
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,%d}$" % (MAX_NAME_LEN - 1))


def safe_name(name: str, roles=None) -> bool:
    """Whether ``name`` is a plain kernel file name flyplan recognises.

    A name from a remote directory listing becomes a file name in the cache,
    so only plain names (letters, digits, ``._-``; no separators, no ``..``,
    no query strings; at most :data:`MAX_NAME_LEN` characters) matching a registry pattern of one of ``roles`` (any role
    when None) are accepted.
    """
    if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name) or ".." in name:
        return False
    info = classify(name)
    return info is not None and (roles is None or info[0] in roles)


def _safe_relpath(path: str) -> bool:
    parts = path.split("/")
    return (not path.startswith("/") and all(_SAFE_DIR.fullmatch(p) for p in parts[:-1])
            and bool(_SAFE_NAME.fullmatch(parts[-1])) and ".." not in parts)


_SAFE_DIR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$", re.I)
_SIZE_MULT = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def parse_listing(html: str, roles=None, rejected: list | None = None
                  ) -> list[tuple[str, int | None]]:
    """Kernel file names (and approximate sizes, when shown) in a directory listing.

    Reads the ``href`` of every link of an Apache-style (or ``python -m
    http.server``) index.  Links that are not plain file names in that same
    directory -- parent or sub-directories, absolute paths, other hosts, query
    strings, percent-encoded separators or ``..`` -- are ignored, and so are
    names that match no registry pattern of ``roles``.  Names that do match
    one but are not safe to store (too long for the cache's lock and record
    names, odd characters) are left out and, when ``rejected`` is a list,
    appended to it, so the caller can refuse the whole listing.

    Returns
    -------
    list of (str, int or None)
        Names in listing order (each once) and sizes in bytes when the listing
        shows them (rounded, as Apache prints them).
    """
    from html.parser import HTMLParser
    from urllib.parse import unquote, urlsplit

    rows: list[list] = []

    class _Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                rows.append([dict(attrs).get("href") or "", ""])

        def handle_data(self, data):
            if rows:
                rows[-1][1] += data

    _Parser(convert_charrefs=True).feed(html)
    out, seen = [], set()
    for href, trailing in rows:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or parts.query or parts.fragment:
            continue
        name = unquote(parts.path)
        if name.startswith("./"):
            name = name[2:]
        if name in seen:
            continue
        if not safe_name(name, roles):
            info = classify(name) if rejected is not None else None
            if info is not None and (roles is None or info[0] in roles):
                rejected.append(name)
            continue
        seen.add(name)
        out.append((name, _listing_size(trailing)))
    return out


def _listing_size(text: str) -> int | None:
    # Apache: "name</a>   2016-10-27 10:12  595K"; the anchor's own text comes
    # first, so the size is the last token of what follows.
    tokens = text.split()
    if not tokens:
        return None
    m = _SIZE.match(tokens[-1])
    if not m or (len(tokens) < 2):
        return None
    return int(float(m.group(1)) * _SIZE_MULT[m.group(2).upper()])


# -- approximate time spans from names ----------------------------------------------------

def date_to_et(day: _dt.date) -> float:
    """ET (TDB s past J2000) of 00:00 UTC on ``day`` (no SPICE needed)."""
    from flyplan.timeutil import datetime_to_et

    return datetime_to_et(_dt.datetime(day.year, day.month, day.day))


def et_to_text(et: float) -> str:
    """UTC of an ET, to the minute (``"2016-08-27T12:50Z"``), without SPICE."""
    from flyplan.timeutil import et_to_datetime

    return et_to_datetime(et).strftime("%Y-%m-%dT%H:%MZ")


def name_interval(name: str) -> tuple[float, float] | None:
    """Approximate ET span of a Juno trajectory file, from its name.

    From 00:00 UTC of the start day to 24:00 UTC of the end day: the name's
    days are only partly covered (the file's own coverage, read once it is
    here, is what counts).
    """
    j = parse_juno_spk(name)
    if j is None:
        return None
    return date_to_et(j.start), date_to_et(j.stop) + 86400.0
