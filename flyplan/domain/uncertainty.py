"""Machine-readable uncertainty of every number made from flyplan's Juno model.

Two parts, added linearly (so the result is never smaller than either):

1. the model's calibrated bound at the sample's time from perijove
   (:func:`flyplan.ephemeris.juno_bounds.bounds`, measured by leave-one-out);
2. the perijove time's own uncertainty (:mod:`flyplan.predictions`: 1 s for a
   reconstructed time, the prediction lists' disagreement for a predicted
   one) times how fast the quantity changes there -- or, beyond a minute, how
   far altitude, latitude and speed actually move when the trajectory slides
   by that much -- capped where an angle or distance stops meaning anything.

On a real NAIF trajectory every bound is 0.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SAMPLE_COLUMNS", "add_sample_bounds", "summary_uncertainty", "add_event_bounds",
           "time_uncertainty_s"]

#: Columns added to every sample row.
SAMPLE_COLUMNS = ("altitude_unc_km", "lat_unc_deg", "lon_unc_deg", "ground_unc_km",
                  "speed_unc_km_s")

# The geometry a time error can move: no more than the whole range.
_CAP = {"lat_unc_deg": 180.0, "lon_unc_deg": 180.0, "ground_unc_km": math.pi * 69911.0}
# Fastest that Juno's altitude or speed can change (at perijove: radial speed
# <= 58 km/s, acceleration <= 25 m/s^2); used where too few samples give a rate.
_MAX_RATE = {"altitude_km": 58.5, "speed_km_s": 0.025, "lat_pg_deg": 0.05, "lon_w_deg": 0.06,
             "ground_km": 58.5}


def time_uncertainty_s(pj: int) -> float:
    """Uncertainty of perijove ``pj``'s time as the model uses it, s."""
    from flyplan import predictions
    from flyplan.timetable import timetable

    entry = timetable().get(int(pj))
    return predictions.time_uncertainty_s(pj, entry.status if entry else None)


def _rates(samples) -> dict[str, np.ndarray]:
    """|d/dt| of the geometry at each sample (per s), from neighbouring samples."""
    et = samples["et"].to_numpy(float)
    out = {}
    for col in ("altitude_km", "lat_pg_deg", "lon_w_deg", "speed_km_s"):
        v = samples[col].to_numpy(float)
        if len(et) >= 2:
            if col == "lon_w_deg":
                v = np.degrees(np.unwrap(np.radians(v)))
            r = np.abs(np.gradient(v, et))
        else:
            r = np.full(len(et), _MAX_RATE[col])
        out[col] = np.where(np.isfinite(r), r, _MAX_RATE[col])
    # Ground speed of the sub-spacecraft point, km/s.
    lat = np.radians(samples["lat_pg_deg"].to_numpy(float))
    out["ground_km"] = 69911.0 * np.radians(np.hypot(out["lat_pg_deg"],
                                                      out["lon_w_deg"] * np.cos(lat)))
    return out


def _zero(n: int) -> dict[str, np.ndarray]:
    return {c: np.zeros(n) for c in SAMPLE_COLUMNS}


def _shifted_excursion(samples, pj: int, st: float) -> dict[str, np.ndarray] | None:
    """How far altitude, latitude and speed move if the whole trajectory slides by +-``st``.

    Read from the loaded (model) trajectory at ``et -+ st`` (clipped to the
    model's span): exact where a linear rate is not, e.g. at perijove, where
    the altitude's rate is zero but an hour's shift moves it by 100,000 km.
    None when the trajectory cannot be read there.
    """
    from flyplan.ephemeris.juno_model import model_window
    from flyplan.geometry.samples import sample_table

    lo, hi = model_window(pj)
    et = samples["et"].to_numpy(float)
    out = {k: np.zeros(len(et)) for k in ("altitude_km", "lat_pg_deg", "speed_km_s")}
    try:
        for sgn in (-1.0, 1.0):
            t = np.clip(et + sgn * st, lo + 60.0, hi - 60.0)
            sh = sample_table(np.ascontiguousarray(t), ())
            for k in out:
                out[k] = np.fmax(out[k], np.abs(sh[k].to_numpy(float) - samples[k].to_numpy(float)))
    except Exception:  # noqa: BLE001 - outside what the loaded trajectory covers
        return None
    return out


def sample_bounds(samples, pj: int, et_pj: float, approximate: bool) -> dict[str, np.ndarray]:
    """Bounds for each sample row (see the module docstring); zeros on real kernels."""
    n = len(samples)
    if not approximate or n == 0:
        return _zero(n)
    from flyplan.ephemeris.juno_bounds import bounds
    from flyplan.ephemeris.juno_model import perijove_row

    dt = samples["et"].to_numpy(float) - et_pj
    b = bounds(perijove_row(pj), dt)
    st = time_uncertainty_s(pj)
    rate = _rates(samples)
    lin = {k: rate[k] * st for k in rate}
    # Beyond a minute the rates are not enough: read the trajectory itself.
    ex = _shifted_excursion(samples, pj, st) if st > 60.0 else None
    if ex is not None:
        for k in ex:
            lin[k] = np.fmax(lin[k], ex[k])
    out = {
        "altitude_unc_km": b["altitude_km"] + lin["altitude_km"],
        "lat_unc_deg": b["lat_pg_deg"] + lin["lat_pg_deg"],
        "lon_unc_deg": b["lon_deg"] + lin["lon_w_deg"],
        "ground_unc_km": b["ground_km"] + lin["ground_km"],
        "speed_unc_km_s": b["speed_km_s"] + lin["speed_km_s"],
    }
    return {k: np.minimum(v, _CAP.get(k, np.inf)) for k, v in out.items()}


def add_sample_bounds(samples, pj: int, et_pj: float, approximate: bool) -> None:
    """Add :data:`SAMPLE_COLUMNS` to the sample table (in place)."""
    for k, v in sample_bounds(samples, pj, et_pj, approximate).items():
        samples[k] = v


def summary_uncertainty(around, pj: int, et_pj: float, approximate: bool) -> dict:
    """The ``uncertainty`` entry of the perijove summary (numbers; 0 on real kernels).

    Parameters
    ----------
    around : pandas.DataFrame
        Sample rows at perijove and a few seconds either side (for the rates);
        the row nearest ``et_pj`` is the perijove's.

    Returns
    -------
    dict
        ``time_s``, ``altitude_km``, ``lat_pg_deg``, ``lon_deg``, ``ground_km``,
        ``speed_km_s`` and ``basis`` (words).
    """
    keys = ("altitude_km", "lat_pg_deg", "lon_deg", "ground_km", "speed_km_s")
    if not approximate:
        return {"time_s": 0.0, **{k: 0.0 for k in keys},
                "basis": "real NAIF trajectory: no model uncertainty"}
    b = sample_bounds(around, pj, et_pj, True)
    i = int(np.argmin(np.abs(around["et"].to_numpy(float) - et_pj)))
    out = {"time_s": time_uncertainty_s(pj)}
    out.update({k: float(b[c][i]) for k, c in zip(keys, SAMPLE_COLUMNS)})
    out["basis"] = ("leave-one-out calibration of flyplan's Juno model "
                    "(flyplan/data/juno_model_bounds.json) plus the perijove time's "
                    "uncertainty times the rate of change; meant to contain the truth "
                    "at least 90% of the time")
    return out


def add_event_bounds(events, pj: int, et_pj: float, approximate: bool, observer: int = -61):
    """``time_unc_s`` and ``distance_unc_km`` for the moon closest-approach rows (in place).

    Distance: the model's position bound at the event's time from perijove
    plus the built-in moons' accuracy; on a targeted flyby the row is anchored
    on (``scripts/anchor_flybys.py``), the published figure's rounding plus the
    moons' accuracy; on one it is not anchored on, at least the largest
    measured flyby error.  Time: that
    distance over the speed relative to the moon, plus the perijove time's
    uncertainty.  0 on real kernels; NaN where the row is not a closest approach.
    """
    n = len(events)
    tu, du = np.full(n, np.nan), np.full(n, np.nan)
    if n:
        ca = (events["kind"] == "closest_approach").to_numpy()
        if ca.any() and not approximate:
            tu[ca], du[ca] = 0.0, 0.0
        elif ca.any():
            from spiceypy import cyice

            from flyplan.ephemeris.juno_bounds import bounds, calibration, flyby_bound
            from flyplan.ephemeris.juno_model import perijove_row

            cal = calibration()
            et = events["et"].to_numpy(float)
            pos = bounds(perijove_row(pj), et - et_pj)["position_km"]
            row = perijove_row(pj)
            fly_d, fly_t = flyby_bound()
            flyby_moon = _flyby_moon(pj) if row.method != "anchored" else None
            st = time_uncertainty_s(pj)
            anchored = cal.get("anchored_flybys", {}).get(str(int(pj)))
            for i in np.flatnonzero(ca):
                body = str(events["body"].iloc[i]).upper()
                d = pos[i] + cal["moon_ephemeris_km"]
                t_extra = 0.0
                alt = float(events["altitude_km"].iloc[i]) if "altitude_km" in events \
                    else float("nan")
                if anchored and body == anchored["moon"] and \
                        abs(alt - anchored["published_km"]) <= 10 * anchored["distance_unc_km"]:
                    # The row is anchored on this pass's published figure.
                    d, t_extra = anchored["distance_unc_km"], anchored["time_unc_s"]
                elif body == flyby_moon and not alt > 2 * fly_d:
                    # The targeted pass (not a distant minimum of the same orbit).
                    d, t_extra = max(d, fly_d), fly_t
                st_rel = cyice.spkezr_v(body, np.array([et[i]]), "J2000", "NONE",
                                        str(observer))[0][0, 3:]
                v = float(np.linalg.norm(st_rel)) or 1.0
                du[i] = d
                tu[i] = max(d / v, t_extra) + st
    events["time_unc_s"] = tu
    events["distance_unc_km"] = du
    return events


def _flyby_moon(pj: int) -> str | None:
    """The moon of a targeted flyby on perijove ``pj``'s inbound leg, from the calibration."""
    from flyplan.ephemeris.juno_bounds import calibration

    for f in calibration()["flybys"]:
        if int(f["pj"]) == int(pj):
            return str(f["moon"]).upper()
    return None
