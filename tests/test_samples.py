"""The vectorized geometry against SPICE's own routines, one sample at a time.

No Juno kernel covers a day with a real moon ephemeris here, so the observer
is a synthetic spacecraft on a circular orbit around Jupiter, written as an SPK
for 2021-02-26 (the day of the real jup310 excerpt).  What is checked is that
flyplan's numpy formulation reproduces occult/phaseq/et2lst/recpgr/spkezr on
real Jupiter, Sun and moon ephemerides.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from spiceypy import cyice

from flyplan.geometry import samples as geometry
from flyplan.ephemeris.spkwrite import Segment, write_spk13

DAY = "2021-02-26T00:10:00"
OBSERVER = -999
# Agreement asked of the vectorized engine with SPICE (issue 8): 1 m; angles to
# a microradian-level equivalent.
TOL_KM = 1e-3
TOL_DEG = 1e-5
# occult/phaseq use the same corrections but their own iteration; a state
# change within this many seconds of a sample may legitimately differ.
EDGE_S = 2.0


@pytest.fixture
def synthetic(naif_dir, tmp_path):
    for k in ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00010.tpc",
              "generic_kernels/spk/planets/de421.bsp",
              "generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp"):
        spiceypy.furnsh(str(naif_dir / k))
    gm = 126686534.0
    # Outside Io's orbit and inside Europa's, phased so that during the day Io
    # transits Jupiter and is eclipsed and Callisto is occulted.
    r, phase0 = 600000.0, 3.0
    t0 = spiceypy.str2et(DAY)
    et = t0 + np.arange(0.0, 23 * 3600.0, 300.0)
    w = np.sqrt(gm / r**3)
    inc = np.radians(20.0)
    ang = phase0 + w * (et - et[0])
    pos = np.stack([r * np.cos(ang), r * np.sin(ang) * np.cos(inc), r * np.sin(ang) * np.sin(inc)], 1)
    vel = np.stack([-r * w * np.sin(ang), r * w * np.cos(ang) * np.cos(inc),
                    r * w * np.cos(ang) * np.sin(inc)], 1)
    path = write_spk13(tmp_path / "observer.bsp",
                       [Segment(OBSERVER, 599, "J2000", et, np.hstack([pos, vel]))])
    spiceypy.furnsh(str(path))
    spiceypy.boddef("FAKE_JUNO", OBSERVER)
    return et[0] + 600.0 + np.arange(0.0, 21 * 3600.0, 20.0)


@pytest.fixture
def as_juno(monkeypatch):
    monkeypatch.setattr(geometry, "JUNO", OBSERVER)


def test_juno_geometry_matches_spice(synthetic, as_juno):
    et = synthetic
    j = geometry.juno_arrays(et)
    a, c = geometry.jupiter_radii()
    sub = et[::37]
    idx = np.arange(len(et))[::37]
    for i, t in zip(idx, sub):
        st_bf, _ = spiceypy.spkezr(str(OBSERVER), t, "IAU_JUPITER", "NONE", "599")
        lon, lat, alt = spiceypy.recpgr("JUPITER", st_bf[:3], a, (a - c) / a)
        assert j["altitude_km"][i] == pytest.approx(alt, abs=TOL_KM)
        assert np.degrees(j["lat_pg"][i]) == pytest.approx(np.degrees(lat), abs=TOL_DEG)
        # recpgr's longitude is west-positive for Jupiter.
        lon_w = np.degrees(np.mod(-j["lon_e"][i], 2 * np.pi))
        assert lon_w == pytest.approx(np.degrees(lon), abs=TOL_DEG)
        assert j["speed_rot_km_s"][i] == pytest.approx(np.linalg.norm(st_bf[3:]), abs=1e-9)
        hr, mn, sc, *_ = spiceypy.et2lst(t, 599, j["lon_e"][i], "PLANETOCENTRIC")
        lst_ref = hr + mn / 60 + sc / 3600
        assert abs(j["lst_h"][i] - lst_ref) * 3600 < 1.01  # et2lst prints whole seconds


@pytest.mark.parametrize("moon", [501, 502, 503, 504])
def test_moon_geometry_matches_spice(synthetic, as_juno, moon):
    et = synthetic
    j = geometry.juno_arrays(et)
    m = geometry.moon_arrays(et, moon, j)

    occ = cyice.occult_v(str(moon), "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER",
                         "LT", str(OBSERVER), np.ascontiguousarray(et))
    ref_occulted = occ == -3
    ref_transit = occ == 2
    # Compare away from state changes (flyplan adds stellar aberration, occult
    # cannot), and require both states to occur so the test means something.
    change = np.flatnonzero(np.diff(ref_occulted.astype(int)) | np.diff(ref_transit.astype(int)))
    near = np.zeros(len(et), bool)
    for k in change:
        near |= np.abs(et - et[k]) <= EDGE_S + 20.0
    assert np.array_equal(m["occulted"][~near], ref_occulted[~near])
    assert np.array_equal(m["transit"][~near], ref_transit[~near])

    # Shadow: the Sun's centre hidden by Jupiter as seen from the moon's centre.
    lt = cyice.spkezp_v(moon, np.ascontiguousarray(et), "J2000", "LT", OBSERVER)[1]
    sh = cyice.occult_v("SUN", "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER", "LT",
                        str(moon), np.ascontiguousarray(et - lt))
    ref_shadow = sh == -3
    change = np.flatnonzero(np.diff(ref_shadow.astype(int)))
    near = np.zeros(len(et), bool)
    for k in change:
        near |= np.abs(et - et[k]) <= EDGE_S + 20.0
    assert np.array_equal(m["in_shadow"][~near], ref_shadow[~near])

    sub = np.arange(len(et))[::53]
    for i in sub:
        ph = spiceypy.phaseq(et[i], str(moon), "SUN", str(OBSERVER), "LT")
        assert np.degrees(m["phase"][i]) == pytest.approx(np.degrees(ph), abs=TOL_DEG)
        pos, _ = spiceypy.spkpos(str(moon), et[i], "J2000", "LT", str(OBSERVER))
        assert m["range_km"][i] == pytest.approx(np.linalg.norm(pos), abs=TOL_KM)


def test_synthetic_day_exercises_every_state(synthetic, as_juno):
    # The comparisons above only mean something if occultations, transits and
    # eclipses actually happen in the synthetic day.
    et = synthetic
    j = geometry.juno_arrays(et)
    seen = {"occulted": 0, "transit": 0, "in_shadow": 0}
    for moon in (501, 502, 503, 504):
        m = geometry.moon_arrays(et, moon, j)
        for k in seen:
            seen[k] += int(m[k].sum())
    assert all(v > 0 for v in seen.values()), seen


def test_limb_angle_is_zero_at_occultation_edges(synthetic, as_juno):
    et = synthetic
    j = geometry.juno_arrays(et)
    m = geometry.moon_arrays(et, 501, j)
    hidden = m["occulted"] | m["transit"]
    edges = np.flatnonzero(np.diff(hidden.astype(int)))
    assert len(edges) > 0
    # Across an edge the limb angle changes sign, and it is negative while hidden.
    for k in edges:
        assert np.sign(m["limb_angle"][k]) != np.sign(m["limb_angle"][k + 1])
    assert np.all(m["limb_angle"][hidden] < 1e-9)
    assert np.all(m["limb_angle"][~hidden] > -1e-9)


def test_sample_table_columns_carry_units(synthetic, as_juno):
    df = geometry.sample_table(synthetic[:50], moons=(501, 504))
    for col in df.columns:
        if col in ("utc", "et", "local_solar_time") or col.endswith(
                ("_occulted", "_in_shadow", "_transit")):
            continue
        assert col.endswith(("_km", "_deg", "_km_s", "_km_h", "_h")), col
    assert df["utc"].str.endswith("Z").all()
    assert (df["lon_w_deg"] >= 0).all() and (df["lon_w_deg"] < 360).all()
    assert np.allclose(df["speed_km_h"], df["speed_km_s"] * 3600.0)


def test_interpolated_sun_is_within_10_m_of_spice(synthetic):
    # Start an hour in: before that the light-time-corrected Sun falls before the
    # jup310 excerpt's own copy of the Sun and SPICE switches to DE421 (a jump of
    # a few hundred metres that is the kernels', not the interpolation's).
    et = synthetic[synthetic > synthetic[0] + 3600.0]
    got = geometry.sun_from_jupiter(et)
    ref, _ = cyice.spkezp_v(10, np.ascontiguousarray(et), "J2000", "LT+S", 599)
    assert np.max(np.linalg.norm(got - ref, axis=1)) < 0.010


# Transition times of the vectorized booleans against SPICE's occult, refined by
# bisection on both sides: the two models (Jupiter's rest frame vs SPICE's
# light-time corrections in the barycentric frame) agree to first order in v/c.
EDGE_TIME_TOL_S = 0.1


def _edge(f, t0, t1, tol=1e-3):
    v0 = f(t0)
    while t1 - t0 > tol:
        tm = 0.5 * (t0 + t1)
        if f(tm) == v0:
            t0 = tm
        else:
            t1 = tm
    return 0.5 * (t0 + t1)


@pytest.mark.parametrize("moon,what", [(501, "in_shadow"), (501, "transit"), (504, "occulted")])
def test_state_change_times_match_spice(synthetic, as_juno, moon, what):
    et = synthetic

    def ours(t):
        arr = np.array([t])
        return bool(geometry.moon_arrays(arr, moon, geometry.juno_arrays(arr))[what][0])

    def ref(t):
        if what == "in_shadow":
            lt = spiceypy.spkezp(moon, t, "J2000", "LT", OBSERVER)[1]
            return spiceypy.occult("SUN", "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER",
                                   "LT", str(moon), t - lt) == -3
        code = spiceypy.occult(str(moon), "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER",
                               "LT", str(OBSERVER), t)
        return code == (-3 if what == "occulted" else 2)

    j = geometry.juno_arrays(et)
    state = geometry.moon_arrays(et, moon, j)[what]
    changes = np.flatnonzero(np.diff(state.astype(int)))
    assert len(changes) > 0
    for k in changes:
        t_ours = _edge(ours, et[k], et[k + 1])
        t_ref = _edge(ref, et[k] - 20.0, et[k + 1] + 20.0)
        assert abs(t_ours - t_ref) < EDGE_TIME_TOL_S, (what, t_ours - t_ref)


# moon_arrays computes SPICE's "LT" from Jupiter-centred pieces; against spkezp itself:
LT_POSITION_TOL_KM = 1e-5  # 1 cm


def test_moon_light_time_positions_are_spice_lt(naif_dir):
    """Io..Callisto and Jupiter seen from Juno on the PJ45 orbit, against cyice.spkezp_v 'LT'."""
    import flyplan
    from flyplan.geometry import samples as geo

    pj = flyplan.perijove(45, kernels=naif_dir, window="-1h..+1h", step="600s", extras=False)
    pj.selection.kernels.load()
    et = np.linspace(pj.et - 9 * 3600, pj.et + 3600, 500)  # the Europa flyby and perijove
    juno = geo.juno_arrays(et)
    for moon in (501, 502, 503, 504):
        ours = geo.moon_arrays(et, moon, juno)["pos_from_juno"]
        ref, _ = cyice.spkezp_v(moon, et, "J2000", "LT", -61)
        assert np.abs(ours - ref).max() < LT_POSITION_TOL_KM, moon
    ref, _ = cyice.spkezp_v(599, et, "J2000", "LT", -61)
    assert np.abs(juno["jupiter_from_juno"] - ref).max() < LT_POSITION_TOL_KM
