"""Write flyplan's own ephemerides (the built-in moons, the Juno model) as SPK files.

The geometry engine reads every trajectory through SPICE, so a trajectory that
flyplan computes itself is written out as an SPK type 13 (Hermite interpolation
of position and velocity, unequal time steps) and loaded like any NAIF kernel.

Files are written to a temporary name beside the target and renamed into place,
so a crash or an error never leaves a half-written kernel where a reader would
find it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Segment", "write_spk13"]


@dataclass(frozen=True)
class Segment:
    """One SPK type 13 segment.

    Parameters
    ----------
    body, center : int
        NAIF ids of the target and of the centre of motion.
    frame : str
        Reference frame name of the states (normally ``"J2000"``).
    et : numpy.ndarray, shape (n,)
        Strictly increasing epochs, TDB seconds past J2000.
    states : numpy.ndarray, shape (n, 6)
        Position (km) and velocity (km/s) of ``body`` relative to ``center``.
    degree : int
        Degree of the Hermite polynomials; odd, 1..27 (15 by default).
    segid : str
        Segment identifier, at most 40 characters.
    """

    body: int
    center: int
    frame: str
    et: np.ndarray
    states: np.ndarray
    degree: int = 15
    segid: str = "flyplan"


def _comment_lines(text: str, width: int = 1000) -> list[str]:
    # SPICE's comment area takes lines of printable ASCII only.
    out = []
    for line in text.splitlines() or [""]:
        line = line.encode("ascii", "replace").decode("ascii")
        out.extend([line[i:i + width] for i in range(0, len(line), width)] or [""])
    return out


def write_spk13(path: str | os.PathLike, segments: list[Segment], *,
                comment: str = "", internal_name: str = "flyplan") -> Path:
    """Write ``segments`` to a new SPK file at ``path``, atomically.

    Parameters
    ----------
    path : path-like
        Destination.  An existing file there is replaced only once the new one
        is complete.
    segments : list of Segment
        What to write, in order (later segments take precedence in SPICE).
    comment : str
        Text for the comment area (provenance: what generated the file, from
        which inputs, and its accuracy).
    internal_name : str
        DAF internal file name, at most 60 characters.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    import spiceypy as spice

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        tmp.unlink()
    lines = _comment_lines(comment) if comment else []
    ncomch = sum(len(line) + 1 for line in lines) + 1024
    handle = spice.spkopn(str(tmp), internal_name[:60], ncomch)
    try:
        for seg in segments:
            et = np.ascontiguousarray(seg.et, dtype=float)
            states = np.ascontiguousarray(seg.states, dtype=float).reshape(-1, 6)
            if et.ndim != 1 or len(et) != len(states):
                raise ValueError("et and states must have the same length")
            if np.any(np.diff(et) <= 0):
                raise ValueError("epochs must be strictly increasing")
            spice.spkw13(handle, int(seg.body), int(seg.center), seg.frame,
                         float(et[0]), float(et[-1]), seg.segid[:40],
                         int(seg.degree), len(et), states, et)
        if lines:
            spice.dafac(handle, lines)
    except BaseException:
        spice.spkcls(handle)
        tmp.unlink(missing_ok=True)
        raise
    spice.spkcls(handle)
    os.replace(tmp, path)
    return path
