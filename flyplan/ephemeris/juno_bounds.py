"""Calibrated bounds of flyplan's Juno model, measured by leave-one-out.

``flyplan/data/juno_model_bounds.json`` (written by
``scripts/juno_model_calibrate.py``) holds every measurement of the model
against independent truth -- leave-one-out against the real NAIF kernels,
two-orbit bridges, the anchored rows against their own kernels, JunoCam team
metadata, published flyby figures -- and the envelope derived from them:

``bound(q, n, dt) = e0[q][bin]`` for a row anchored on a kernel (``n = 0``),
else ``e1[q][bin] * (1 + k_bin[q][bin] * (n - 1))``, where ``n`` is the number
of orbits from the nearest real anchor, ``bin`` the bin of ``|dt|`` (time from
perijove) and ``k_bin`` the growth per orbit measured in that bin (or closer
to perijove).  The bounds are meant to contain the truth at least 90% of the
time; as envelopes they contain every measurement they were derived from
(``tests/test_juno_bounds.py`` checks this).  The uncertainty of the perijove
time itself (:mod:`flyplan.predictions`) is added by the caller, which knows
how fast the geometry changes.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = ["QUANTITIES", "calibration", "bounds", "orbits_from_anchor", "flyby_bound",
           "BOUNDS_FILE"]

BOUNDS_FILE = "juno_model_bounds.json"
QUANTITIES = ("altitude_km", "lat_pg_deg", "lon_deg", "ground_km", "speed_km_s", "position_km")

# Hard ceilings: an angle or distance bound beyond these says nothing more.
_CAP = {"lat_pg_deg": 180.0, "lon_deg": 180.0, "ground_km": np.pi * 69911.0}


@lru_cache(maxsize=1)
def calibration() -> dict:
    """The calibration file's contents (measurements and coefficients)."""
    return json.loads(resources.files("flyplan.data").joinpath(BOUNDS_FILE).read_text())


def orbits_from_anchor(row) -> int:
    """Orbits between a model row (:class:`~flyplan.ephemeris.juno_model.PerijoveRow`) and
    its real anchor (0 when anchored)."""
    return 0 if row.method == "anchored" else max(1, int(row.orbits))


def bounds(row, dt_s) -> dict[str, np.ndarray]:
    """The model's bounds at times ``dt_s`` from a row's perijove (its time taken as exact).

    Parameters
    ----------
    row : flyplan.ephemeris.juno_model.PerijoveRow
        The perijove's model row (``juno_model.perijove_row(pj)``).
    dt_s : array_like
        Seconds from perijove.

    Returns
    -------
    dict of numpy.ndarray
        ``altitude_km``, ``lat_pg_deg``, ``lon_deg``, ``ground_km`` (ground
        distance of the sub-spacecraft point, which does not blow up at the
        pole), ``speed_km_s``, ``position_km``; one value per time.
    """
    cal = calibration()
    n = orbits_from_anchor(row)
    edges = np.asarray(cal["bin_edges_h"], dtype=float)
    b = np.searchsorted(edges, np.abs(np.atleast_1d(np.asarray(dt_s, float))) / 3600.0,
                        side="left")
    b = np.minimum(b, len(edges) - 1)
    out = {}
    for q in QUANTITIES:
        if n == 0:
            v = np.asarray(cal["e0"][q], float)[b]
        else:
            k = np.asarray(cal["k_bin"][q], float)[b] if "k_bin" in cal else cal["k"][q]
            v = np.asarray(cal["e1"][q], float)[b] * (1.0 + k * (n - 1))
        out[q] = np.minimum(v, _CAP.get(q, np.inf))
    return out


def flyby_bound() -> tuple[float, float]:
    """(distance km, time s): the model's largest measured error on a targeted flyby it is
    not anchored on (published figures), for closest approaches to that moon."""
    f = calibration()["flyby"]
    return float(f["distance_km"]), float(f["time_s"])
