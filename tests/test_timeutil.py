"""Durations, windows and sample times."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyplan.timeutil import SAMPLE_SNAP_S, Window, parse_duration, parse_window, sample_times


@pytest.mark.parametrize("text,seconds", [
    ("60", 60.0), ("60s", 60.0), ("1.5m", 90.0), ("-6h", -21600.0), ("+2d", 172800.0),
    (" 10 min ", 600.0),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "6 hours and more", "1y", "abc"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_windows():
    assert parse_window("-6h..+6h") == Window(-21600.0, 21600.0, True)
    assert parse_window("3h") == Window(-10800.0, 10800.0, True)
    w = parse_window("2021-11-29T12:00Z..2021-11-29T16:00Z")
    assert not w.relative and w.start == "2021-11-29T12:00Z"
    with pytest.raises(ValueError):
        parse_window("+6h..-6h")
    with pytest.raises(ValueError):
        parse_window("0")


@given(st.floats(-1e9, 1e9), st.floats(1.0, 1e5), st.floats(0.5, 5000.0))
def test_sample_times_cover_the_window(t0, span, step):
    et = sample_times(t0, t0 + span, step)
    assert et[0] == t0 and et[-1] == pytest.approx(t0 + span, abs=1e-6)
    d = np.diff(et)
    # ET near 1e9 s resolves ~1e-7 s, so spacing is exact only to that; the last
    # step may end on the stop up to SAMPLE_SNAP_S beyond a whole step.
    assert np.all(d > 0) and np.all(d[:-1] <= step + 1e-6)
    assert d[-1] <= step + SAMPLE_SNAP_S + 1e-6




@pytest.mark.shared
@settings(max_examples=200)
@given(st.datetimes(min_value=dt.datetime(1972, 1, 2), max_value=dt.datetime(2040, 12, 31)))
def test_datetime_to_et_is_spices_formula(when):
    import spiceypy
    from conftest import NAIF

    from flyplan.timeutil import datetime_to_et, et_to_datetime

    spiceypy.furnsh(str(NAIF / "generic_kernels/lsk/naif0012.tls"))
    try:
        exact = spiceypy.str2et(when.isoformat())
    finally:
        spiceypy.kclear()
    et = datetime_to_et(when)
    # SPICE evaluates the same model; it differs only in rounding (< 1 microsecond).
    assert abs(et - exact) < 1e-6
    assert abs((et_to_datetime(et) - when).total_seconds()) < 1e-5


def test_builtin_leapseconds_kernel_is_naif0012s(naif_dir):
    """flyplan's own LSK, written from flyplan.constants, converts times as NAIF's does."""
    import spiceypy

    from flyplan.kernels.builtin import leapseconds_kernel

    times = ("1980-01-06T00:00:00", "2016-08-27T12:50:44", "2030-06-01T00:00:00")
    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))
    naif = [spiceypy.str2et(t) for t in times]
    spiceypy.kclear()
    spiceypy.furnsh(str(leapseconds_kernel()))
    ours = [spiceypy.str2et(t) for t in times]
    assert ours == naif
