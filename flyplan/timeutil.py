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
import os
import re
from dataclasses import dataclass

import numpy as np

from flyplan.constants import DELTET, LEAP_SECONDS
from flyplan.errors import InputError, LimitError

__all__ = [
    "parse_duration",
    "Window",
    "parse_window",
    "utc_to_et",
    "et_to_utc",
    "datetime_to_et",
    "et_to_datetime",
    "sample_times",
    "max_samples",
    "check_sample_count",
    "DEFAULT_MAX_SAMPLES",
    "MAX_DURATION_S",
    "normalize_utc",
    "as_time",
    "to_et",
    "as_duration",
    "as_window",
    "utc_series",
    "type_utc",
    "iso_utc",
    "iso_frame",
]

# Samples one request may ask for.  Measured: ``perijove 1 -w -6h..+6h -s 0.1s``
# (432,001 samples with moons and imaging columns) peaks at 1.47 GB resident,
# about 3.4 kB a sample, so a million samples stay near 3.5 GB on this 23 GB
# machine shared by several users.  $FLYPLAN_MAX_SAMPLES overrides it.
DEFAULT_MAX_SAMPLES = 1_000_000
# Longest duration accepted anywhere (a century): beyond it no kernel or model
# applies, and float arithmetic on ET starts to lose the millisecond.
MAX_DURATION_S = 100 * 365.25 * 86400.0
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
    flyplan.errors.InputError
        (a ``ValueError``) for text that is not a duration, or one that is not
        finite or longer than :data:`MAX_DURATION_S` (a century).
    """
    if isinstance(text, bool):
        raise InputError(f"not a duration: {text!r} (use e.g. 60s, 5m, 6h, 1d)")
    if isinstance(text, (int, float)):
        try:
            value = float(text)
        except OverflowError:
            value = math.inf
    else:
        if not isinstance(text, str):
            raise InputError(f"not a duration: {text!r} (use e.g. 60s, 5m, 6h, 1d)")
        m = _DURATION.match(text)
        if not m or m.group(2).lower() not in ("", *_UNITS):
            raise InputError(f"not a duration: {text!r} (use e.g. 60s, 5m, 6h, 1d)")
        value = float(m.group(1)) * _UNITS.get(m.group(2).lower(), 1.0)
    if not math.isfinite(value) or abs(value) > MAX_DURATION_S:
        raise InputError(f"the duration {text!r} is not a finite span of at most a century",
                         hint="give e.g. 60s, 5m, 6h or 1d")
    return value


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
                raise InputError("a relative window needs a reference time")
            return reference_et + float(self.start), reference_et + float(self.stop)
        # An absolute window built from Python objects may hold ET floats.
        t0, t1 = (float(v) if isinstance(v, (int, float)) else utc_to_et(str(v))
                  for v in (self.start, self.stop))
        if not t1 > t0:
            raise InputError(f"the window {self} " + ("has no length" if t1 == t0 else
                                                      "ends before it starts"),
                             hint="give START..STOP with STOP after START (UTC)")
        return t0, t1

    def span_s(self) -> float | None:
        """Length in seconds, without SPICE; None for absolute ends ISO-8601 cannot read.

        For checking a request's size before any kernel is loaded.
        """
        if self.relative:
            return float(self.stop) - float(self.start)
        try:
            t0, t1 = (float(x) if isinstance(x, (int, float)) else datetime_to_et(
                _dt.datetime.fromisoformat(str(x).strip().replace(" ", "T").rstrip("Zz")))
                for x in (self.start, self.stop))
        except (ValueError, TypeError):
            return None
        return t1 - t0

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
    flyplan.errors.InputError
        (a ``ValueError``) when the text is not a window or its end is not
        after its start.
    """
    if not isinstance(text, str):
        raise InputError(f"not a window: {text!r} (use -6h..+6h or START..STOP in UTC)")
    text = text.strip()
    if ".." not in text:
        half = abs(parse_duration(text))
        if half == 0:
            raise InputError(f"empty window: {text!r}")
        return Window(-half, half, True)
    a, b = (part.strip() for part in text.split("..", 1))
    try:
        start, stop = parse_duration(a), parse_duration(b)
    except ValueError:
        if not a or not b or any(_DURATION.match(x) for x in (a, b)):
            # A duration out of range, or half relative and half absolute.
            raise InputError(f"not a window: {text!r} (use -6h..+6h or START..STOP in UTC, "
                             "each end within a century)") from None
        if len(a) > 64 or len(b) > 64 or not (a.isprintable() and b.isprintable()):
            raise InputError(f"not a window: {text[:80]!r} (use START..STOP in UTC)") from None
        return Window(a, b, False)
    if stop <= start:
        raise InputError(f"window {text!r} ends before it starts")
    return Window(start, stop, True)


def utc_to_et(utc: str) -> float:
    """ET (TDB seconds past J2000) of a UTC string; needs a loaded leapseconds kernel."""
    import spiceypy

    from flyplan.errors import FlyplanError

    try:
        # ISO forms SPICE does not read ("2021-11-29 13:00Z", "+01:00") normalised first.
        return float(spiceypy.str2et(normalize_utc(utc)))
    except spiceypy.utils.exceptions.SpiceyError as exc:
        short = getattr(exc, "short", "") or ""
        if "NOLEAPSECONDS" in short:
            raise
        raise FlyplanError(f"cannot read the time {utc!r}",
                           hint="write UTC as ISO-8601, e.g. 2021-11-29T14:13:29Z") from None


def et_to_utc(et, digits: int = 3):
    """ISO-8601 UTC strings ending in ``Z`` for ET values (scalar or array).

    SPICE's ``et2utc`` "ISOC" text.  For arrays of 256 epochs or more (below,
    SPICE is as fast) the same text is built in numpy (``_isoc_numpy``, ~40x faster than
    ``et2utc_v``'s 5 us an epoch), compared with SPICE's at a few epochs of
    every call, and SPICE's used whenever they differ.
    """
    from spiceypy import cyice

    scalar = np.ndim(et) == 0
    arr = np.ascontiguousarray(np.atleast_1d(et), dtype=float)
    out = None
    if arr.ndim == 1 and len(arr) >= 256:
        out = _isoc_numpy(arr, digits)
        if out is not None:
            pick = np.unique(np.linspace(0, len(arr) - 1, 16).astype(int))
            ref = np.asarray(cyice.et2utc_v(arr[pick], "ISOC", digits)).astype(str)
            if not np.array_equal(out[pick], ref):
                out = None
    if out is None:
        out = np.asarray(cyice.et2utc_v(arr, "ISOC", digits)).astype(str)
    out = np.char.add(out, "Z")
    return str(out[0]) if scalar else out


# Formal UTC seconds (days of 86,400 s) are counted from J2000's noon.
_J2000_UTC = np.datetime64("2000-01-01T12:00:00", "s")
# The years datetime64 writes as SPICE's ISOC does (four digits, no era).
_ISO_YEARS = (np.datetime64("1000-01-01T00:00:00", "s"), np.datetime64("9999-12-31T23:59:59", "s"))


def _isoc_numpy(et: np.ndarray, digits: int):
    """SPICE's ``et2utc(et, "ISOC", digits)`` text, vectorized; None when SPICE must answer.

    The steps of SPICE's ``et2utc`` and ``unitim``, in their order: TDB to
    TDT by three fixed-point iterations of the LSK's periodic term, TAI =
    TDT - DELTA_T_A, the fraction of a second rounded half up to ``digits``
    (a carry into the whole second), and the whole TAI second turned into a
    UTC calendar time with the LSK's leap seconds (``DELTET/DELTA_AT``).
    Epochs within a leap second (23:59:60), before the first table entry or
    outside the years 1000-9999 are left to SPICE (None for the whole call).
    """
    import spiceypy
    from spiceypy.utils.exceptions import SpiceyError

    if not 0 <= digits <= 6 or not np.all(np.isfinite(et)):
        return None
    try:
        dta = float(spiceypy.gdpool("DELTET/DELTA_T_A", 0, 1)[0])
        k = float(spiceypy.gdpool("DELTET/K", 0, 1)[0])
        eb = float(spiceypy.gdpool("DELTET/EB", 0, 1)[0])
        m0, m1 = (float(x) for x in spiceypy.gdpool("DELTET/M", 0, 2))
        table = np.asarray(spiceypy.gdpool("DELTET/DELTA_AT", 0, 1000), dtype=float)
    except (SpiceyError, IndexError, ValueError):
        return None
    if len(table) < 2 or len(table) % 2:
        return None
    delta_at, starts = table[0::2], table[1::2]
    tdt = et.copy()
    for _ in range(3):
        arg = m0 + m1 * tdt
        tdt = et - k * np.sin(arg + eb * np.sin(arg))
    tai = tdt - dta
    whole = np.floor(tai)
    scale = float(round(10.0 ** digits))
    x = scale * (tai - whole)
    frac = np.floor(x + 0.5)  # Fortran ANINT of a non-negative number
    carry = frac == scale
    whole = whole + carry
    frac = np.where(carry, 0.0, frac)
    # Leap-second periods: period i starts at formal UTC starts[i], TAI
    # starts[i] + delta_at[i]; a TAI second in the gap before it is 23:59:60.
    tai_start = starts + delta_at
    i = np.searchsorted(tai_start, whole, side="right") - 1
    if np.any(i < 0):
        return None
    formal = whole - delta_at[i]
    nxt = np.minimum(i + 1, len(starts) - 1)
    in_gap = (i + 1 < len(starts)) & (formal >= starts[nxt])
    if np.any(in_gap):
        return None
    stamp = _J2000_UTC + formal.astype(np.int64).astype("timedelta64[s]")
    if np.any(stamp < _ISO_YEARS[0]) or np.any(stamp > _ISO_YEARS[1]):
        return None
    return _iso_text(stamp, frac.astype(np.int64), digits).astype("<U64")


def _iso_text(stamp: np.ndarray, frac: np.ndarray, digits: int) -> np.ndarray:
    """``YYYY-MM-DDTHH:MM:SS[.fff]`` byte strings, written digit by digit
    (6x faster than ``np.datetime_as_string`` and string concatenation)."""
    day = stamp.astype("datetime64[D]")
    month = stamp.astype("datetime64[M]")
    year = stamp.astype("datetime64[Y]")
    fields = [(year.astype(np.int64) + 1970, 4, "-"),
              ((month - year.astype("datetime64[M]")).astype(np.int64) + 1, 2, "-"),
              ((day - month.astype("datetime64[D]")).astype(np.int64) + 1, 2, "T")]
    sod = (stamp - day.astype("datetime64[s]")).astype(np.int64)
    hour, rest = np.divmod(sod, 3600)
    minute, sec = np.divmod(rest, 60)
    fields += [(hour, 2, ":"), (minute, 2, ":"), (sec, 2, "." if digits else "")]
    if digits:
        fields.append((frac, digits, ""))
    width = sum(w + len(sep) for _, w, sep in fields)
    out = np.empty((len(stamp), width), dtype=np.uint8)
    col = 0
    for value, w, sep in fields:
        for j in range(w - 1, -1, -1):
            value, digit = np.divmod(value, 10)
            out[:, col + j] = digit + 48
        col += w
        if sep:
            out[:, col] = ord(sep)
            col += 1
    return out.view(f"S{width}").ravel()


def max_samples() -> int:
    """Largest number of samples one request may ask for.

    ``$FLYPLAN_MAX_SAMPLES`` when set to a positive integer, else
    :data:`DEFAULT_MAX_SAMPLES`.
    """
    raw = os.environ.get("FLYPLAN_MAX_SAMPLES", "").strip().replace("_", "")
    if raw:
        try:
            value = int(float(raw))
        except (ValueError, OverflowError):
            value = 0
        if value > 0:
            return value
    return DEFAULT_MAX_SAMPLES


def check_sample_count(n: float, what: str = "this request") -> None:
    """Raise :class:`~flyplan.errors.LimitError` if ``n`` samples exceed :func:`max_samples`.

    Called before anything is allocated, with the count the request implies.
    """
    limit = max_samples()
    if not n <= limit:  # also catches NaN
        shown = f"{n:,.0f}" if math.isfinite(n) else str(n)
        raise LimitError(f"{what} needs {shown} samples, more than the limit of {limit:,}",
                         hint="use a longer step or a shorter window, or raise the limit "
                              "with FLYPLAN_MAX_SAMPLES=N (about 3.4 kB of memory a sample)")
# A last sample this close to a window's stop (s) is moved onto the stop rather
# than followed by a second one a hair later.
SAMPLE_SNAP_S = 1e-3


def sample_times(start_et: float, stop_et: float, step_s: float) -> np.ndarray:
    """Evenly spaced ET from ``start_et`` to ``stop_et`` inclusive.

    The last sample is ``stop_et`` itself even when the span is not a whole
    number of steps, so a window's ends are always in the table.

    Raises
    ------
    flyplan.errors.InputError
        For a step that is not positive and finite, or a window that ends
        before it starts.
    flyplan.errors.LimitError
        When the window holds more than :func:`max_samples` samples (checked
        before allocating).
    """
    if not (math.isfinite(step_s) and step_s > 0):
        raise InputError("the step must be positive")
    if not (math.isfinite(start_et) and math.isfinite(stop_et)) or stop_et < start_et:
        raise InputError("the window must end after it starts")
    steps = np.floor((stop_et - start_et) / step_s + 1e-9)
    ends_on_step = stop_et - (start_et + step_s * steps) <= SAMPLE_SNAP_S
    check_sample_count(steps + (1 if ends_on_step else 2))
    n = int(steps)
    et = start_et + step_s * np.arange(n + 1)
    # A UTC span is not a whole number of TDB seconds (the periodic TDB-TT term
    # adds microseconds): a last step within SAMPLE_SNAP_S of the stop is the stop.
    if stop_et - et[-1] > SAMPLE_SNAP_S:
        et = np.append(et, stop_et)
    elif len(et) > 1:
        et[-1] = stop_et
    return et


# -- times and windows from Python objects ----------------------------------------------------
#
# One conversion for the Python API: a time may be a UTC string, a datetime,
# a pandas Timestamp, a numpy datetime64, an ET float, or an astropy/skyfield
# Time; a window a string or a pair of times or offsets.  astropy and skyfield
# are recognised by duck typing, never imported here.

# |x| above this (s) in a window pair is an ET, below it an offset from the
# perijove: 1e7 s is 116 days, wider than any orbit window, while every ET of
# the Juno mission is above 5e8.
ET_THRESHOLD_S = 1.0e7


def _iso_z(dt) -> str:
    """``datetime`` (aware or naive = UTC) as ISO-8601 UTC with Z, microseconds kept."""
    import datetime as _dt

    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def normalize_utc(text: str) -> str:
    """A UTC string SPICE reads: ISO-8601 forms such as ``"2021-11-29 13:00Z"`` or
    ``"2021-11-29T13:00:00+00:00"`` become ``2021-11-29T13:00:00.000000Z``; anything
    else (SPICE's own forms, a leap second ``23:59:60``) is passed through."""
    import datetime as _dt

    s = str(text).strip()
    try:
        d = _dt.datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "Zz" and s else s)
    except ValueError:
        return s
    return _iso_z(d)


def as_time(value):
    """A time as SPICE will take it: an ET float or a normalised UTC string.

    Parameters
    ----------
    value : str, float, datetime.datetime, pandas.Timestamp, numpy.datetime64, astropy or skyfield Time
        A naive ``datetime``/``Timestamp`` is UTC; a float is ET (TDB s past J2000).

    Returns
    -------
    float or str

    Raises
    ------
    TypeError
        For anything else (a duration, a list ...).
    """
    import datetime as _dt

    if isinstance(value, bool):
        raise TypeError("a time cannot be a bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, str):
        return normalize_utc(value)
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise TypeError("NaT is not a time")
        return str(np.datetime_as_string(value.astype("datetime64[us]"), unit="us")) + "Z"
    if isinstance(value, _dt.datetime):  # pandas.Timestamp is one
        return _iso_z(value.to_pydatetime() if hasattr(value, "to_pydatetime") else value)
    # astropy.time.Time: .tdb.jd; skyfield.timelib.Time: .tdb (a JD float), .ts.
    cls = type(value).__module__
    if cls.startswith("astropy"):
        return (float(value.tdb.jd1) - 2451545.0 + float(value.tdb.jd2)) * 86400.0
    if cls.startswith("skyfield"):
        return (float(value.whole) - 2451545.0 + float(value.tdb_fraction)) * 86400.0
    raise TypeError(f"not a time: {value!r} (give UTC text, a datetime, a pandas Timestamp, "
                    "a numpy datetime64, an ET float or an astropy/skyfield Time)")


def to_et(value) -> float:
    """ET (TDB s past J2000) of any time :func:`as_time` accepts; UTC text needs a
    loaded leapseconds kernel."""
    t = as_time(value)
    return t if isinstance(t, float) else utc_to_et(t)


def as_duration(value) -> float:
    """Seconds of a duration: text (``"6h"``), a number (s), ``datetime.timedelta``,
    ``pandas.Timedelta`` or ``numpy.timedelta64``."""
    import datetime as _dt

    if isinstance(value, np.timedelta64):
        return float(value / np.timedelta64(1, "s"))
    if isinstance(value, _dt.timedelta):  # pandas.Timedelta is one
        return float(value.total_seconds())
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return parse_duration(value)
    raise TypeError(f"not a duration: {value!r}")


def _is_offset(value) -> bool:
    import datetime as _dt

    if isinstance(value, (np.timedelta64, _dt.timedelta)):
        return True
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return abs(float(value)) < ET_THRESHOLD_S
    if isinstance(value, str):
        try:
            parse_duration(value)
            return True
        except ValueError:
            return False
    return False


def as_window(value) -> Window:
    """A :class:`Window` from text or a pair.

    Parameters
    ----------
    value : str, Window or (start, stop)
        Text as :func:`parse_window` reads it; or a pair of offsets from the
        perijove (``("-3h", "+3h")``, ``(-3600, 3600)``, ``timedelta``,
        ``pandas.Timedelta``, ``numpy.timedelta64``); or a pair of times (any
        :func:`as_time` accepts; numbers of magnitude above
        :data:`ET_THRESHOLD_S` are ET).  A single duration ``d`` is ``(-d, +d)``.

    Raises
    ------
    ValueError
        For an empty window or one that ends before it starts.
    TypeError
        For something that is not a window.
    """
    if isinstance(value, Window):
        return value
    if isinstance(value, str):
        win = parse_window(value)
        if not win.relative:
            win = Window(normalize_utc(str(win.start)), normalize_utc(str(win.stop)), False)
        return win
    if not isinstance(value, (tuple, list)):
        if _is_offset(value):
            half = abs(as_duration(value))
            if half == 0:
                raise ValueError("empty window")
            return Window(-half, half, True)
        raise TypeError(f"not a window: {value!r} (give '-6h..+6h', 'UTC..UTC' or a "
                        "(start, stop) pair)")
    if len(value) != 2:
        raise TypeError(f"a window is a (start, stop) pair; got {len(value)} items")
    a, b = value
    if _is_offset(a) and _is_offset(b):
        s0, s1 = as_duration(a), as_duration(b)
        if s1 <= s0:
            raise ValueError(f"window {value!r} ends before it starts")
        return Window(s0, s1, True)
    if _is_offset(a) or _is_offset(b):
        raise TypeError(f"window {value!r} mixes an offset and a time")
    t0, t1 = as_time(a), as_time(b)
    if isinstance(t0, float) and isinstance(t1, float) and t1 <= t0:
        raise ValueError(f"window {value!r} ends before it starts")
    return Window(t0, t1, False)


# -- UTC columns as datetime64[ns, UTC] --------------------------------------------------------

def utc_series(values):
    """ISO UTC strings (with ``Z``) as a ``datetime64[ns, UTC]`` Series.

    A leap second (``23:59:60.x``), which numpy and pandas cannot hold, is
    clamped to 23:59:59.999999999 of that day; ``et`` keeps the exact time.
    """
    import pandas as pd

    s = pd.Series(values, dtype="object")
    text = s.where(s.notna(), None).astype("string")
    leap = text.str.contains(r":60(?:\.\d*)?Z?$", regex=True, na=False)
    if leap.any():
        text = text.where(~leap, text.str.replace(r":60(?:\.\d*)?Z?$", ":59.999999999Z",
                                                  regex=True))
    return pd.to_datetime(text, utc=True, format="ISO8601")


def type_utc(df, columns=("utc",)):
    """``df`` (in place) with its ISO-string UTC ``columns`` as ``datetime64[ns, UTC]``.

    The decimals each column was written with are kept in
    ``df.attrs["utc_digits"]`` so :func:`iso_frame` writes them back the same.
    """
    import pandas as pd

    digits = dict(df.attrs.get("utc_digits", {}))
    for col in columns:
        if col not in df.columns or isinstance(df[col].dtype, pd.DatetimeTZDtype):
            continue
        sample = next((str(v) for v in df[col] if isinstance(v, str) and v), None)
        if sample is None and len(df):
            continue  # no text to read: leave the column alone
        frac = sample.rstrip("Z").partition(".")[2] if sample else "000"
        digits[col] = len(frac)
        df[col] = utc_series(df[col].to_numpy()).to_numpy()
        df[col] = df[col].astype("datetime64[ns, UTC]") if len(df) else \
            pd.Series([], dtype="datetime64[ns, UTC]")
    df.attrs["utc_digits"] = digits
    return df


def iso_utc(values, digits: int = 3):
    """``datetime64`` values as ISO-8601 UTC strings with ``Z`` (``digits`` decimals)."""
    import pandas as pd

    s = pd.Series(values)
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        s = pd.to_datetime(s, utc=True)
    else:
        s = s.dt.tz_convert("UTC")
    # The values were read from text of this precision: floor, never round up
    # (a clamped leap second must stay inside its day).
    if digits < 9:
        s = s.dt.floor(pd.Timedelta(10 ** (9 - digits), "ns"))
    text = s.dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if digits == 0:
        text = text.str[:19]
    else:
        text = text.str[:20 + min(digits, 6)]
    out = (text + "Z").to_numpy(dtype=object)
    out[s.isna().to_numpy()] = None
    return out


def iso_frame(df):
    """A copy of ``df`` with every ``datetime64[ns, UTC]`` column as ISO strings with ``Z``,
    for CSV and JSON (the decimals :func:`type_utc` recorded, else 3)."""
    import pandas as pd

    cols = [c for c in df.columns if isinstance(df[c].dtype, pd.DatetimeTZDtype)]
    if not cols:
        return df
    out = df.copy()
    digits = df.attrs.get("utc_digits", {})
    for c in cols:
        out[c] = pd.Series(iso_utc(df[c], digits.get(c, 3)), index=df.index, dtype=object)
    return out
