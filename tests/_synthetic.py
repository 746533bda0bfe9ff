"""Synthetic kernels for testing events and planning where no real ones exist.

No real Galilean-moon ephemeris covers any Juno kernel in ../shared, so tests
use either

- a synthetic *observer* on 2021-02-26, the day of the real one-day jup310
  excerpt (real moons, Jupiter, Sun), on a Juno-like orbit (perijove at
  ~4,000 km altitude) or on a straight flyby past a moon; or
- synthetic *moons* (circular orbits in Jupiter's equatorial plane with the
  real radii and periods) around a real Juno trajectory (PJ1), written with the
  satellite-kernel name ``jup000_synthetic.bsp`` so that flyplan's kernel
  selection picks them up like a JPL jup3xx file.

Neither is a physical prediction; both give real SPICE kernels whose events
the Geometry Finder and dense sampling must agree on.

:func:`synthetic_perijove` makes a whole :class:`flyplan.domain.perijove.Perijove`
(with moon columns) on such an orbit, for the report's tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import spiceypy

from flyplan.ephemeris.spkwrite import Segment, write_spk13

GM_JUPITER = 126686534.0
OBSERVER = -999
DAY = "2021-02-26T00:10:00"
JUP310 = "generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp"
# The excerpt goes first so that DE421, loaded after it, wins for the bodies
# both hold: the excerpt's Earth segment (399) is unreadable (SPICE reports
# DAFBEGGTEND), while its moons and Jupiter (which DE421 lacks) are fine.
DAY_KERNELS = ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00010.tpc", JUP310,
               "generic_kernels/spk/planets/de421.bsp")

# Mean orbital radius (km) and period (days) of the Galilean moons.
MOON_ORBITS = {501: (421_700.0, 1.769138), 502: (671_034.0, 3.551181),
               503: (1_070_412.0, 7.154553), 504: (1_882_709.0, 16.689018)}


def furnsh_day(naif_dir: Path) -> None:
    for k in DAY_KERNELS:
        spiceypy.furnsh(str(naif_dir / k))


def kepler_observer(path: Path, *, t_peri: float, rp_km: float = 75_600.0, ecc: float = 0.98,
                    inc_deg: float = 90.0, node_deg: float = 30.0, argp_deg: float = -70.0,
                    span_s: tuple = (-11 * 3600.0, 11 * 3600.0), step_s: float = 30.0,
                    body: int = OBSERVER, name: str = "FAKE_JUNO") -> Path:
    """An SPK for a Juno-like orbit about Jupiter (J2000 conic), perijove at ``t_peri``."""
    et = t_peri + np.arange(span_s[0], span_s[1] + step_s, step_s)
    elts = [rp_km, ecc, np.radians(inc_deg), np.radians(node_deg), np.radians(argp_deg), 0.0,
            t_peri, GM_JUPITER]
    states = np.array([spiceypy.conics(elts, t) for t in et])
    out = write_spk13(path, [Segment(body, 599, "J2000", et, states)])
    spiceypy.furnsh(str(out))
    spiceypy.boddef(name, body)
    return out


def flyby_observer(path: Path, *, moon: int, t_ca: float, miss_km: float, speed_km_s: float = 6.0,
                   span_s: float = 3 * 3600.0, step_s: float = 20.0, body: int = OBSERVER,
                   name: str = "FAKE_JUNO") -> Path:
    """An SPK for a straight (Jupiter-inertial) pass whose closest approach to ``moon``
    is ``miss_km`` from its centre near ``t_ca``."""
    st, _ = spiceypy.spkezr(str(moon), t_ca, "J2000", "NONE", "599")
    rel_v = np.cross(st[:3], [0.0, 0.0, 1.0])
    rel_v = speed_km_s * rel_v / np.linalg.norm(rel_v)
    # Offset perpendicular to the relative motion, so the pass has its minimum at t_ca.
    off = np.cross(rel_v, st[:3])
    off = miss_km * off / np.linalg.norm(off)
    et = t_ca + np.arange(-span_s, span_s + step_s, step_s)
    # A straight line at the moon's velocity at closest approach plus rel_v;
    # the moon's orbit curves away by ~0.5 a t^2, negligible near t_ca.
    vel = st[3:] + rel_v
    pos = st[:3] + off + np.outer(et - t_ca, vel)
    out = write_spk13(path, [Segment(body, 599, "J2000", et,
                                     np.hstack([pos, np.tile(vel, (len(et), 1))]))])
    spiceypy.furnsh(str(out))
    spiceypy.boddef(name, body)
    return out


def synthetic_moons(path: Path, t0: float, t1: float, step_s: float = 600.0,
                    phases: dict | None = None) -> Path:
    """An SPK of circular Galilean moons about Jupiter (599) in its equatorial plane.

    Needs a PCK with Jupiter's pole (IAU_JUPITER) loaded, to orient the plane.
    """
    phases = phases or {501: 0.3, 502: 2.1, 503: 4.0, 504: 5.5}
    et = np.arange(t0 - step_s, t1 + 2 * step_s, step_s)
    # Jupiter's equator in J2000 at mid-window.
    rot = np.asarray(spiceypy.pxform("IAU_JUPITER", "J2000", 0.5 * (t0 + t1)))
    ex, ey = rot[:, 0], rot[:, 1]
    segs = []
    for moon, (r, period_d) in MOON_ORBITS.items():
        w = 2 * np.pi / (period_d * 86400.0)
        ang = phases[moon] + w * (et - et[0])
        pos = r * (np.outer(np.cos(ang), ex) + np.outer(np.sin(ang), ey))
        vel = r * w * (np.outer(-np.sin(ang), ex) + np.outer(np.cos(ang), ey))
        segs.append(Segment(moon, 599, "J2000", et, np.hstack([pos, vel]),
                            segid=f"flyplan test {moon}"))
    return write_spk13(path, segs)


def kernel_dir_with_moons(naif_dir: Path, tmp: Path, t0_utc: str, t1_utc: str) -> Path:
    """A kernel directory: the real NAIF mirror plus ``spk/jup000_synthetic.bsp``."""
    kdir = tmp / "kernels"
    (kdir / "spk").mkdir(parents=True, exist_ok=True)
    for sub in ("generic_kernels", "JUNO"):
        if not (kdir / sub).exists():
            os.symlink(naif_dir / sub, kdir / sub)
    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))
    spiceypy.furnsh(str(naif_dir / "generic_kernels/pck/pck00010.tpc"))
    t0, t1 = spiceypy.str2et(t0_utc), spiceypy.str2et(t1_utc)
    synthetic_moons(kdir / "spk" / "jup000_synthetic.bsp", t0, t1)
    spiceypy.kclear()
    return kdir


def circular_observer(path: Path, *, r_km: float = 600_000.0, phase0: float = 3.0,
                      inc_deg: float = 20.0, body: int = OBSERVER,
                      name: str = "FAKE_JUNO") -> tuple[float, float]:
    """The circular orbit of tests/test_samples.py on 2021-02-26 (Io transits Jupiter,
    Callisto is occulted and Io eclipsed during the day); returns its usable span."""
    t0 = spiceypy.str2et(DAY)
    et = t0 + np.arange(0.0, 23 * 3600.0, 300.0)
    w = np.sqrt(GM_JUPITER / r_km**3)
    inc = np.radians(inc_deg)
    ang = phase0 + w * (et - et[0])
    pos = np.stack([r_km * np.cos(ang), r_km * np.sin(ang) * np.cos(inc),
                    r_km * np.sin(ang) * np.sin(inc)], 1)
    vel = np.stack([-r_km * w * np.sin(ang), r_km * w * np.cos(ang) * np.cos(inc),
                    r_km * w * np.cos(ang) * np.sin(inc)], 1)
    out = write_spk13(path, [Segment(body, 599, "J2000", et, np.hstack([pos, vel]))])
    spiceypy.furnsh(str(out))
    spiceypy.boddef(name, body)
    return et[0] + 600.0, et[-1] - 600.0


# -- a whole Perijove result on a synthetic orbit ---------------------------------------------

PJ_UTC = "2021-02-26T12:00:00"
PJ_KERNELS = ("generic_kernels/lsk/naif0012.tls", "generic_kernels/pck/pck00011.tpc",
           "generic_kernels/spk/planets/de421.bsp",
           "generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp")


def ellipse_states(et, t_pj, rp, ra, u, v):
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


# Mean radii of the Galilean moons, km (IAU WGCCRE 2015, as in pck00011).
_MOON_RADIUS_KM = {"Io": 1821.5, "Europa": 1560.8, "Ganymede": 2631.2, "Callisto": 2410.3}


def _moon_heights(row, name):
    """A moon event's columns as the engine writes them: ``altitude_km`` above the
    moon (not Jupiter), ``juno_altitude_km`` above Jupiter's 1-bar ellipsoid."""
    rng = float(row[f"{name.lower()}_range_km"])
    return {"altitude_km": rng - _MOON_RADIUS_KM[name], "range_km": rng,
            "juno_altitude_km": float(row["altitude_km"])}


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
    files = [naif_dir / k for k in PJ_KERNELS]
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
    states = ellipse_states(et_k, t_pj, 71492.0 + 4000.0, 8.1e6, u, v)
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
               "altitude_km": at_pj["altitude_km"], "juno_altitude_km": at_pj["altitude_km"],
               "range_km": at_pj["radius_km"],
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
                               "body": name.upper(), **_moon_heights(row, name)})
        i = int(np.argmin(samples[f"{key}_range_km"]))
        row = samples.iloc[i]
        events.append({"utc": row["utc"], "et": row["et"], "kind": "moon_closest_approach",
                       "body": name.upper(), **_moon_heights(row, name)})
    lat_pg = samples["lat_pg_deg"].to_numpy()
    for i in np.flatnonzero(np.diff(np.sign(lat_pg))):
        row = samples.iloc[i + 1]
        events.append({"utc": row["utc"], "et": row["et"], "kind": "equator_crossing",
                       "body": "JUPITER", "altitude_km": row["altitude_km"],
                       "juno_altitude_km": row["altitude_km"],
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
