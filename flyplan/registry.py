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
from pathlib import Path

from .errors import KernelError
from .kernelset import check_kernel_file, kernel_kind

__all__ = ["Candidate", "JunoSpkName", "classify", "parse_juno_spk", "scan", "ROLES"]

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


def scan(directory: str | os.PathLike) -> list[Candidate]:
    """Recognised kernel files under ``directory`` (recursively).

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
                check_kernel_file(path)
            if info is None:
                continue
            role, rank, juno = info
            out.append(Candidate(path.resolve(), role, rank, juno))
    return out


def best(candidates: list[Candidate], role: str) -> Candidate | None:
    """The preferred file of ``role``, or None."""
    of_role = [c for c in candidates if c.role == role]
    return max(of_role, key=lambda c: c.rank) if of_role else None
