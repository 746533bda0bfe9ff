"""Coverage maps (flyplan.domain.coverage) and JunoCam's real pointing (the PJ1 CK slice).

Golden data: NAIF's reconstructed PJ1 trajectory and two real slices of NAIF's
reconstructed Juno attitude kernel (``../shared/junocam/pj1_*``) with the
JunoCam IK/FK/SCLK; the points of Jupiter inside the METHANE framelet of a
real PJ1 image are found with SPICE's own ``sincpt`` and must lie in flyplan's
swath.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import spiceypy

from flyplan.errors import FlyplanError
from flyplan.geometry import junocam, surface
from flyplan.kernels.pool import KernelSet

LSK = "generic_kernels/lsk/naif0012.tls"
PCK = "generic_kernels/pck/pck00010.tpc"
DE421 = "generic_kernels/spk/planets/de421.bsp"
PJ1_SPK = "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp"
FK = "JUNO/kernels/fk/juno_v12.tf"
IK = "JUNO/kernels/ik/juno_junocam_v03.ti"
SCLK = "JUNO/kernels/sclk/jno_sclkscet_00090.tsc"
PJ1_DIR = "junocam/pj1_JNCR_2016240_01M06152_V01"
LABEL = "JNCR_2016240_01M06152_V01_METHANE_0008.isis3.lbl"
CKS = ("juno_sc_rec_160827_0900_slice.bc", "juno_sc_rec_160827_0814_slice.bc")

# The spin axis flyplan assumes for PJ1 (Earth-pointed) against the CK, measured
# 0.050 deg at the image (NOTES_coverage.md): it must stay within the 0.1 deg that
# keeps a swath edge within ~0.1 deg of the truth.
SPIN_AXIS_TOL_DEG = 0.1
# Spin-plane angles computed two ways (flyplan vs SPICE pxform into JUNO_SPACECRAFT).
ANGLE_TOL_DEG = 1e-6


def _label(shared_dir):
    text = (shared_dir / PJ1_DIR / LABEL).read_text()
    get = lambda key: re.search(rf"^\s*{key}\s*=\s*(\S+)", text, re.M).group(1)  # noqa: E731
    return {"start": get("StartTime"), "exposure_ms": float(get("ExposureDuration")),
            "delay_s": float(get("InterFrameDelay")), "frame": int(get("FrameNumber")),
            "ik": int(get("NaifIkCode"))}


@pytest.fixture
def pj1_ck(shared_dir):
    naif = shared_dir / "naif"
    KernelSet([naif / p for p in (LSK, PCK, DE421, PJ1_SPK, FK, IK, SCLK)]
              + [shared_dir / PJ1_DIR / c for c in CKS]).load()
    return _label(shared_dir)


def _framelet_time(lab) -> float:
    # JunoCam's timing as its IK states it: frame k starts at START_TIME +
    # START_TIME_BIAS + (k - 1) (interframe delay + INTERFRAME_DELTA); mid-exposure.
    ik = lab["ik"]
    bias = spiceypy.gdpool(f"INS{ik}_START_TIME_BIAS", 0, 1)[0]
    delta = spiceypy.gdpool(f"INS{ik}_INTERFRAME_DELTA", 0, 1)[0]
    return (spiceypy.str2et(lab["start"]) + bias + (lab["frame"] - 1) * (lab["delay_s"] + delta)
            + lab["exposure_ms"] / 2000.0)


def _framelet_points(et, ik, k=48):
    """Points of Jupiter inside the framelet's FOV (SPICE sincpt), lat_pg/lon_w degrees."""
    _shape, frame, _bs, _n, corners = spiceypy.getfov(ik, 4)
    c = np.asarray(corners)
    u, v = np.meshgrid(np.linspace(0, 1, k), np.linspace(0, 1, k // 4))
    u, v = u.ravel()[:, None], v.ravel()[:, None]
    # Bilinear between the four corners: every ray lies inside the rectangle.
    dirs = ((1 - u) * (1 - v) * c[0] + u * (1 - v) * c[3] + u * v * c[2] + (1 - u) * v * c[1])
    a, cc = spiceypy.bodvrd("JUPITER", "RADII", 3)[1][[0, 2]]
    lat, lon, ray = [], [], []
    for d in dirs:
        try:
            sp, _, _ = spiceypy.sincpt("ELLIPSOID", "JUPITER", et, "IAU_JUPITER", "NONE", "JUNO",
                                       frame, d)
        except spiceypy.utils.exceptions.NotFoundError:
            continue
        lo, la, _ = spiceypy.recpgr("JUPITER", sp, a, (a - cc) / a)
        lat.append(np.degrees(la))
        lon.append(np.degrees(lo))
        ray.append(spiceypy.mxv(spiceypy.pxform(frame, "J2000", et), d))
    return np.array(lat), np.array(lon), np.array(ray)


@pytest.mark.shared
def test_points_in_a_real_pj1_framelet_lie_in_the_swath(pj1_ck):
    et = _framelet_time(pj1_ck)
    lat, lon, ray = _framelet_points(et, pj1_ck["ik"])
    assert len(lat) > 150  # the framelet sees Jupiter (measured: 178 of 576 rays)
    g = surface.surface_geometry([et], lat, lon)
    assert g["axis_label"].startswith("C-kernel")
    assert g["visible"].all() and g["in_swath"].all()
    # The spin-plane angle flyplan gives equals SPICE's: the ray's elevation from
    # the JUNO_SPACECRAFT x-y plane.
    rot = spiceypy.pxform("J2000", "JUNO_SPACECRAFT", et)
    ref = np.degrees(np.arcsin([spiceypy.mxv(rot, r)[2] / np.linalg.norm(r) for r in ray]))
    assert np.max(np.abs(g["spin_plane_angle_deg"][0] - ref)) < ANGLE_TOL_DEG
    # ... and the attitude model alone (no CK) puts them in the swath too.
    gm = surface.surface_geometry([et], lat, lon, attitude=junocam.Attitude(use_ck=False))
    assert gm["in_swath"].all()


@pytest.mark.shared
@pytest.mark.parametrize("ck_utc", ["2016-08-27T09:00:30Z", "2016-08-27T08:15:30Z"])
def test_pj1_model_spin_axis_against_the_ck(pj1_ck, ck_utc):
    et = spiceypy.str2et(ck_utc)
    ck, label = junocam.spin_axis([et])
    model, mlabel = junocam.spin_axis([et], junocam.Attitude(use_ck=False))
    assert label.startswith("C-kernel") and mlabel.startswith("model")
    angle = np.degrees(spiceypy.vsep(ck[0], model[0]))
    print(f"\nPJ1 {ck_utc}: spin axis model vs CK {angle:.4f} deg")
    assert angle < SPIN_AXIS_TOL_DEG


@pytest.mark.shared
def test_spin_plane_angle_against_spice_over_a_ck_slice(pj1_ck):
    et = spiceypy.str2et("2016-08-27T09:00:02Z") + np.linspace(0, 90, 31)
    lat, lon = np.array([-60.0, -20.0, 0.0, 15.0, 40.0, 70.0]), np.array([0, 60, 120, 180,
                                                                          240, 300.0])
    g = surface.surface_geometry(et, lat, lon)
    from flyplan.numerics import footprint

    pts, _ = footprint.surface_points(np.radians(lat), -np.radians(lon), 71492.0, 66854.0)
    worst = 0.0
    for i, t in enumerate(et):
        juno = spiceypy.spkpos("JUNO", t, "IAU_JUPITER", "NONE", "JUPITER")[0]
        rot = spiceypy.pxform("IAU_JUPITER", "JUNO_SPACECRAFT", t)
        for j in range(len(lat)):
            d = spiceypy.mxv(rot, pts[j] - juno)
            worst = max(worst, abs(np.degrees(np.arcsin(d[2] / np.linalg.norm(d)))
                                   - g["spin_plane_angle_deg"][i, j]))
    assert worst < ANGLE_TOL_DEG


# -- coverage maps ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pj1_cov(tmp_path_factory):
    from conftest import HAVE_SHARED, NAIF

    if not HAVE_SHARED:
        pytest.skip("the real kernels are not in ../shared")
    import os

    os.environ["FLYPLAN_OFFLINE"] = "1"
    from flyplan.domain.coverage import coverage

    spiceypy.kclear()
    res = coverage(1, kernels=NAIF, window="-90m..+90m", step="60s", res_deg=6.0)
    yield res
    spiceypy.kclear()


@pytest.mark.shared
def test_coverage_cells_are_the_best_sample_of_a_brute_force_scan(pj1_cov):
    res = pj1_cov
    res.pass_.plan.kernels.load()
    ds = res.dataset
    assert dict(ds.sizes) == {"lat_pg_deg": 30, "lon_w_deg": 60}
    la, lo = np.meshgrid(ds["lat_pg_deg"].values, ds["lon_w_deg"].values, indexing="ij")
    g = surface.surface_geometry(res.pass_.et, la.ravel(), lo.ravel(), attitude=res.pass_.attitude)
    km = np.where(g["in_swath"], g["km_per_px"], np.inf)
    best = km.min(axis=0).reshape(la.shape)
    seen = np.isfinite(best)
    assert np.array_equal(seen, ds["n_samples"].values > 0)
    assert np.array_equal(g["in_swath"].sum(axis=0).reshape(la.shape), ds["n_samples"].values)
    assert np.allclose(ds["km_per_px"].values[seen], best[seen], rtol=1e-12)
    i = km.argmin(axis=0).reshape(la.shape)
    assert np.array_equal(ds["et"].values[seen], res.pass_.et[i[seen]])
    # No cell beats the view straight down from the lowest point of the pass.
    alt = res.track["altitude_km"].min()
    assert np.nanmin(ds["km_per_px"].values) >= alt * junocam.IFOV_RAD * (1 - 1e-9)
    lit = ds["lit"].values[seen] == 1
    assert np.array_equal(lit, ds["incidence_deg"].values[seen] < 90.0)
    assert np.all(ds["emission_deg"].values[seen] < 90.0)
    assert all(u.endswith("Z") for u in ds["utc_ert"].values[seen])


@pytest.mark.shared
def test_coverage_limits_only_remove_cells(pj1_cov, naif_dir):
    from flyplan.domain.coverage import coverage

    lim = coverage(1, kernels=naif_dir, window="-90m..+90m", step="60s", res_deg=6.0,
                   max_emission_deg=40.0, max_incidence_deg=70.0, lit=True)
    seen0 = pj1_cov.dataset["n_samples"].values > 0
    seen1 = lim.dataset["n_samples"].values > 0
    assert seen1.sum() > 0 and np.all(seen0[seen1]) and seen1.sum() < seen0.sum()
    ds = lim.dataset
    assert np.nanmax(ds["emission_deg"].values) <= 40.0
    assert np.nanmax(ds["incidence_deg"].values) <= 70.0
    assert np.all(ds["lit"].values[seen1] == 1)
    # A cell's best view under limits is never finer than without them.
    assert np.all(ds["km_per_px"].values[seen1]
                  >= pj1_cov.dataset["km_per_px"].values[seen1] * (1 - 1e-12))


@pytest.mark.shared
def test_coverage_outputs(pj1_cov, tmp_path):
    import io
    import json

    import pandas as pd
    import xarray as xr

    from flyplan.products import serialize
    from flyplan.products.coverage_io import netcdf_bytes

    res = pj1_cov
    d = json.loads(serialize.to_json(res))
    assert d["metadata"]["perijove"] == 1 and d["metadata"]["res_deg"] == 6.0
    assert len(d["cells"]) == int((res.dataset["n_samples"].values > 0).sum())
    assert {"lat_pg_deg", "lon_w_deg", "km_per_px", "utc", "utc_ert", "emission_deg",
            "incidence_deg", "phase_deg", "lit"} <= set(d["cells"][0])
    df = pd.read_csv(io.StringIO(serialize.to_csv(res)), comment="#")
    assert len(df) == len(d["cells"])
    path = tmp_path / "c.nc"
    path.write_bytes(netcdf_bytes(res))
    back = xr.open_dataset(path)
    assert np.allclose(back["km_per_px"].values, res.dataset["km_per_px"].values,
                       equal_nan=True)
    assert json.loads(back.attrs["source"])["trajectory"] == "naif"


@pytest.mark.shared
def test_coverage_html_page(pj1_cov):
    from flyplan.products.html.coverage import BELTS_SOURCE, coverage_html

    pj1_cov.pass_.plan.kernels.load()
    page = coverage_html(pj1_cov)
    for key in ("coverage-map", "polar-north", "polar-south"):
        assert f'id="flyplan-{key}"' in page
    assert "Rogers (1995)" in BELTS_SOURCE and "Rogers (1995)" in page
    assert "http://" not in page.split("<script")[0]


def test_bad_grid_and_limits_are_clear_errors():
    from flyplan.domain.coverage import coverage

    with pytest.raises(FlyplanError, match="res"):
        coverage(1, res_deg=0.0)
    with pytest.raises(FlyplanError, match="max_emission_deg"):
        coverage(1, max_emission_deg=120.0)


def test_belts_are_ordered_and_disjoint():
    from flyplan.products.html.coverage import BELTS, ZONES

    bands = sorted([(lo, hi) for _, lo, hi in BELTS + ZONES])
    assert all(lo < hi for lo, hi in bands)
    assert all(a[1] <= b[0] for a, b in zip(bands, bands[1:]))


@pytest.mark.shared
@pytest.mark.browser
def test_coverage_page_in_headless_chromium(pj1_cov, tmp_path):
    from _chromium import Chromium, colour_count, find_chromium, png_pixels

    from flyplan.products.html.coverage import coverage_html
    from flyplan.products.terminal import write_atomic

    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    pj1_cov.pass_.plan.kernels.load()
    path = write_atomic(tmp_path / "coverage.html", coverage_html(pj1_cov))
    url = path.as_uri()
    rendered_js = """new Promise(done => { const t0 = Date.now(); (function poll() {
      const divs = [...document.querySelectorAll("div.plotly-graph-div")];
      const ok = divs.length && divs.every(d => d._fullLayout && d.querySelector(".main-svg"));
      if (ok || Date.now() - t0 > 30000) done(divs.map(d => [d.id, !!d._fullLayout]));
      else setTimeout(poll, 100); })(); })"""
    with Chromium(exe, str(tmp_path / "profile"), width=1300, height=1000) as br:
        br.open(url)
        rendered = br.evaluate(rendered_js, timeout=120)
        problems = br.problems(url)
        box = br.evaluate("document.getElementById('flyplan-errors').textContent")
        rect = br.evaluate("(() => { const r = document.getElementById('flyplan-coverage-map')"
                           ".getBoundingClientRect(); return {x: r.left, y: r.top + "
                           "window.scrollY, width: r.width, height: r.height}; })()")
        shot = png_pixels(br.screenshot({**rect, "scale": 0.5}))
    assert problems == [] and box == ""
    assert [r[0] for r in rendered] == ["flyplan-coverage-map", "flyplan-polar-north",
                                        "flyplan-polar-south"]
    assert all(r[1] for r in rendered)
    assert colour_count(shot) > 50  # the map is drawn, not blank


def test_a_pass_inside_jupiter_is_refused(monkeypatch):
    import spiceypy

    from flyplan.domain.coverage import Pass
    from flyplan.errors import CoverageError
    from flyplan.kernels import builtin

    spiceypy.furnsh(str(builtin.leapseconds_kernel()))
    spiceypy.furnsh(str(builtin.constants_kernel()))

    class Plan:
        trajectory_label = "a test trajectory"

    p = Pass(1, 0.0, "x", "test", Plan(), (0.0, 10.0), 10.0, np.array([0.0, 10.0]),
             junocam.Attitude(use_ck=False), window_utc=("a", "b"))
    inside = {"observer_bf": np.array([[80000.0, 0, 0], [60000.0, 0, 0]]), "a": 71492.0,
              "c": 66854.0}
    monkeypatch.setattr(surface, "observer_frames", lambda et, attitude=None: inside)
    with pytest.raises(CoverageError, match="11492 km inside .* cannot resolve"):
        p.frames()


@pytest.mark.shared
def test_targets_take_the_spin_axis_from_a_given_ck(shared_dir):
    # The CK slice given with --ck/extra_kernels replaces the attitude model: a point of the
    # framelet is imageable at the framelet time, with the C-kernel named as the source.
    from flyplan.domain.targets import targets

    lab = _label(shared_dir)
    naif = shared_dir / "naif"
    KernelSet([naif / p for p in (LSK, PCK, DE421, PJ1_SPK, FK, IK, SCLK)]
              + [shared_dir / PJ1_DIR / c for c in CKS]).load()
    et = _framelet_time(lab)
    lat, lon, _ = _framelet_points(et, lab["ik"], k=8)
    t0, t1 = (spiceypy.et2utc(x, "ISOC", 3) + "Z" for x in (et - 2.0, et + 2.0))
    spiceypy.kclear()
    res = targets(1, [f"f:{lat[0]},{lon[0]}"], kernels=naif, window=f"{t0}..{t1}", step="1s",
                  extra_kernels=[shared_dir / PJ1_DIR / CKS[0]])
    assert res.axis_label.startswith("C-kernel")
    assert any(k["name"] == CKS[0] for k in res.metadata()["kernels"])
    rec = res.records[0]
    assert rec["imageable"]
    assert any(w["start_et"] <= et <= w["end_et"] for w in rec["windows"])


@pytest.mark.shared
def test_coverage_cells_agree_with_targets_at_their_centres(pj1_cov, naif_dir):
    # Two routes to the same number: the map's best view of a cell, and the best
    # opportunity of a point of interest placed at the cell's centre.
    from flyplan.domain.targets import targets

    ds = pj1_cov.dataset
    seen = np.argwhere(ds["n_samples"].values > 0)
    pick = seen[np.linspace(0, len(seen) - 1, 4).astype(int)]
    pois = [f"c{k}:{ds['lat_pg_deg'].values[r]},{ds['lon_w_deg'].values[c]}"
            for k, (r, c) in enumerate(pick)]
    res = targets(1, pois, kernels=naif_dir, window="-90m..+90m", step="60s")
    for (r, c), rec in zip(pick, res.records):
        cell = ds.isel(lat_pg_deg=r, lon_w_deg=c)
        assert rec["best"]["km_per_px"] == pytest.approx(float(cell["km_per_px"]), rel=1e-9)
        assert rec["best"]["et"] == pytest.approx(float(cell["et"]), abs=1e-6)
        assert rec["best"]["emission_deg"] == pytest.approx(float(cell["emission_deg"]),
                                                            abs=1e-9)
        assert rec["best"]["utc_ert"][:19] == str(cell["utc_ert"].values)[:19]
