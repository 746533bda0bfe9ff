"""The built-in Juno model: table, propagator, SPK, and leave-one-out against real kernels.

Golden values come from the real kernels in ../shared (tests skip without
them) and from published figures (the PJ38 JunoCam seed point), never from
the model itself.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flyplan.errors import PerijoveError
from flyplan.ephemeris import juno_model as jm

# --- tolerances (named, with where they come from) ------------------------------

#: Propagator vs kernel within +-3 h of perijove (issue 5 feasibility study).
ANCHOR_FIT_KM = 1.0
#: Leave-one-out near perijove (perijove, +-1 h): issue 5, "latitude and longitude
#: 0.1-0.3 degrees near perijove, altitude within a few hundred km".
LOO_ANGLE_DEG = 0.3
LOO_ALT_KM = 300.0
#: Speed follows from the altitude: d(v)/v = d(r)/(2r) -> 300 km at 73,500 km, 58 km/s.
LOO_SPEED_KMS = 0.15
#: A row's claimed 1-sigma must cover its measured leave-one-out error within this factor.
SIGMA_FACTOR = 3.0
#: PJ38 published figures (JunoCam, Io/Callisto image on the inbound leg).
PJ38_UTC = "2021-11-29T14:13:29.6"
PJ38_TIME_S = 0.1
PJ38_SEED_LAT_DEG = 69.0
PJ38_ALT_KM, PJ38_ALT_TOL_KM = 14000.0, 700.0
PJ38_SPEED_KMH, PJ38_SPEED_TOL_KMH = 198000.0, 2000.0
#: The model SPK against the propagator.
SPK_FIT_KM = 0.01

ANCHORED = {0, 1, 28, 29, 30, 43, 44, 45, 46}
# Jupiter's 1-bar ellipsoid and IAU pole (pck00010/pck00011 BODY599_RADII, POLE_RA/DEC
# constant and linear terms), written out here so the seed check needs no kernel.
A_KM, C_KM = 71492.0, 66854.0


def _utc_to_et(utc: str) -> float:
    # TDB = UTC + 37 s (leap seconds since 2017-01-01, naif0012) + 32.184 s,
    # good to the 1.7 ms periodic TDB-TT term: enough for 0.1 s checks.
    t = dt.datetime.fromisoformat(utc.rstrip("Z"))
    assert t >= dt.datetime(2017, 1, 1)
    return (t - dt.datetime(2000, 1, 1, 12)).total_seconds() + 37.0 + 32.184


def _pole(et: float) -> np.ndarray:
    tc = et / (86400.0 * 36525.0)
    ra, dec = math.radians(268.056595 - 0.006499 * tc), math.radians(64.495303 + 0.002413 * tc)
    return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])


def _alt_lat(et: float, r: np.ndarray) -> tuple[float, float]:
    """Nearest-point altitude (km) and planetographic latitude (deg), pole only."""
    import spiceypy as sp

    z = _pole(et)
    x = np.cross([0.0, 0.0, 1.0], z)
    x /= np.linalg.norm(x)
    m = np.array([x, np.cross(z, x), z])
    p = m @ r
    npt, alt = sp.nearpt(p, A_KM, A_KM, C_KM)
    n = npt / np.array([A_KM**2, A_KM**2, C_KM**2])
    return alt, math.degrees(math.atan2(n[2], math.hypot(n[0], n[1])))


# --- the table --------------------------------------------------------------------

def test_table_has_every_perijove_with_method_and_uncertainty():
    from buildtools.juno_fit import read_timetable

    rows = jm.perijove_rows()
    published = {pj: (utc, status) for pj, utc, status in read_timetable()}
    assert sorted(rows) == list(range(0, 111)) == sorted(published)
    for pj, row in rows.items():
        assert (row.utc, row.status) == published[pj]
        assert row.method in {"anchored", "apojove", "bridged", "extrapolated"}
        assert row.sigma_alt_km > 0 and row.sigma_angle_deg > 0 and row.sigma_time_s > 0
        assert 72000 < row.r_p_km < 77000 and 57 < row.v_p_kms < 59
        assert (row.status == "predicted") == (pj >= 72)
        assert (row.method == "anchored") == (pj in ANCHORED)
        if row.status == "predicted":
            assert row.sigma_time_s >= 60
    assert rows[38].method == "bridged" and rows[38].anchor == "PJ43" and rows[38].orbits == 5
    # No bridge may cross the Io flybys before PJ57/58 without saying so.
    assert all(rows[pj].method == "extrapolated" for pj in range(57, 111))
    assert rows[0].burn is not None and all(rows[pj].burn is None for pj in range(1, 111))


def test_unknown_perijove_names_what_is_covered():
    with pytest.raises(PerijoveError) as exc:
        jm.perijove_row(111)
    assert "PJ0-PJ110" in exc.value.covered and exc.value.hint
    with pytest.raises(PerijoveError):
        jm.perijove_row("x")


def test_row_state_is_a_perijove_and_round_trips():
    for pj in (0, 2, 38, 44, 90):
        row = jm.perijove_row(pj)
        et, y = jm.row_state(row)
        assert et == row.et
        assert abs(y[:3] @ y[3:]) / (np.linalg.norm(y[:3]) * np.linalg.norm(y[3:])) < 1e-12
        el = jm.state_elements(y)
        for key in ("r_p_km", "inc_deg", "node_deg", "argp_deg", "v_p_kms"):
            assert el[key] == pytest.approx(getattr(row, key), abs=1e-9)


def test_describe_says_approximate_and_gives_the_uncertainty():
    text = jm.describe(38)
    assert text.startswith("approximate (flyplan Juno model, bridged 5 orbits from PJ43")
    from flyplan.ephemeris.juno_bounds import bounds

    b = bounds(jm.perijove_row(38), [3600.0])
    assert f"±{b['altitude_km'][0]:,.0f} km altitude" in text and "° latitude" in text
    assert "(measured bounds)" in text
    assert "perijove time predicted (list A; ±15.0 h" in jm.describe(90)
    assert "approximate" in jm.ACCURACY_NOTE


def test_import_does_nothing(tmp_path):
    cache = tmp_path / "cache"
    code = ("import sys, flyplan.ephemeris.juno_model as m; "
            "print('spiceypy' in sys.modules, 'scipy' in sys.modules)")
    repo = Path(jm.__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"FLYPLAN_CACHE": str(cache), "PYTHONPATH": str(repo)})
    assert out.stdout.split() == ["False", "False"]
    assert not cache.exists()


# --- PJ38 seed check (published figures; no kernels needed) ----------------------

def test_pj38_time_and_inbound_seed_point():
    from scipy.optimize import brentq

    row = jm.perijove_row(38)
    et_pub = _utc_to_et(PJ38_UTC + "Z")
    # The model's own closest approach, found on its trajectory.
    rv = lambda t: float(np.dot(*jm.trajectory(38, [t])[0].reshape(2, 3)))  # noqa: E731
    t_peri = brentq(rv, row.et - 600.0, row.et + 600.0, xtol=1e-4)
    assert abs(t_peri - et_pub) < PJ38_TIME_S + 0.05   # published to 0.1 s

    # Inbound, the last time before perijove that the latitude passes 69 deg
    # (the published JunoCam point, ~15 min before perijove).
    ts = row.et + np.arange(-3 * 3600.0, 0.0, 60.0)
    states = jm.trajectory(38, ts)
    lat = np.array([_alt_lat(t, s[:3])[1] for t, s in zip(ts, states)])
    i = np.where(np.diff(np.sign(lat - PJ38_SEED_LAT_DEG)) != 0)[0][-1]
    f = lambda t: _alt_lat(t, jm.trajectory(38, [t])[0, :3])[1] - PJ38_SEED_LAT_DEG  # noqa: E731
    tc = brentq(f, ts[i], ts[i + 1], xtol=1e-3)
    s = jm.trajectory(38, [tc])[0]
    alt, _ = _alt_lat(tc, s[:3])
    assert abs(alt - PJ38_ALT_KM) < PJ38_ALT_TOL_KM
    assert abs(np.linalg.norm(s[3:]) * 3600.0 - PJ38_SPEED_KMH) < PJ38_SPEED_TOL_KMH


# --- the SPK ----------------------------------------------------------------------

def test_model_spk_reproduces_the_propagator(monkeypatch, tmp_path):
    import spiceypy as sp

    # A cache of its own: the first call must build, whatever the user's cache holds.
    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path / "cache"))
    messages = []
    path = jm.model_spk(38, progress=messages.append)
    assert messages
    mtime = path.stat().st_mtime_ns
    assert jm.model_spk(38) == path and path.stat().st_mtime_ns == mtime   # reused

    sp.furnsh(str(path))
    cover = sp.spkcov(str(path), -61)
    (a, b), = [sp.wnfetd(cover, i) for i in range(sp.wncard(cover))]
    rows = jm.perijove_rows()
    apo_before = (rows[37].et + rows[38].et) / 2
    apo_after = (rows[38].et + rows[39].et) / 2
    assert a <= apo_before and b >= apo_after
    assert [x for x in sp.spkobj(str(path))] == [-61]

    rng = np.random.default_rng(38)
    ets = np.concatenate([rng.uniform(a, b, 300), rows[38].et + rng.uniform(-7200, 7200, 300)])
    spk = np.array([sp.spkezr("-61", float(t), "J2000", "NONE", "599")[0] for t in ets])
    model = jm.trajectory(38, ets)
    assert np.abs(spk[:, :3] - model[:, :3]).max() < SPK_FIT_KM
    assert np.abs(spk[:, 3:] - model[:, 3:]).max() < 1e-5

    handle = sp.dafopr(str(path))
    comment = "\n".join(sp.dafec(handle, 200)[1])
    sp.dafcls(handle)
    assert "flyplan Juno model, approximate" in comment
    assert "bridged 5 orbits from PJ43" in comment and "altitude 350 km" in comment

    # A new generator version makes a new file.
    monkeypatch.setattr(jm, "GENERATOR_VERSION", "test")
    assert jm._spk_name(38) != path.name


def test_model_spk_across_the_insertion_burn():
    """PJ0's SPK is split at the burn edges; no sample crowding after them."""
    import spiceypy as sp

    path = jm.model_spk(0)
    sp.furnsh(str(path))
    row = jm.perijove_row(0)
    ets = np.concatenate([np.linspace(e - 120.0, e + 120.0, 241) for e in (row.burn_et0, row.burn_et1)]
                         + [row.et + np.linspace(-3 * 3600.0, 3 * 3600.0, 181)])
    spk = np.array([sp.spkezr("-61", float(t), "J2000", "NONE", "599")[0] for t in ets])
    assert np.abs(spk[:, :3] - jm.trajectory(0, ets)[:, :3]).max() < SPK_FIT_KM


def test_model_spk_unwritable_cache_is_a_user_error(tmp_path, monkeypatch):
    from flyplan.errors import KernelError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("FLYPLAN_CACHE", str(blocker))
    with pytest.raises(KernelError) as exc:
        jm.model_spk(38)
    assert "FLYPLAN_CACHE" in exc.value.hint


# --- against the real kernels -----------------------------------------------------

@pytest.fixture
def fit(naif_dir):
    """Real kernels loaded; yields the build-time module."""
    from buildtools import juno_fit

    yield juno_fit, naif_dir


@pytest.mark.shared
@pytest.mark.parametrize("pj", [1, 29, 44, 46])
def test_propagator_matches_kernels_within_3h(fit, pj):
    jf, naif = fit
    inp = jf.load_inputs(naif, orbnum=False)
    et_k, y, _ = inp.anchors[pj]
    hours = np.array([-3, -2, -1, -0.5, 0.5, 1, 2, 3])
    ets = et_k + hours * 3600.0
    d = np.linalg.norm(jm.propagate(et_k, y, ets)[:, :3] - jf.kernel_state(ets)[:, :3], axis=1)
    assert d.max() < ANCHOR_FIT_KM, dict(zip(hours, d.round(3)))


@pytest.mark.shared
def test_pj0_insertion_burn(fit):
    jf, naif = fit
    jf.load_inputs(naif, orbnum=False)
    row = jm.perijove_row(0)
    ets = row.et + np.array([-3600.0, -1200.0, 1200.0, 3600.0])
    with_burn = np.linalg.norm(jm.trajectory(0, ets)[:, :3] - jf.kernel_state(ets)[:, :3], axis=1)
    et, y = jm.row_state(row)
    ballistic = np.linalg.norm(jm.propagate(et, y, ets)[:, :3] - jf.kernel_state(ets)[:, :3], axis=1)
    assert with_burn.max() < 2.0 and ballistic.min() > 50.0


@pytest.mark.shared
@pytest.mark.parametrize("pj", [29, 44])
def test_anchored_rows_reproduce_kernel_geometry(fit, pj):
    jf, naif = fit
    jf.load_inputs(naif, orbnum=False)
    row = jm.perijove_row(pj)
    d = jf.compare(*jm.row_state(row), hours=(-1.0, 0.0, 1.0))
    # Longitude included: the JEQ angles plus the published time give System III.
    assert np.abs(d[:, 0]).max() < 0.5 and np.abs(d[:, 1:3]).max() < 0.001


def _loo_row(jf, naif, pj):
    inp = jf.load_inputs(naif, exclude=(pj,))
    r = jf.annotate(jf.build_rows(inp, only={pj}, log=lambda m: None)[pj])
    full = {k: r.get(k, "" if k in ("note", "utc", "status", "method", "anchor") else math.nan)
            for k in jm.COLUMNS}
    return jm.PerijoveRow(**full)


def _assert_loo(d, row=None):
    assert np.abs(d[:, 0]).max() < LOO_ALT_KM
    assert np.abs(d[:, 1]).max() < LOO_ANGLE_DEG
    assert np.abs(d[:, 2]).max() < LOO_ANGLE_DEG
    assert np.abs(d[:, 3]).max() < LOO_SPEED_KMS
    if row is not None:   # the row's own uncertainty claim holds
        assert np.abs(d[:, 0]).max() < SIGMA_FACTOR * row.sigma_alt_km
        assert np.abs(d[:, 1:3]).max() < SIGMA_FACTOR * row.sigma_angle_deg


@pytest.mark.shared
@pytest.mark.parametrize("pj, method", [(29, "apojove"), (44, "bridged")])
def test_leave_one_out_with_the_tables_method(fit, pj, method):
    """Rebuild the row without its kernel; compare at perijove and +-1 h."""
    jf, naif = fit
    row = _loo_row(jf, naif, pj)
    assert row.method == method and row.orbits == 1
    assert row.et == pytest.approx(jm.perijove_row(pj).et, abs=1e-5)
    d = jf.compare(*jm.row_state(row), hours=(-1.0, 0.0, 1.0))
    _assert_loo(d, row)


@pytest.mark.shared
def test_leave_one_out_pure_bridge_pj28_to_pj29(fit):
    """PJ29 carried one orbit from PJ28's kernel state alone (no ORBNUM, no PJ30)."""
    jf, naif = fit
    inp = jf.load_inputs(naif, orbnum=False)
    et = inp.et
    rp = {p: float(np.linalg.norm(inp.anchors[p][1][:3])) for p in (28, 30)}
    prior = float(np.interp(et[29], [et[28], et[30]], [rp[28], rp[30]]))
    y = jf.bridge(et[28], inp.anchors[28][1], [et[29]], lambda i: prior)[0]
    y, _, _ = jf.fit_period(et[29], y, et[30])
    d = jf.compare(et[29], y, hours=(-1.0, 0.0, 1.0))
    _assert_loo(d)


@pytest.mark.shared
def test_sun_and_pole_agree_with_naif(fit):
    import spiceypy as sp

    jf, naif = fit
    sp.furnsh(str(naif / "generic_kernels/spk/planets/de421.bsp"))
    sp.furnsh(str(naif / "generic_kernels/pck/pck00010.tpc"))
    sp.furnsh(str(naif / "generic_kernels/lsk/naif0012.tls"))
    for utc in ("2016-07-05", "2021-11-29", "2028-09-27"):
        et = sp.str2et(utc)
        ref = sp.spkpos("10", et, "J2000", "NONE", "5")[0]
        ours = jm.sun_position(et)
        angle = math.degrees(math.acos(ref @ ours / np.linalg.norm(ref) / np.linalg.norm(ours)))
        assert angle < 0.1 and abs(np.linalg.norm(ours) / np.linalg.norm(ref) - 1) < 2e-3
        # JEQ z (IAU pole at J2000) against the PCK's pole of date (nutation terms < 0.003 deg).
        z = np.asarray(sp.pxform("J2000", "IAU_JUPITER", et))[2]
        assert math.degrees(math.acos(min(1.0, z @ jm.jupiter_pole(et)))) < 0.005
