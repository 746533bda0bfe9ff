"""A Perijove with moons, for the report's tests, from real ephemerides and a synthetic Juno.

No Juno kernel covers a day for which a moon ephemeris is at hand here, so a
Juno-like spacecraft (NAIF id -61: perijove 4,000 km above the cloud tops,
polar orbit, 53-day period) is written as an SPK for 2021-02-26, the day of the
real jup310 excerpt, and flyplan's engine (:func:`flyplan.geometry.samples.sample_table`)
computes the samples on it.  The events are stand-ins of several kinds,
derived from the samples, to exercise the generic event drawing; they are not
checks of event finding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PJ_UTC = "2021-02-26T12:00:00"
GM_JUPITER = 126686534.0  # km^3/s^2, gm_de431.tpc BODY599_GM (rounded)
KERNELS = ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00011.tpc",
           "generic_kernels/spk/planets/de421.bsp",
           "generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp")


def _kepler_states(et, t_pj, rp, ra, u, v):
    """Two-body states on an ellipse with periapsis ``rp`` along ``u`` at ``t_pj``."""
    a = 0.5 * (rp + ra)
    e = (ra - rp) / (ra + rp)
    n = np.sqrt(GM_JUPITER / a**3)
    m = n * (et - t_pj)
    ecc = m.copy()
    for _ in range(50):
        ecc -= (ecc - e * np.sin(ecc) - m) / (1.0 - e * np.cos(ecc))
    b = a * np.sqrt(1.0 - e * e)
    x, y = a * (np.cos(ecc) - e), b * np.sin(ecc)
    edot = n / (1.0 - e * np.cos(ecc))
    vx, vy = -a * np.sin(ecc) * edot, b * np.cos(ecc) * edot
    pos = np.outer(x, u) + np.outer(y, v)
    vel = np.outer(vx, u) + np.outer(vy, v)
    return np.hstack([pos, vel])


def synthetic_perijove(naif_dir: Path, workdir: Path, *, step_s: float = 120.0,
                       approximate: bool = False):
    """A :class:`flyplan.domain.perijove.Perijove` with moon columns, perijove at 2021-02-26T12:00 UTC.

    Leaves SPICE's kernel pool empty.
    """
    import pandas as pd
    import spiceypy

    from flyplan.geometry import samples as geometry
    from flyplan.constants import MOONS
    from flyplan.ephemeris.spkwrite import Segment, write_spk13
    from flyplan.kernels.pool import KernelSet
    from flyplan.domain.perijove import Perijove
    from flyplan.kernels.assemble import KernelSelection
    from flyplan.timeutil import et_to_utc

    spiceypy.kclear()
    files = [naif_dir / k for k in KERNELS]
    for f in files:
        spiceypy.furnsh(str(f))
    t_pj = spiceypy.str2et(PJ_UTC)
    rot = spiceypy.pxform("J2000", "IAU_JUPITER", t_pj)
    e1, e2, pole = np.array(rot[0]), np.array(rot[1]), np.array(rot[2])
    # Perijove 8 deg north of the equator, heading south, like Juno's.
    lat, lon = np.radians(8.0), np.radians(40.0)
    u = np.cos(lat) * (np.cos(lon) * e1 + np.sin(lon) * e2) + np.sin(lat) * pole
    v = -(pole - np.dot(pole, u) * u)
    v /= np.linalg.norm(v)
    et_k = t_pj + np.arange(-7 * 3600.0, 7 * 3600.0 + 1.0, 60.0)
    states = _kepler_states(et_k, t_pj, 71492.0 + 4000.0, 8.1e6, u, v)
    spk = write_spk13(Path(workdir) / "synthetic_juno.bsp",
                      [Segment(-61, 599, "J2000", et_k, states, segid="flyplan test orbit")])
    spiceypy.furnsh(str(spk))
    try:
        et = t_pj + np.arange(-6 * 3600.0, 6 * 3600.0 + 1.0, step_s)
        moon_ids = tuple(MOONS.values())
        samples = geometry.sample_table(et, moon_ids)
        at_pj = geometry.sample_table(np.array([t_pj]), moon_ids).iloc[0].to_dict()
        pj_utc = et_to_utc(t_pj)
    finally:
        spiceypy.kclear()

    ks = KernelSet()
    for f in files:
        ks.add(f)
    ks.add(spk, source="test fixture", note="synthetic Juno-like orbit")
    plan = KernelSelection(ks, trajectory="model" if approximate else "naif",
                      trajectory_label="synthetic Juno-like orbit (test fixture)",
                      approximate=approximate, moons="naif",
                      moons_label="JPL satellite ephemeris jup310_excerpt_2021-02-26.bsp")
    summary = {"perijove": 99, **at_pj, "perijove_time_method": "test",
               "trajectory_source": plan.trajectory, "approximate": approximate}
    events = [{"utc": pj_utc, "et": t_pj, "kind": "perijove", "body": "JUPITER",
               "altitude_km": at_pj["altitude_km"], "range_km": at_pj["radius_km"],
               "lat_pg_deg": at_pj["lat_pg_deg"], "lon_w_deg": at_pj["lon_w_deg"]}]
    # Stand-in events of several kinds from the samples' state changes.
    for name in MOONS:
        key = name.lower()
        for col, kind in (("occulted", "occultation"), ("in_shadow", "eclipse"),
                          ("transit", "transit")):
            flag = samples[f"{key}_{col}"].to_numpy(bool)
            for i in np.flatnonzero(np.diff(flag.astype(int))):
                row = samples.iloc[i + 1]
                events.append({"utc": row["utc"], "et": row["et"],
                               "kind": f"{kind}_{'ingress' if flag[i + 1] else 'egress'}",
                               "body": name.upper(), "altitude_km": row["altitude_km"],
                               "range_km": row[f"{key}_range_km"]})
        i = int(np.argmin(samples[f"{key}_range_km"]))
        row = samples.iloc[i]
        events.append({"utc": row["utc"], "et": row["et"], "kind": "moon_closest_approach",
                       "body": name.upper(), "altitude_km": row["altitude_km"],
                       "range_km": row[f"{key}_range_km"]})
    lat_pg = samples["lat_pg_deg"].to_numpy()
    for i in np.flatnonzero(np.diff(np.sign(lat_pg))):
        row = samples.iloc[i + 1]
        events.append({"utc": row["utc"], "et": row["et"], "kind": "equator_crossing",
                       "body": "JUPITER", "altitude_km": row["altitude_km"],
                       "range_km": row["radius_km"], "lat_pg_deg": row["lat_pg_deg"],
                       "lon_w_deg": row["lon_w_deg"]})
    events = pd.DataFrame(events).sort_values("et", kind="stable").reset_index(drop=True)
    return Perijove(99, t_pj, pj_utc, "test", summary, samples, events, plan,
                    (float(et[0]), float(et[-1])), step_s, notes=[])


def with_junocam_columns(pj):
    """A copy of ``pj`` whose samples carry stand-in JunoCam columns.

    The values only give the figures something to draw (the engine computes
    the real ones): scale proportional to range, swath where the moon is
    visible within 30 deg of Jupiter's limb direction.
    """
    import copy

    from flyplan.constants import MOONS

    out = copy.copy(pj)
    df = pj.samples.copy()
    for name in MOONS:
        key = name.lower()
        df[f"{key}_km_per_px"] = df[f"{key}_range_km"] * 6.7e-4
        df[f"{key}_in_swath"] = (~df[f"{key}_occulted"]) & (df[f"{key}_limb_angle_deg"] < 30.0)
    out.samples = df
    return out
