"""Juno's state and Jupiter's rotation in numpy against the SPICE calls they replace.

- :mod:`flyplan.geometry.spk_state` reads SPK types 1 (NAIF's Juno files),
  13 (flyplan's model, synthetic orbits here) and 2/3 with velocity;
- :mod:`flyplan.geometry.pck_rotation` is ``sxform_v("J2000", "IAU_JUPITER")``
  from the text PCK.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings, strategies as st
from spiceypy import cyice

from flyplan.ephemeris.spkwrite import Segment, write_spk13
from flyplan.geometry import pck_rotation, spk_state

# Asked of the numpy states over whole windows (type 1, chained through
# Jupiter's barycentre, in SPICE's own order of operations).
TOL_KM = 1e-6
TOL_KM_S = 1e-9
# Type 13: SPICE's own hrmint round-off (see spk_state.CHECK_TOL_KM_S_TYPE13).
TOL_KM_S_TYPE13 = spk_state.CHECK_TOL_KM_S_TYPE13
# The numpy Hermite against the exact interpolant (rational arithmetic).
EXACT_HERMITE_TOL_KM_S = 1e-9
# Rotation elements; the rate's elements are ~1.8e-4 1/s.
ROT_TOL = 1e-12
RATE_TOL = 1e-16


def _window(pj):
    from conftest import HAVE_SHARED, NAIF

    if not HAVE_SHARED:
        pytest.skip(f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED)")
    import flyplan

    p = flyplan.perijove(pj, kernels=NAIF, window="-1h..+1h", step="600s", extras=False)
    p.selection.kernels.load()
    return np.linspace(p.et - 6 * 3600, p.et + 6 * 3600, 20001)


def _assert_states(et, vel_tol):
    got = spk_state._fast(-61, 599, et)
    assert got is not None  # the fast path is taken for these kernels
    ref = cyice.spkezr_v("-61", et, "J2000", "NONE", "599")[0]
    err = np.abs(got[0] - ref)
    assert err[:, :3].max() <= TOL_KM and err[:, 3:].max() <= vel_tol
    perm = np.random.default_rng(3).permutation(len(et))
    assert np.abs(spk_state.states(-61, 599, et[perm]) - ref[perm])[:, :3].max() <= TOL_KM
    return got[0], ref


@pytest.mark.shared
@pytest.mark.parametrize("pj", [1, 45])
def test_type_1_states_are_spice_states_over_a_perijove_window(pj):
    et = _window(pj)
    seg = spk_state._segment(-61, et[0], et[-1])
    assert seg is not None and seg[1][3] == 1 and seg[1][1] == 5  # type 1, relative to 5
    _assert_states(et, TOL_KM_S)


@pytest.mark.shared
def test_type_13_model_states_are_spice_states_and_the_exact_hermite():
    et = _window(38)
    handle, ic, _ = spk_state._segment(-61, et[0], et[-1])
    assert ic[3] == 13  # flyplan's model
    ours, ref = _assert_states(et, TOL_KM_S_TYPE13)
    worst = int(np.argmax(np.abs(ours - ref)[:, 3:].max(axis=1)))
    exact = _exact_hermite(handle, ic, float(et[worst]))[3:]
    # Where SPICE's velocity is furthest from ours, ours is the exact one.
    assert np.abs(ours[worst, 3:] - exact).max() <= EXACT_HERMITE_TOL_KM_S
    assert np.abs(ref[worst, 3:] - exact).max() > 10 * np.abs(ours[worst, 3:] - exact).max()


def _exact_hermite(handle, ic, t):
    """State of the type 13 window's Hermite interpolant at ``t``, in rational arithmetic.

    Even window sizes only (the model's degree 15: 8 states).
    """
    begin, end = ic[4], ic[5]
    wm1, n = spk_state._read(handle, end - 1, end)
    size, n = int(wm1) + 1, int(n)
    assert size % 2 == 0
    epochs = spk_state._read(handle, begin + 6 * n, begin + 7 * n - 1)
    low = max(int(np.searchsorted(epochs, t)), 1)
    first = min(max(low - (size - 1) // 2, 1), n - size + 1) - 1
    states = spk_state._read(handle, begin + 6 * first, begin + 6 * (first + size) - 1)
    states = states.reshape(size, 6)
    z = [Fraction(float(x)) for x in epochs[first:first + size] for _ in (0, 1)]
    out = [0.0] * 6
    for comp in range(3):
        col = [Fraction(float(states[j // 2, comp])) for j in range(2 * size)]
        coef = [col[0]]
        for order in range(1, 2 * size):
            col = [Fraction(float(states[k // 2, comp + 3])) if order == 1 and k % 2 == 0
                   else (col[k + 1] - col[k]) / (z[k + order] - z[k])
                   for k in range(2 * size - order)]
            coef.append(col[0])
        x, p, dp = Fraction(t), coef[-1], Fraction(0)
        for k in range(2 * size - 2, -1, -1):
            dp, p = dp * (x - z[k]) + p, p * (x - z[k]) + coef[k]
        out[comp], out[comp + 3] = float(p), float(dp)
    return np.array(out)


@pytest.fixture
def lsk_pck(naif_dir):
    for k in ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00010.tpc"):
        spiceypy.furnsh(str(naif_dir / k))


@pytest.mark.shared
@pytest.mark.parametrize("degree", [15, 13, 5])
def test_type_13_windows_of_both_parities_are_spice(lsk_pck, tmp_path, degree):
    # A Keplerian ellipse sampled at uneven steps (dense near periapsis, as the
    # model is); degree 15 and 5 give even windows, 13 an odd one.
    gm, a, e = 126686534.0, 4.0e6, 0.97
    t0 = spiceypy.str2et("2025-01-01T00:00:00")
    # Steps of 86 s and 11 s (the model's change from 7.6 s to 0.8 s is as steep).
    mean = np.unique(np.concatenate([np.linspace(-0.05, -0.002, 400),
                                     np.linspace(-0.002, 0.002, 267),
                                     np.linspace(0.002, 0.05, 400)]))
    ecc = mean.copy()
    for _ in range(60):
        ecc = mean + e * np.sin(ecc)
    nmot = np.sqrt(gm / a**3)
    b = a * np.sqrt(1 - e * e)
    pos = np.stack([a * (np.cos(ecc) - e), b * np.sin(ecc), 0.1 * b * np.sin(ecc)], 1)
    edot = nmot / (1 - e * np.cos(ecc))
    vel = np.stack([-a * np.sin(ecc) * edot, b * np.cos(ecc) * edot,
                    0.1 * b * np.cos(ecc) * edot], 1)
    et = t0 + mean / nmot
    path = write_spk13(tmp_path / "kepler.bsp",
                       [Segment(-61, 599, "J2000", et, np.hstack([pos, vel]), degree=degree)])
    spiceypy.furnsh(str(path))
    t = np.linspace(et[0], et[-1], 7919)
    got = spk_state._fast(-61, 599, t)
    assert got is not None
    ref = cyice.spkezr_v("-61", t, "J2000", "NONE", "599")[0]
    err = np.abs(got[0] - ref)
    assert err[:, :3].max() <= TOL_KM and err[:, 3:].max() <= TOL_KM_S_TYPE13
    # the epochs themselves and the segment's ends (window clamping)
    assert np.abs(spk_state.states(-61, 599, et) -
                  cyice.spkezr_v("-61", et, "J2000", "NONE", "599")[0])[:, :3].max() <= TOL_KM


@pytest.mark.shared
def test_a_wrong_fast_state_falls_back_to_spice(monkeypatch):
    et = _window(45)[:2000]
    assert len(et) >= spk_state._MIN_EPOCHS
    monkeypatch.setattr(spk_state, "_type1", lambda h, b, e, t: np.zeros((len(t), 6)))
    ref = cyice.spkezr_v("-61", et, "J2000", "NONE", "599")[0]
    assert np.array_equal(spk_state.states(-61, 599, et), ref)


@pytest.mark.shared
@settings(max_examples=25, deadline=None)
@given(st.floats(-3e8, 1.6e9), st.floats(100.0, 3e6), st.sampled_from(["pck00010", "pck00011"]))
def test_iau_jupiter_rotation_is_sxform(start, span, pck):
    from conftest import NAIF

    spiceypy.kclear()
    spiceypy.furnsh(str(NAIF / f"generic_kernels/pck/{pck}.tpc"))
    et = start + np.linspace(0.0, span, 97)
    consts = pck_rotation._constants()
    assert consts is not None
    rot, rate = pck_rotation._evaluate(consts, et)
    x = cyice.sxform_v("J2000", "IAU_JUPITER", et)
    assert np.abs(rot - x[:, :3, :3]).max() <= ROT_TOL
    assert np.abs(rate - x[:, 3:, :3]).max() <= RATE_TOL
    spiceypy.kclear()


@pytest.mark.shared
def test_iau_jupiter_falls_back_when_the_constants_have_another_frame(lsk_pck):
    et = np.linspace(7e8, 7.001e8, 2 * pck_rotation._MIN_EPOCHS)
    spiceypy.pdpool("BODY5_CONSTANTS_REF_FRAME", [2])  # B1950
    assert pck_rotation._constants() is None
    rot, rate = pck_rotation.iau_jupiter(et)
    x = cyice.sxform_v("J2000", "IAU_JUPITER", et)
    assert np.array_equal(rot, x[:, :3, :3]) and np.array_equal(rate, x[:, 3:, :3])


@pytest.mark.shared
@pytest.mark.parametrize("pj", [45, 38])
def test_states_evaluated_in_blocks_are_the_same(monkeypatch, pj):
    et = _window(pj)
    whole = spk_state._fast(-61, 599, et)[0]
    monkeypatch.setattr(spk_state, "_BLOCK", 777)  # many blocks, one not full
    assert np.array_equal(spk_state._fast(-61, 599, et)[0], whole)
