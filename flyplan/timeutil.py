"""Times: UTC strings <-> ET (TDB seconds past J2000), durations and windows.

UTC is always written ISO-8601 with a trailing ``Z`` (``2021-11-29T14:13:29.600Z``).
Strings are converted by SPICE (:func:`utc_to_et`, :func:`et_to_utc`), so a
leapseconds kernel must be loaded (a :class:`flyplan.kernels.pool.KernelSet`
always has one).  Where no kernel can be loaded yet (reading a kernel's
coverage from its file name), :func:`datetime_to_et` and :func:`et_to_datetime`
compute the same with SPICE's own formula (leap seconds and the TDB-TT model
of naif0012.tls, :data:`flyplan.constants.LEAP_SECONDS`), to SPICE's precision.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass

import numpy as np

from flyplan.constants import DELTET, LEAP_SECONDS

__all__ = [
    "parse_duration",
    "Window",
    "parse_window",
    "utc_to_et",
    "et_to_utc",
    "datetime_to_et",
    "et_to_datetime",
    "sample_times",
]

_J2000_UTC = _dt.datetime(2000, 1, 1, 12, 0, 0)
_LEAPS = tuple((_dt.datetime.fromisoformat(day), float(n)) for n, day in LEAP_SECONDS)


def _tai_minus_utc(utc: _dt.datetime) -> float:
    for start, n in reversed(_LEAPS):
        if utc >= start:
            return n
    return _LEAPS[0][1]


def _tdb_minus_tt(tt_s: float) -> float:
    # SPICE's DELTET model: K sin(E), E = M + EB sin(M), M = M0 + M1 t.
    m = DELTET["M"][0] + DELTET["M"][1] * tt_s
    return DELTET["K"] * math.sin(m + DELTET["EB"] * math.sin(m))


def datetime_to_et(utc: _dt.datetime) -> float:
    """ET (TDB s past J2000) of a UTC datetime (naive = UTC), without SPICE.

    SPICE's formula with naif0012's leap seconds: agrees with ``str2et`` to
    microseconds (tests/test_timeutil.py).
    """
    if utc.tzinfo is not None:
        utc = utc.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    tt = (utc - _J2000_UTC).total_seconds() + _tai_minus_utc(utc) + DELTET["DELTA_T_A"]
    return tt + _tdb_minus_tt(tt)


def et_to_datetime(et: float) -> _dt.datetime:
    """The UTC datetime (naive) of an ET, without SPICE (inverse of :func:`datetime_to_et`)."""
    tt = float(et)
    for _ in range(3):  # TDB-TT is under 2 ms and slowly varying
        tt = float(et) - _tdb_minus_tt(tt)
    # TAI-UTC of the answer is needed to find the answer: iterate to a fixed point
    # (at most one step per leap second crossed).
    leaps = _LEAPS[-1][1]
    for _ in range(len(_LEAPS) + 1):
        utc = _J2000_UTC + _dt.timedelta(seconds=tt - DELTET["DELTA_T_A"] - leaps)
        again = _tai_minus_utc(utc)
        if again == leaps:
            break
        leaps = again
    return utc

_UNITS = {"s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0,
          "d": 86400.0, "day": 86400.0}
_DURATION = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)


def parse_duration(text: str | float | int) -> float:
    """Seconds in a duration such as ``"60"``, ``"60s"``, ``"1.5m"``, ``"-6h"``, ``"2d"``.

    A bare number is seconds.

    Raises
    ------
    ValueError
        For text that is not a duration.
    """
    if isinstance(text, (int, float)):
        return float(text)
    m = _DURATION.match(text)
    if not m or m.group(2).lower() not in ("", *_UNITS):
        raise ValueError(f"not a duration: {text!r} (use e.g. 60s, 5m, 6h, 1d)")
    return float(m.group(1)) * _UNITS.get(m.group(2).lower(), 1.0)


@dataclass(frozen=True)
class Window:
    """A time window, either relative to an event (seconds) or absolute (UTC).

    Attributes
    ----------
    start, stop : float or str
        Offsets in seconds from the reference event when ``relative``;
        UTC strings otherwise.
    relative : bool
    """

    start: float | str
    stop: float | str
    relative: bool = True

    def resolve(self, reference_et: float | None = None) -> tuple[float, float]:
        """ET bounds of the window (TDB s past J2000); ``reference_et`` for a relative one."""
        if self.relative:
            if reference_et is None:
                raise ValueError("a relative window needs a reference time")
            return reference_et + float(self.start), reference_et + float(self.stop)
        return utc_to_et(str(self.start)), utc_to_et(str(self.stop))

    def __str__(self) -> str:
        if self.relative:
            return f"{_fmt_offset(self.start)}..{_fmt_offset(self.stop)}"
        return f"{self.start}..{self.stop}"


def _fmt_offset(seconds) -> str:
    s = float(seconds)
    for unit, size in (("h", 3600.0), ("m", 60.0)):
        if s % size == 0:
            return f"{s / size:+g}{unit}"
    return f"{s:+g}s"


def parse_window(text: str) -> Window:
    """Parse ``"-6h..+6h"``, ``"3h"`` (= -3h..+3h) or ``"UTC..UTC"``.

    Raises
    ------
    ValueError
        When the text is not a window or its end is not after its start.
    """
    text = text.strip()
    if ".." not in text:
        half = abs(parse_duration(text))
        if half == 0:
            raise ValueError(f"empty window: {text!r}")
        return Window(-half, half, True)
    a, b = (part.strip() for part in text.split("..", 1))
    try:
        start, stop = parse_duration(a), parse_duration(b)
    except ValueError:
        if not a or not b:
            raise ValueError(f"not a window: {text!r} (use -6h..+6h or START..STOP in UTC)")
        return Window(a, b, False)
    if stop <= start:
        raise ValueError(f"window {text!r} ends before it starts")
    return Window(start, stop, True)


def utc_to_et(utc: str) -> float:
    """ET (TDB seconds past J2000) of a UTC string; needs a loaded leapseconds kernel."""
    import spiceypy

    from flyplan.errors import FlyplanError

    try:
        return float(spiceypy.str2et(utc))
    except spiceypy.utils.exceptions.SpiceyError as exc:
        short = getattr(exc, "short", "") or ""
        if "NOLEAPSECONDS" in short:
            raise
        raise FlyplanError(f"cannot read the time {utc!r}",
                           hint="write UTC as ISO-8601, e.g. 2021-11-29T14:13:29Z") from None


def et_to_utc(et, digits: int = 3):
    """ISO-8601 UTC strings ending in ``Z`` for ET values (scalar or array)."""
    from spiceypy import cyice

    scalar = np.ndim(et) == 0
    arr = np.ascontiguousarray(np.atleast_1d(et), dtype=float)
    out = np.char.add(np.asarray(cyice.et2utc_v(arr, "ISOC", digits)).astype(str), "Z")
    return str(out[0]) if scalar else out


def sample_times(start_et: float, stop_et: float, step_s: float) -> np.ndarray:
    """Evenly spaced ET from ``start_et`` to ``stop_et`` inclusive.

    The last sample is ``stop_et`` itself even when the span is not a whole
    number of steps, so a window's ends are always in the table.
    """
    if step_s <= 0:
        raise ValueError("the step must be positive")
    n = int(np.floor((stop_et - start_et) / step_s + 1e-9))
    et = start_et + step_s * np.arange(n + 1)
    if stop_et - et[-1] > 1e-6:
        et = np.append(et, stop_et)
    return et
