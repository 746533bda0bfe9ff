"""The one SPK segment SPICE reads for a body over a whole span of epochs, if there is one.

The numpy SPK readers (:mod:`flyplan.geometry.spk_state`,
:mod:`flyplan.geometry.chebyshev`) evaluate a single segment's records for a
whole time array.  That is SPICE's answer only when SPICE would pick that same
segment at *every* epoch of the span, not just at its two ends: a
higher-priority segment (one in a file loaded later, or later in the same
file) covering part of the middle of the span would win there.  This module
finds the segment ``spksfs`` picks at both ends and then makes sure no segment
of higher priority for the same body overlaps the span.

Units: TDB seconds past J2000.  The kernel pool is only read.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sole_segment", "record_runs"]


def _overlaps(dc, t0: float, t1: float) -> bool:
    return dc[0] <= t1 and dc[1] >= t0


def _later_in_file(handle: int, body: int, descr, t0: float, t1: float) -> bool:
    """Whether a segment after ``descr`` in its file (higher priority) overlaps [t0, t1] for ``body``."""
    import spiceypy

    ours = tuple(float(x) for x in np.concatenate(spiceypy.dafus(descr, 2, 6)))
    spiceypy.dafbfs(handle)
    seen = False
    while spiceypy.daffna():
        dc, ic = spiceypy.dafus(spiceypy.dafgs(40), 2, 6)
        if seen:
            if int(ic[0]) == body and _overlaps(dc, t0, t1):
                return True
        elif tuple(float(x) for x in np.concatenate([dc, ic])) == ours:
            seen = True
    return False


def _later_files(handle: int, body: int, t0: float, t1: float) -> bool:
    """Whether an SPK loaded after the file of ``handle`` covers part of [t0, t1] for ``body``."""
    import spiceypy

    files = [spiceypy.kdata(i, "SPK")[0] for i in range(spiceypy.ktotal("SPK"))]
    handles = [spiceypy.kinfo(f)[2] for f in files]
    if handle not in handles:
        return True  # not a file we can place in the load order: let SPICE answer
    # The same file may be loaded more than once; its last load is its priority.
    last = len(handles) - 1 - handles[::-1].index(handle)
    for f in files[last + 1:]:
        cover = spiceypy.spkcov(f, body)
        for i in range(spiceypy.wncard(cover)):
            lo, hi = spiceypy.wnfetd(cover, i)
            if lo <= t1 and hi >= t0:
                return True
    return False


def sole_segment(body: int, t0: float, t1: float):
    """The segment SPICE reads for ``body`` at every epoch of [t0, t1], or None.

    Parameters
    ----------
    body : int
        NAIF id of the target body.
    t0, t1 : float
        First and last epoch, TDB seconds past J2000.

    Returns
    -------
    tuple or None
        ``(handle, dc, ic)``: the file handle, the segment's double summary
        (start, stop; TDB s) and integer summary (target, centre, frame,
        type, begin and end addresses).  None when no segment covers both
        ends, the ends are served by different segments, or a segment of
        higher priority covers part of the span: the caller should then let
        SPICE evaluate.
    """
    import spiceypy
    from spiceypy.utils.exceptions import SpiceyError

    try:
        h0, d0, _ = spiceypy.spksfs(body, t0, 40)
        h1, d1, _ = spiceypy.spksfs(body, t1, 40)
        if h0 != h1 or list(d0) != list(d1):
            return None
        dc, ic = spiceypy.dafus(d0, 2, 6)
        if not dc[0] <= t0 <= t1 <= dc[1]:
            return None
        if _later_files(h0, body, t0, t1) or _later_in_file(h0, body, d0, t0, t1):
            return None
    except SpiceyError:
        return None
    return h0, (float(dc[0]), float(dc[1])), tuple(int(x) for x in ic)


def record_runs(et: np.ndarray, init: float, intlen: float, n: int, block: int):
    """The records of a Chebyshev segment (SPK types 2, 3) serving ``et``, in runs.

    Parameters
    ----------
    et : numpy.ndarray, shape (m,)
        TDB seconds past J2000, any order.
    init, intlen : float
        Start of the first record and record length, s (the segment's directory).
    n : int
        Number of records.
    block : int
        Longest run, samples: keeps the per-run polynomial tables a few MB.

    Returns
    -------
    r0, r1 : int
        First and last record needed (read ``r0 .. r1`` once).
    order : numpy.ndarray or None
        The sort of ``et`` by record (None when ``et`` is already in order).
    t_sorted : numpy.ndarray
        ``et`` in that order.
    runs : list of (int, int, int)
        ``(record - r0, lo, hi)``: samples ``lo:hi`` of ``t_sorted`` in one record.
    """
    # spkr02/spkr03: INT((ET - BEGIN) / INTLEN) + 1, the quotient rounded first (and
    # numpy's float // is 6x slower than this division).
    rec = np.clip(np.floor((et - init) / intlen).astype(np.int64), 0, n - 1)
    r0, r1 = int(rec.min()), int(rec.max())
    order = None if np.all(rec[1:] >= rec[:-1]) else np.argsort(rec, kind="stable")
    rec_sorted = rec if order is None else rec[order]
    t_sorted = et if order is None else et[order]
    cuts = np.flatnonzero(np.diff(rec_sorted)) + 1
    starts = np.unique(np.r_[0, cuts, np.arange(0, len(et), block)])
    stops = np.r_[starts[1:], len(et)]
    runs = [(int(rec_sorted[lo]) - r0, int(lo), int(hi)) for lo, hi in zip(starts, stops)]
    return r0, r1, order, t_sorted, runs
