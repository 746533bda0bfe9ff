"""The built-in moon ephemeris as one SPK per calendar year.

A year's file holds the records of the mission-long grid that start in that
year, the very records a longer build makes for those days; a window is
served by the files of its years, and across a year boundary the numpy
Chebyshev reader gives SPICE's values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyplan.ephemeris import galilean as gal
from flyplan.ephemeris import manifest, moons_spk

DAY = 86400.0
# Records of a year's file against a build over three years: the same
# computation (bitwise here); the tolerance allows another CPU's rounding.
SAME_COEFF_TOL_KM = 1e-9
# The numpy reader against SPICE (flyplan.geometry.chebyshev.CHECK_TOL_KM).
READER_TOL_KM = 1e-6
# The SPK against the integrator (tests/test_galilean.py SPK_POSITION_TOL_KM).
SPK_POSITION_TOL_KM = 0.010


@pytest.fixture(scope="module")
def fit():
    return gal.load_fit()


@pytest.fixture(scope="module")
def boundary_files(tmp_path_factory):
    """The 2021 and 2022 files, built through the cache as a request across New Year does."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLYPLAN_CACHE", str(tmp_path_factory.mktemp("moon_years")))
        start2022 = moons_spk.year_window(2022)[0]
        said = []
        paths = moons_spk.galilean_spks(start2022 - 3 * DAY, start2022 + 3 * DAY, progress=said.append)
        verified = [manifest.verified(p) for p in paths]
        from flyplan.paths import built_dir

        built = sorted(p.name for p in built_dir().glob("*.bsp"))
    return {"paths": paths, "said": said, "verified": verified, "built": built}


def test_a_window_builds_only_its_years(boundary_files, fit):
    paths = boundary_files["paths"]
    assert [p.name for p in paths] == [moons_spk.cache_name(2021, fit), moons_spk.cache_name(2022, fit)]
    assert boundary_files["built"] == sorted(p.name for p in paths)
    assert all(boundary_files["verified"])  # in the manifest, sha256 and size
    assert sum("building flyplan's built-in" in m for m in boundary_files["said"]) == 1


def test_year_files_meet_end_to_end_over_the_whole_span(fit):
    windows = [moons_spk.year_window(y, fit) for y in moons_spk.YEARS]
    assert windows[0][0] <= moons_spk.DEFAULT_START_ET
    assert windows[-1][1] >= moons_spk.DEFAULT_STOP_ET
    for (_, stop), (start, _) in zip(windows, windows[1:]):
        assert stop == start
    for year, (start, stop) in zip(moons_spk.YEARS, windows):
        # whole records of the mission's grid, starting in their own year
        assert ((start - fit.epoch) / moons_spk.SPACING_S).is_integer()
        assert ((stop - fit.epoch) / moons_spk.SPACING_S).is_integer()
        assert moons_spk._year_of(start) == year and moons_spk._year_of(stop - moons_spk.SPACING_S) == year


def test_year_records_are_those_of_a_longer_build(fit):
    """2022's records equal those a 2021-2023 build makes for the same days."""
    say = lambda message: None  # noqa: E731
    start, stop = moons_spk.year_window(2022, fit)
    long_start, long_stop = moons_spk.year_window(2021, fit)[0], moons_spk.year_window(2023, fit)[1]
    _, first, year = moons_spk._records(fit, start, stop, moons_spk.SPACING_S, moons_spk.DEGREE, say)
    _, long_first, long = moons_spk._records(fit, long_start, long_stop, moons_spk.SPACING_S,
                                             moons_spk.DEGREE, say)
    skip = int(round((first - long_first) / moons_spk.SPACING_S))
    assert skip == 365  # 2021's records before 2022's
    same = long[skip:skip + len(year)]
    assert same.shape == year.shape
    np.testing.assert_allclose(year, same, rtol=0, atol=SAME_COEFF_TOL_KM)


def test_reader_across_new_year_is_spice(boundary_files, fit):
    """The numpy Chebyshev reader over a window spanning two files gives SPICE's positions."""
    from spiceypy import cyice

    from flyplan.geometry import chebyshev
    from flyplan.kernels.pool import KernelSet, loaded

    start2022 = moons_spk.year_window(2022, fit)[0]
    ks = KernelSet()
    for p in boundary_files["paths"]:
        ks.add(p, source="built-in")
    windows = {"across": np.linspace(start2022 - 2 * DAY, start2022 + 2 * DAY, 2001),
               "before": np.linspace(start2022 - 2 * DAY, start2022 - 1.0, 500),
               "after": np.linspace(start2022 + 1.0, start2022 + 2 * DAY, 500)}
    with loaded(ks):
        for name, et in windows.items():
            truth = gal.system_states(et, fit)
            for i, body in enumerate(moons_spk.SPK_BODIES):
                ours = chebyshev.positions(body, gal.JUPITER_BARYCENTER, et)
                ref = cyice.spkezp_v(body, et, "J2000", "NONE", gal.JUPITER_BARYCENTER)[0]
                assert np.abs(ours - ref).max() <= READER_TOL_KM, (name, body)
                err = np.linalg.norm(ours - truth[:, i, :3], axis=1).max()
                assert err < SPK_POSITION_TOL_KM, (name, body, err)


def test_kernels_build_makes_every_year(tmp_path, monkeypatch):
    """`flyplan kernels build` makes every year's file once; a second run finds them."""
    from typer.testing import CliRunner

    from flyplan.cli import app

    monkeypatch.setenv("FLYPLAN_CACHE", str(tmp_path))
    first = CliRunner().invoke(app, ["kernels", "build"])
    assert first.exit_code == 0, first.output
    names = [moons_spk.cache_name(y) for y in moons_spk.YEARS]
    for name in names:
        assert name in first.output
    mtimes = [(tmp_path / "built" / n).stat().st_mtime_ns for n in names]
    assert all(manifest.verified(tmp_path / "built" / n) for n in names)
    again = CliRunner().invoke(app, ["kernels", "build"])
    assert again.exit_code == 0, again.output
    assert [(tmp_path / "built" / n).stat().st_mtime_ns for n in names] == mtimes


SPAN = st.floats(moons_spk.DEFAULT_START_ET, moons_spk.DEFAULT_STOP_ET)


@settings(max_examples=200, deadline=None)
@given(SPAN, SPAN)
def test_a_window_s_years_cover_it_with_margin(a, b):
    fit = gal.load_fit()
    t0, t1 = sorted((a, b))
    years = moons_spk.years_for(t0, t1, fit)
    assert years == list(range(years[0], years[-1] + 1))
    lo = moons_spk.year_window(years[0], fit)[0]
    hi = moons_spk.year_window(years[-1], fit)[1]
    first = moons_spk.year_window(moons_spk.YEARS[0], fit)[0]
    last = moons_spk.year_window(moons_spk.YEARS[-1], fit)[1]
    assert lo <= max(t0 - moons_spk._YEAR_MARGIN_S, first)
    assert hi >= min(t1 + moons_spk._YEAR_MARGIN_S, last)
    # and no year more than the margin asks for
    assert moons_spk.year_window(years[0], fit)[1] > t0 - moons_spk._YEAR_MARGIN_S
    assert moons_spk.year_window(years[-1], fit)[0] <= t1 + moons_spk._YEAR_MARGIN_S


def test_year_file_name_carries_the_year_and_the_constants(fit):
    other = fit.replace(states=fit.states + np.array([1e-6, 0, 0, 0, 0, 0]))
    assert moons_spk.cache_name(2022, other) != moons_spk.cache_name(2022, fit)
    assert moons_spk.cache_name(2022, fit) != moons_spk.cache_name(2023, fit)
    assert Path(moons_spk.cache_name(2022, fit)).stem.endswith("_2022")
