"""JunoCam on Jupiter's cloud tops: the times x points geometry against SPICE.

Golden values: SPICE's own ``illumf`` (emission, incidence, phase, visible, lit),
``sincpt`` (the surface intercept of the ray from Juno towards each point, which
is the point itself exactly when it is visible) and ``et2lst`` (local solar
time), on NAIF's reconstructed PJ1 trajectory in ``../shared/naif``.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

from flyplan.geometry import junocam, surface
from flyplan.kernels.pool import KernelSet
from flyplan.numerics import footprint

LSK = "generic_kernels/lsk/naif0012.tls"
PCK = "generic_kernels/pck/pck00010.tpc"
DE421 = "generic_kernels/spk/planets/de421.bsp"
PJ1_SPK = "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp"
PJ1_UTC = "2016-08-27T12:50:44Z"

# Agreement with SPICE asked for by the project: 1e-6 degree for the angles.
ANGLE_TOL_DEG = 1e-6
# Ranges are differences of ~1e5 km vectors: a few micrometres of rounding.
RANGE_TOL_KM = 1e-6
# et2lst reports whole seconds (truncated).
LST_TOL_H = 1.01 / 3600.0
A, C = 71492.0, 66854.0


@pytest.fixture
def pj1(naif_dir):
    KernelSet([naif_dir / p for p in (LSK, PCK, DE421, PJ1_SPK)]).load()
    et0 = spiceypy.str2et(PJ1_UTC)
    return et0 + np.linspace(-3 * 3600.0, 3 * 3600.0, 7)


def _points(k=400, seed=1):
    rng = np.random.default_rng(seed)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, k)))
    lon = rng.uniform(0, 360, k)
    return lat, lon


@pytest.mark.shared
def test_angles_visibility_and_light_match_spice_illumf(pj1):
    lat, lon = _points()
    g = surface.surface_geometry(pj1, lat, lon, attitude=junocam.Attitude(use_ck=False),
                                 sun_abcorr="NONE")
    pts, _ = footprint.surface_points(np.radians(lat), -np.radians(lon), A, C)
    worst = 0.0
    for i, et in enumerate(pj1):
        for j in range(len(lat)):
            _, srfvec, phase, inc, emi, vis, lit = spiceypy.illumf(
                "ELLIPSOID", "JUPITER", "SUN", et, "IAU_JUPITER", "NONE", "JUNO", pts[j])
            assert bool(vis) == bool(g["visible"][i, j])
            assert bool(lit) == bool(g["lit"][i, j])
            assert g["range_km"][i, j] == pytest.approx(np.linalg.norm(srfvec), abs=RANGE_TOL_KM)
            for ours, ref in ((g["emission_deg"], emi), (g["incidence_deg"], inc),
                              (g["phase_deg"], phase)):
                worst = max(worst, abs(ours[i, j] - np.degrees(ref)))
    assert worst < ANGLE_TOL_DEG, worst


@pytest.mark.shared
def test_visible_points_are_where_spice_sincpt_meets_the_surface(pj1):
    lat, lon = _points(300, seed=2)
    g = surface.surface_geometry(pj1, lat, lon, attitude=junocam.Attitude(use_ck=False))
    pts, _ = footprint.surface_points(np.radians(lat), -np.radians(lon), A, C)
    seen = 0
    for i, et in enumerate(pj1):
        juno = spiceypy.spkpos("JUNO", et, "IAU_JUPITER", "NONE", "JUPITER")[0]
        for j in range(len(lat)):
            ray = pts[j] - juno
            spoint, _, srfvec = spiceypy.sincpt("ELLIPSOID", "JUPITER", et, "IAU_JUPITER",
                                                "NONE", "JUNO", "IAU_JUPITER", ray)
            same = np.linalg.norm(spoint - pts[j]) < 1e-3  # km
            assert same == bool(g["visible"][i, j])
            if same:
                seen += 1
                assert g["range_km"][i, j] == pytest.approx(np.linalg.norm(srfvec), abs=1e-3)
    assert 0 < seen < len(lat) * len(pj1)


@pytest.mark.shared
def test_local_solar_time_matches_spice_et2lst(pj1):
    lat, lon = _points(50, seed=3)
    g = surface.surface_geometry(pj1, lat, lon)
    for i, et in enumerate(pj1):
        for j in range(len(lat)):
            hr, mn, sc, *_ = spiceypy.et2lst(et, 599, -np.radians(lon[j]), "PLANETOCENTRIC")
            ref = hr + mn / 60 + sc / 3600
            d = (g["local_solar_time_h"][i, j] - ref + 12) % 24 - 12
            assert -1e-9 <= d < LST_TOL_H


@pytest.mark.shared
def test_pixel_scale_is_range_times_the_ik_ifov(pj1):
    lat, lon = _points(50, seed=4)
    g = surface.surface_geometry(pj1, lat, lon)
    assert np.allclose(g["km_per_px"], g["range_km"] * 0.0074 / 10.95637, rtol=1e-12)
    vis = g["visible"]
    assert np.allclose(g["km_per_px_emission"][vis],
                       g["km_per_px"][vis] / np.cos(np.radians(g["emission_deg"][vis])))


# -- properties of the pure-numpy core --------------------------------------------------------
lat_s = st.floats(-89.9, 89.9)
lon_s = st.floats(0, 359.9)
obs_s = st.tuples(st.floats(-4e5, 4e5), st.floats(-4e5, 4e5), st.floats(-4e5, 4e5)).filter(
    lambda v: np.linalg.norm(np.asarray(v) * [1, 1, A / C]) > A * 1.01)
unit_s = st.tuples(*[st.floats(-1, 1)] * 3).filter(lambda v: np.linalg.norm(v) > 1e-2)


@settings(max_examples=300)
@given(lat_s, lon_s, obs_s, obs_s, unit_s)
def test_pair_geometry_invariants(lat, lon, obs, sun, axis):
    p, n = footprint.surface_points(np.radians([lat]), np.radians([lon]), A, C)
    sun = np.asarray(sun) * 1e4  # far away, as the Sun
    g = footprint.pair_geometry(np.asarray([obs]), sun[None], np.asarray([axis]), p, n,
                                np.radians(junocam.SWATH_DEG))
    e, i, ph = g["emission"][0, 0], g["incidence"][0, 0], g["phase"][0, 0]
    # The normal really is the ellipsoid normal: (x/a^2, y/a^2, z/c^2) direction.
    grad = p[0] / np.array([A * A, A * A, C * C])
    assert np.allclose(n[0], grad / np.linalg.norm(grad), atol=1e-12)
    # Off the tangent planes, where the two tests could round differently.
    if abs(e - np.pi / 2) > 1e-9:
        assert g["visible"][0, 0] == (e < np.pi / 2)
    if abs(i - np.pi / 2) > 1e-9:
        assert g["lit"][0, 0] == (i < np.pi / 2)
    # Spherical triangle inequalities between normal, observer and Sun directions.
    assert ph <= e + i + 1e-12 and abs(e - i) <= ph + 1e-12
    if g["in_swath"][0, 0]:
        assert g["visible"][0, 0]


@settings(max_examples=60)
@given(st.integers(0, 2**31), st.booleans(), st.sampled_from([None, 60.0]),
       st.sampled_from([None, 80.0]))
def test_best_times_blocks_agree_with_the_full_pair_geometry(seed, lit, max_e, max_i):
    rng = np.random.default_rng(seed)
    n, m = 23, 211
    t = np.linspace(0, 1, n)[:, None]
    obs = (np.array([9e4, -2e4, 3e4]) * (1 - t) + np.array([-2e4, 8e4, -5e4]) * t)
    sun = np.tile([7e8, 1e8, 0.0], (n, 1))
    axis = np.tile(rng.normal(size=3), (n, 1))
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, m)))
    lon = rng.uniform(0, 360, m)
    p, nrm = footprint.surface_points(np.radians(lat), np.radians(lon), A, C)
    swath = np.radians(junocam.SWATH_DEG)
    kw = dict(max_emission=None if max_e is None else np.radians(max_e),
              max_incidence=None if max_i is None else np.radians(max_i), lit=lit)
    idx, best, count = footprint.best_times(obs, sun, axis, p, nrm, swath, chunk_pairs=500, **kw)
    g = footprint.pair_geometry(obs, sun, axis, p, nrm, swath)
    ok = g["in_swath"].copy()
    if lit:
        ok &= g["lit"]
    if max_e is not None:
        ok &= g["emission"] < np.radians(max_e)
    if max_i is not None:
        ok &= g["incidence"] < np.radians(max_i)
    assert np.array_equal(count, ok.sum(axis=0))
    r = np.where(ok, g["range_km"], np.inf)
    ref = r.min(axis=0)
    seen = np.isfinite(ref)
    assert np.array_equal(idx >= 0, seen)
    assert np.allclose(best[seen], ref[seen], rtol=1e-9)
    assert np.all(np.isnan(best[~seen]))
    # The compiled engine gives the same answer.
    idx2, best2, count2 = footprint.best_times(obs, sun, axis, p, nrm, swath, engine="numba", **kw)
    assert np.array_equal(count2, count) and np.array_equal(idx2 >= 0, seen)
    assert np.allclose(best2[seen], best[seen], rtol=1e-12)


def test_grid_cells():
    lat, lon = surface.grid(1.0)
    assert len(lat) == 180 and len(lon) == 360
    assert lat[0] == -89.5 and lat[-1] == 89.5 and lon[0] == 0.5 and lon[-1] == 359.5
    with pytest.raises(ValueError):
        surface.grid(0.0)
