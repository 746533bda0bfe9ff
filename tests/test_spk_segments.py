"""The numpy SPK readers answer as SPICE does when a higher-priority segment covers part of a span.

SPICE picks, at each epoch, the highest-priority segment covering it (a file
loaded later, or a segment later in its file).  A segment of higher priority
covering only the middle of a window is invisible at the window's two ends
and may fall between the readers' check epochs; the readers must then let
SPICE answer, or they return the wrong trajectory there.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from spiceypy import cyice

from flyplan.ephemeris.spkwrite import ChebyshevSegment, Segment, chebyshev_records, write_spk
from flyplan.geometry import chebyshev, spk_segments, spk_state

T0, T1 = 0.0, 10_000.0
# Between the readers' check epochs (0, 2500, 5000, 7500, 10000 s of the window).
MIDDLE = (6_100.0, 6_900.0)
BODY, CENTER = -999, 599
SHIFT_KM = 1_000.0


def _circle(et, shift=0.0):
    w = 2 * np.pi / 40_000.0
    r = 500_000.0 + shift
    pos = np.stack([r * np.cos(w * et), r * np.sin(w * et), 0.0 * et], 1)
    vel = np.stack([-r * w * np.sin(w * et), r * w * np.cos(w * et), 0.0 * et], 1)
    return np.hstack([pos, vel])


def _hermite(t0, t1, shift=0.0):
    et = np.linspace(t0, t1, 201)
    return Segment(BODY, CENTER, "J2000", et, _circle(et, shift), degree=7)


def _chebyshev(t0, t1, shift=0.0):
    et = np.linspace(t0, t1, 101)
    first, coeffs = chebyshev_records(et, _circle(et, shift)[:, :3], (t1 - t0) / 4, 9)
    return ChebyshevSegment(BODY, CENTER, "J2000", first, (t1 - t0) / 4, coeffs)


def _epochs():
    return np.linspace(T0, T1, 2001)


@pytest.mark.parametrize("layout", ["later file", "later in the same file"])
def test_state_reader_sees_a_segment_inside_the_span(tmp_path, layout):
    if layout == "later file":
        spiceypy.furnsh(str(write_spk(tmp_path / "base.bsp", [_hermite(T0, T1)])))
        spiceypy.furnsh(str(write_spk(tmp_path / "inner.bsp", [_hermite(*MIDDLE, SHIFT_KM)])))
    else:
        spiceypy.furnsh(str(write_spk(tmp_path / "both.bsp",
                                      [_hermite(T0, T1), _hermite(*MIDDLE, SHIFT_KM)])))
    et = _epochs()
    assert spk_segments.sole_segment(BODY, T0, T1) is None
    ref = cyice.spkezr_v(str(BODY), et, "J2000", "NONE", str(CENTER))[0]
    inside = (et > MIDDLE[0]) & (et < MIDDLE[1])
    # The inner segment is what SPICE reads there: the test would not see a wrong reader otherwise.
    assert np.all(np.linalg.norm(ref[inside, :3], axis=1) > 500_000.0 + SHIFT_KM / 2)
    assert np.abs(spk_state.states(BODY, CENTER, et) - ref).max() <= 1e-6


def test_chebyshev_reader_sees_a_segment_inside_the_span(tmp_path):
    spiceypy.furnsh(str(write_spk(tmp_path / "base.bsp", [_chebyshev(T0, T1)])))
    spiceypy.furnsh(str(write_spk(tmp_path / "inner.bsp", [_chebyshev(*MIDDLE, SHIFT_KM)])))
    et = _epochs()
    ref = cyice.spkezp_v(BODY, et, "J2000", "NONE", CENTER)[0]
    inside = (et > MIDDLE[0]) & (et < MIDDLE[1])
    assert np.all(np.linalg.norm(ref[inside], axis=1) > 500_000.0 + SHIFT_KM / 2)
    assert np.abs(chebyshev.positions(BODY, CENTER, et) - ref).max() <= chebyshev.CHECK_TOL_KM


def test_one_segment_over_the_span_is_read_in_numpy(tmp_path):
    # The guard must not turn the fast path off where nothing shadows the segment:
    # a lower-priority file under it, and a later segment outside the span.
    spiceypy.furnsh(str(write_spk(tmp_path / "under.bsp", [_hermite(T0, T1, SHIFT_KM)])))
    spiceypy.furnsh(str(write_spk(tmp_path / "main.bsp",
                                  [_hermite(T0, T1), _hermite(T1 + 100.0, T1 + 900.0)])))
    seg = spk_segments.sole_segment(BODY, T0, T1)
    assert seg is not None and seg[2][3] == 13 and seg[1] == (T0, T1)
    assert spk_segments.sole_segment(BODY, T0, T1 + 200.0) is None
