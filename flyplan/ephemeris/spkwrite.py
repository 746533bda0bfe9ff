"""Write flyplan's own ephemerides (the built-in moons, the Juno model) as SPK files.

The geometry engine reads every trajectory through SPICE, so a trajectory that
flyplan computes itself is written out as an SPK and loaded like any NAIF
kernel: type 13 (Hermite interpolation of position and velocity, unequal time
steps; the Juno model) or type 2 (Chebyshev polynomials of position over
equal intervals, as JPL's ephemerides; the moons, where SPICE evaluates it
several times faster than type 13).

Files are written to a temporary name beside the target and renamed into place,
so a crash or an error never leaves a half-written kernel where a reader would
find it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["Segment", "ChebyshevSegment", "write_spk", "write_spk13", "chebyshev_records"]


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


@dataclass(frozen=True)
class ChebyshevSegment:
    """One SPK type 2 segment: Chebyshev coefficients of position over equal intervals.

    Parameters
    ----------
    body, center : int
        NAIF ids of the target and of the centre of motion.
    frame : str
        Reference frame name (normally ``"J2000"``).
    first : float
        Start of the first interval, TDB seconds past J2000.
    interval_s : float
        Length of each interval, s.
    coeffs : numpy.ndarray, shape (n, 3, degree + 1)
        Per interval, the Chebyshev coefficients of x, y, z (km) in the
        interval's time scaled to [-1, 1].
    segid : str
        Segment identifier, at most 40 characters.
    """

    body: int
    center: int
    frame: str
    first: float
    interval_s: float
    coeffs: np.ndarray
    segid: str = "flyplan"


def chebyshev_records(et: np.ndarray, positions: np.ndarray, interval_s: float,
                      degree: int) -> tuple[float, np.ndarray]:
    """Least-squares Chebyshev fits of positions sampled on a regular grid.

    Parameters
    ----------
    et : numpy.ndarray, shape (n,)
        Equally spaced epochs, TDB s; ``interval_s`` must be a whole number
        ``k`` of steps and ``n - 1`` a multiple of ``k``.
    positions : numpy.ndarray, shape (n, 3) or (n, m, 3)
        Positions at ``et``, km (``m`` bodies at once).
    interval_s : float
        Record length, s.
    degree : int
        Polynomial degree; ``k + 1 > degree + 1`` samples per record (every
        record is fitted to its own ``k + 1`` samples, ends included, so
        neighbouring records meet).

    Returns
    -------
    first : float
        Start of the first record (``et[0]``).
    coeffs : numpy.ndarray, shape (records, 3, degree + 1) or (records, m, 3, degree + 1)
    """
    from numpy.polynomial import chebyshev

    step = et[1] - et[0]
    k = int(round(interval_s / step))
    if abs(k * step - interval_s) > 1e-6 * step or (len(et) - 1) % k or k < degree + 1:
        raise ValueError("the samples must tile whole records, with more samples than coefficients")
    records = (len(et) - 1) // k
    x = np.linspace(-1.0, 1.0, k + 1)
    solve = np.linalg.pinv(chebyshev.chebvander(x, degree))  # (degree + 1, k + 1)
    idx = np.arange(records)[:, None] * k + np.arange(k + 1)[None, :]
    samples = np.asarray(positions, dtype=float)[idx]  # (records, k + 1, ..., 3)
    coeffs = np.einsum("ck,rk...->r...c", solve, samples)
    return float(et[0]), np.ascontiguousarray(coeffs)


def _comment_lines(text: str, width: int = 1000) -> list[str]:
    # SPICE's comment area takes lines of printable ASCII only.
    out = []
    for line in text.splitlines() or [""]:
        line = line.encode("ascii", "replace").decode("ascii")
        out.extend([line[i:i + width] for i in range(0, len(line), width)] or [""])
    return out


def write_spk(path: str | os.PathLike, segments: list, *,
              comment: str = "", internal_name: str = "flyplan") -> Path:
    """Write ``segments`` to a new SPK file at ``path``, atomically.

    Parameters
    ----------
    path : path-like
        Destination.  An existing file there is replaced only once the new one
        is complete.
    segments : list of Segment or ChebyshevSegment
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
    # SPICE cannot open a path over 255 bytes (it would write somewhere else):
    # such a file is written in a private temporary directory and moved.
    work = tmp if len(os.fsencode(tmp)) <= 255 else _short_work_path(path.suffix)
    lines = _comment_lines(comment) if comment else []
    ncomch = sum(len(line) + 1 for line in lines) + 1024
    handle = spice.spkopn(str(work), internal_name[:60], ncomch)
    try:
        for seg in segments:
            if isinstance(seg, ChebyshevSegment):
                n, _, ncoef = seg.coeffs.shape
                spice.spkw02(handle, int(seg.body), int(seg.center), seg.frame,
                             float(seg.first), float(seg.first + n * seg.interval_s),
                             seg.segid[:40], float(seg.interval_s), n, ncoef - 1,
                             np.ascontiguousarray(seg.coeffs, dtype=float).ravel(),
                             float(seg.first))
                continue
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
        work.unlink(missing_ok=True)
        raise
    spice.spkcls(handle)
    if work != tmp:
        import shutil

        try:
            shutil.move(work, tmp)
        finally:
            work.unlink(missing_ok=True)
    os.replace(tmp, path)
    return path


def _short_work_path(suffix: str) -> Path:
    import tempfile

    uid = os.getuid() if hasattr(os, "getuid") else 0
    d = Path(tempfile.gettempdir()) / f"flyplan-{uid}"
    d.mkdir(mode=0o700, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="spk-", suffix=suffix[:8], dir=d)
    os.close(fd)
    os.unlink(name)  # SPICE creates the file itself and refuses an existing one
    return Path(name)


write_spk13 = write_spk  # the name the Juno model and the tests use
