"""The moon integrator resumed from its stored checkpoints against the integration from the epoch.

The checkpoints (flyplan/data/galilean_checkpoints.json) hold the integrator's
state and rounding compensation exactly, so resuming from one continues the
same floating-point computation: the results are bitwise equal on the machine
that made the file.  The tolerance below only allows for another CPU's libm
(sin/cos of the pole model) rounding differently along the ~10^5 steps.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flyplan.ephemeris import _galilean_core as core
from flyplan.ephemeris import galilean as gal
from flyplan.ephemeris import moons_spk

# Same trajectory: agreement of the resumed and the full integration.
SAME_POSITION_TOL_KM = 1e-9
SAME_VELOCITY_TOL_KMS = 1e-12
DAY = 86400.0


@pytest.fixture(scope="module")
def fit():
    return gal.load_fit()


def test_committed_checkpoints_belong_to_the_committed_fit(fit):
    doc = json.loads(gal.checkpoints_path().read_text())
    assert doc["fit_digest"] == fit.digest
    table = gal._load_checkpoints(str(gal.checkpoints_path()), fit.digest)
    assert set(table) == {1, -1}
    # the span of the built-in SPK, both ways, within one spacing of its ends
    every = doc["every_steps"] * fit.step
    fwd_last = fit.epoch + table[1][0][-1] * fit.step
    back_last = fit.epoch + table[-1][0][-1] * fit.step
    assert moons_spk.DEFAULT_STOP_ET - every < fwd_last <= moons_spk.DEFAULT_STOP_ET
    assert moons_spk.DEFAULT_START_ET <= back_last < moons_spk.DEFAULT_START_ET + every


def test_resumed_equals_integrated_from_the_epoch(fit):
    # both directions, far from the epoch (2016 and 2030), on and off the
    # grid, one exactly on a checkpoint
    doc = json.loads(gal.checkpoints_path().read_text())
    on_checkpoint = doc["forward"][-3]["et"]
    et = np.array([moons_spk.DEFAULT_START_ET + 3.7 * DAY, moons_spk.DEFAULT_START_ET + 40 * DAY,
                   on_checkpoint, on_checkpoint + 1234.5, moons_spk.DEFAULT_STOP_ET - 2 * DAY])
    resumed = gal.propagate(et, fit)
    full = gal.propagate(et, fit, checkpoints=False)
    np.testing.assert_allclose(resumed[..., :3], full[..., :3], rtol=0, atol=SAME_POSITION_TOL_KM)
    np.testing.assert_allclose(resumed[..., 3:], full[..., 3:], rtol=0, atol=SAME_VELOCITY_TOL_KMS)


def test_a_checkpoint_is_what_the_integration_reaches(fit):
    """The stored state and compensation are those of the integration from the epoch."""
    doc = json.loads(gal.checkpoints_path().read_text())
    first = doc["forward"][0]
    y0 = np.ascontiguousarray(fit.states, dtype=float).reshape(24)
    _, y, comp, istep = core.propagate_from(fit.epoch, y0, np.zeros(24), 0, fit.step,
                                            np.array([first["et"]]), *gal._args(fit))
    assert istep == first["step"]
    np.testing.assert_allclose(y, first["y"], rtol=0, atol=SAME_POSITION_TOL_KM)
    np.testing.assert_allclose(comp, first["comp"], rtol=0, atol=SAME_POSITION_TOL_KM)


def _tampered(path, digest):
    """A copy of the committed checkpoints with every state moved 1000 km, tagged ``digest``."""
    doc = json.loads(gal.checkpoints_path().read_text())
    doc["fit_digest"] = digest
    for rows in (doc["forward"], doc["backward"]):
        for r in rows:
            r["y"] = [v + 1000.0 for v in r["y"]]
    path.write_text(json.dumps(doc))
    return path


def test_checkpoints_are_used_and_a_stale_digest_falls_back(tmp_path, monkeypatch, fit):
    et = np.array([fit.epoch + 65 * DAY, fit.epoch - 65 * DAY])  # two checkpoints out each way
    honest = gal.propagate(et, fit, checkpoints=False)
    used_file = _tampered(tmp_path / "used.json", fit.digest)
    stale_file = _tampered(tmp_path / "stale.json", "0" * 64)
    # tampered states tagged with this fit: they are used (and so it shows)
    monkeypatch.setattr(gal, "checkpoints_path", lambda: used_file)
    used = gal.propagate(et, fit)
    assert np.abs(used[..., :3] - honest[..., :3]).max() > 100.0
    # the same tampered file tagged with another fit's digest is ignored
    monkeypatch.setattr(gal, "checkpoints_path", lambda: stale_file)
    np.testing.assert_array_equal(gal.propagate(et, fit), honest)
    # so is a file that cannot be read
    monkeypatch.setattr(gal, "checkpoints_path", lambda: tmp_path / "missing.json")
    np.testing.assert_array_equal(gal.propagate(et, fit), honest)


def test_another_fit_does_not_use_the_checkpoints(fit):
    other = fit.replace(states=fit.states * (1 + 1e-12))
    assert gal._resume_point(other, 1, fit.epoch + 400 * DAY, True)[2] == 0


@settings(max_examples=200, deadline=None)
@given(st.floats(moons_spk.DEFAULT_START_ET, moons_spk.DEFAULT_STOP_ET))
def test_the_resume_point_is_never_past_the_query(t):
    fit = gal.load_fit()
    sign = 1 if t >= fit.epoch else -1
    _, _, istep = gal._resume_point(fit, sign, t, True)
    h = sign * fit.step
    grid = fit.epoch + istep * h
    assert (t - grid) * h >= 0.0
    # and it is the nearest: the next checkpoint would be past the query
    every = json.loads(gal.checkpoints_path().read_text())["every_steps"]
    assert abs(t - grid) < (every + 1) * fit.step
