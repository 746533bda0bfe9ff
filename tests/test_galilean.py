"""The built-in Galilean-moon ephemeris against JPL's jup310 and against itself.

Golden values are the jup310 excerpts (two in the skyfield wheel, one in
../shared/naif), which the fit either never saw (held-out tests) or fitted
(training residuals), and the Juno project's published time and altitude of
the 2022-09-29 Europa flyby.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from flyplan.ephemeris import galilean as gal
from flyplan.ephemeris import moons_spk
from flyplan.errors import CoverageError

REPO = Path(__file__).resolve().parents[1]

# Issue 4: a fit on two excerpts predicts the third to better than this, per moon.
HELD_OUT_TOL_KM = 2.0
# A fit reproduces the excerpts it was fitted to: to metres over 6 years,
# to ~50 m over the 38 years from 2015 to 2053 (the floor of the model and
# of the integrator's rounding over that span).
TRAINING_TOL_KM = 0.1
# The SPK reproduces the integrator (daily Chebyshev records fitted to half-hourly states).
SPK_POSITION_TOL_KM = 0.010
SPK_VELOCITY_TOL_KMS = 1e-6
# jup310's Jupiter (599) about the barycentre against ours: the moons' ~km
# errors scaled by their mass ratios (< 1e-4), plus Amalthea (0.2 m), which
# the model leaves out.
JUPITER_OFFSET_TOL_KM = 0.002
# The Juno project's published closest approach to Europa, 2022-09-29
# 09:36 UTC at 352-358 km (mean radius 1560.8 km, pck00010).
EUROPA_CA_UTC = "2022-09-29T09:36:00"
EUROPA_CA_TIME_TOL_S = 60.0
EUROPA_CA_ALTITUDE_KM = (340.0, 370.0)
EUROPA_MEAN_RADIUS_KM = 1560.8


def _skyfield_excerpt(name: str) -> Path:
    import skyfield

    return Path(skyfield.__file__).parent / "tests" / "data" / name


EXCERPT_FILES = {
    "2015-03-02": lambda naif: _skyfield_excerpt("jup310-2015-03-02.bsp"),
    "2021-02-26": lambda naif: naif / "generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp",
    "2053-10-08": lambda naif: _skyfield_excerpt("jup310-2053-10-08.bsp"),
}


def _excerpt(label: str, request):
    from buildtools.galilean_fit import read_excerpt

    naif = request.getfixturevalue("naif_dir") if label == "2021-02-26" else None
    return read_excerpt(EXCERPT_FILES[label](naif))


def _window_times(excerpt, spacing_s=3600.0):
    lo, hi = gal.et_from_jd(np.array(excerpt.window_jd))
    return np.arange(np.ceil(lo / spacing_s), np.floor(hi / spacing_s) + 1) * spacing_s


def _max_error_km(fit, excerpts):
    """{label: per-moon largest position error (km)} of ``fit`` against the excerpts."""
    times = [_window_times(ex) for ex in excerpts]
    model = gal.propagate(np.concatenate(times), fit)
    out, i = {}, 0
    for ex, et in zip(excerpts, times):
        d = model[i:i + et.size, :, :3] - ex.jovicentric(et)[:, :, :3]
        out[ex.label] = np.linalg.norm(d, axis=2).max(axis=0)
        i += et.size
    return out


@pytest.fixture(scope="module")
def fit():
    return gal.load_fit()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The cached SPKs (one per year), built once through galilean_spks() into a private cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLYPLAN_CACHE", str(tmp_path_factory.mktemp("moon_cache")))
        messages = []
        t0 = time.perf_counter()
        paths = moons_spk.galilean_spks(progress=messages.append)
        elapsed = time.perf_counter() - t0
        again = []
        mtimes = [p.stat().st_mtime_ns for p in paths]
        paths2 = moons_spk.galilean_spks(progress=again.append)
    return {"paths": paths, "path": paths[moons_spk.YEARS.index(2021)], "messages": messages,
            "seconds": elapsed, "again": again, "paths2": paths2,
            "mtime_unchanged": [p.stat().st_mtime_ns for p in paths2] == mtimes}


def _read_spk(paths, et, bodies=moons_spk.SPK_BODIES):
    import spiceypy as spice

    for path in paths:
        spice.furnsh(str(path))
    try:
        return np.stack([np.array([spice.spkgeo(b, float(t), "J2000", gal.JUPITER_BARYCENTER)[0]
                                   for t in et]) for b in bodies], axis=1)
    finally:
        for path in paths:
            spice.unload(str(path))


# -- the model against JPL ---------------------------------------------------


@pytest.mark.parametrize("held_out", ["2021-02-26", "2015-03-02", "2053-10-08"])
def test_held_out_excerpt_predicted_within_2_km(held_out, request):
    """A fit on two excerpts (stored by the fit script) predicts the third.

    2021 held out is the case the mission relies on (2015 and 2053 fitted,
    2016-2026 predicted); there the test also shows that the stored states
    fit their own two excerpts to metres, i.e. come from those alone.  The
    other two cases are extrapolations by 6 and 32 years.
    """
    entry = _held_out_entry(held_out)
    assert set(entry["fitted_on"]) == set(EXCERPT_FILES) - {held_out}
    model = _held_out_model(held_out)
    labels = [held_out] + (entry["fitted_on"] if held_out == "2021-02-26" else [])
    errors = _max_error_km(model, [_excerpt(label, request) for label in labels])
    print(f"\nheld out {held_out}, km: " + "; ".join(
        f"{k}: " + ", ".join(f"{v:.4f}" for v in e) for k, e in errors.items()))
    for label in labels[1:]:
        assert errors[label].max() < TRAINING_TOL_KM, (label, errors[label])
    assert errors[held_out].max() < HELD_OUT_TOL_KM, errors[held_out]
    # the file's record of the held-out residuals (quoted in outputs) is true
    recorded = [entry["residuals_km"][held_out][str(b)]["max_km"] for b in gal.MOONS]
    np.testing.assert_allclose(errors[held_out], recorded, atol=1e-4)


def _fit_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("fit_galilean", REPO / "scripts" / "fit_galilean.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_held_out_fit_is_rerun_and_predicts_2053(shared_dir, request):
    """The fit itself, run here: 2015 and 2021 fitted from the excerpts' own states, 2053 predicted.

    The one held-out case cheap enough to repeat in every run (about a
    minute; the others take tens of minutes, their stored results are
    re-checked above).  It runs the fitting script's own code from the same
    first guess, so it also shows that the stored fit is reproducible.
    """
    script = _fit_script()
    paths, pck = script.default_paths(shared_dir)
    excerpts = [_excerpt(label, request) for label in EXCERPT_FILES]
    model = script.start_model(excerpts, pck)
    fitted, residuals = script.fit(model, excerpts[:2], excerpts, "2053-10-08 held out")
    predicted = np.array([residuals["2053-10-08"][str(b)]["max_km"] for b in gal.MOONS])
    print("\nheld out 2053 (fitted now), km: " + ", ".join(f"{v:.4f}" for v in predicted))
    assert predicted.max() < HELD_OUT_TOL_KM
    for label in ("2015-03-02", "2021-02-26"):
        assert max(r["max_km"] for r in residuals[label].values()) < TRAINING_TOL_KM
    stored = _held_out_model("2053-10-08")
    np.testing.assert_allclose(fitted.states[:, :3], stored.states[:, :3], rtol=0, atol=1e-3)


def _held_out_entry(held_out):
    return next(h for h in gal.load_fit().info["held_out"] if h["held_out"] == held_out)


def _held_out_model(held_out):
    return gal.GalileanFit.from_model_dict(_held_out_entry(held_out)["model"])


def test_committed_fit_reproduces_the_excerpts(fit, request):
    """The model flyplan uses against the excerpts it was fitted to (2053 is outside its use)."""
    excerpts = [_excerpt(label, request) for label in ("2015-03-02", "2021-02-26")]
    errors = _max_error_km(fit, excerpts)
    print("\nfinal fit, m: " + "; ".join(f"{k}: " + ", ".join(f"{v * 1e3:.1f}" for v in e)
                                         for k, e in errors.items()))
    for label, e in errors.items():
        assert e.max() < TRAINING_TOL_KM, (label, e)
    recorded = fit.info["fit"]["residuals_km"]
    for label, e in errors.items():
        np.testing.assert_allclose(e, [recorded[label][str(b)]["max_km"] for b in gal.MOONS], atol=1e-4)


def test_jupiter_offset_matches_jup310(fit, naif_dir):
    """599 about the barycentre from the moons' masses, against jup310's own 599."""
    from buildtools.galilean_fit import read_excerpt

    ex = read_excerpt(EXCERPT_FILES["2021-02-26"](naif_dir))
    et = _window_times(ex, 1800.0)
    ours = gal.system_states(et, fit)[:, 4]
    theirs = ex.states(et)[:, 4]
    assert np.linalg.norm(theirs[:, :3], axis=1).min() > 10.0  # a real offset (28-117 km here), not zero
    assert np.linalg.norm(ours[:, :3] - theirs[:, :3], axis=1).max() < JUPITER_OFFSET_TOL_KM


def test_jup310_constants_are_the_ones_used(fit, request):
    ex = _excerpt("2015-03-02", request)
    gm = ex.constants["gm"]
    c = ex.constants["constants"]
    np.testing.assert_array_equal(fit.gm, [gm[599], gm[501], gm[502], gm[503], gm[504]])
    assert fit.radius == c["RADIUS"] == 71492.0
    assert (fit.zonal[2], fit.zonal[4], fit.zonal[6]) == (c["J502"], c["J504"], c["J506"])
    assert dict(fit.perturbers) == {10: c["GM10"], 6: c["GM6"], 7: c["GM7"], 8: c["GM8"]}


def test_fit_recovers_the_states_behind_its_data(fit):
    """The least-squares machinery: data made by the model, a start 1 km off, the states back."""
    from buildtools.galilean_fit import fit_model

    et = fit.epoch + np.arange(-12, 13) * 3600.0
    truth = gal.propagate(et, fit)[:, :, :3]
    offset = np.array([0.6, -0.5, 0.4, 2e-5, -1e-5, 1e-5])
    start = fit.replace(states=fit.states + offset)
    got = fit_model(start, et, truth, fit_pole=False)
    assert np.abs(gal.propagate(et, start)[:, :, :3] - truth).max() > 0.5
    np.testing.assert_allclose(got.states[:, :3], fit.states[:, :3], rtol=0, atol=1e-4)
    np.testing.assert_allclose(got.states[:, 3:], fit.states[:, 3:], rtol=0, atol=1e-8)


# -- the integrator ------------------------------------------------------------


def test_zonal_field_is_the_gradient_of_the_potential():
    """Jupiter's field less its point mass against a numerical gradient of -J_n R^n P_n(u) / r^(n+1)."""
    from numpy.polynomial import legendre

    from flyplan.ephemeris import _galilean_core as core

    zonal = np.array([0, 0, 1.469562e-2, 3e-6, -5.913e-4, 1e-6, 2.0775e-5])
    radius = 71492.0
    pole = np.array([0.3, -0.2, 0.9])
    pole /= np.linalg.norm(pole)

    def potential(r):
        rn = np.linalg.norm(r)
        u = r @ pole / rn
        return -sum(zonal[n] * radius ** n * legendre.legval(u, np.eye(7)[n]) / rn ** (n + 1)
                            for n in range(2, 7))

    for r in ([9.0e4, 2.0e4, 5.0e4], [-3.0e5, 2.5e5, 1.0e4], [1.0e4, -2.0e4, 8.0e4]):
        r = np.array(r)
        h = 1e-3 * np.linalg.norm(r)
        grad = np.array([(potential(r + h * e) - potential(r - h * e)) / (2 * h) for e in np.eye(3)])
        f = np.empty(3)
        core._jupiter_field(r[0], r[1], r[2], (pole[0], pole[1], pole[2]), radius, zonal, f)
        # the harmonics alone, so that the point mass does not hide an error in them
        point = -r / np.linalg.norm(r) ** 3
        np.testing.assert_allclose(f - point, grad, rtol=1e-5, atol=0)


def test_propagation_is_one_trajectory_whatever_the_times(fit):
    """Order and off-grid times do not change the states (a short step from the grid)."""
    et = fit.epoch + np.array([-10.3 * 86400, 5 * 3600 + 17.5, -7200.0, 3 * 86400, 0.0])
    once = gal.propagate(et, fit)
    each = np.concatenate([gal.propagate([t], fit) for t in et[::-1]])[::-1]
    np.testing.assert_array_equal(once, each)
    np.testing.assert_array_equal(once[4], fit.states)
    # 1 ms before a grid point (a short step from the one before) runs into
    # the grid point itself: the two paths are one trajectory to < 1 cm
    dt = 1e-3
    near = gal.propagate([fit.epoch + 3 * fit.step - dt, fit.epoch + 3 * fit.step], fit)
    assert np.abs(near[0, :, :3] + dt * near[0, :, 3:] - near[1, :, :3]).max() < 1e-5


def test_outside_the_planetary_ephemeris_is_a_coverage_error(fit):
    with pytest.raises(CoverageError, match="de421"):
        gal.propagate([gal.et_from_jd(2480000.5)], fit)


def test_importing_compiles_nothing():
    code = ("import sys, flyplan.ephemeris.galilean, flyplan.ephemeris.moons_spk; "
            "print('numba' in sys.modules, 'spiceypy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=REPO)
    assert out.stdout.split() == ["False", "False"]


# -- the SPK -------------------------------------------------------------------


def test_spk_built_once_then_reused(built):
    paths = built["paths"]
    size = sum(p.stat().st_size for p in paths)
    print(f"\nbuilt {len(paths)} year files: {size / 1e6:.2f} MB in {built['seconds']:.1f} s "
          "(incl. numba compile if first)")
    assert len(paths) == len(moons_spk.YEARS)
    for path, year in zip(paths, moons_spk.YEARS):
        assert path.parent.name == "built" and path.name.startswith("galilean_jup310fit_")
        assert path.name.endswith(f"_{year}.bsp")
    assert built["messages"] and any("built-in" in m for m in built["messages"])
    assert built["paths2"] == paths and built["again"] == [] and built["mtime_unchanged"]


def test_spk_name_changes_with_the_constants(fit):
    other = fit.replace(states=fit.states + np.array([1e-6, 0, 0, 0, 0, 0]))
    assert moons_spk.cache_name(2021, other) != moons_spk.cache_name(2021, fit)
    assert moons_spk.cache_name(2021, fit) == moons_spk.cache_name(2021, gal.load_fit())


def test_spk_covers_the_mission(built):
    import spiceypy as spice

    from spiceypy.utils import support_types as stypes

    for body in moons_spk.SPK_BODIES:
        cover = stypes.SPICEDOUBLE_CELL(2000)
        for path in built["paths"]:  # the year files meet end to end: one interval
            spice.spkcov(str(path), body, cover)
        start, stop = spice.wnfetd(cover, 0)
        assert spice.wncard(cover) == 1
        assert start <= gal.et_from_jd(2457388.5) - 20 * 86400  # 2016-01-01 with margin
        assert stop >= gal.et_from_jd(2462867.5) + 20 * 86400  # 2030-12-31
    # Every perijove of the timetable and of both prediction lists, a whole
    # orbit either side (PJ110, list B: 2028-09-29).
    import datetime as dt

    from flyplan.timetable import timetable

    def et(utc):  # to a minute: no leapseconds kernel needed
        t = dt.datetime.fromisoformat(utc.replace("Z", "+00:00"))
        return (t - dt.datetime(2000, 1, 1, 12, tzinfo=dt.timezone.utc)).total_seconds() + 69.2

    last = max(et(e.utc) for e in timetable().values()) + 2 * 86400.0 + 60 * 86400.0
    assert moons_spk.covers(moons_spk.DEFAULT_START_ET + 40 * 86400, last)


@pytest.mark.slow
def test_held_out_fits_agree_with_the_fit_over_the_whole_span(fit):
    """Over 2016-2031 each held-out fit (two excerpts) stays within the stated
    accuracy of the full fit: the years after the 2021 excerpt are no worse
    than those before it (measured 2027-2031: <= 0.13 km, Europa, 2053 held out)."""
    et = np.linspace(moons_spk.DEFAULT_START_ET, moons_spk.DEFAULT_STOP_ET, 400)
    ours = gal.system_states(et, fit)
    late = et > gal.et_from_jd(2461406.5)  # after 2026-12-31
    for held in EXCERPT_FILES:
        other = gal.system_states(et, _held_out_model(held))
        d = np.linalg.norm(ours[..., :3] - other[..., :3], axis=2)
        print(f"\n{held} held out: max km 2016-2026 {d[~late].max():.3f}, "
              f"2027-2031 {d[late].max():.3f}")
        assert d.max() < 1.0  # km: ACCURACY_NOTE's 'about 1 km from jup310'


def test_spk_matches_the_integrator(built, fit):
    rng = np.random.default_rng(4)
    et = np.sort(rng.uniform(moons_spk.DEFAULT_START_ET, moons_spk.DEFAULT_STOP_ET, 1500))
    ours = gal.system_states(et, fit)
    spk = _read_spk(built["paths"], et)
    dpos = np.linalg.norm(spk[..., :3] - ours[..., :3], axis=2).max(axis=0)
    dvel = np.linalg.norm(spk[..., 3:] - ours[..., 3:], axis=2).max(axis=0)
    print("\nSPK - integrator, m: " + ", ".join(f"{v * 1e3:.2f}" for v in dpos))
    assert dpos.max() < SPK_POSITION_TOL_KM
    assert dvel.max() < SPK_VELOCITY_TOL_KMS


def test_spk_jupiter_is_at_the_barycentre_offset(built, fit):
    """GM(599) r(599) + sum GM(i) r(i) = 0 about body 5, as read back from the file."""
    et = np.linspace(moons_spk.DEFAULT_START_ET, moons_spk.DEFAULT_STOP_ET, 97)
    spk = _read_spk(built["paths"], et)
    moment = np.einsum("i,nij->nj", fit.gm, spk[:, [4, 0, 1, 2, 3], :3]) / fit.gm.sum()
    assert np.abs(moment).max() < 1e-6
    assert np.linalg.norm(spk[:, 4, :3], axis=1).min() > 10.0


def test_spk_generation_is_deterministic(built, tmp_path):
    again = moons_spk.build_galilean_spk(tmp_path / "again.bsp", *moons_spk.year_window(2021))
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (built["path"], again)]
    assert digest[0] == digest[1]


def test_spk_comment_states_source_and_accuracy(built):
    import spiceypy as spice

    handle = spice.dafopr(str(built["path"]))
    try:
        text = "\n".join(spice.dafec(handle, 200, 1000)[1])
    finally:
        spice.dafcls(handle)
    assert "jup310" in text and "galilean_fit.json" in text and "not a JPL product" in text
    assert moons_spk.ACCURACY_NOTE in text.replace("\n", " ")


# -- end to end ------------------------------------------------------------------


def test_europa_flyby_of_pj45(built, naif_dir):
    """Juno's 2022-09-29 Europa flyby from the real predicted kernel and these moons."""
    import spiceypy as spice
    from spiceypy.utils import support_types as stypes

    for k in ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00010.tpc",
              "JUNO/kernels/spk/spk_pre_220614_221109_220810_jm0450.bsp"):
        spice.furnsh(str(naif_dir / k))
    spice.furnsh(str(built["path"].with_name(built["path"].name.replace("_2021.", "_2022."))))
    published = spice.str2et(EUROPA_CA_UTC)
    window = stypes.SPICEDOUBLE_CELL(2)
    spice.wninsd(published - 3 * 3600, published + 3 * 3600, window)
    result = stypes.SPICEDOUBLE_CELL(100)
    spice.gfdist("EUROPA", "NONE", "-61", "LOCMIN", 0.0, 0.0, 60.0, 100, window, result)
    assert spice.wncard(result) == 1
    t = spice.wnfetd(result, 0)[0]
    altitude = spice.vnorm(spice.spkpos("EUROPA", t, "J2000", "NONE", "-61")[0]) - EUROPA_MEAN_RADIUS_KM
    print(f"\nEuropa closest approach {spice.et2utc(t, 'ISOC', 2)} UTC, {altitude:.1f} km")
    assert abs(t - published) < EUROPA_CA_TIME_TOL_S
    assert EUROPA_CA_ALTITUDE_KM[0] < altitude < EUROPA_CA_ALTITUDE_KM[1]


def test_unwritable_cache_is_a_kernel_error(tmp_path, monkeypatch):
    from flyplan.errors import KernelError

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("FLYPLAN_CACHE", str(blocker / "cache"))
    with pytest.raises(KernelError, match="FLYPLAN_CACHE"):
        moons_spk.galilean_spk(2021)


def test_cli_kernels_build_reuses_the_cached_spk(built, monkeypatch):
    from typer.testing import CliRunner

    from flyplan.cli import app

    monkeypatch.setenv("FLYPLAN_CACHE", str(built["path"].parent.parent))
    mtimes = [p.stat().st_mtime_ns for p in built["paths"]]
    result = CliRunner().invoke(app, ["kernels", "build"])
    assert result.exit_code == 0, result.output
    assert all(str(p) in result.output for p in built["paths"]) and "jup310" in result.output
    assert [p.stat().st_mtime_ns for p in built["paths"]] == mtimes  # found, not rebuilt


def test_chebyshev_records_reproduce_a_known_polynomial_and_meet_at_the_ends():
    from numpy.polynomial import chebyshev

    from flyplan.ephemeris.spkwrite import chebyshev_records

    et = 1000.0 + np.arange(3 * 8 + 1) * 10.0  # three records of 80 s, 9 samples each
    pos = np.stack([np.sin(et / 300.0), et ** 2 / 1e4, np.full_like(et, 7.0)], axis=1)
    first, coeffs = chebyshev_records(et, pos, 80.0, 6)
    assert first == 1000.0 and coeffs.shape == (3, 3, 7)
    for r in range(3):
        t = 1000.0 + 80.0 * r + np.linspace(0, 80.0, 33)
        x = (t - (1040.0 + 80.0 * r)) / 40.0
        got = np.stack([chebyshev.chebval(x, coeffs[r, c]) for c in range(3)], axis=1)
        want = np.stack([np.sin(t / 300.0), t ** 2 / 1e4, np.full_like(t, 7.0)], axis=1)
        np.testing.assert_allclose(got, want, atol=1e-7)
