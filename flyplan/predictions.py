"""How uncertain a predicted perijove time is: the published prediction lists compared.

For PJ72 onward the package timetable carries predicted times (list A).  A
second, later list (list B, and an older edition of it) disagrees with list A
by seconds at PJ72-74, hours by PJ78 and 39 hours by PJ110
(``flyplan/data/perijove_predictions.csv``, built by
``scripts/build_predictions.py``).  A predicted time is stated with an
uncertainty no smaller than that disagreement: the running maximum of the
spread between the lists up to that perijove, since a prediction further
ahead is never better known than an earlier one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["Prediction", "prediction", "predictions", "time_uncertainty_s", "time_label",
           "RECONSTRUCTED_TIME_S", "PREDICTIONS_SOURCE"]

PREDICTIONS_SOURCE = ("two published lists of predicted perijove times (list A: flyplan's "
                      "timetable; list B: mission operations planning plots), "
                      "flyplan/data/perijove_predictions.csv")

#: Reconstructed perijove times agree with NAIF's ORBNUM file to 0.5 s
#: (flyplan/data/perijove_timetable.csv header); the ORBNUM times are printed
#: to the second.
RECONSTRUCTED_TIME_S = 1.0


@dataclass(frozen=True)
class Prediction:
    """One predicted perijove in both lists.

    Attributes
    ----------
    pj : int
    utc_a, utc_b, utc_b_older : str
        UTC ISO-8601 ``Z`` of list A (the timetable's), list B and list B's
        older edition ('' where a list has none).
    b_minus_a_s, b_older_minus_a_s : float
        Offsets from list A, s (NaN where absent).
    spread_s : float
        Largest disagreement between any two lists at this perijove, s.
    uncertainty_s : float
        The stated uncertainty of the time: the largest spread at this or any
        earlier predicted perijove, s.
    """

    pj: int
    utc_a: str
    utc_b: str
    utc_b_older: str
    b_minus_a_s: float
    b_older_minus_a_s: float
    spread_s: float
    uncertainty_s: float


def _f(text: str) -> float:
    return float(text) if text not in ("", None) else float("nan")


@lru_cache(maxsize=1)
def predictions() -> dict[int, Prediction]:
    """Every predicted perijove of the lists, by number."""
    text = resources.files("flyplan.data").joinpath("perijove_predictions.csv").read_text()
    rows = sorted(csv.DictReader(ln for ln in text.splitlines() if not ln.startswith("#")),
                  key=lambda r: int(r["pj"]))
    out, worst = {}, 0.0
    for r in rows:
        spread = _f(r["spread_s"])
        worst = max(worst, spread)
        out[int(r["pj"])] = Prediction(int(r["pj"]), r["utc_a"], r["utc_b"], r["utc_b_older"],
                                       _f(r["b_minus_a_s"]), _f(r["b_older_minus_a_s"]),
                                       spread, worst)
    return out


def prediction(pj: int) -> Prediction | None:
    """The lists' entry for perijove ``pj``, or None for a reconstructed one."""
    return predictions().get(int(pj))


def time_uncertainty_s(pj: int, status: str | None = None) -> float:
    """Uncertainty of the timetable's time of perijove ``pj``, s.

    Reconstructed: :data:`RECONSTRUCTED_TIME_S`.  Predicted: the lists'
    disagreement (:attr:`Prediction.uncertainty_s`); a predicted perijove
    beyond the lists takes the last one's.
    """
    p = prediction(pj)
    if p is not None:
        return p.uncertainty_s
    preds = predictions()
    if status == "predicted" or (preds and int(pj) > max(preds)):
        return preds[max(preds)].uncertainty_s if preds else float("nan")
    return RECONSTRUCTED_TIME_S


def _duration(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def time_label(pj: int) -> str:
    """Words for a predicted perijove's time, e.g. ``predicted (list A; ±39.0 h: lists A
    and B differ by 39.0 h)``; '' for a reconstructed one."""
    p = prediction(pj)
    if p is None:
        return ""
    return (f"predicted (list A; ±{_duration(p.uncertainty_s)}: the published lists differ "
            f"by {_duration(p.spread_s)} here)")
