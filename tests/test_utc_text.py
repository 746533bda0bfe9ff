"""UTC text in numpy (:func:`flyplan.timeutil.et_to_utc`) against SPICE's ``et2utc`` "ISOC".

The numpy path must give SPICE's strings character for character: the
table's ``utc`` column, the golden digests and every event time depend on it.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import HealthCheck, given, settings, strategies as st
from spiceypy import cyice

from flyplan import timeutil

# 1972-01-02 .. 2050-01-01, TDB seconds past J2000: the leapseconds table's span.
ET_MIN, ET_MAX = -883526400.0, 1577880000.0


@pytest.fixture
def lsk(naif_dir):
    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))


def _spice(et, digits):
    return np.char.add(np.asarray(cyice.et2utc_v(np.ascontiguousarray(et), "ISOC", digits))
                       .astype(str), "Z")


@pytest.mark.shared
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(ET_MIN, ET_MAX), st.floats(1e-4, 1e4), st.integers(0, 6),
       st.integers(64, 3000))
def test_utc_text_is_spice_text(lsk, start, step, digits, n):
    et = start + step * np.arange(n)
    et = et[et < ET_MAX]
    if len(et) < 64:
        return
    fast = timeutil._isoc_numpy(et, digits)
    ref = _spice(et, digits)
    if fast is None:  # only a sample inside a leap second is left to SPICE
        assert any(t[17:19] == "60" for t in ref)
        return
    assert np.array_equal(np.char.add(fast, "Z"), ref)
    ours = timeutil.et_to_utc(et, digits)  # the numpy text from 256 epochs on
    assert ours.dtype == ref.dtype and np.array_equal(ours, ref)


@pytest.mark.shared
def test_utc_text_at_rounding_ties_and_random_epochs(lsk):
    rng = np.random.default_rng(7)
    # Epochs whose TAI fraction falls within a nanosecond of a half millisecond.
    base = 7.2e8 + np.round(rng.uniform(0, 3e7, 20000))
    tai = np.array([spiceypy.unitim(float(t), "TDB", "TAI") for t in base])
    ties = base + (0.0005 - np.mod(tai, 0.001)) + rng.uniform(-1e-9, 1e-9, len(base))
    for et in (ties, rng.uniform(ET_MIN, ET_MAX, 50000)):
        for digits in (0, 3):
            ours = timeutil._isoc_numpy(et, digits)
            assert ours is not None
            assert np.array_equal(np.char.add(ours, "Z"), _spice(et, digits))


@pytest.mark.shared
def test_a_leap_second_is_left_to_spice(lsk):
    leap = spiceypy.str2et("2016-12-31T23:59:59")
    # Samples on either side of 23:59:60 but none inside it: the numpy path.
    around = leap + np.r_[np.arange(-200.0, 0.75, 0.5), np.arange(2.0, 200.0, 0.5)]
    assert timeutil._isoc_numpy(around, 3) is not None
    assert np.array_equal(timeutil.et_to_utc(around), _spice(around, 3))
    # A sample inside the leap second: SPICE writes 23:59:60 itself.
    inside = leap + np.arange(-100.0, 100.0) * 0.25
    assert timeutil._isoc_numpy(inside, 3) is None
    text = timeutil.et_to_utc(inside)
    assert "2016-12-31T23:59:60.000Z" in set(text)
    assert np.array_equal(text, _spice(inside, 3))


@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=200))
def test_local_solar_time_text_is_the_zero_padded_clock(hours):
    from flyplan.geometry.samples import local_solar_time_text

    h = np.array(hours)
    text = local_solar_time_text(h)
    secs = np.floor(np.mod(h, 24.0) * 3600.0 + 1e-6).astype(int)
    expected = [f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in secs]
    assert text.dtype == np.dtype("<U8") and text.tolist() == expected
