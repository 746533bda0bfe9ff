"""Predicted perijove times: both published lists, and an uncertainty no smaller than their spread."""

from __future__ import annotations

import csv
import datetime as dt
import math

import pytest

from flyplan import predictions
from flyplan.timetable import timetable


def _t(text):
    return dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.timezone.utc)


def test_every_predicted_timetable_perijove_is_in_both_lists():
    predicted = {k for k, v in timetable().items() if v.status == "predicted"}
    assert predicted and predicted <= set(predictions.predictions())
    for pj in predicted:
        p = predictions.prediction(pj)
        # List A is the timetable's own list.
        assert abs((_t(p.utc_a) - _t(timetable()[pj].utc)).total_seconds()) < 1e-3
        assert p.utc_b


def test_uncertainty_is_never_smaller_than_the_lists_disagreement():
    last = 0.0
    for pj, p in sorted(predictions.predictions().items()):
        a = _t(p.utc_a)
        for other in (p.utc_b, p.utc_b_older):
            if other:
                assert predictions.time_uncertainty_s(pj) >= abs((_t(other) - a).total_seconds())
        # A prediction further ahead is not better known than an earlier one.
        assert p.uncertainty_s >= last
        last = p.uncertainty_s
    # The spread the lists show: seconds at PJ74, hours at PJ78, 39 h at PJ110.
    assert predictions.prediction(74).spread_s < 10
    assert predictions.prediction(78).spread_s > 3600
    assert 38 * 3600 < predictions.prediction(110).spread_s < 40 * 3600


def test_reconstructed_times_are_labelled_apart():
    assert predictions.prediction(71) is None
    assert predictions.time_label(71) == ""
    assert predictions.time_uncertainty_s(71) == predictions.RECONSTRUCTED_TIME_S
    assert "predicted" in predictions.time_label(72)
    assert predictions.time_uncertainty_s(111, "predicted") == predictions.prediction(110).uncertainty_s


def test_model_label_says_where_the_time_comes_from():
    from flyplan.ephemeris import juno_model

    assert "perijove time from the timetable" in juno_model.describe(38)
    assert "predicted" in juno_model.describe(90) and "39.0 h" in juno_model.describe(110)


@pytest.mark.shared
def test_package_lists_match_the_reference(shared_dir):
    with open(shared_dir / "reference" / "juno_perijove_predictions.csv") as f:
        ref = {int(r["pj"]): r for r in csv.DictReader(f)}
    assert set(ref) == set(predictions.predictions())
    for pj, r in ref.items():
        p = predictions.prediction(pj)
        times = [_t(r[k]) for k in ("utc_list_a", "utc_list_b", "utc_list_b_older") if r[k]]
        spread = max(abs((x - y).total_seconds()) for x in times for y in times)
        assert math.isclose(p.spread_s, spread, abs_tol=2e-3)
