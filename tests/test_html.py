"""The HTML report and its figures: numeric helpers, figure structure, the page, a real browser.

Figures are checked on PJ1 (real reconstructed kernels, no moon ephemeris)
and on a synthetic perijove with moons (tests/_synthetic.py: real
Jupiter/Sun/moon ephemerides, a Juno-like orbit written as an SPK).
"""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyplan.numerics import globe
from flyplan.numerics import terminator

# -- the terminator ------------------------------------------------------------------------
lat_s = st.floats(-90.0, 90.0, allow_nan=False)
lon_s = st.floats(0.0, 360.0, allow_nan=False, exclude_max=True)
sub_lat_s = st.floats(-30.0, 30.0, allow_nan=False)


@given(sub_lat_s, lon_s)
def test_terminator_points_are_90_deg_from_the_sub_solar_normal(sub_lat, sub_lon):
    lon, lat = terminator.terminator_line(sub_lat, sub_lon)
    n = terminator.normal_vector(lat, lon)
    s = terminator.normal_vector(sub_lat, sub_lon)
    # Every vertex is on the great circle 90 deg from the sub-solar normal.
    assert np.max(np.abs(n @ s)) < 1e-9
    assert lon.min() == 0.0 and lon.max() == 360.0 and np.all(np.diff(lon) > 0)
    # The two equator crossings (exactly 90 deg east and west of the Sun) are vertices.
    for side in (-90.0, 90.0):
        assert np.min(np.abs(np.mod(lon - sub_lon - side + 180.0, 360.0) - 180.0)) < 1e-9


@given(sub_lat_s, lon_s, lat_s, lon_s)
def test_night_side_is_below_or_above_the_terminator_latitude(sub_lat, sub_lon, lat, lon):
    n = terminator.normal_vector(lat, lon)
    s = terminator.normal_vector(sub_lat, sub_lon)
    if abs(float(n @ s)) < 1e-6:  # on the terminator itself
        return
    t = terminator.terminator_latitude(lon, sub_lat, sub_lon)
    below = lat < t
    night = bool(terminator.is_night(lat, lon, sub_lat, sub_lon))
    assert night == (below if sub_lat >= 0 else not below)


def _inside(px, py, vx, vy):
    """Even-odd ray casting: which points (px, py) lie inside the polygon (vx, vy)."""
    a, b, c, d = (v[:, None] for v in (vx[:-1], vy[:-1], vx[1:], vy[1:]))
    crosses = (b > py) != (d > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        xc = a + (py - b) * (c - a) / (d - b)
    return (np.count_nonzero(crosses & (px < xc), axis=0) % 2).astype(bool)


@settings(max_examples=25, deadline=None)
@given(sub_lat_s, lon_s, st.sampled_from(["map", "north", "south"]))
def test_filled_night_polygon_covers_exactly_the_night_side(sub_lat, sub_lon, view):
    # What the figures fill: the polygon on the map, or in polar coordinates
    # (r = degrees from the pole) for each hemisphere.  Filling must shade the
    # night side and nothing else.
    rng = np.random.default_rng(1)
    band = {"map": (-90.0, 90.0), "north": (0.0, 90.0), "south": (-90.0, 0.0)}[view]
    lat = rng.uniform(*band, 2000)
    lon = rng.uniform(0.0, 360.0, 2000)
    plon, plat = terminator.night_polygon(sub_lat, sub_lon, lat_range=band)
    if view == "map":
        px, py, vx, vy = lon, lat, plon, plat
    else:
        hemi = 1.0 if view == "north" else -1.0
        r, pr = 90.0 - hemi * lat, 90.0 - hemi * plat
        px, py = r * np.cos(np.radians(lon)), r * np.sin(np.radians(lon))
        vx, vy = pr * np.cos(np.radians(plon)), pr * np.sin(np.radians(plon))
    night = terminator.is_night(lat, lon, sub_lat, sub_lon)
    s = terminator.normal_vector(sub_lat, sub_lon)
    # Away from the boundary (polygon edges are chords between 0.5 deg vertices).
    clear = np.abs(terminator.normal_vector(lat, lon) @ s) > 0.02
    assert clear.sum() > 500
    got = _inside(px, py, vx, vy)
    assert np.array_equal(got[clear], night[clear])


def test_night_side_agrees_with_spice_solar_zenith_angle_on_pj1(pj1):
    # sza_deg comes from SPICE positions of Juno and the Sun (geometry.py);
    # the terminator helper only sees the sub-solar point of each sample.
    df = pj1.samples
    night = terminator.is_night(df["lat_pg_deg"], df["lon_w_deg"], df["subsolar_lat_pg_deg"],
                                df["subsolar_lon_w_deg"])
    sza = df["sza_deg"].to_numpy()
    # The helper takes the Sun at infinity: 1e-4 rad; allow 0.05 deg.
    clear = np.abs(sza - 90.0) > 0.05
    assert clear.sum() > 600 and (sza[clear] > 90).any() and (sza[clear] < 90).any()
    assert np.array_equal(night[clear], sza[clear] > 90.0)


# -- the globe -----------------------------------------------------------------------------
@given(st.floats(0.0, 360.0), st.floats(-90.0, 90.0))
def test_spheroid_mesh_lies_on_the_ellipsoid_around_the_pole(ra, dec):
    a, c = 71492.0, 66854.0
    pole = globe.pole_vector(ra, dec)
    x, y, z, lat = globe.spheroid_mesh(a, c, pole, n_lat=19, n_lon=13)
    pts = np.stack([x, y, z], axis=-1)
    along = pts @ pole
    across = np.linalg.norm(pts - along[..., None] * pole, axis=-1)
    assert np.allclose((across / a) ** 2 + (along / c) ** 2, 1.0, atol=1e-12)
    # The north pole of the mesh is on the pole axis.
    assert np.allclose(pts[-1], c * pole, atol=1e-6)
    # Grid latitudes are planetographic: check with the engine's geodetic().
    from flyplan.numerics.ellipsoid import geodetic

    local = pts @ globe.equator_basis(pole).T
    g_lat, g_alt = geodetic(local, a, c)
    assert np.allclose(np.degrees(g_lat), lat, atol=1e-7)
    assert np.allclose(g_alt, 0.0, atol=1e-6)


def test_view_normal_is_the_orbit_angular_momentum():
    t = np.linspace(0.0, 2.0, 50)
    h = np.array([1.0, -2.0, 0.5]) / np.linalg.norm([1.0, -2.0, 0.5])
    e1 = np.cross(h, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(h, e1)
    path = 1e5 * (np.outer(np.cos(t), e1) + np.outer(np.sin(t), e2))
    assert np.allclose(globe.view_normal(path), h, atol=1e-12)


def test_jupiter_pole_columns_match_iau_rotation_model(pj1):
    # IAU WGCCRE 2015 (Archinal et al. 2018), Jupiter: alpha0 = 268.056595 -
    # 0.006499 T, delta0 = 64.495303 + 0.002413 T (T in Julian centuries from
    # J2000), plus periodic terms under 0.005 deg.
    df = pj1.samples
    t = df["et"].to_numpy() / (36525.0 * 86400.0)
    assert np.allclose(df["jupiter_pole_ra_deg"], 268.056595 - 0.006499 * t, atol=0.006)
    assert np.allclose(df["jupiter_pole_dec_deg"], 64.495303 + 0.002413 * t, atol=0.006)


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pj1():
    from conftest import HAVE_SHARED, NAIF

    if not HAVE_SHARED:
        pytest.skip(f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED)")
    import spiceypy

    from flyplan.domain.perijove import perijove

    spiceypy.kclear()
    try:
        return perijove(1, kernels=NAIF)
    finally:
        spiceypy.kclear()


@pytest.fixture(scope="module")
def pj_moons(tmp_path_factory):
    from conftest import HAVE_SHARED, NAIF

    if not HAVE_SHARED:
        pytest.skip(f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED)")
    from _synthetic import synthetic_perijove

    return synthetic_perijove(NAIF, tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="module")
def pj_cam(pj_moons):
    from _synthetic import with_junocam_columns

    return with_junocam_columns(pj_moons)


# -- figure structure ----------------------------------------------------------------------
_UNIT = re.compile(r"\((deg|km|km/s|km/pixel)[^)]*\)|UTC|°")


def _axes(fig):
    """(name, axis) for every cartesian and 3-D axis of a figure that shows data."""
    lay = fig.layout
    out = []
    for key in fig.to_plotly_json()["layout"]:
        if re.fullmatch(r"[xy]axis\d*", key):
            out.append((key, lay[key]))
    if lay.scene is not None and lay.scene.xaxis.range is not None:
        out += [("scene." + k, lay.scene[k]) for k in ("xaxis", "yaxis", "zaxis")]
    return out


def _check_axis_units(fig):
    for name, ax in _axes(fig):
        title = ax.title.text if ax.title else None
        if ax.type == "category":
            assert title, f"{name} has no title"
            continue
        if ax.showticklabels is False and not title:
            continue  # the hidden half of a shared time axis
        assert title and _UNIT.search(title), f"{name}: title {title!r} carries no unit"


def _event_traces(fig, kind=None):
    return [t for t in fig.data if isinstance(t.meta, dict)
            and t.meta.get("flyplan", "").startswith("event")
            and (kind is None or t.meta.get("kind") == kind)]


@pytest.mark.parametrize("which", ["pj1", "pj_moons", "pj_cam"])
def test_every_figure_has_titles_units_and_fixed_uids(which, request):
    from flyplan.products.html.figures import FIGURE_NAMES, figures

    pj = request.getfixturevalue(which)
    figs = figures(pj)
    assert tuple(figs) == FIGURE_NAMES
    for name, fig in figs.items():
        assert f"PJ{pj.number}" in fig.layout.title.text, name
        _check_axis_units(fig)
        assert [t.uid for t in fig.data] == [f"t{i}" for i in range(len(fig.data))], name


def test_profile_marks_every_event_kind(pj_moons):
    from flyplan.products.html.figures import profile_figure

    fig = profile_figure(pj_moons)
    names = {t.name for t in fig.data}
    assert {"altitude above 1-bar ellipsoid", "latitude, planetographic",
            "latitude, planetocentric", "speed vs Jupiter's centre (J2000)"} <= names
    ev = pj_moons.events
    for kind, rows in ev.groupby("kind"):
        strip = [t for t in _event_traces(fig, kind) if t.meta["flyplan"] == "event"]
        assert len(strip) == 1 and len(strip[0].x) == len(rows), kind
        # ...and on Juno's altitude curve at Juno's altitude, never at a moon event's
        # height above the moon.
        on_alt = [t for t in _event_traces(fig, kind) if t.meta["flyplan"] == "event-altitude"]
        assert len(on_alt) == 1 and np.allclose(np.asarray(on_alt[0].y, float),
                                                rows["juno_altitude_km"].to_numpy(float))
    # Every marker on the altitude axis sits on the altitude curve (within the
    # curvature between two samples: 1 %).
    def ns(x):
        return np.asarray(x, dtype="datetime64[ns]").astype(np.int64)

    alt = next(t for t in fig.data if t.name == "altitude above 1-bar ellipsoid")
    for tr in (t for t in _event_traces(fig) if t.meta["flyplan"] == "event-altitude"):
        curve = np.interp(ns(tr.x), ns(alt.x), np.asarray(alt.y, float))
        assert np.allclose(np.asarray(tr.y, float), curve, rtol=0.01), tr.meta["kind"]
    moon = ev[ev["body"].astype(str).str.upper().isin(["IO", "EUROPA", "GANYMEDE", "CALLISTO"])]
    assert len(moon) and not np.allclose(moon["altitude_km"], moon["juno_altitude_km"])
    assert len(ev["kind"].unique()) >= 5  # the fixture exercises several kinds
    # The perijove line crosses all four panels.
    assert sum(1 for s in fig.layout.shapes if s.type == "line") == 4
    assert fig.layout.yaxis2.type == "log"


def test_events_of_unknown_kinds_and_extra_columns_are_drawn(pj1):
    import copy

    import pandas as pd

    pj = copy.copy(pj1)
    extra = pd.DataFrame([{"utc": pj1.samples["utc"].iloc[100], "et": pj1.samples["et"].iloc[100],
                           "kind": "something_new", "body": "JUPITER", "altitude_km": np.nan,
                           "range_km": np.nan, "threshold_km": 50000.0}])
    pj.events = pd.concat([pj1.events, extra], ignore_index=True)
    from flyplan.products.html.figures import profile_figure

    fig = profile_figure(pj)
    new = _event_traces(fig, "something_new")
    # On the event strip only (no altitude to place it on the curve).
    assert [t.meta["flyplan"] for t in new] == ["event"]
    assert "threshold_km: 50,000.0" in new[0].text[0]


def test_ground_track_map_orientation_and_terminator(pj1):
    from flyplan.products.html.figures import ground_track_figure

    fig = ground_track_figure(pj1)
    assert list(fig.layout.xaxis.range) == [360, 0]  # west longitude increasing to the left
    assert "west longitude" in fig.layout.xaxis.title.text
    assert "planetographic" in fig.layout.yaxis.title.text
    names = [t.name for t in fig.data]
    for n in ("night side at perijove", "terminator at perijove", "sub-solar point",
              "Juno ground track"):
        assert n in names
    sun = fig.data[names.index("sub-solar point")]
    assert sun.x[0] == pytest.approx(pj1.summary["subsolar_lon_w_deg"])
    assert sun.y[0] == pytest.approx(pj1.summary["subsolar_lat_pg_deg"])
    track = fig.data[names.index("Juno ground track")]
    lon = np.asarray(track.x, float)
    # Broken at the 360/0 wrap, so no segment spans the map.
    ok = np.isfinite(lon)
    assert (~ok).any()
    seg = np.abs(np.diff(lon))
    assert np.nanmax(seg) < 180.0
    star = [t for t in fig.data if t.name.startswith("perijove")][0]
    assert star.x[0] == pytest.approx(pj1.summary["lon_w_deg"])


def test_polar_views_put_each_hemisphere_on_its_own_pole(pj1):
    from flyplan.products.html.figures import polar_figure

    fig = polar_figure(pj1)
    assert fig.layout.polar.angularaxis.direction == "clockwise"
    assert fig.layout.polar2.angularaxis.direction == "counterclockwise"
    tracks = [t for t in fig.data if t.name == "Juno ground track"]
    assert [t.subplot for t in tracks] == ["polar", "polar2"]
    lat = pj1.samples["lat_pg_deg"].to_numpy()
    for t, hemi in zip(tracks, (1.0, -1.0)):
        r = np.asarray(t.r, float)
        shown = np.isfinite(r)
        assert np.array_equal(shown, hemi * lat >= 0.0)
        assert np.allclose(r[shown], 90.0 - hemi * lat[shown])


def test_moon_timeline_lanes(pj_moons, pj_cam):
    from flyplan.products.html.figures import moon_timeline_figure

    fig = moon_timeline_figure(pj_moons)
    cats = list(fig.layout.yaxis.categoryarray)
    assert len(cats) == 4 * 4 and cats[0] == "Io: occulted by Jupiter"
    states = {t.meta["state"]: t for t in fig.data}
    assert set(states) == {"occulted", "in_shadow", "transit", "visible"}
    assert any("JunoCam swath: not in the samples" in a.text for a in fig.layout.annotations)
    # Bars follow the samples: Europa's occultation spans its occulted samples.
    df, step = pj_moons.samples, pj_moons.step_s
    occ = states["occulted"]
    xs = [x for x, y in zip(occ.x, occ.y) if y == "Europa: occulted by Jupiter"]
    flagged = df.loc[df["europa_occulted"], "et"]
    assert len(flagged) > 0 and len(xs) == 2
    dur = (np.datetime64(xs[1]) - np.datetime64(xs[0])) / np.timedelta64(1, "s")
    assert dur == pytest.approx(flagged.max() - flagged.min() + step, abs=1e-3)

    with_swath = moon_timeline_figure(pj_cam)
    assert "in_swath" in {t.meta["state"] for t in with_swath.data}
    assert len(with_swath.layout.yaxis.categoryarray) == 4 * 5


def test_moon_figures_note_what_is_absent(naif_dir, monkeypatch):
    from flyplan.ephemeris import moons_spk
    from flyplan.domain.perijove import perijove
    from flyplan.products.html.figures import (
        moon_range_figure,
        moon_timeline_figure,
        orbit3d_figure,
    )

    # As where neither JPL's file nor the built-in ephemeris covers the window.
    monkeypatch.setattr(moons_spk, "covers", lambda t0, t1: False)
    pj1 = perijove(1, kernels=naif_dir, window="-1h..+1h")
    assert pj1.selection.moons is None

    for fig in (moon_timeline_figure(pj1), moon_range_figure(pj1)):
        text = " ".join(a.text for a in fig.layout.annotations)
        assert "No moon geometry" in text and "jup3xx" in text
    rng = moon_range_figure(pj1)
    assert "km_per_px" in " ".join(a.text for a in rng.layout.annotations)
    o3 = orbit3d_figure(pj1)
    assert "No moon positions" in " ".join(a.text for a in o3.layout.annotations)


def test_moon_range_and_scale(pj_moons, pj_cam):
    from flyplan.products.html.figures import moon_range_figure

    fig = moon_range_figure(pj_moons)
    lines = [t for t in fig.data if t.name in ("Io", "Europa", "Ganymede", "Callisto")]
    assert len(lines) == 4
    assert np.allclose(np.asarray(lines[0].y, float), pj_moons.samples["io_range_km"])
    # Closest approaches of moons are marked on the range curves at their ranges.
    ca = _event_traces(fig, "moon_closest_approach")
    assert len(ca) == 4
    cam = moon_range_figure(pj_cam)
    px = [t for t in cam.data if t.name.endswith("km/pixel")]
    assert len(px) == 4 and all(t.yaxis == "y2" for t in px)
    assert np.allclose(np.asarray(px[1].y, float), pj_cam.samples["europa_km_per_px"])
    assert not any("km_per_px" in (a.text or "") for a in cam.layout.annotations)


def test_orbit3d_scene(pj_moons):
    from flyplan.products.html.figures import orbit3d_figure

    fig = orbit3d_figure(pj_moons)
    types = [t.type for t in fig.data]
    assert types.count("surface") == 1
    path = [t for t in fig.data if t.name == "Juno's path"][0]
    assert np.allclose(np.asarray(path.x, float), pj_moons.samples["x_km"])
    for m in ("Io", "Europa", "Ganymede", "Callisto"):
        at = [t for t in fig.data if t.name == f"{m} at perijove"][0]
        assert at.x[0] == pytest.approx(pj_moons.summary[f"{m.lower()}_x_km"])
    # Camera up along Jupiter's pole, which is the surface's symmetry axis.
    up = fig.layout.scene.camera.up
    pole = globe.pole_vector(pj_moons.summary["jupiter_pole_ra_deg"],
                             pj_moons.summary["jupiter_pole_dec_deg"])
    assert np.allclose([up.x, up.y, up.z], pole)
    surf = fig.data[types.index("surface")]
    top = np.array([surf.x[-1][0], surf.y[-1][0], surf.z[-1][0]])
    assert np.allclose(top, 66854.0 * pole, atol=1e-6)
    labels = [b.label for b in fig.layout.updatemenus[0].buttons]
    assert labels == ["Zoom: Juno's path", "Zoom: Galilean moons"]


def test_approximate_label_everywhere(pj_moons):
    import copy

    from flyplan.products.html.figures import figures
    from flyplan.products.html.pages import perijove_html

    pj = copy.copy(pj_moons)
    pj.selection = copy.copy(pj_moons.selection)
    pj.selection.approximate = True
    for name, fig in figures(pj).items():
        assert "APPROXIMATE" in fig.layout.title.text, name
    page = perijove_html(pj)
    assert 'id="flyplan-approximate"' in page
    assert 'id="flyplan-approximate"' not in perijove_html(pj_moons)


# -- the page ------------------------------------------------------------------------------
def test_page_is_self_contained_and_complete(pj_moons):
    from plotly.offline import get_plotlyjs

    from flyplan.products.html.figures import FIGURE_NAMES
    from flyplan.products.html.pages import perijove_html

    page = perijove_html(pj_moons)
    # plotly.js inlined once, gzip-compressed (unpacked in the browser).
    assert page.count('id="flyplan-plotlyjs"') == 1
    import base64
    import gzip

    packed = re.search(r'id="flyplan-plotlyjs">([^<]+)<', page).group(1)
    assert gzip.decompress(base64.b64decode(packed)).decode() == get_plotlyjs()
    assert len(page) < 0.6 * len(get_plotlyjs())
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+href=", page)
    for name in FIGURE_NAMES:
        assert page.count(f'id="flyplan-{name}"') == 1
    for piece in ('id="flyplan-summary"', 'id="flyplan-provenance"', "2021-02-26T12:00:00.000Z",
                  "planetographic", "jup310_excerpt_2021-02-26.bsp", "System III"):
        assert piece in page
    for k in pj_moons.selection.kernels.provenance():
        assert k["sha256"] in page
    from flyplan import __version__

    assert f"flyplan {__version__}" in page
    # Rendered with SPICE's pool empty (the fixture clears it): no kernel needed.
    import spiceypy

    assert spiceypy.ktotal("ALL") == 0


def test_page_is_deterministic(pj1, tmp_path):
    import spiceypy

    from conftest import NAIF
    from flyplan.domain.perijove import perijove
    from flyplan.products.html.pages import perijove_html

    first = perijove_html(pj1)
    assert perijove_html(pj1) == first
    spiceypy.kclear()
    again = perijove(1, kernels=NAIF)
    assert perijove_html(again) == first
    profile = _unpacked_figure(first, "flyplan-profile")
    assert profile["data"][0]["uid"] == "t0"
    import datetime

    today = datetime.date.today().isoformat()
    assert today not in first  # no build timestamp
    assert not any(today in json.dumps(_unpacked_figure(first, f"flyplan-{n}"))
                   for n in ("profile", "ground-track", "polar"))


def _unpacked_figure(page: str, div_id: str) -> dict:
    """The figure JSON a page carries (gzip, base64) for the div ``div_id``."""
    import base64
    import gzip

    m = re.search(rf'id="{div_id}-data"[^>]*>([^<]+)<', page)
    assert m, div_id
    return json.loads(gzip.decompress(base64.b64decode(m.group(1))))


def test_extra_sections_for_other_commands(pj1):
    import plotly.graph_objects as go

    from flyplan.products.html.pages import Section, perijove_html

    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    page = perijove_html(pj1, sections=[Section("plan-windows", "Observation windows",
                                                figure=fig, html="<p>two windows</p>",
                                                caption="a <b> caption")],
                         title="Plan for PJ1")
    assert 'id="flyplan-plan-windows"' in page and 'href="#sec-plan-windows"' in page
    assert "<p>two windows</p>" in page and "a &lt;b&gt; caption" in page
    assert "<title>Plan for PJ1</title>" in page
    assert page.index('id="flyplan-profile"') < page.index('id="flyplan-plan-windows"')
    with pytest.raises(ValueError, match="unique"):
        perijove_html(pj1, sections=[Section("profile", "again")])
    # Figures can be chosen too.
    only = perijove_html(pj1, {"profile": fig})
    assert 'id="flyplan-profile"' in only and 'id="flyplan-orbit3d"' not in only


# -- a real browser ------------------------------------------------------------------------
def _chromium_or_skip():
    from _chromium import find_chromium

    exe = find_chromium()
    if exe is None:
        pytest.skip("chromium is not installed (apt-get install chromium; .ci/run tries it)")
    return exe


def _rendered():
    from _chromium import RENDERED

    return RENDERED


@pytest.mark.browser
def test_png_decoder_on_a_chromium_screenshot(tmp_path):
    # The blank-screenshot check below is only as good as the decoder: a page
    # of one known colour must decode to exactly that colour.
    from _chromium import Chromium, png_pixels

    exe = _chromium_or_skip()
    page = tmp_path / "flat.html"
    page.write_text("<html><body style='margin:0;background:rgb(12,34,56)'></body></html>")
    with Chromium(exe, str(tmp_path / "profile"), width=300, height=200) as br:
        br.open(page.as_uri())
        px = png_pixels(br.screenshot())
    assert px.shape[:2] == (200, 300)
    assert np.all(px[..., :3] == [12, 34, 56])


@pytest.mark.browser
def test_report_in_headless_chromium(pj_cam, tmp_path):
    from _chromium import Chromium, colour_count, png_pixels

    from flyplan.products.terminal import write_atomic
    from flyplan.products.html.figures import FIGURE_NAMES
    from flyplan.products.html.pages import perijove_html

    exe = _chromium_or_skip()
    import copy

    pj = copy.copy(pj_cam)
    pj.selection = copy.copy(pj_cam.selection)
    pj.selection.approximate = True  # the page with every optional element
    path = write_atomic(tmp_path / "report.html", perijove_html(pj))
    url = path.as_uri()
    t0 = time.monotonic()
    with Chromium(exe, str(tmp_path / "profile"), width=1300, height=1000) as br:
        br.open(url)
        rendered = br.evaluate(_rendered(), timeout=120)
        problems = br.problems(url)
        errors_box = br.evaluate("document.getElementById('flyplan-errors').textContent")
        first = png_pixels(br.screenshot())
        shots = {}
        for name in FIGURE_NAMES:
            rect = br.evaluate(f"(() => {{ const r = document.getElementById('flyplan-{name}')"
                               ".getBoundingClientRect(); return {x: r.left, y: r.top + "
                               "window.scrollY, width: r.width, height: r.height}; })()")
            shots[name] = png_pixels(br.screenshot({**rect, "scale": 0.5}))
    elapsed = time.monotonic() - t0
    print(f"\nbrowser test: page {path.stat().st_size / 1e6:.2f} MB, chromium {elapsed:.1f} s")
    assert problems == [], problems
    assert errors_box == ""
    assert [r[0] for r in rendered] == [f"flyplan-{n}" for n in FIGURE_NAMES]
    for div_id, has_layout, svgs, canvases in rendered:
        assert has_layout and svgs >= 1, div_id
    # The 3-D view draws with WebGL on a canvas.
    assert dict((r[0], r[3]) for r in rendered)["flyplan-orbit3d"] >= 1
    # Not blank: the first screen and every figure show many distinct colours.
    assert first.shape[:2] == (1000, 1300)
    for name, px in {"page": first, **shots}.items():
        assert colour_count(px) > 50, f"{name} looks blank ({colour_count(px)} colours)"
        assert px[..., :3].std() > 5.0, name
    # The middle of the 3-D panel (Jupiter, the path) is drawn, not background.
    o3 = shots["orbit3d"]
    h, w = o3.shape[:2]
    assert colour_count(o3[h // 3: 2 * h // 3, w // 4: 3 * w // 4]) > 50


_PLAN_SCENARIO = '''name = "PJ1 plan page"
perijove = 1
window = "-6h..+6h"
step = "60s"
targets = ["Io", "Europa"]
attitude = "earth"
[constraints]
lat_pg_deg = [-90.0, 90.0]
'''


def _cli_page(tmp_path, name, *args):
    from typer.testing import CliRunner

    from flyplan.cli import app

    page = tmp_path / f"{name}.html"
    res = CliRunner().invoke(app, [*map(str, args), "--html", str(page)])
    assert res.exit_code == 0, res.output
    return page


@pytest.mark.browser
def test_every_page_kind_in_headless_chromium(moons_kernel_dir, shared_dir, tmp_path):
    # Plan, observe and image pages, as the command line writes them, draw every
    # figure offline with no script error, in the shared style and layout.
    from _chromium import Chromium, colour_count, png_pixels

    exe = _chromium_or_skip()
    scenario = tmp_path / "pj1.toml"
    scenario.write_text(_PLAN_SCENARIO)
    jc = shared_dir / "junocam" / "pj1_JNCR_2016240_01M06152_V01"
    pages = {
        "plan": _cli_page(tmp_path, "plan", "plan", scenario, "-k", moons_kernel_dir),
        "observe": _cli_page(tmp_path, "observe", "observe", "38", "--site", "greenwich",
                             "--days", "1"),
        "image": _cli_page(tmp_path, "image", "image",
                           jc / "JNCR_2016240_01M06152_V01_METHANE_0008.isis3.lbl",
                           *[a for ck in sorted(jc.glob("*.bc")) for a in ("--ck", ck)],
                           "-k", shared_dir / "naif"),
    }
    expect = {"plan": ["flyplan-plan-timeline", "flyplan-plan-geometry"],
              "observe": ["flyplan-observe"], "image": ["flyplan-image-0"]}
    with Chromium(exe, str(tmp_path / "profile"), width=1300, height=1000) as br:
        for kind, path in pages.items():
            seen = br.check_page(path)
            problems, rendered, box = seen["problems"], seen["figures"], seen["errors_box"]
            print(f"\n{kind} page: {path.stat().st_size / 1e6:.2f} MB")
            assert problems == [] and box == "", (kind, problems, box)
            assert [r[0] for r in rendered] == expect[kind], kind
            assert all(r[1] and r[2] >= 1 for r in rendered), (kind, rendered)
            px = png_pixels(br.screenshot())
            assert colour_count(px) > 50, kind
            text = path.read_text()
            assert 'id="flyplan-provenance"' in text and "class=\"tiles\"" in text or \
                kind == "image", kind
            # Compressed, yet one copy of plotly.js per page and nothing fetched.
            assert text.count('id="flyplan-plotlyjs"') == 1 and path.stat().st_size < 3e6


@pytest.mark.browser
def test_browser_check_catches_errors_and_network_use(tmp_path):
    # The browser test's checks must be able to fail: a page that throws and
    # fetches from the network is reported, and its error box is filled.
    from _chromium import Chromium

    from flyplan.products.html.pages import Section, render_page

    exe = _chromium_or_skip()
    bad = Section("bad", "Broken", html="<script>throw new Error('boom');</script>"
                                        "<img src='http://192.0.2.1/x.png'>")
    page = tmp_path / "bad.html"
    page.write_text(render_page("broken", [bad]))
    with Chromium(exe, str(tmp_path / "profile"), width=400, height=300) as br:
        br.open(page.as_uri())
        problems = br.problems(page.as_uri())
        box = br.evaluate("document.getElementById('flyplan-errors').textContent")
    assert any(p.startswith("uncaught:") and "boom" in p for p in problems), problems
    assert any(p == "request: http://192.0.2.1/x.png" for p in problems), problems
    assert "boom" in box


# -- plan page -----------------------------------------------------------------------------
def test_plan_page_draws_its_windows(moons_kernel_dir, tmp_path):
    import copy

    from flyplan.domain.plan import plan
    from flyplan.products.html.pages import plan_html
    from flyplan.products.html.plan import plan_geometry_figure, plan_timeline_figure
    from flyplan.timeutil import utc_to_et

    path = tmp_path / "pj1.toml"
    path.write_text(_PLAN_SCENARIO)
    res = plan(path, kernels=moons_kernel_dir)
    wins = res.window_records
    assert wins
    # The timeline's green bars are the windows, in minutes from perijove.
    tl = plan_timeline_figure(res)
    bars = next(t for t in tl.data if (t.meta or {}).get("flyplan") == "plan-window")
    t_pj = utc_to_et(res.perijoves[0]["perijove_utc"])
    x = [v for v in bars.x if v is not None]
    want = [v for w in wins for v in ((w["start_et"] - t_pj) / 60, (w["end_et"] - t_pj) / 60)]
    assert np.allclose(x, want)
    assert list(tl.layout.yaxis.categoryarray) == ["PJ1"]
    # Geometry: one line per window and series, through start/middle/end.
    geo = plan_geometry_figure(res)
    alt = [t for t in geo.data if t.name == "Juno altitude"]
    assert len(alt) == len(wins)
    assert np.allclose(alt[0].y, [wins[0]["geometry"][k]["altitude_km"]
                                  for k in ("start", "middle", "end")])
    assert {"Io km/px", "Europa km/px"} <= {t.name for t in geo.data}
    _check_axis_units(geo)
    page = plan_html(res)
    for piece in ('id="flyplan-plan-timeline"', 'id="flyplan-plan-geometry"',
                  'id="flyplan-plan"', 'id="flyplan-provenance"', 'id="flyplan-key-figures"'):
        assert page.count(piece) == 1, piece
    assert 'id="flyplan-approximate"' not in page
    # A perijove on flyplan's model is labelled as such, on the page and in the figures.
    approx = copy.deepcopy(res)
    approx.perijoves[0]["approximate"] = True
    page = plan_html(approx)
    assert 'id="flyplan-approximate"' in page and "PJ1 uses flyplan's model" in page
    assert "APPROXIMATE" in plan_timeline_figure(approx).layout.title.text
    assert "APPROXIMATE" in plan_geometry_figure(approx).layout.title.text


# -- one style -----------------------------------------------------------------------------
def test_every_event_kind_has_its_own_fixed_style():
    from flyplan.domain.events import EVENT_KINDS
    from flyplan.products.html.style import EVENT_STYLE, event_style

    assert set(EVENT_KINDS) <= set(EVENT_STYLE)
    pairs = [event_style(k) for k in EVENT_KINDS]
    assert len(set(pairs)) == len(pairs)  # no two kinds look alike
    # A kind flyplan does not know gets a style from its name alone.
    assert event_style("something_new") == event_style("something_new")


def test_event_style_does_not_depend_on_which_events_a_page_has(pj_moons):
    import copy

    from flyplan.products.html.figures import profile_figure

    def colours(pj):
        return {t.meta["kind"]: (t.marker.color, t.marker.symbol)
                for t in _event_traces(profile_figure(pj)) if t.meta["flyplan"] == "event"}

    full = colours(pj_moons)
    sub = copy.copy(pj_moons)
    # Drop the earliest kinds: a page with fewer events keeps each kind's look.
    first = pj_moons.events.sort_values("et")["kind"].iloc[0]
    sub.events = pj_moons.events[pj_moons.events["kind"] != first]
    part = colours(sub)
    assert part and all(part[k] == full[k] for k in part)
