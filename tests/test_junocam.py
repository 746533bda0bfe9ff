"""The JunoCam imaging model: IK/FK parameters, spin axis (CK and models), swath tests.

Golden values come from NAIF's kernels: the JunoCam IK (pixel pitch, focal
length, FOV corners) with the Juno FK, and the predicted Juno trajectories for
the check of flyplan's reading of NAIF's "Az/El" attitude offsets.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

import _synthetic as S
from flyplan.geometry import samples as geometry
from flyplan.geometry import junocam
from flyplan.kernels.pool import KernelSet

LSK = "generic_kernels/lsk/naif0012.tls"
PCK = "generic_kernels/pck/pck00010.tpc"
FK = "JUNO/kernels/fk/juno_v12.tf"
IK = "JUNO/kernels/ik/juno_junocam_v03.ti"
SCLK = "JUNO/kernels/sclk/jno_sclkscet_00090.tsc"
DE421 = "generic_kernels/spk/planets/de421.bsp"
PJ1_SPK = "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp"
PJ29_SPK = "JUNO/kernels/spk/spk_pre_200625_201230_200914_btm29_f.bsp"
PJ45_SPK = "JUNO/kernels/spk/spk_pre_220614_221109_220810_jm0450.bsp"
DE440S = "generic_kernels/spk/planets/de440s_2030.bsp"

# juno_junocam_v03.ti: 0.0074 mm pixels, 10.95637 mm focal length -> 0.6754 mrad.
IK_IFOV_RAD = 0.0074 / 10.95637
SWATH_TOL_DEG = 0.005


def test_camera_from_ik_and_fk(naif_dir):
    KernelSet([naif_dir / LSK, naif_dir / FK, naif_dir / IK]).load()
    cam = junocam.camera()
    assert cam.ifov_rad == pytest.approx(IK_IFOV_RAD, rel=1e-12)
    assert "loaded IK" in cam.source and "FK" in cam.source
    # The constants written in flyplan.geometry.junocam are these kernels' numbers.
    assert cam.swath_deg[0] == pytest.approx(junocam.SWATH_DEG[0], abs=SWATH_TOL_DEG)
    assert cam.swath_deg[1] == pytest.approx(junocam.SWATH_DEG[1], abs=SWATH_TOL_DEG)
    # About 58 degrees wide, straddling the spin plane.
    assert cam.swath_deg[1] - cam.swath_deg[0] == pytest.approx(58.3, abs=0.3)
    assert junocam.IFOV_RAD == pytest.approx(IK_IFOV_RAD, rel=1e-12)


def test_camera_without_kernels_uses_the_constants():
    cam = junocam.camera()
    assert cam == junocam.Camera()
    assert "juno_junocam_v03.ti" in cam.source


unit = st.tuples(*[st.floats(-1, 1, allow_nan=False)] * 3).filter(
    lambda v: np.linalg.norm(v) > 1e-3).map(lambda v: np.asarray(v) / np.linalg.norm(v))


@settings(max_examples=200, deadline=None)
@given(unit, unit)
def test_spin_plane_angle_is_ninety_minus_the_angle_to_the_axis(d, axis):
    angle = junocam.spin_plane_angle(d[None], axis[None])[0]
    ref = np.pi / 2 - spiceypy.vsep(d, axis)
    assert angle == pytest.approx(ref, abs=1e-7)
    assert junocam.spin_plane_angle(-d[None], axis[None])[0] == pytest.approx(-angle, abs=1e-12)
    inside = junocam.in_swath(angle)
    assert inside == (junocam.SWATH_DEG[0] <= np.degrees(angle) <= junocam.SWATH_DEG[1])


@settings(max_examples=100, deadline=None)
@given(unit, st.floats(-60, 60), st.floats(-60, 60))
def test_offset_axis_geometry(earth, az, el):
    axis = junocam.offset_axis(earth[None], np.radians(az), np.radians(el))[0]
    assert np.linalg.norm(axis) == pytest.approx(1.0, abs=1e-12)
    # Total offset from Earth-point: cos = cos(az) cos(el).
    assert np.cos(spiceypy.vsep(axis, earth)) == pytest.approx(
        np.cos(np.radians(az)) * np.cos(np.radians(el)), abs=1e-9)
    north = junocam._ECLIPTIC_NORTH
    x = north - np.dot(north, earth) * earth
    if np.linalg.norm(x) > 1e-3:
        x /= np.linalg.norm(x)
        # El is the elevation towards ecliptic north, Az turns towards north x Earth.
        assert np.arcsin(np.dot(axis, x)) == pytest.approx(np.radians(el), abs=1e-9)
        if abs(el) < 89:
            y = np.cross(x, earth)
            assert np.sign(np.dot(axis, y)) == np.sign(az) or abs(az) < 1e-9


def _orbit_normal_azel(et):
    state = spiceypy.spkezr("-61", et, "J2000", "NONE", "599")[0]
    earth = spiceypy.spkpos("399", et, "J2000", "LT+S", "-61")[0]
    h = junocam.orbit_normal_axis(state[None], earth[None])[0]
    z = earth / np.linalg.norm(earth)
    x = junocam._ECLIPTIC_NORTH - np.dot(junocam._ECLIPTIC_NORTH, z) * z
    x /= np.linalg.norm(x)
    y = np.cross(x, z)
    return np.degrees(np.arctan2(h @ y, h @ z)), np.degrees(np.arcsin(h @ x))


@pytest.mark.parametrize("spk,pj_utc,az_range,el_range", [
    # The ranges quoted in flyplan/data/juno_attitudes.csv.
    (PJ29_SPK, "2020-07-25T06:15", (70, 75), (-16, -14)),   # PJ28
    (PJ29_SPK, "2020-09-16T02:00", (70, 75), (-16, -14)),   # PJ29
    (PJ45_SPK, "2022-07-05T09:18", (5, 15), (-10, -9)),     # PJ43
    (PJ45_SPK, "2022-11-06T21:39", (5, 15.5), (-10, -9)),   # PJ46
])
def test_orbit_normal_in_the_az_el_frame(naif_dir, spk, pj_utc, az_range, el_range):
    # flyplan reads NAIF's "MWR +29/-9 deg (Az/El)" as offsets from Earth-point
    # towards Juno's orbit normal: the normal's Az/El on the predicted
    # trajectories either side of PJ38 brackets that direction.
    KernelSet([naif_dir / LSK, naif_dir / PCK, naif_dir / DE440S, naif_dir / spk]).load()
    az, el = _orbit_normal_azel(spiceypy.str2et(pj_utc))
    assert az_range[0] <= az <= az_range[1]
    assert el_range[0] <= el <= el_range[1]


def test_attitude_table():
    att, note = junocam.attitude_for(38)
    assert (att.mode, att.az_deg, att.el_deg) == ("earth_offset", 29.0, -9.0)
    assert "MWR +29/-9" in att.label and note is None
    assert junocam.attitude_for(1) == (junocam.Attitude(), None)
    assert junocam.attitude_for(4)[0].mode == "orbit_normal"
    att5, note5 = junocam.attitude_for(5)
    assert att5.mode == "earth" and "not modelled" in note5
    assert junocam.attitude_for(45)[0].az_deg == 4.5


@pytest.fixture
def pj1_kernels(naif_dir):
    KernelSet([naif_dir / LSK, naif_dir / PCK, naif_dir / DE421, naif_dir / PJ1_SPK]).load()
    pj = spiceypy.str2et("2016-08-27T12:50:44")
    return pj + np.arange(-3600.0, 3600.0, 600.0)


def test_spin_axis_models(pj1_kernels):
    et = pj1_kernels
    earth = np.array([spiceypy.spkpos("EARTH", t, "J2000", "LT+S", "-61")[0] for t in et])
    axis, label = junocam.spin_axis(et)
    assert label.startswith("model") and "Earth" in label
    assert np.allclose(axis, earth / np.linalg.norm(earth, axis=1)[:, None], atol=1e-12)
    mwr, _ = junocam.spin_axis(et, junocam.Attitude("earth_offset", 29.0, -9.0, "MWR"))
    sep = np.degrees([spiceypy.vsep(a, e) for a, e in zip(mwr, earth)])
    assert np.allclose(sep, np.degrees(np.arccos(np.cos(np.radians(29)) *
                                                 np.cos(np.radians(9)))), atol=1e-9)
    normal, label = junocam.spin_axis(et, junocam.Attitude("orbit_normal", label="MWR"))
    for t, n in zip(et, normal):
        st_ = spiceypy.spkezr("-61", t, "J2000", "NONE", "599")[0]
        assert abs(np.dot(n, st_[:3])) / np.linalg.norm(st_[:3]) < 1e-12
        assert abs(np.dot(n, st_[3:])) / np.linalg.norm(st_[3:]) < 1e-12
    assert "orbit normal" in label


def test_spin_axis_from_a_c_kernel(naif_dir, tmp_path):
    ks = KernelSet([naif_dir / LSK, naif_dir / PCK, naif_dir / DE421, naif_dir / PJ1_SPK,
                    naif_dir / FK, naif_dir / SCLK])
    ks.load()
    t0 = spiceypy.str2et("2016-08-27T10:00:00")
    t1 = t0 + 6 * 3600.0
    # A made-up attitude: +Z fixed at RA 30, Dec 40 deg.
    z = spiceypy.radrec(1.0, np.radians(30.0), np.radians(40.0))
    x = np.cross([0.0, 0.0, 1.0], z)
    x /= np.linalg.norm(x)
    cmat = np.array([x, np.cross(z, x), z])  # rows: the spacecraft axes in J2000
    ticks = np.array([spiceypy.sce2c(-61, t) for t in (t0, t1)])
    quats = np.array([spiceypy.m2q(cmat)] * 2)
    path = tmp_path / "juno_test.bc"
    handle = spiceypy.ckopn(str(path), "CK", 0)
    spiceypy.ckw03(handle, ticks[0], ticks[1], -61000, "J2000", False, "flyplan test", 2, ticks,
                   quats, np.zeros((2, 3)), 1, ticks[:1])
    spiceypy.ckcls(handle)
    ks.add(path)
    ks.load()
    et = np.linspace(t0 + 60, t1 - 60, 7)
    axis, label = junocam.spin_axis(et)
    assert label.startswith("C-kernel")
    assert np.allclose(axis, z, atol=1e-9)
    # Outside the CK's coverage, or when told not to use it: the model.
    outside, label = junocam.spin_axis(np.array([t1 + 3600.0]))
    assert label.startswith("model")
    _, label = junocam.spin_axis(et, junocam.Attitude(use_ck=False))
    assert label.startswith("model")


def test_imaging_columns_on_real_moons(naif_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(geometry, "JUNO", S.OBSERVER)
    S.furnsh_day(naif_dir)
    t0, t1 = S.circular_observer(tmp_path / "obs.bsp")
    et = np.linspace(t0, t1, 400)
    cols, label = junocam.imaging_columns(et, (501, 504), observer=S.OBSERVER)
    j = geometry.juno_arrays(et)
    for moon, name in ((501, "io"), (504, "callisto")):
        m = geometry.moon_arrays(et, moon, j)
        assert np.allclose(cols[f"{name}_km_per_px"], m["range_km"] * junocam.IFOV_RAD)
        assert np.allclose(cols[f"{name}_ang_size_px"], m["ang_diam"] / junocam.IFOV_RAD)
        ang = np.radians(cols[f"{name}_spin_plane_angle_deg"])
        assert np.array_equal(cols[f"{name}_in_swath"], junocam.in_swath(ang))
        # Earth-pointed: the angle from the spin plane is 90 deg minus the
        # Sun-Earth-ish elongation of the moon from Earth, seen from the spacecraft.
        for i in range(0, len(et), 57):
            e = spiceypy.spkpos("EARTH", et[i], "J2000", "LT+S", str(S.OBSERVER))[0]
            p = spiceypy.spkpos(str(moon), et[i], "J2000", "LT+S", str(S.OBSERVER))[0]
            assert np.degrees(ang[i]) == pytest.approx(90 - np.degrees(spiceypy.vsep(e, p)),
                                                       abs=1e-7)
    assert "Earth" in label
    # The day exercises both answers.
    both = np.concatenate([cols["io_in_swath"], cols["callisto_in_swath"]])
    assert both.any() and not both.all()
