"""The Python API in a notebook: typed UTC, windows from Python objects, attrs, reprs."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flyplan import timeutil as T


# -- conversions (no SPICE needed) ----------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("2021-11-29 13:00Z", "2021-11-29T13:00:00.000000Z"),
    ("2021-11-29T13:00:00+01:00", "2021-11-29T12:00:00.000000Z"),
    (dt.datetime(2021, 11, 29, 13, 0), "2021-11-29T13:00:00.000000Z"),
    (dt.datetime(2021, 11, 29, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
     "2021-11-29T13:00:00.000000Z"),
    (pd.Timestamp("2021-11-29 13:00:00.25", tz="UTC"), "2021-11-29T13:00:00.250000Z"),
    (np.datetime64("2021-11-29T13:00:00.5"), "2021-11-29T13:00:00.500000Z"),
    ("2016-12-31T23:59:60.5Z", "2016-12-31T23:59:60.5Z"),   # a leap second: SPICE reads it
    ("2021 NOV 29 13:00", "2021 NOV 29 13:00"),             # SPICE's own form
])
def test_times_from_python_objects(value, expected):
    assert T.as_time(value) == expected


def test_et_floats_stay_et():
    assert T.as_time(691467278.816) == 691467278.816
    with pytest.raises(TypeError):
        T.as_time(True)
    with pytest.raises(TypeError):
        T.as_time([1, 2])


@pytest.mark.parametrize("value, start, stop", [
    (("-3h", "+1h"), -10800.0, 3600.0),
    ((pd.Timedelta(hours=-1), dt.timedelta(minutes=30)), -3600.0, 1800.0),
    ((np.timedelta64(-60, "s"), np.timedelta64(60, "s")), -60.0, 60.0),
    ((-600, 600), -600.0, 600.0),
    (pd.Timedelta(hours=2), -7200.0, 7200.0),
])
def test_relative_windows(value, start, stop):
    w = T.as_window(value)
    assert w.relative and (w.start, w.stop) == (start, stop)


def test_absolute_windows():
    w = T.as_window((dt.datetime(2021, 11, 29, 13), pd.Timestamp("2021-11-29 15:00Z")))
    assert not w.relative and (w.start, w.stop) == ("2021-11-29T13:00:00.000000Z",
                                                    "2021-11-29T15:00:00.000000Z")
    w = T.as_window("2021-11-29 13:00Z..2021-11-29 15:00Z")
    assert w.start == "2021-11-29T13:00:00.000000Z"
    w = T.as_window((691462869.0, 691470069.0))
    assert w.resolve() == (691462869.0, 691470069.0)
    with pytest.raises(ValueError):
        T.as_window((691470069.0, 691462869.0))
    with pytest.raises(TypeError, match="mixes"):
        T.as_window(("-1h", dt.datetime(2021, 11, 29)))


def test_astropy_and_skyfield_times_when_installed():
    """ET of J2000 TDB noon is 0; skyfield (a dependency) and astropy (if present) agree."""
    from skyfield.api import load

    ts = load.timescale(builtin=True)
    assert T.as_time(ts.tdb_jd(2451545.0)) == pytest.approx(0.0, abs=1e-6)
    assert T.as_time(ts.tdb_jd(2451546.25)) == pytest.approx(1.25 * 86400.0, abs=1e-5)
    astropy_time = pytest.importorskip("astropy.time")
    t = astropy_time.Time(2451545.5, format="jd", scale="tdb")
    assert T.as_time(t) == pytest.approx(43200.0, abs=1e-6)


_ISO = st.datetimes(min_value=dt.datetime(2011, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
    lambda d: d.replace(microsecond=(d.microsecond // 1000) * 1000)
).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f")[:23] + "Z")


@given(st.lists(_ISO, min_size=1, max_size=20))
def test_utc_round_trips_through_datetime64(texts):
    """CSV/JSON write back exactly the ISO text the tables were built from."""
    df = pd.DataFrame({"utc": texts, "et": np.arange(len(texts), dtype=float)})
    T.type_utc(df)
    assert str(df["utc"].dtype) == "datetime64[ns, UTC]"
    assert list(T.iso_frame(df)["utc"]) == texts


def test_leap_second_is_clamped_inside_its_day():
    df = T.type_utc(pd.DataFrame({"utc": ["2016-12-31T23:59:60.500Z"]}))
    assert T.iso_frame(df)["utc"].iloc[0] == "2016-12-31T23:59:59.999Z"


def test_whole_second_columns_keep_their_precision():
    df = T.type_utc(pd.DataFrame({"utc": ["2021-11-29T14:13:29Z", None]}))
    assert list(T.iso_frame(df)["utc"]) == ["2021-11-29T14:13:29Z", None]


# -- results (the real kernels) -------------------------------------------------------------

@pytest.mark.shared
def test_perijove_with_a_datetime_window(naif_dir):
    import flyplan

    pj = flyplan.perijove(1, window=(dt.datetime(2016, 8, 27, 12, 0), dt.datetime(2016, 8, 27, 13, 0)),
                          kernels=naif_dir, step=pd.Timedelta(minutes=10), moons=False)
    s = pj.samples
    assert str(s["utc"].dtype) == "datetime64[ns, UTC]"
    assert s["utc"].iloc[0] == pd.Timestamp("2016-08-27 12:00Z")
    assert s["utc"].iloc[-1] == pd.Timestamp("2016-08-27 13:00Z")
    assert len(s) == 7  # no duplicate last sample
    assert str(pj.events["utc"].dtype) == "datetime64[ns, UTC]"
    assert s.attrs["units"]["altitude_km"] == "km" and s.attrs["units"]["speed_km_s"] == "km/s"
    prov = s.attrs["provenance"]
    assert prov["perijove"] == 1 and prov["approximate"] is False
    assert any(k.startswith("spk_rec_160729") for k in prov["kernels"])
    # metadata is an attribute like summary (and still answers a call).
    assert pj.metadata["perijove"] == 1 and pj.metadata() is not None
    # Short reprs and an HTML repr for notebooks.
    assert len(repr(pj)) < 400 and "PJ1" in repr(pj)
    assert "<table>" in pj._repr_html_()
    # CSV and JSON still write ISO-8601 text with Z.
    doc = json.loads(flyplan.to_json(pj))
    assert doc["samples"][0]["utc"] == "2016-08-27T12:00:00.000Z"
    body = [ln for ln in flyplan.to_csv(pj).splitlines() if not ln.startswith("#")]
    assert body[1].startswith("2016-08-27T12:00:00.000Z,")


@pytest.mark.shared
def test_same_window_as_text_and_as_et(naif_dir):
    import flyplan

    a = flyplan.perijove(1, window="2016-08-27 12:00Z..2016-08-27 12:30Z", kernels=naif_dir,
                         step="10m", moons=False)
    b = flyplan.perijove(1, window=(float(a.samples["et"].iloc[0]), float(a.samples["et"].iloc[-1])),
                         kernels=naif_dir, step=600.0, moons=False)
    assert np.allclose(a.samples["et"], b.samples["et"], atol=1e-6)
    assert (a.samples["utc"] == b.samples["utc"]).all()


@pytest.mark.shared
def test_every_path_reads_iso_with_a_space_and_z(naif_dir):
    """`kernels plan` and scenarios read times through utc_to_et too."""
    import spiceypy

    spiceypy.furnsh(str(naif_dir / "generic_kernels" / "lsk" / "naif0012.tls"))
    assert T.utc_to_et("2021-11-29 13:00Z") == pytest.approx(
        T.utc_to_et("2021-11-29T13:00:00"), abs=1e-6)
    assert T.utc_to_et("2021-11-29T14:00+01:00") == pytest.approx(
        T.utc_to_et("2021-11-29T13:00:00"), abs=1e-6)
