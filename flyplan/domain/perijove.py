"""The geometry of one perijove: :func:`perijove` and its :class:`Perijove` result.

Where the perijove's time comes from and how it is refined is
:mod:`flyplan.orbit`'s business; this module samples the window around it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from flyplan.domain.api import ResultMixin, metadata_property
from flyplan.constants import CONVENTIONS, JUNO, MOONS
from flyplan.constants import MOON_IDS as MOONS_BY_ID
from flyplan.errors import InputError

__all__ = ["Perijove", "perijove"]


@dataclass(repr=False)
class Perijove(ResultMixin):
    """Geometry of one perijove: summary, samples over a window, and events.

    Attributes
    ----------
    number : int
        Perijove number (0 = orbit insertion).
    et : float
        Time of closest approach to Jupiter's centre, TDB s past J2000.
    utc : str
        The same in UTC, ISO-8601 with ``Z``.
    method : str
        How the time was found (``"orbnum+gf"``, ``"timetable+gf"``, ...).
    summary : dict
        Geometry at perijove (same keys as the sample columns, plus ``perijove``).
    samples : pandas.DataFrame
        One row per sample over the window.
    events : pandas.DataFrame
        Events inside the window (at least the perijove itself).
    selection : flyplan.kernels.assemble.KernelSelection
        The kernels used and the labels of the trajectory and moon sources.
    window : tuple of float
        ET bounds of the sampled window.
    step_s : float
        Sampling step, s.
    """

    number: int
    et: float
    utc: str
    method: str
    summary: dict
    samples: object
    events: object
    selection: object
    window: tuple
    step_s: float
    notes: list = field(default_factory=list)

    _TABLES = ("samples", "events")

    @property
    def highlights(self):
        """Imaging highlights (:func:`flyplan.domain.highlights.highlights`), computed once."""
        cached = self.__dict__.get("_highlights")
        if cached is None:
            from flyplan.domain.highlights import highlights

            cached = self.__dict__["_highlights"] = highlights(self)
        return cached

    # -- provenance ---------------------------------------------------------------
    @metadata_property
    def metadata(self) -> dict:
        """Provenance and conventions (an attribute; calling it returns the same dict).

        Gathered from the result's own data, without SPICE, so that it can be
        rendered after SPICE's pool has been cleared or reloaded (a notebook,
        a plan over many perijoves).
        """
        from flyplan import __version__
        from flyplan.timeutil import iso_frame

        df = iso_frame(self.samples)
        window = [str(df["utc"].iloc[0]), str(df["utc"].iloc[-1])] if len(df) else ["", ""]
        return {
            "flyplan_version": __version__,
            "perijove": self.number,
            "perijove_utc": self.utc,
            "perijove_et": self.et,
            "perijove_time_method": self.method,
            "window_utc": window,
            "step_s": self.step_s,
            "source": self.selection.describe(),
            "conventions": dict(CONVENTIONS),
            "kernels": self.selection.kernels.provenance(),
        }

def _add_earth_received(summary: dict | None, events):
    """Earth-received time, one-way light time from Juno to the geocentre and the
    Sun-Earth-Juno angle (:mod:`flyplan.geometry.earth`) for the summary (in place) and
    the events (returned); either may be None."""
    from spiceypy import cyice

    from flyplan.geometry import earth
    from flyplan.constants import JUPITER_BARYCENTER

    def juno(et):
        # skyfield's DE421 has Jupiter's barycentre only: Juno's offset from it.
        et = np.array(np.atleast_1d(et), dtype=float)  # a writable copy, as cyice needs
        return cyice.spkezp_v(JUNO, et, "J2000", "NONE", JUPITER_BARYCENTER)[0]

    if summary is not None:
        rec = earth.received([summary["et"]], juno(summary["et"])).iloc[0]
        summary.update(utc_ert=str(rec["utc_ert"]), light_time_min=float(rec["light_time_min"]),
                       sun_earth_juno_deg=float(rec["sun_earth_juno_deg"]))
    if events is None:
        return None
    return earth.add_received(events, juno(events["et"].to_numpy(dtype=float)))


def perijove(n: int, *, window: str = "-6h..+6h", step: str | float = "60s", kernels=None,
             source: str = "auto", moons: bool = True, extras: bool = True,
             stream_rows: int | None = None) -> Perijove:
    """Compute the geometry of Juno's perijove ``n``.

    Parameters
    ----------
    n : int
        Perijove number; 0 is orbit insertion (2016-07-05), 38 is 2021-11-29.
    window : str or (start, stop)
        Sampled window, relative to perijove (``"-6h..+6h"``, ``("-3h", "3h")``,
        ``(pandas.Timedelta(-1h), ...)``) or absolute
        (``"2021-11-29T12:00Z..2021-11-29T16:00Z"``, ``"2021-11-29 13:00Z..2021-11-29 15:00Z"``,
        a pair of ``datetime``, ``pandas.Timestamp``, ``numpy.datetime64``, ET floats or
        astropy/skyfield ``Time``); see :func:`flyplan.timeutil.as_window`.
    step : str, float or timedelta
        Sampling step (``"60s"``, ``"1m"``, seconds, ``datetime.timedelta``).
    kernels : path-like, optional
        Kernel directory laid out like NAIF's archive (else ``$FLYPLAN_KERNELS``
        and the cache).
    source : {"auto", "naif", "model"}
        Juno trajectory source.
    moons : bool
        Include the Galilean moons (when an ephemeris covers the window).
    extras : bool
        Also the JunoCam imaging columns, the events inside the window and
        the Earth-received time (default).  False gives the geometry alone,
        several times faster (the mission table uses it).
    stream_rows : int, optional
        For a table to be written, not kept: a window of more samples is
        computed a block of about this many rows at a time while
        :mod:`flyplan.products.serialize` writes it (the same text; only
        a block's work in memory at a time).  ``samples`` then holds only
        the columns the highlights read, and only once the blocks have been
        written; :func:`flyplan.domain.perijove_blocks.is_streamed` tells.

    Returns
    -------
    Perijove

    Raises
    ------
    flyplan.errors.FlyplanError
        For a perijove, window or kernel directory the data cannot serve; the
        message names what is missing, what is covered and what to do.
    """
    from flyplan.geometry import samples as geometry
    from flyplan.orbit import _parse, prepare
    from flyplan.timeutil import as_duration, check_sample_count, et_to_utc, sample_times

    step_s = as_duration(step)
    if step_s <= 0:
        raise InputError("the step must be positive", hint="give a step such as 60s or 1m")
    win = _parse(window)
    span = win.span_s() if win is not None else None
    if span is not None and span > 0:
        # Before any kernel is loaded (or fetched): a request too large fails at once.
        check_sample_count(span / step_s + 2)
    req = prepare(n, win, kernels=kernels, source=source, moons=moons)
    sel, et_pj, method = req.selection, req.et, req.method
    t0, t1 = req.window
    moon_ids = tuple(MOONS.values()) if sel.moons else ()
    et = sample_times(t0, t1, step_s)
    imaging = bool(extras and moon_ids)
    attitude, att_note = None, None
    if imaging:
        from flyplan.geometry.junocam import attitude_for

        attitude, att_note = attitude_for(n)
    rows = functools.partial(_rows, moon_ids=moon_ids, n=n, et_pj=et_pj,
                             approximate=sel.approximate, imaging=imaging, attitude=attitude)
    blocks = None
    if stream_rows:
        from flyplan.domain import perijove_blocks

        blocks = perijove_blocks.plan(et, stream_rows, rows)
    if blocks is None:
        samples, label = rows(et)
    else:
        samples, label = blocks.samples, blocks.label
    at_pj = geometry.sample_table(np.array([et_pj]), moon_ids).iloc[0].to_dict()
    summary = {"perijove": n, **at_pj, "perijove_time_method": method,
               "trajectory_source": sel.trajectory, "approximate": sel.approximate}
    summary.update(_time_status(n, method))
    from flyplan.domain import uncertainty

    around = geometry.sample_table(np.array([et_pj - 30.0, et_pj, et_pj + 30.0]), ())
    summary["uncertainty"] = uncertainty.summary_uncertainty(around, n, et_pj,
                                                             sel.approximate)
    notes = list(sel.notes)
    if blocks is None:
        add_unresolved_notes(samples, moon_ids, sel, notes)
    else:
        blocks.note_index = len(notes)  # where they go once every block is known
    # JunoCam imaging columns and the events inside the window (flyplan.geometry.junocam,
    # flyplan.domain.events).
    if not extras:
        return _made(Perijove(n, et_pj, et_to_utc(et_pj), method, summary, samples,
                              _no_events(), sel, (t0, t1), step_s, notes=notes), blocks)
    if imaging:
        notes += [x for x in (att_note, f"JunoCam spin axis: {label}" if label else None) if x]
    _add_earth_received(summary, None)

    # The window's events (Geometry Finder searches, a good part of the run)
    # are found when first asked for: the terminal table does not show them.
    def window_events():
        from flyplan.kernels.pool import active

        previous = active()
        sel.kernels.load()
        try:
            ev = _window_events(t0, t1, et_pj, moon_ids, notes)
            uncertainty.add_event_bounds(ev, n, et_pj, sel.approximate)
            return _add_earth_received(None, ev)
        finally:
            if previous is not None:
                previous.load()

    return _made(Perijove(n, et_pj, et_to_utc(et_pj), method, summary, samples,
                          _Deferred(window_events), sel, (t0, t1), step_s, notes=notes), blocks)


def _rows(et, *, moon_ids, n, et_pj, approximate, imaging, attitude, bounds=None):
    """The sample table at ``et``: geometry, the model's bounds, JunoCam's columns.

    ``bounds`` (a block of a larger table, :mod:`flyplan.domain.perijove_blocks`):
    ``(columns, rows)``, the bounds computed over the whole table for the
    block's own ``rows`` (a slice of ``et``; the other rows get NaN).

    Returns ``(samples, spin-axis label or None)``.
    """
    from flyplan.domain import uncertainty
    from flyplan.geometry import samples as geometry

    kept: dict = {}
    samples = geometry.sample_table(et, moon_ids, keep=kept)
    # Bounds of the model's numbers (flyplan.domain.uncertainty; 0 on real kernels).
    if bounds is None:
        uncertainty.add_sample_bounds(samples, n, et_pj, approximate)
    else:
        values, own = bounds
        for k, v in values.items():
            col = np.full(len(samples), np.nan)
            col[own] = v
            samples[k] = col
    label = None
    if imaging:
        from flyplan.geometry.junocam import add_imaging_columns

        label = add_imaging_columns(samples, moon_ids, attitude=attitude, geometry=kept)
    return samples, label


def add_unresolved_notes(samples, moon_ids, sel, notes, first_utc=None) -> None:
    """A note for each moon the model cannot place somewhere in ``samples`` (its first time).

    ``first_utc`` (moon id -> UTC text) gives the first times instead, when the
    table was computed a block at a time.
    """
    for moon in moon_ids:
        if first_utc is not None:
            first = first_utc.get(moon)
        else:
            col = samples[f"{MOONS_BY_ID[moon].lower()}_range_km"]
            first = samples.loc[col.isna(), "utc"].iloc[0] if col.isna().any() else None
        if first is not None:
            from flyplan.geometry.resolve import unresolved_note

            # On the plan's notes too: every output format prints those.
            sel.notes.append(unresolved_note(MOONS_BY_ID[moon], first))
            notes.append(sel.notes[-1])


def _made(pj: Perijove, blocks) -> Perijove:
    if blocks is not None:
        blocks.attach(pj, add_unresolved_notes)
    return pj


class _Deferred:
    """A value computed on first use (see ``Perijove.events``)."""

    __slots__ = ("compute",)

    def __init__(self, compute):
        self.compute = compute


class _DeferredField:
    """Data descriptor: a :class:`_Deferred` stored in the field is computed on first access."""

    def __set_name__(self, owner, name):
        self.name, self.key = name, "_" + name

    def is_deferred(self, obj) -> bool:
        """Whether ``obj``'s value is still to be computed (ResultMixin dresses it then)."""
        return isinstance(obj.__dict__.get(self.key), _Deferred)

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        value = obj.__dict__[self.key]
        if isinstance(value, _Deferred):
            value = obj.__dict__[self.key] = obj._dress_table(self.name, value.compute())
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.key] = value


Perijove.events = _DeferredField()
Perijove.events.__set_name__(Perijove, "events")


def _time_status(n: int, method: str) -> dict:
    """``perijove_time_status`` (reconstructed / predicted) and, for a predicted
    time, the prediction lists' words (:mod:`flyplan.predictions`)."""
    from flyplan import predictions

    if "predicted" not in method:
        return {"perijove_time_status": "reconstructed"}
    return {"perijove_time_status": "predicted",
            "perijove_time_note": predictions.time_label(n) or "predicted"}


def _no_events():
    from flyplan.domain.events import _table

    return _table([], JUNO)


def _window_events(t0: float, t1: float, et_pj: float, moon_ids, notes):
    """Events inside the sampled window; the perijove row is the refined ``et_pj``."""
    import pandas as pd

    from flyplan.domain.events import _row, _table, find_events

    found = find_events(t0, t1, moons=moon_ids, notes=notes)
    found = found[found["kind"] != "perijove"]
    pj_row = _table([_row(et_pj, "perijove", "JUPITER")], JUNO)
    return pd.concat([pj_row, found], ignore_index=True).sort_values(
        "et", kind="stable").reset_index(drop=True)
