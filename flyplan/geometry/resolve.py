"""Where a trajectory is physically impossible, and what to say instead of a number.

flyplan's own Juno model can put Juno inside a moon (or, in principle,
inside Jupiter) near a targeted flyby it does not reproduce.  Such a position
is never reported as a number: the geometry there is blanked (NaN) and the
rows say that the model cannot resolve the flyby.  A real NAIF trajectory is
never inside a body, so on real kernels nothing here changes anything.
"""

from __future__ import annotations

import numpy as np

__all__ = ["inside", "unresolved", "unresolved_note", "inside_intervals", "complement",
           "UNRESOLVED", "INSIDE_MARGIN", "UNRESOLVED_KM"]

#: Word used in the ``detail`` of rows whose number the model cannot give.
UNRESOLVED = "model cannot resolve this flyby"
#: A range to a moon's centre below this multiple of its mean radius counts as
#: inside: the moons' ellipsoids' long axes are up to 0.5% above their means.
INSIDE_MARGIN = 1.01


def inside(range_km, radius_km: float) -> np.ndarray:
    """Where a range to a body's centre is not outside the body (NaN counts as not inside).

    Parameters
    ----------
    range_km : array_like
        Distances from Juno to the body's centre, km.
    radius_km : float
        The body's (mean) radius, km.

    Returns
    -------
    numpy.ndarray of bool
    """
    r = np.asarray(range_km, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(r) & (r <= float(radius_km))


#: Once a pass goes inside a moon, the whole pass is unresolved: every sample
#: closer than this to the moon's surface is blanked, km.  The model's own
#: error near such a flyby is thousands of km (it put Juno 883 km from Io's
#: centre where the published pass was 1,500 km above the surface, and
#: Ganymede's PJ34 pass at 6,956 km where it was 1,038 km).
UNRESOLVED_KM = 10000.0


def unresolved(range_km, radius_km: float) -> np.ndarray:
    """Samples of a pass the model cannot resolve.

    Every contiguous run of samples closer than :data:`UNRESOLVED_KM` to the
    surface that contains a sample inside the body (:func:`inside` with
    :data:`INSIDE_MARGIN`).

    Parameters
    ----------
    range_km : array_like, shape (n,)
        Ranges to the body's centre at consecutive times, km.
    radius_km : float
        Mean radius, km.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    r = np.asarray(range_km, dtype=float)
    bad = inside(r, radius_km * INSIDE_MARGIN)
    if not bad.any():
        return bad
    with np.errstate(invalid="ignore"):
        near = np.isfinite(r) & (r < radius_km + UNRESOLVED_KM)
    # Label runs of `near` and keep those holding an inside sample.
    run = np.cumsum(np.concatenate([[near[0]], near[1:] & ~near[:-1]])) * near
    keep = np.unique(run[bad & near])
    return near & np.isin(run, keep[keep > 0])


def unresolved_note(body: str, utc: str | None = None, label: str = "") -> str:
    """One-line note for an impossible pass (``body`` in words, e.g. ``"Io"``)."""
    when = f" near {utc}" if utc else ""
    src = f" ({label})" if label else ""
    return (f"flyplan's Juno model cannot resolve the {body} flyby{when}: its trajectory would "
            f"pass inside {body}, so the {body} geometry there is left blank{src}; use NAIF's "
            "reconstructed Juno kernels for this flyby")


def inside_intervals(target: str, observer: str, radius_km: float, t0: float, t1: float,
                     step: float = 60.0, abcorr: str = "LT") -> list[tuple[float, float]]:
    """Intervals of ``[t0, t1]`` in which ``observer`` is within ``radius_km`` of ``target``.

    Uses the Geometry Finder (``gfdist``, ``<``), which works at any range
    (unlike the angular searches, which fail inside a body).  Kernels must be
    loaded.

    Returns
    -------
    list of (float, float)
        TDB seconds past J2000, sorted, possibly empty.
    """
    import spiceypy

    cnfine = spiceypy.cell_double(2)
    spiceypy.wninsd(float(t0), float(t1), cnfine)
    res = spiceypy.cell_double(200)
    spiceypy.gfdist(target, abcorr, observer, "<", float(radius_km), 0.0, float(step), 1000,
                    cnfine, res)
    return [tuple(spiceypy.wnfetd(res, i)) for i in range(spiceypy.wncard(res))]


def complement(t0: float, t1: float, holes, pad_s: float = 0.0) -> list[tuple[float, float]]:
    """``[t0, t1]`` less the ``holes`` (each widened by ``pad_s`` seconds)."""
    out, t = [], t0
    for a, b in sorted(holes):
        a, b = a - pad_s, b + pad_s
        if a > t:
            out.append((t, min(a, t1)))
        t = max(t, b)
        if t >= t1:
            break
    if t < t1:
        out.append((t, t1))
    return [(a, b) for a, b in out if b > a]
