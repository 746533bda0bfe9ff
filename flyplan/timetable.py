"""Perijove times from published sources: the package's timetable and NAIF ORBNUM files.

These give a perijove's approximate time (to a second, or minutes for
predictions); :mod:`flyplan.domain.perijove` refines it on the loaded trajectory.
"""

from __future__ import annotations

import csv
import datetime as _dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from flyplan.errors import KernelError

__all__ = ["TimetableEntry", "timetable", "read_orbnum", "TIMETABLE_SOURCE"]

TIMETABLE_SOURCE = ("Juno perijove timetable shipped with flyplan "
                    "(flyplan/data/perijove_timetable.csv; PJ0-71 reconstructed, later predicted)")


@dataclass(frozen=True)
class TimetableEntry:
    """A perijove number and its published time.

    Attributes
    ----------
    pj : int
        Perijove number (0 = orbit insertion).
    utc : str
        UTC, ISO-8601 with ``Z``.
    status : str
        ``"reconstructed"`` or ``"predicted"``.
    """

    pj: int
    utc: str
    status: str


@lru_cache(maxsize=1)
def timetable() -> dict[int, TimetableEntry]:
    """The perijove timetable carried in the package, keyed by perijove number."""
    text = resources.files("flyplan.data").joinpath("perijove_timetable.csv").read_text()
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {int(r["pj"]): TimetableEntry(int(r["pj"]), r["utc"], r["status"]) for r in rows}


_ORB_ROW = re.compile(
    r"^\s*(\d+)\s+(\d{4} \w{3} \d\d \d\d:\d\d:\d\d)\s+\S+\s+"
    r"(\d{4} \w{3} \d\d \d\d:\d\d:\d\d|Unable to determine)")


def read_orbnum(path: str | Path) -> dict[int, str]:
    """Perijove UTC per orbit number from a NAIF ORBNUM file.

    Juno's ORBNUM files number orbits from apojove to apojove; the ``PERI``
    event of orbit N is perijove N.  Rows whose perijove could not be
    determined are left out.

    Returns
    -------
    dict
        ``{pj: "YYYY-MM-DDTHH:MM:SSZ"}``.

    Raises
    ------
    KernelError
        When the file cannot be read or holds no orbit rows.
    """
    path = Path(path)
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        raise KernelError(f"cannot read ORBNUM file {path}: {exc.strerror}",
                          kernel=str(path)) from None
    out = {}
    for line in lines:
        m = _ORB_ROW.match(line)
        if not m or m.group(3).startswith("Unable"):
            continue
        t = _dt.datetime.strptime(m.group(3), "%Y %b %d %H:%M:%S")
        out[int(m.group(1))] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if not out:
        raise KernelError(f"{path.name} holds no ORBNUM orbit rows", kernel=str(path),
                          hint="remove it or replace it with NAIF's juno_rec_orbit file")
    return out
