"""Imaging highlights of a perijove (flyplan.domain.highlights)."""

from __future__ import annotations

import json
import types

import numpy as np
import pandas as pd
import pytest

from flyplan.domain.highlights import highlights


def _fake(df, step=60.0):
    plan = types.SimpleNamespace(trajectory_label="test", moons_label="test", approximate=False,
                                 describe=lambda: {"trajectory_label": "test",
                                                   "approximate": False, "moons_label": "test"},
                                 kernels=types.SimpleNamespace(kernels=[]))
    return types.SimpleNamespace(samples=df, plan=plan, step_s=step, number=0, utc="x",
                                 method="test")


def _table(n, **moons):
    """A sample table with per-moon (in_swath, limb_deg, shadow, km_per_px) arrays."""
    et = 1000.0 + 60.0 * np.arange(n)
    df = pd.DataFrame({"utc": pd.date_range("2021-01-01", periods=n, freq="60s", tz="UTC"),
                       "et": et, "altitude_km": np.linspace(5e4, 1e4, n),
                       "lat_pg_deg": np.linspace(80, 60, n), "lat_pc_deg": np.linspace(79, 59, n),
                       "lon_w_deg": np.zeros(n), "speed_km_s": np.full(n, 50.0),
                       "speed_km_h": np.full(n, 180000.0)})
    for name, (swath, limb, shadow, kmpx) in moons.items():
        df[f"{name}_in_swath"] = np.asarray(swath, bool)
        df[f"{name}_limb_angle_deg"] = np.asarray(limb, float)
        df[f"{name}_in_shadow"] = np.asarray(shadow, bool)
        df[f"{name}_km_per_px"] = np.asarray(kmpx, float)
        df[f"{name}_range_km"] = np.asarray(kmpx, float) / 6.75e-4
        df[f"{name}_phase_deg"] = 90.0
        df[f"{name}_ang_size_px"] = 10.0
    return df


def test_best_moment_obeys_every_criterion():
    n = 6
    # The smallest km/px is at index 0, but there Io is out of the swath; at 1
    # behind the limb; at 2 in shadow: the best allowed is index 4.
    io = ([False, True, True, True, True, True], [10, -5, 10, 10, 10, 10],
          [False, False, True, False, False, False], [1, 2, 3, 9, 4, 8])
    h = highlights(_fake(_table(n, io=io)))
    assert list(h.best["moon"]) == ["Io"]
    assert h.best["km_per_px"].iloc[0] == 4.0
    assert h.best["et"].iloc[0] == 1000.0 + 60.0 * 4


def test_together_intervals_split_where_the_set_changes():
    n = 8
    yes, no = [True] * n, [False] * n
    io = (yes, [5, 5, 5, 5, 5, -1, -1, -1], no, [1] * n)
    callisto = (yes, [5] * n, no, [2] * n)
    europa = (yes, [5, 5, 60, 60, 5, 5, 5, 5], no, [3] * n)  # 60 deg: high above the limb
    h = highlights(_fake(_table(n, io=io, callisto=callisto, europa=europa)))
    got = [(r.moons, r.start_et, r.end_et) for r in h.together.itertuples()]
    t = lambda i: 1000.0 + 60.0 * i  # noqa: E731
    assert got == [("Io+Europa+Callisto", t(0), t(1)), ("Io+Callisto", t(2), t(3)),
                   ("Io+Europa+Callisto", t(4), t(4)), ("Europa+Callisto", t(5), t(7))]


def test_unseen_moons_and_empty_tables():
    n = 3
    h = highlights(_fake(_table(n, io=([False] * n, [5] * n, [False] * n, [1] * n))))
    assert h.unseen == ["Io"] and len(h.best) == 0 and len(h.together) == 0
    h = highlights(_fake(_table(n)))
    assert h.note and len(h.best) == 0
    json.dumps(h.to_dict())


@pytest.mark.slow
def test_pj38_io_and_callisto_over_the_limb(tmp_path):
    """The seed image: JunoCam saw Io and Callisto together above Jupiter's limb on PJ38
    with Juno near 69 deg N (planetographic), about 14,000 km above the 1-bar level,
    about 198,000 km/h (the figures the issue quotes from the image's publication).
    flyplan's model for PJ38 is bounded at +-0.8 deg and +-350 km near perijove
    (leave-one-out, flyplan.ephemeris.juno_model), so the interval found must reach
    69 deg N and 14,000 km within those bounds plus one 60 s step of motion."""
    import flyplan

    pj = flyplan.perijove(38)  # the default window and step, as `flyplan perijove 38`
    h = pj.highlights
    io_callisto = h.together[h.together["moons"] == "Io+Callisto"]
    assert len(io_callisto), h.together
    north = io_callisto[io_callisto["lat_pg_deg"] > 0].iloc[0]
    lat_lo, lat_hi = sorted([north["start_lat_pg_deg"], north["end_lat_pg_deg"]])
    alt_lo, alt_hi = sorted([north["start_altitude_km"], north["end_altitude_km"]])
    # One minute of motion there: ~1.9 deg of latitude and ~1,200 km of altitude.
    assert lat_lo - 0.8 - 1.9 <= 69.0 <= lat_hi + 0.8 + 1.9
    assert alt_lo - 350 - 1200 <= 14000.0 <= alt_hi + 350 + 1200
    # "about 198,000 km/h": a rounded figure, 1 % either way.
    assert north["start_speed_km_h"] * 0.99 <= 198000.0 <= north["end_speed_km_h"] * 1.01
    assert h.approximate and "model" in h.accuracy
    doc = json.loads(flyplan.to_json(pj))
    assert any(t["moons"] == "Io+Callisto" and t["start_utc"].endswith("Z")
               for t in doc["highlights"]["together"])
    assert {b["moon"] for b in doc["highlights"]["best"]} == {"Io", "Europa", "Ganymede",
                                                               "Callisto"}
