"""JunoCam image geometry: the IK camera model, framelet timing, label readers, footprints.

Golden values come from NAIF's JunoCam IK (juno_junocam_v03.ti: boresight and
FOV-corner vectors computed by the IK's authors with its distortion model,
the timing keywords), the real PJ1 image label and C-kernel slice in
``../shared/junocam``, and SPICE's own ``sincpt``/``ilumin`` called pixel by
pixel, independently of flyplan's vectorized intercepts.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flyplan.domain import image as img
from flyplan.errors import ImageError
from flyplan.geometry import camera as cam
from flyplan.geometry import footprint

runner = CliRunner()

PJ1_DIR = "junocam/pj1_JNCR_2016240_01M06152_V01"
PJ1_LABEL = f"{PJ1_DIR}/JNCR_2016240_01M06152_V01_METHANE_0008.isis3.lbl"
PJ1_CK = f"{PJ1_DIR}/juno_sc_rec_160827_0900_slice.bc"
METADATA = ("5989", "8724", "8761")

# juno_junocam_v03.ti, INS-6150#_BORESIGHT (8 decimals) and the first and third
# FOV corners, the IK's pixels (23.5, 0.5) and (1630.5, 127.5).
IK_BORESIGHT = {
    "METHANE": (0.00854687, -0.16805056, 0.98574133),
    "BLUE": (0.00862523, -0.06371477, 0.99793088),
    "GREEN": (0.00863288, 0.04084925, 0.99912803),
    "RED": (0.00857099, 0.14442688, 0.98947835),
}
IK_CORNERS = {
    "METHANE": ((-0.47351727, -0.18862601, 0.86034971), (-0.47852984, -0.11376363, 0.87067045),
                (0.49067337, -0.11299511, 0.86398596), (0.48553839, -0.18735362, 0.85390345)),
    "RED": ((-0.47949606, 0.09218676, 0.87268845), (-0.47518685, 0.16768048, 0.86375964),
            (0.48724863, 0.16654879, 0.85723408), (0.49166330, 0.09156385, 0.86595800)),
}
IK_DIGITS_TOL = 2e-8     # the IK prints its vectors to 8 decimals
ROUND_TRIP_TOL_PX = 1e-8
SINCPT_TOL_DEG = 1e-6    # the bound for lat/lon against SPICE sincpt
ILUMIN_TOL_DEG = 1e-6
# ilumin takes its own light time to the point: its range differs by ~1 m in 3.6e5 km.
RANGE_TOL_KM = 0.01


# -- the camera model (pure) ------------------------------------------------------------------
@pytest.mark.parametrize("filt", list(IK_BORESIGHT))
def test_boresight_pixel_is_the_iks_boresight(filt):
    m = cam.filter_model(filt, from_pool=False)
    v = cam.pixel_to_ray(*cam.BORESIGHT_PIXEL, m)
    ref = np.asarray(IK_BORESIGHT[filt])
    assert np.allclose(v, ref / np.linalg.norm(ref), atol=IK_DIGITS_TOL)


@pytest.mark.parametrize("filt", list(IK_CORNERS))
def test_corner_pixels_are_the_iks_fov_corners(filt):
    # The IK: FOV corners "computed using the distortion model ... for pixels
    # (23.5,0.5), (23.5,127.5), (1630.5,127.5), and (1630.5,0.5)".
    m = cam.filter_model(filt, from_pool=False)
    px = np.array([(23.5, 0.5), (23.5, 127.5), (1630.5, 127.5), (1630.5, 0.5)])
    v = cam.pixel_to_ray(px[:, 0], px[:, 1], m)
    ref = np.asarray(IK_CORNERS[filt])
    assert np.allclose(v, ref / np.linalg.norm(ref, axis=1)[:, None], atol=IK_DIGITS_TOL)
    # And the IK's names for those corners.
    assert img.PIXELS["ul"] == (23.5, 0.5) and img.PIXELS["lr"] == (1630.5, 127.5)


@settings(max_examples=200)
@given(st.floats(0, 1648), st.floats(0, 128), st.sampled_from(list(cam.FILTER_IDS)))
def test_pixel_ray_round_trip(x, y, filt):
    m = cam.filter_model(filt, from_pool=False)
    v = cam.pixel_to_ray(x, y, m)
    assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-14)
    bx, by = cam.ray_to_pixel(v * 3.7, m)  # any length
    assert bx == pytest.approx(x, abs=ROUND_TRIP_TOL_PX)
    assert by == pytest.approx(y, abs=ROUND_TRIP_TOL_PX)
    # The IK's five-step recipe agrees with the converged inverse to 1e-5 px.
    x5, y5 = cam.ray_to_pixel(cam.pixel_to_ray(x, y, m, iterations=5), m)
    assert math.hypot(x5 - x, y5 - y) < 1e-5


def test_ray_behind_the_camera_has_no_pixel():
    x, y = cam.ray_to_pixel(np.array([0.0, 0.0, -1.0]), cam.filter_model("RED", from_pool=False))
    assert math.isnan(x) and math.isnan(y)


def test_unknown_filter():
    with pytest.raises(ValueError, match="unknown JunoCam filter"):
        cam.filter_model("INFRARED")


def test_framelet_timing_formula():
    # PJ1 label: FrameNumber 8, InterFrameDelay 0.378 s, ExposureDuration 204.8 ms;
    # IK: START_TIME_BIAS 0.06188 s, INTERFRAME_DELTA 0.001 s.
    t = cam.framelet_times(1000.0, 0.378, 0.2048, [1, 8])
    assert t["et_start"][0] == pytest.approx(1000.06188, abs=1e-9)
    assert t["et_start"][1] == pytest.approx(1000.0 + 0.06188 + 7 * 0.379, abs=1e-9)
    assert t["et_mid"][1] - t["et_start"][1] == pytest.approx(0.1024, abs=1e-12)
    assert t["et_end"][1] - t["et_start"][1] == pytest.approx(0.2048, abs=1e-12)


def test_raw_rows_map_to_framelet_and_filter():
    m = cam.raw_rows([0, 127, 128, 255, 256, 383, 384, 13823], ["BLUE", "GREEN", "RED"])
    assert list(m["frame"]) == [1, 1, 1, 1, 1, 1, 2, 36]
    assert list(m["filter"]) == ["BLUE", "BLUE", "GREEN", "GREEN", "RED", "RED", "BLUE", "RED"]
    assert list(m["line"]) == [0, 127, 0, 127, 0, 127, 0, 127]


vec = st.tuples(*[st.floats(-1e6, 1e6, allow_nan=False)] * 3).filter(
    lambda v: np.linalg.norm(v) > 1.0)
vel = st.tuples(*[st.floats(-80, 80, allow_nan=False)] * 3)


@settings(max_examples=200)
@given(vec, vel)
def test_stelab_matches_spice(p, v):
    ours = footprint.stelab(np.array([p]), np.array(v))[0]
    ref = np.asarray(spiceypy.stelab(np.array(p), np.array(v)))
    assert np.allclose(ours, ref, rtol=0, atol=1e-9 * np.linalg.norm(p))
    back = footprint._unstelab(ours[:, None], np.array(v))[:, 0]
    assert np.allclose(back, p, rtol=0, atol=1e-9 * np.linalg.norm(p))


# -- label readers ----------------------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize("name", METADATA)
def test_metadata_files(shared_dir, name):
    path = shared_dir / "junocam" / "metadata" / f"{name}-Metadata.json"
    raw = json.loads(path.read_text())
    lab = img.read_label(path)
    assert lab.kind == "metadata-json" and lab.product_id == raw["PRODUCT_ID"]
    assert lab.filters == tuple(raw["FILTER_NAME"])
    assert lab.interframe_delay_s == pytest.approx(float(raw["INTERFRAME_DELAY"].split()[0]))
    assert lab.exposure_s == pytest.approx(float(raw["EXPOSURE_DURATION"].split()[0]) / 1e3)
    assert len(lab.frames) * 128 * len(lab.filters) == raw["LINES"]
    assert lab.altitude_km == pytest.approx(float(raw["SPACECRAFT_ALTITUDE"].split()[0]))
    assert lab.sub_lon_w_deg == pytest.approx(float(raw["SUB_SPACECRAFT_LONGITUDE"]))


@pytest.mark.shared
def test_isis3_label(shared_dir):
    lab = img.read_label(shared_dir / PJ1_LABEL)
    assert lab.kind == "isis3" and lab.frames == (8,) and lab.filters == ("METHANE",)
    assert lab.start_utc.startswith("2016-08-27T09:00:04.129")
    assert lab.interframe_delay_s == pytest.approx(0.378)
    assert lab.exposure_s == pytest.approx(0.2048)
    assert lab.product_id == "JNCR_2016240_01M06152_V01"


_PDS3 = """PDS_VERSION_ID = PDS3
PRODUCT_ID = "JNCE_2018302_16C00024_V01"
INSTRUMENT_ID = JNC
START_TIME = 2018-10-29T21:30:10.534
IMAGE_TIME = 2018-10-29T21:30:10.534
INTERFRAME_DELAY = 0.371 <s>
EXPOSURE_DURATION = 3.2 <ms>
FILTER_NAME = (BLUE, GREEN, RED)
SPACECRAFT_ALTITUDE = 24269.6 <km>
SUB_SPACECRAFT_LATITUDE = -39.3514
SUB_SPACECRAFT_LONGITUDE = 271.7448
OBJECT = IMAGE
  LINES = 1152
  LINE_SAMPLES = 1648
END_OBJECT = IMAGE
END
"""


def test_pds3_label(tmp_path):
    path = tmp_path / "image.lbl"
    path.write_bytes(_PDS3.encode() + b"\x00\xff binary image data follows")
    lab = img.read_label(path)
    assert lab.kind == "pds3" and lab.filters == ("BLUE", "GREEN", "RED")
    assert lab.frames == (1, 2, 3) and lab.lines == 1152
    assert lab.interframe_delay_s == pytest.approx(0.371)
    assert lab.exposure_s == pytest.approx(0.0032)
    assert lab.altitude_km == pytest.approx(24269.6)


@pytest.mark.parametrize("edit,field", [
    (lambda m: m.pop("START_TIME"), "START_TIME"),
    (lambda m: m.update(INTERFRAME_DELAY="fast"), "INTERFRAME_DELAY"),
    (lambda m: m.update(INTERFRAME_DELAY="0.371 <km>"), "INTERFRAME_DELAY"),
    (lambda m: m.update(EXPOSURE_DURATION="N/A"), "EXPOSURE_DURATION"),
    (lambda m: m.update(FILTER_NAME=["BLUE", "PURPLE"]), "FILTER_NAME"),
    (lambda m: m.update(LINES=1000), "LINES"),
    (lambda m: m.update(START_TIME="yesterday"), "START_TIME"),
])
def test_bad_metadata_names_the_field(tmp_path, edit, field):
    meta = {"START_TIME": "2018-10-29T21:30:10.534", "INTERFRAME_DELAY": "0.371 <s>",
            "EXPOSURE_DURATION": "3.200000 <ms>", "FILTER_NAME": ["BLUE", "GREEN", "RED"],
            "LINES": 1152}
    edit(meta)
    path = tmp_path / "x-Metadata.json"
    path.write_text(json.dumps(meta))
    with pytest.raises(ImageError) as err:
        img.read_label(path)
    assert field in str(err.value) and str(path) in str(err.value)


def test_not_a_label(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a label = = (")
    with pytest.raises(ImageError, match="not a JunoCam"):
        img.read_label(bad)
    broken = tmp_path / "cut-Metadata.json"
    broken.write_text('{"START_TIME": "2018-10-29T21:30')
    with pytest.raises(ImageError, match="not valid JSON"):
        img.read_label(broken)
    with pytest.raises(ImageError, match="not found"):
        img.read_label(tmp_path / "missing.json")


# -- the PJ1 image with its real C-kernel -----------------------------------------------------
@pytest.fixture(scope="module")
def pj1(tmp_path_factory):
    from conftest import HAVE_SHARED, SHARED

    if not HAVE_SHARED:
        pytest.skip("needs ../shared")
    spiceypy.kclear()
    res = img.image(SHARED / PJ1_LABEL, ck=SHARED / PJ1_CK, kernels=SHARED / "naif")
    return res


def _reload(res):
    res.selection.kernels.load()
    return res


def _sincpt_latlon(et, ray, frame="JUNO_JUNOCAM", abcorr="LT+S"):
    with spiceypy.no_found_check():
        sp, _trgepc, _srf, found = spiceypy.sincpt("ELLIPSOID", "JUPITER", et, "IAU_JUPITER",
                                                   abcorr, "JUNO", frame, ray)
    if not found:
        return None, None, None
    re_, _, rp = spiceypy.bodvrd("JUPITER", "RADII", 3)[1]
    lon, lat, _ = spiceypy.recpgr("JUPITER", sp, re_, (re_ - rp) / re_)
    return math.degrees(lat), math.degrees(lon), sp


def _dlon(a, b):
    return (a - b + 180.0) % 360.0 - 180.0


@pytest.mark.shared
def test_pj1_framelet_time(pj1):
    _reload(pj1)
    row = pj1.framelets.iloc[0]
    assert row["framelet"] == 8 and row["filter"] == "METHANE"
    # START_TIME + 0.06188 + 7 x (0.378 + 0.001) + 0.2048 / 2, in UTC.
    ref = spiceypy.str2et("2016-08-27T09:00:04.129") + 0.06188 + 7 * 0.379 + 0.1024
    assert row["et_mid"] == pytest.approx(ref, abs=1e-6)
    assert row["utc_mid"] == "2016-08-27T09:00:06.946Z"
    assert pj1.has_pointing and "juno_sc_rec_160827_0900_slice.bc" in pj1.pointing


@pytest.mark.shared
def test_pj1_boresight_and_centre_against_sincpt(pj1):
    _reload(pj1)
    row = pj1.framelets.iloc[0]
    et = float(row["et_mid"])
    # The IK's own boresight vector for METHANE, through getfov: independent of
    # flyplan's camera model and of its vectorized intercepts.
    _shape, frame, bsight, _n, _b = spiceypy.getfov(-61504, 4)
    lat, lon, _ = _sincpt_latlon(et, bsight, frame)
    assert lat is not None
    assert row["boresight_lat_pg_deg"] == pytest.approx(lat, abs=SINCPT_TOL_DEG)
    assert abs(_dlon(row["boresight_lon_w_deg"], lon)) < SINCPT_TOL_DEG
    m = cam.filter_model("METHANE")
    for name in ("center", "ul", "ur", "lr", "ll"):
        ray = cam.pixel_to_ray(*img.PIXELS[name], m)
        lat, lon, _ = _sincpt_latlon(et, ray)
        if lat is None:
            assert math.isnan(row[f"{name}_lat_pg_deg"])
            continue
        assert row[f"{name}_lat_pg_deg"] == pytest.approx(lat, abs=SINCPT_TOL_DEG)
        assert abs(_dlon(row[f"{name}_lon_w_deg"], lon)) < SINCPT_TOL_DEG
    # This framelet catches the limb: the centre is on the planet, a corner is not.
    assert np.isfinite(row["center_lat_pg_deg"]) and math.isnan(row["ul_lat_pg_deg"])
    assert row["limb_in_view"]
    # The limb the framelet sees is part of the limb inside the swath (the
    # CK's spin axis; edlimb's ellipse versus the 8-px grid's edge: 0.5 deg).
    assert row["limb_in_swath_lat_pg_min_deg"] - 0.5 <= row["limb_lat_pg_min_deg"]
    assert row["limb_lat_pg_max_deg"] <= row["limb_in_swath_lat_pg_max_deg"] + 0.5
    assert row["limb_lat_pg_max_deg"] - row["limb_lat_pg_min_deg"] > 1.0
    # The footprint outline: on-planet points only, around the centre pixel's latitude.
    fp = pj1.footprints
    assert len(fp) > 20 and np.isfinite(fp[["lat_pg_deg", "lon_w_deg"]].to_numpy()).all()
    assert fp["lat_pg_deg"].min() < row["center_lat_pg_deg"] < fp["lat_pg_deg"].max()


@pytest.fixture(scope="module")
def pj1_planes(pj1):
    _reload(pj1)
    return pj1.backplanes()


@pytest.mark.shared
def test_pj1_backplanes_against_sincpt_and_ilumin(pj1, pj1_planes):
    _reload(pj1)
    ds = pj1_planes
    et = float(ds["et_mid"][0])
    assert ds["lat_pg_deg"].shape == (1, 128, 1648)
    m = cam.filter_model("METHANE")
    hit = np.isfinite(ds["lat_pg_deg"].values[0])
    assert 0.05 < hit.mean() < 0.95
    # A limb pixel: on the planet, with an off-planet neighbour along the line.
    edge = hit[:, 1:] & ~hit[:, :-1]
    ly, lx = np.argwhere(edge)[len(np.argwhere(edge)) // 2]
    lx += 1
    rng = np.random.default_rng(17)
    on = np.argwhere(hit)
    picks = [tuple(on[i]) for i in rng.choice(len(on), 40, replace=False)] + [(ly, lx)]
    off = np.argwhere(~hit)
    picks_off = [tuple(off[i]) for i in rng.choice(len(off), 10, replace=False)]
    # Full precision for the comparison (the Dataset stores float32).
    rays = cam.pixel_to_ray(np.array([p[1] for p in picks]) + 0.5,
                            np.array([p[0] for p in picks]) + 0.5, m)
    ours = footprint.intercepts(et, rays)
    for k, (y, x) in enumerate(picks):
        lat, lon, sp = _sincpt_latlon(et, rays[k])
        assert lat is not None, (y, x)
        assert ours["lat_pg_deg"][k] == pytest.approx(lat, abs=SINCPT_TOL_DEG)
        assert abs(_dlon(ours["lon_w_deg"][k], lon)) < SINCPT_TOL_DEG
        _t, srf, phase, inc, emi = spiceypy.ilumin("ELLIPSOID", "JUPITER", et, "IAU_JUPITER",
                                                   "LT+S", "JUNO", sp)
        assert ours["emission_deg"][k] == pytest.approx(math.degrees(emi), abs=ILUMIN_TOL_DEG)
        assert ours["incidence_deg"][k] == pytest.approx(math.degrees(inc), abs=ILUMIN_TOL_DEG)
        assert ours["phase_deg"][k] == pytest.approx(math.degrees(phase), abs=ILUMIN_TOL_DEG)
        assert ours["range_km"][k] == pytest.approx(np.linalg.norm(srf), abs=RANGE_TOL_KM)
        # The float32 Dataset holds the same numbers.
        assert float(ds["lat_pg_deg"][0, y, x]) == pytest.approx(lat, abs=1e-4)
    for y, x in picks_off:
        ray = cam.pixel_to_ray(x + 0.5, y + 0.5, m)
        assert _sincpt_latlon(et, ray)[0] is None
        assert math.isnan(float(ds["emission_deg"][0, y, x]))


@pytest.mark.shared
def test_backplanes_netcdf_round_trip(pj1, pj1_planes, tmp_path):
    import xarray as xr

    out = img.write_backplanes(pj1_planes, tmp_path / "pj1.nc")
    back = xr.open_dataset(out)
    assert np.array_equal(back["lon_w_deg"].values, pj1_planes["lon_w_deg"].values,
                          equal_nan=True)
    assert back.attrs["product_id"] == "JNCR_2016240_01M06152_V01"
    assert "sincpt" in json.loads(back.attrs["conventions"])["intercept"]
    back.close()
    with pytest.raises(ImageError, match=r"\.nc"):
        img.write_backplanes(pj1_planes, tmp_path / "pj1.fits")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pj1.nc"]


@pytest.mark.shared
def test_rows_of_the_raw_image(pj1):
    rows = pj1.rows([0, 64, 127])
    assert list(rows["framelet"]) == [8, 8, 8]
    assert (rows["et_mid"] == pj1.framelets["et_mid"].iloc[0]).all()
    with pytest.raises(ImageError, match="outside the image"):
        pj1.rows([128])


# -- images without a C-kernel: swath and self-check ------------------------------------------
@pytest.mark.shared
@pytest.mark.parametrize("name", METADATA)
def test_metadata_self_check(shared_dir, name):
    res = img.image(shared_dir / "junocam" / "metadata" / f"{name}-Metadata.json",
                    kernels=shared_dir / "naif")
    lab, sc = res.label, res.self_check
    # No Juno kernel here covers PJ16 or PJ27: the model, said so.
    assert res.selection.trajectory == "model" and sc["approximate"]
    assert "flyplan Juno model" in sc["trajectory"]
    assert not res.has_pointing and "spin phase is unknown" in res.pointing
    assert sc["available"]
    assert sc["d_altitude_km"] == pytest.approx(lab.altitude_km - sc["flyplan_altitude_km"])
    assert sc["d_lat_deg"] == pytest.approx(lab.sub_lat_deg - sc["flyplan_sub_lat_pg_deg"])
    # Gross-error bound only (the model's own accuracy is what the check measures):
    # the label and flyplan describe the same place.
    assert abs(sc["d_altitude_km"]) < 2000 and abs(sc["d_lat_deg"]) < 2
    assert abs(sc["d_lon_deg"]) < 2
    df = res.framelets
    assert len(df) == len(lab.frames) * len(lab.filters)
    assert df["et_mid"].is_monotonic_increasing
    # Framelets 0.372 s apart; the raw rows tile the image.
    assert np.allclose(np.diff(df.drop_duplicates("framelet")["et_start"]), 0.372, atol=1e-9)
    assert df["raw_row_first"].tolist() == list(range(0, lab.lines, 128))
    assert df["jupiter_in_swath"].all()
    assert np.isfinite(df["limb_in_swath_lat_pg_min_deg"]).all()
    assert (df["limb_in_swath_lat_pg_min_deg"] < df["limb_in_swath_lat_pg_max_deg"]).all()
    assert "boresight_lat_pg_deg" not in df
    # The framelet's sub-spacecraft point at IMAGE_TIME's framelet is the self-check's.
    assert df["lon_w_deg"].iloc[0] == pytest.approx(sc["flyplan_sub_lon_w_deg"], abs=0.01)


@pytest.mark.shared
def test_backplanes_need_a_c_kernel(shared_dir):
    from flyplan.errors import CoverageError

    res = img.image(shared_dir / "junocam" / "metadata" / "8761-Metadata.json",
                    kernels=shared_dir / "naif")
    with pytest.raises(CoverageError, match="--ck"):
        res.backplanes()


# -- the command line -------------------------------------------------------------------------
@pytest.mark.shared
def test_cli_json_gives_framelet_8(shared_dir, tmp_path):
    from _cli import run_flyplan

    # The check, through the real console entry point.
    nc = tmp_path / "planes.nc"
    page = tmp_path / "pj1.html"
    proc = run_flyplan("image", shared_dir / PJ1_LABEL, "--ck", shared_dir / PJ1_CK,
                       "-k", shared_dir / "naif", "-f", "json", "--backplanes", nc,
                       "--step", "4", "--html", page)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    f = doc["images"][0]["framelets"][0]
    assert f["framelet"] == 8 and f["filter"] == "METHANE"
    assert f["utc_mid"] == "2016-08-27T09:00:06.946Z" and isinstance(f["et_mid"], float)
    spiceypy.kclear()
    from conftest import SHARED

    img.image(SHARED / PJ1_LABEL, ck=SHARED / PJ1_CK, kernels=SHARED / "naif")
    _shape, frame, bsight, _n, _b = spiceypy.getfov(-61504, 4)
    lat, lon, _ = _sincpt_latlon(f["et_mid"], bsight, frame)
    assert f["boresight_lat_pg_deg"] == pytest.approx(lat, abs=SINCPT_TOL_DEG)
    assert abs(_dlon(f["boresight_lon_w_deg"], lon)) < SINCPT_TOL_DEG
    for k in ("center", "ul", "ur", "lr", "ll"):
        assert f"{k}_lat_pg_deg" in f and f"{k}_lon_w_deg" in f
    assert "System III" in doc["metadata"]["conventions"]["longitude"]
    assert nc.stat().st_size > 0
    text = page.read_text()
    assert "JNCR_2016240_01M06152_V01" in text and "boresight" in text


@pytest.mark.shared
def test_cli_self_check_table_and_csv(shared_dir, tmp_path):
    from flyplan.cli import app

    files = [str(shared_dir / "junocam" / "metadata" / f"{n}-Metadata.json") for n in METADATA]
    res = runner.invoke(app, ["image", *files, "-k", str(shared_dir / "naif")])
    assert res.exit_code == 0, res.output
    assert res.stdout.count("self-check: at ") == 3
    assert "spin phase is unknown" in res.stdout and "APPROXIMATE" in res.stdout
    out = tmp_path / "framelets.csv"
    res = runner.invoke(app, ["image", *files, "-k", str(shared_dir / "naif"), "-f", "csv",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    import pandas as pd

    df = pd.read_csv(out, comment="#")
    assert set(df["product_id"]) == {"JNCE_2018302_16C00024_V01", "JNCE_2020154_27C00047_V01",
                                     "JNCE_2020154_27C00048_V01"}
    assert out.read_text().count(" self-check: at ") == 3


def test_cli_bad_label_is_one_message(tmp_path):
    from flyplan.cli import app

    bad = tmp_path / "x-Metadata.json"
    bad.write_text(json.dumps({"START_TIME": "2018-10-29T21:30:10.534"}))
    out = tmp_path / "out.json"
    res = runner.invoke(app, ["image", str(bad), "-f", "json", "-o", str(out)])
    assert res.exit_code == 1
    assert "INTERFRAME_DELAY" in res.output and "Traceback" not in res.output
    assert not out.exists()
