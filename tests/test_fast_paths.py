"""The engine's shortcuts against the SPICE calls they replace.

- :mod:`flyplan.geometry.chebyshev` evaluates the moons' SPK records itself;
- :func:`flyplan.geometry.samples.stellar_aberration` is SPICE's ``stelab``;
- the JunoCam columns reuse the row's light-time positions and add the
  aberration, and take Earth's direction from nodes.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given, strategies as st
from spiceypy import cyice

from flyplan.geometry import chebyshev, junocam
from flyplan.geometry import samples as geo

# Chebyshev evaluation in another order than SPICE's: round-off only.
CHEBYSHEV_TOL_KM = 1e-6
# Apparent (LT+S) moon positions: the row's LT pieces (1 cm, test_geometry) plus stelab.
LT_S_TOL_KM = 1e-5
# Earth's direction from nodes every 300 s: 0.1 km of 6e8 km.
EARTH_DIR_TOL_RAD = 1e-9
# JunoCam angles and scales from the reused pieces.
SPIN_ANGLE_TOL_DEG = 1e-7
KM_PER_PX_TOL = 1e-8


@given(st.lists(st.floats(-1e9, 1e9), min_size=3, max_size=3),
       st.lists(st.floats(-80.0, 80.0), min_size=3, max_size=3))
def test_stellar_aberration_is_spice_stelab(pos, vel):
    pos, vel = np.array(pos), np.array(vel)
    if np.linalg.norm(pos) < 1.0:
        return
    ours = geo.stellar_aberration(pos[None], vel[None])[0]
    ref = np.array(spiceypy.stelab(pos, vel))
    assert np.abs(ours - ref).max() <= 1e-12 * np.linalg.norm(pos) + 1e-9


@pytest.fixture(scope="module")
def pj45(request):
    from conftest import HAVE_SHARED, NAIF

    if not HAVE_SHARED:
        pytest.skip(f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED)")
    import flyplan

    pj = flyplan.perijove(45, kernels=NAIF, window="-1h..+1h", step="600s", extras=False)
    return pj


@pytest.mark.shared
def test_chebyshev_positions_are_spice_positions(pj45):
    pj45.selection.kernels.load()
    et = np.linspace(pj45.et - 6 * 3600, pj45.et + 6 * 3600, 5001)
    for body in (501, 502, 503, 504, 599):
        seg = chebyshev._segment(body, 5, et[0], et[-1])
        assert seg is not None, body  # the fast path is taken for these kernels
        ours = chebyshev._evaluate(seg, et)
        ref = cyice.spkezp_v(body, et, "J2000", "NONE", 5)[0]
        assert np.abs(ours - ref).max() < CHEBYSHEV_TOL_KM, body
        # Shuffled times, and relative to a centre no segment has (SPICE's chain).
        perm = np.random.default_rng(1).permutation(len(et))
        assert np.abs(chebyshev.positions(body, 5, et[perm]) - ref[perm]).max() \
            < CHEBYSHEV_TOL_KM
    assert chebyshev._segment(501, 599, et[0], et[-1]) is None
    ref = cyice.spkezp_v(501, et, "J2000", "NONE", 599)[0]
    assert np.abs(chebyshev.positions(501, 599, et) - ref).max() < CHEBYSHEV_TOL_KM


@pytest.mark.shared
def test_a_wrong_fast_answer_falls_back_to_spice(pj45, monkeypatch):
    pj45.selection.kernels.load()
    et = np.linspace(pj45.et - 3600, pj45.et + 3600, 500)
    monkeypatch.setattr(chebyshev, "_evaluate", lambda seg, t: np.zeros((len(t), 3)))
    ref = cyice.spkezp_v(502, et, "J2000", "NONE", 5)[0]
    assert np.abs(chebyshev.positions(502, 5, et) - ref).max() < CHEBYSHEV_TOL_KM


@pytest.mark.shared
def test_junocam_columns_from_the_row_equal_the_spice_ones(pj45):
    pj45.selection.kernels.load()
    moons = (501, 502, 503, 504)
    et = np.linspace(pj45.et - 6 * 3600, pj45.et + 6 * 3600, 4321)
    kept = {}
    geo.sample_table(et, moons, keep=kept)
    juno = kept["juno"]
    v_obs = juno["state_j2000"][:, 3:] + juno["jupiter_ssb_vel"]
    for moon in moons:
        ref = cyice.spkpos_v(str(moon), et, "J2000", "LT+S", "-61")[0]
        ours = geo.stellar_aberration(kept[moon]["pos_from_juno"], v_obs)
        assert np.abs(ours - ref).max() < LT_S_TOL_KM, moon
    earth = junocam._earth_from_juno(juno)(et)
    ref = cyice.spkpos_v("399", et, "J2000", "LT+S", "-61")[0]
    sep = np.arctan2(np.linalg.norm(np.cross(earth, ref), axis=1), np.sum(earth * ref, axis=1))
    assert sep.max() < EARTH_DIR_TOL_RAD
    for attitude in (junocam.Attitude(), junocam.Attitude("earth_offset", 29.0, -9.0, "MWR"),
                     junocam.Attitude("orbit_normal", label="MWR")):
        slow, label = junocam.imaging_columns(et, moons, attitude=attitude)
        fast, label_fast = junocam.imaging_columns(et, moons, attitude=attitude, geometry=kept)
        assert label == label_fast and list(slow) == list(fast)
        for key in slow:
            if key.endswith("_spin_plane_angle_deg"):
                assert np.abs(slow[key] - fast[key]).max() < SPIN_ANGLE_TOL_DEG, key
            elif key.endswith("_in_swath"):
                assert np.array_equal(slow[key], fast[key]), key
            else:
                assert np.allclose(slow[key], fast[key], rtol=KM_PER_PX_TOL, atol=0), key


@pytest.mark.shared
def test_window_events_are_found_on_first_use_with_the_perijoves_kernels(naif_dir):
    import flyplan
    from flyplan.kernels.pool import KernelSet, active

    pj = flyplan.perijove(1, kernels=naif_dir, window="-2h..+2h", step="600s")
    assert type(pj.__dict__["_events"]).__name__ == "_Deferred"
    other = KernelSet([naif_dir / "generic_kernels/lsk/naif0012.tls"]).load()
    events = pj.events
    assert active() is other  # the caller's pool is put back
    assert "perijove" in set(events["kind"]) and "utc_ert" in events.columns
    # dressed as the tables built at once are (typed UTC, attrs)
    assert events.attrs["table"] == "events" and events["utc"].dtype == pj.samples["utc"].dtype
    assert pj.events is events  # computed once
    again = flyplan.perijove(1, kernels=naif_dir, window="-2h..+2h", step="600s")
    spiceypy.kclear()
    assert again.events.equals(events)


@pytest.mark.shared
def test_chebyshev_reads_jpl_type_3_segments(naif_dir):
    """JPL's jup310 (type 3: position and velocity sets) as SPICE reads it."""
    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))
    path = naif_dir / "generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp"
    spiceypy.furnsh(str(path))
    t0, t1 = spiceypy.wnfetd(spiceypy.spkcov(str(path), 501), 0)
    et = np.linspace(t0 + 10.0, t1 - 10.0, 2001)
    for body in (501, 502, 503, 504, 599):
        seg = chebyshev._segment(body, 5, et[0], et[-1])
        assert seg is not None and seg[-1] == 6, body  # the fast path, a type 3 segment
        ref = cyice.spkezp_v(body, et, "J2000", "NONE", 5)[0]
        assert np.abs(chebyshev.positions(body, 5, et) - ref).max() < CHEBYSHEV_TOL_KM, body
