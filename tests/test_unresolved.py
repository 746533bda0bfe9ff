"""Never impossible: where flyplan's Juno model would pass inside a moon, no number.

The built-in model (before it is anchored on a flyby) put Juno 883 km from
Io's centre at PJ57, inside Io (radius ~1,822 km).  Every command must still
run, and none may print a range or altitude from inside a body.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flyplan.geometry import resolve


# -- pure pieces ----------------------------------------------------------------------------------
def test_inside_and_nan():
    r = np.array([100.0, 1821.0, 1822.0, np.nan, 5000.0])
    assert resolve.inside(r, 1821.5).tolist() == [True, True, False, False, False]


def test_unresolved_blanks_the_whole_pass_only():
    radius = 1821.5
    # A pass through the moon, then a distant pass that never goes inside.
    r = np.concatenate([np.linspace(40_000, 800, 50), np.linspace(800, 40_000, 50),
                        np.linspace(40_000, 5_000, 30), np.linspace(5_000, 40_000, 30)])
    bad = resolve.unresolved(r, radius)
    assert bad[49] and bad[50]
    # Every sample of the first pass within UNRESOLVED_KM of the surface, none of the second.
    first = np.arange(100)
    assert np.array_equal(bad[first], r[first] < radius + resolve.UNRESOLVED_KM)
    assert not bad[100:].any()
    # Nothing inside, nothing blanked.
    assert not resolve.unresolved(r[100:], radius).any()


intervals = st.lists(st.tuples(st.floats(0, 1000), st.floats(0, 50)), max_size=6).map(
    lambda xs: [(a, a + w) for a, w in xs])


@given(intervals, st.floats(0, 20))
def test_complement_is_disjoint_from_the_holes_and_covers_the_rest(holes, pad):
    t0, t1 = 100.0, 900.0
    out = resolve.complement(t0, t1, holes, pad_s=pad)
    for a, b in out:
        assert t0 <= a < b <= t1
        for h0, h1 in holes:
            assert b <= h0 - pad + 1e-9 or a >= h1 + pad - 1e-9
    # Every point of [t0, t1] is either kept or in a (padded) hole.
    for t in np.linspace(t0, t1, 401):
        kept = any(a <= t <= b for a, b in out)
        holed = any(h0 - pad <= t <= h1 + pad for h0, h1 in holes)
        assert kept or holed


# -- the commands on the built-in model -----------------------------------------------------------


@pytest.fixture
def unanchored_pj57(monkeypatch):
    """The model's PJ57 row as it was before it was anchored on the published Io pass
    (scripts/anchor_flybys.py): 883 km from Io's centre, inside Io."""
    import dataclasses

    from flyplan.ephemeris import juno_model as jm

    rows, digest = jm._table()
    old = dataclasses.replace(rows[57], inc_deg=96.9258346, node_deg=288.3528394,
                              argp_deg=131.3283976)
    patched = ({**rows, 57: old}, "unanchored-" + digest)
    monkeypatch.setattr(jm, "_table", lambda: patched)
    return old


def test_pj57_runs_without_an_impossible_number(tmp_path, unanchored_pj57):
    from flyplan.domain.events import events
    from flyplan.domain.mission import perijoves
    from flyplan.domain.perijove import perijove

    kernels = tmp_path  # no NAIF kernels: the built-in model and moons
    table = perijoves(57, 57, window="-5h..-3h", step="60s", kernels=kernels,
                      source="model").table
    row = table.iloc[0]
    assert isinstance(row.get("io_ca_note"), str) and resolve.UNRESOLVED in row["io_ca_note"]
    assert "error" not in table.columns, row["error"]
    for moon in ("io", "europa", "ganymede", "callisto"):
        rng = row[f"{moon}_ca_range_km"]
        assert np.isnan(rng) or rng > 1000.0
        assert np.isnan(row[f"{moon}_ca_altitude_km"]) or row[f"{moon}_ca_altitude_km"] > 0
    res = perijove(57, window="-5h..-3h", step="30s", kernels=kernels, source="model")
    io = res.samples["io_range_km"]
    assert (io.dropna() > 1821.5).all()
    ev = events(57, window="-5h..-3h", kernels=kernels, source="model")
    ca = ev.events[ev.events["kind"] == "closest_approach"]
    for _, r in ca.iterrows():
        assert np.isnan(r["range_km"]) or r["range_km"] > 1821.5
        if np.isnan(r["range_km"]):
            assert resolve.UNRESOLVED in r["detail"]
    assert io.isna().any()
    assert any("cannot resolve the Io flyby" in n for n in res.selection.notes)
    assert (ca["detail"].str.contains(resolve.UNRESOLVED)).any()


def test_anchored_pj57_passes_io_at_the_published_distance(tmp_path):
    from flyplan.domain.mission import perijoves

    row = perijoves(57, 57, window="-1h..+1h", step="600s", kernels=tmp_path,
                    source="model").table.iloc[0]
    # NASA: 1,500 km above Io's surface (within 10%); never inside.
    assert abs(row["io_ca_altitude_km"] - 1500.0) < 150.0
    # The anchored pass carries the published figure's accuracy; the same orbit's
    # distant passes of the other moons carry the model's position bound.
    assert 0 < row["io_ca_distance_unc_km"] < 150.0
    assert row["ganymede_ca_distance_unc_km"] > 1000.0
