"""The numpy ellipsoid layer against SPICE's own routines, and its invariants."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

from flyplan.numerics import ellipsoid as E

A, C = 71492.0, 66854.0  # pck00010 BODY599_RADII
F = (A - C) / A
# Agreement with SPICE asked of a vectorized replacement (issue 8): 1 m.
TOL_KM = 1e-3
TOL_RAD = 1e-9

coords = st.floats(-5e6, 5e6, allow_nan=False)
points = st.tuples(coords, coords, coords).filter(lambda p: np.linalg.norm(p) > 1.0)


def _random_points(n, rmin=1.0, rmax=5e7, seed=7):
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, 3))
    d /= np.linalg.norm(d, axis=1)[:, None]
    r = 10 ** rng.uniform(np.log10(rmin), np.log10(rmax), n)
    return d * r[:, None]


def test_geodetic_matches_spice_recgeo_everywhere():
    x = _random_points(20000)
    lat, alt = E.geodetic(x, A, C)
    ref = np.array([spiceypy.recgeo(p, A, F) for p in x])
    assert np.max(np.abs(alt - ref[:, 2])) < TOL_KM
    # Latitude is ill-defined on the axis deep inside; compare where it is not.
    ok = np.hypot(x[:, 0], x[:, 1]) > 1.0
    assert np.max(np.abs(lat[ok] - ref[ok, 1])) < TOL_RAD


def test_nearest_point_matches_spice_nearpt():
    x = _random_points(3000, seed=11)
    got = E.nearest_point(x, A, C)
    ref = np.array([spiceypy.nearpt(p, A, A, C)[0] for p in x])
    assert np.max(np.abs(got - ref)) < TOL_KM


def test_altitude_is_not_r_minus_equatorial_radius():
    # Over the pole the two differ by the flattening, 4638 km.
    lat, alt = E.geodetic(np.array([[0.0, 0.0, C + 14000.0]]), A, C)
    assert alt[0] == pytest.approx(14000.0, abs=TOL_KM)
    assert np.degrees(lat[0]) == pytest.approx(90.0)


@settings(max_examples=300, deadline=None)
@given(points)
def test_altitude_is_distance_to_nearest_point(p):
    p = np.array(p)
    lat, alt = E.geodetic(p, A, C)
    q = E.nearest_point(p, A, C)
    # q lies on the ellipsoid ...
    assert (q[0] ** 2 + q[1] ** 2) / A**2 + q[2] ** 2 / C**2 == pytest.approx(1.0, abs=1e-12)
    # ... at the distance the altitude says, and no sampled surface point is nearer.
    assert abs(np.linalg.norm(p - q) - abs(alt)) < TOL_KM
    t = np.linspace(-np.pi / 2, np.pi / 2, 721)
    lon = np.arctan2(p[1], p[0])
    ring = np.stack([A * np.cos(t) * np.cos(lon), A * np.cos(t) * np.sin(lon), C * np.sin(t)], 1)
    assert abs(alt) <= np.min(np.linalg.norm(ring - p, axis=1)) + TOL_KM


@settings(max_examples=300, deadline=None)
@given(points)
def test_latitudes_order_and_sign(p):
    p = np.array(p)
    lat_pg, _ = E.geodetic(p, A, C)
    lat_pc = E.planetocentric_latitude(p)
    assert np.sign(lat_pg) == np.sign(lat_pc) or abs(p[2]) < 1e-9
    _, alt = E.geodetic(p, A, C)
    if alt > 0:
        # Outside an oblate body the normal is steeper than the radius vector.
        assert abs(lat_pg) >= abs(lat_pc) - 1e-12


@settings(max_examples=200, deadline=None)
@given(points)
def test_longitudes_are_complementary(p):
    p = np.array(p)
    if np.hypot(p[0], p[1]) < 1e-6:
        return
    e, w = E.east_longitude(p), E.west_longitude(p)
    assert 0 <= e < 2 * np.pi and 0 <= w < 2 * np.pi
    # East + west is a whole turn (or zero on the prime meridian).
    assert min(abs(e + w), abs(e + w - 2 * np.pi)) < 1e-9


def test_ray_intersection_matches_spice_surfpt():
    rng = np.random.default_rng(3)
    origins = _random_points(2000, rmin=8e4, rmax=3e6, seed=5)
    # Aim near the centre so that about half the rays hit.
    aim = rng.normal(scale=6e4, size=origins.shape)
    dirs = aim - origins
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    t = E.ray_intersection(origins, dirs, A, C)
    with spiceypy.no_found_check():
        ref = [spiceypy.surfpt(o, d, A, A, C) for o, d in zip(origins, dirs)]
    assert 0.2 < np.mean(np.isfinite(t)) < 0.8
    for o, d, ti, (point, found) in zip(origins, dirs, t, ref):
        assert found == np.isfinite(ti)
        if found:
            assert np.linalg.norm(o + ti * d - point) < TOL_KM


def test_limb_angle_matches_spice_limb_ellipse():
    # SPICE's edlimb gives the limb ellipse; the tangent ray to its points from
    # the observer, in the plane of observer, centre and target, must have zero
    # limb angle, and directions to the centre must be inside the disk.
    rng = np.random.default_rng(9)
    for obs in _random_points(40, rmin=8e4, rmax=2e6, seed=13):
        limb = spiceypy.edlimb(A, A, C, obs)
        center, smajor, sminor = spiceypy.el2cgv(limb)
        th = rng.uniform(0, 2 * np.pi, 20)
        pts = center + np.cos(th)[:, None] * smajor + np.sin(th)[:, None] * sminor
        dirs = pts - obs
        ang = E.limb_angle(np.repeat(obs[None], len(dirs), 0), dirs, A, C)
        assert np.max(np.abs(ang)) < 1e-7
        inside = E.limb_angle(obs[None], -obs[None], A, C)
        assert inside[0] < 0


@settings(max_examples=200, deadline=None)
@given(points, points)
def test_limb_angle_sign_agrees_with_ray_hit(o, d):
    o, d = np.array(o), np.array(d)
    if np.linalg.norm(o) < 1.2 * A or np.linalg.norm(d) < 1e-6:
        return
    d = d / np.linalg.norm(d)
    ang = E.limb_angle(o, d, A, C)
    hit = np.isfinite(E.ray_intersection(o, d, A, C))
    if abs(ang) > 1e-9:
        assert hit == (ang < 0)


def test_limb_angle_with_precomputed_observer_terms_is_the_same():
    rng = np.random.default_rng(11)
    obs = rng.normal(size=(500, 3)) * 4e5
    for _ in range(3):
        d = rng.normal(size=(500, 3))
        terms = E.limb_observer(obs, A, C)
        assert np.array_equal(E.limb_angle(obs, d, A, C, observer_terms=terms),
                              E.limb_angle(obs, d, A, C))
