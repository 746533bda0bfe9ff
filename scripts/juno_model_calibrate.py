#!/usr/bin/env python
"""Measure the built-in Juno model against every independent truth flyplan has; derive its bounds.

Usage::

    PYTHONPATH=. python scripts/juno_model_calibrate.py [NAIF_ROOT] [--shared DIR] [-o OUT]

Writes ``flyplan/data/juno_model_bounds.json`` (read at run time by
:mod:`flyplan.ephemeris.juno_bounds`) and prints the calibration table for
``docs/juno_model.md``.  Measurements (model minus truth):

1. **leave-one-out against the real kernels** (PJ1, 28, 29, 30, 43, 44, 45, 46):
   each row rebuilt by the table's own method without its kernel
   (:func:`buildtools.juno_fit.load_inputs` ``exclude``), compared with the
   kernel from perijove out to +-20 days where the kernel covers;
2. **two-orbit bridges** between kernels (PJ28 <-> PJ30), and **long bridges**
   (from PJ1 over 21 orbits, from PJ28 back over 5) against the ORBNUM-fitted
   rows: how the error grows with orbits from the anchor;
3. **the anchored rows** (PJ0, 1, 28-30, 43-46) against their own kernels
   away from perijove: the propagator's error;
4. **JunoCam team metadata** (``../shared/junocam/metadata``: PJ16, PJ27):
   SPACECRAFT_ALTITUDE and SUB_SPACECRAFT_LATITUDE/LONGITUDE at IMAGE_TIME
   against the table's rows, which never saw them;
5. **published flyby figures** (``../shared/reference/juno_flybys.csv``):
   the model's closest approach to the moon, with flyplan's built-in moon
   ephemeris, against the published distance and time -- measured on the
   table before ``scripts/anchor_flybys.py`` anchors those rows on the same
   figures (a later run keeps those measurements);
6. **row-to-row consistency**: each row propagated with the model's own
   dynamics to the next perijove (time of arrival against the next row's
   time) and to the ORBNUM apojove between them (distance from Jupiter's
   centre against ORBNUM's); ``--rederive`` measures it again (seconds), so
   it describes the table after ``scripts/anchor_flybys.py``.

Bounds (meant to hold the truth at least 90% of the time; here they hold
every measurement): for each quantity and bin of |time from perijove|, the
largest error of one-orbit rows (``e1``), and a growth per further orbit
(``k``, the largest ``(e/e1 - 1)/(n - 1)`` over the measurements ``n`` > 1
orbits from an anchor), so that ``bound = e1 * (1 + k * (n - 1))``.  Anchored
rows (n = 0) take the propagator's measured error.  Takes a few minutes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import math
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from buildtools import juno_fit as jf  # noqa: E402
from flyplan.ephemeris import juno_model as jm  # noqa: E402

OUT = REPO / "flyplan" / "data" / "juno_model_bounds.json"
#: Offsets from perijove measured, hours.
HOURS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 6.0, 9.0, 12.0, 18.0, 24.0, 48.0, 72.0,
         120.0, 240.0, 360.0, 480.0)
#: Upper edges of the |time from perijove| bins of the bounds, hours.
BIN_EDGES_H = (0.5, 1.0, 2.0, 3.0, 6.0, 12.0, 24.0, 72.0, 240.0, 1e9)
QUANTITIES = ("altitude_km", "lat_pg_deg", "lon_deg", "ground_km", "speed_km_s", "position_km")
LOO_PJS = (1, 28, 29, 30, 43, 44, 45, 46)
#: Mean radius used for ground distances, km (volumetric mean of the 1-bar
#: ellipsoid 71492 x 71492 x 66854 km).
R_GROUND_KM = (71492.0 * 71492.0 * 66854.0) ** (1.0 / 3.0)


def _row(r):
    full = {k: r.get(k, "" if k in ("note", "utc", "status", "method", "anchor") else math.nan)
            for k in jm.COLUMNS}
    full["orbits"] = int(r.get("orbits", 0))
    return jm.PerijoveRow(**full)


def ground_km(lat1, lon1, lat2, lon2):
    """Great-circle distance between sub-spacecraft points, km (no blow-up at the pole)."""
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(np.asarray(lon2) - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * R_GROUND_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def _errors(ets, model_states, truth_states):
    gm, gt = jf.geometry(ets, model_states), jf.geometry(ets, truth_states)
    d = gm - gt
    return {
        "altitude_km": np.abs(d[:, 0]),
        "lat_pg_deg": np.abs(d[:, 1]),
        "lon_deg": np.abs((d[:, 2] + 180.0) % 360.0 - 180.0),
        "ground_km": ground_km(gm[:, 1], gm[:, 2], gt[:, 1], gt[:, 2]),
        "speed_km_s": np.abs(d[:, 3]),
        "position_km": np.linalg.norm(model_states[:, :3] - truth_states[:, :3], axis=1),
    }


def _covered(ets):
    import spiceypy as sp

    ok = []
    for t in ets:
        try:
            sp.spkezr("-61", float(t), "J2000", "NONE", "599")
            ok.append(True)
        except Exception:  # noqa: BLE001 - outside the kernels' coverage
            ok.append(False)
    return np.array(ok)


def _against_kernel(et_p, y, burn=None):
    """Errors of a model state propagated from ``et_p`` against the loaded kernel."""
    hours = np.array(sorted({s * h for h in HOURS for s in (-1, 1)}))
    ets = et_p + 3600.0 * hours
    ok = _covered(ets)
    ets, hours = ets[ok], hours[ok]
    err = _errors(ets, jm.propagate(et_p, y, ets, burn=burn),
                  jf.kernel_state(ets))
    return [{"dt_h": float(h), **{q: float(err[q][i]) for q in QUANTITIES}}
            for i, h in enumerate(hours)]


def measure_loo(naif, log):
    import spiceypy as sp

    out = []
    for pj in LOO_PJS:
        sp.kclear()
        inp = jf.load_inputs(naif, exclude=(pj,))
        r = jf.annotate(jf.build_rows(inp, only={pj}, log=lambda m: None)[pj])
        row = _row(r)
        et, y = jm.row_state(row)
        pts = _against_kernel(et, y)
        out.append({"source": "leave-one-out, real kernel", "pj": pj, "method": row.method,
                    "orbits": int(row.orbits), "label": row.label, "points": pts})
        log(f"LOO PJ{pj} ({row.label}): max alt {max(p['altitude_km'] for p in pts if abs(p['dt_h']) <= 1):.0f} km"
            f" within 1 h")
    # Two orbits: an anchor's kernel state carried over two perijoves.
    sp.kclear()
    inp = jf.load_inputs(naif)
    et = inp.et
    rp = {p: float(np.linalg.norm(s[1][:3])) for p, s in inp.anchors.items()}
    for src, dst in ((28, 30), (30, 28)):
        step = 1 if dst > src else -1
        chain = list(range(src + step, dst + step, step))
        y = jf.bridge(et[src], inp.anchors[src][1], [et[n] for n in chain],
                      lambda i: rp[src])[-1]
        y, _, _ = jf.fit_period(et[dst], y, jf._arrival_target(inp, dst))
        out.append({"source": "two-orbit bridge, real kernel", "pj": dst, "method": "bridged",
                    "orbits": len(chain), "label": f"bridged {len(chain)} orbits from PJ{src}",
                    "points": _against_kernel(et[dst], y)})
        log(f"bridge PJ{src}->PJ{dst} done")
    # The anchored rows themselves, away from perijove: the propagator.
    rows = jm.perijove_rows()
    for pj in sorted(inp.anchors):
        row = rows[pj]
        et_p, y = jm.row_state(row)
        out.append({"source": "anchored row against its own kernel", "pj": pj,
                    "method": "anchored", "orbits": 0, "label": row.label,
                    "points": _against_kernel(et_p, y, burn=row.burn)})
    log("anchored rows done")
    return out


def measure_bridge_drift(naif, log):
    """Rows bridged from an anchor alone against the table's ORBNUM-fitted rows.

    Model against model: the ORBNUM-fitted rows are pinned by an independent
    apojove each orbit (JunoCam metadata at PJ16, 15 orbits from PJ1, confirms
    them to the one-orbit envelope), so the drift of a pure bridge from them
    is how a bridged row's error grows with orbits.
    """
    import spiceypy as sp

    sp.kclear()
    inp = jf.load_inputs(naif)
    et = inp.et
    rows = jm.perijove_rows()
    out = []
    for anchor, chain in ((1, list(range(2, 23))), (28, list(range(27, 22, -1)))):
        states = jf.bridge(et[anchor], inp.anchors[anchor][1], [et[n] for n in chain],
                           lambda i: rows[chain[i]].r_p_km)
        for n, y in zip(chain, states):
            e_ref, y_ref = jm.row_state(rows[n])
            hours = np.array(sorted({s * h for h in HOURS if h <= 24 for s in (-1, 1)}))
            ets = et[n] + 3600.0 * hours
            err = _errors(ets, jm.propagate(et[n], y, ets), jm.propagate(e_ref, y_ref, ets))
            out.append({"source": "bridge drift against the ORBNUM-fitted row (model vs model)",
                        "kind": "drift", "pj": n, "method": "bridged",
                        "orbits": abs(n - anchor), "label": f"bridged from PJ{anchor}",
                        "points": [{"dt_h": float(h), **{q: float(err[q][i]) for q in QUANTITIES}}
                                   for i, h in enumerate(hours)]})
        log(f"bridge drift from PJ{anchor} over {len(chain)} orbits done")
    return out


def _junocam_truth(shared):
    out = []
    for f in sorted((shared / "junocam" / "metadata").glob("*.json")):
        d = json.loads(f.read_text())
        out.append({"file": f.name, "product": d["PRODUCT_ID"], "pj": int(d["ORBIT_NUMBER"]),
                    "utc": d["IMAGE_TIME"] + "Z",
                    "altitude_km": float(str(d["SPACECRAFT_ALTITUDE"]).split()[0]),
                    "lat_pg_deg": float(d["SUB_SPACECRAFT_LATITUDE"]),
                    "lon_w_deg": float(d["SUB_SPACECRAFT_LONGITUDE"])})
    return out


def measure_junocam(shared, log):
    import spiceypy as sp

    out = []
    rows = jm.perijove_rows()
    for t in _junocam_truth(shared):
        row = rows[t["pj"]]
        et = float(sp.str2et(t["utc"].rstrip("Z")))
        et_p, y = jm.row_state(row)
        st = jm.propagate(et_p, y, np.array([et]))
        g = jf.geometry([et], st)[0]
        d_alt = abs(g[0] - t["altitude_km"])
        d_lat = abs(g[1] - t["lat_pg_deg"])
        d_lon = abs((g[2] - t["lon_w_deg"] + 180.0) % 360.0 - 180.0)
        gk = float(ground_km(g[1], g[2], t["lat_pg_deg"], t["lon_w_deg"]))
        out.append({"source": "JunoCam team metadata", "pj": t["pj"], "method": row.method,
                    "orbits": int(row.orbits), "label": row.label, "product": t["product"],
                    "points": [{"dt_h": (et - et_p) / 3600.0, "altitude_km": float(d_alt),
                                "lat_pg_deg": float(d_lat), "lon_deg": float(d_lon),
                                "ground_km": gk}],
                    "model": {"altitude_km": float(g[0]), "lat_pg_deg": float(g[1]),
                              "lon_w_deg": float(g[2])},
                    "truth": {k: t[k] for k in ("altitude_km", "lat_pg_deg", "lon_w_deg")}})
        log(f"JunoCam {t['product']} PJ{t['pj']} ({row.label}): d_alt {d_alt:.0f} km, "
            f"d_lat {d_lat:.3f}, d_lon {d_lon:.3f} deg, ground {gk:.0f} km")
    return out


MOON_INDEX = {"IO": 0, "EUROPA": 1, "GANYMEDE": 2, "CALLISTO": 3}
MOON_RADIUS_KM = {"IO": 1821.5, "EUROPA": 1560.8, "GANYMEDE": 2631.2, "CALLISTO": 2410.3}


def measure_flybys(shared, log):
    """Model closest approach to the flyby moon against the published figures."""
    import spiceypy as sp

    from flyplan.ephemeris import galilean

    out = []
    rows = jm.perijove_rows()
    with open(shared / "reference" / "juno_flybys.csv") as f:
        fly = [r for r in csv.DictReader(f) if float(r["distance_km"]) < 5000]
    for r in fly:
        pj, moon = int(r["pj"]), r["moon"].upper()
        row = rows[pj]
        et_p, y = jm.row_state(row)
        day0 = float(sp.str2et(r["date_utc"] + "T00:00:00"))
        coarse = np.arange(day0 - 6 * 3600.0, day0 + 30 * 3600.0, 60.0)
        coarse = coarse[coarse < et_p]
        juno = jm.propagate(et_p, y, coarse)[:, :3]
        mpos = galilean.propagate(coarse)[:, MOON_INDEX[moon], :3]
        i = int(np.argmin(np.linalg.norm(juno - mpos, axis=1)))
        fine = np.arange(coarse[max(i - 1, 0)], coarse[min(i + 1, len(coarse) - 1)], 0.5)
        dist = np.linalg.norm(jm.propagate(et_p, y, fine)[:, :3]
                              - galilean.propagate(fine)[:, MOON_INDEX[moon], :3], axis=1)
        k = int(np.argmin(dist))
        alt = float(dist[k] - MOON_RADIUS_KM[moon])
        pub_alt = float(r["distance_km"])
        rec = {"source": "published flyby figure", "pj": pj, "moon": moon, "method": row.method,
               "orbits": int(row.orbits), "label": row.label,
               "model_ca_utc": sp.et2utc(float(fine[k]), "ISOC", 1) + "Z",
               "model_ca_altitude_km": alt, "published_altitude_km": pub_alt,
               "distance_error_km": abs(alt - pub_alt), "inside": bool(alt < 0),
               "dt_h": float((fine[k] - et_p) / 3600.0)}
        if r["time_utc"]:
            pub = float(sp.str2et(f"{r['date_utc']}T{r['time_utc']}:00"))
            # Published to the minute: +-30 s of the rounding is not the model's error.
            rec["published_ca_utc"] = f"{r['date_utc']}T{r['time_utc']}Z"
            rec["time_error_s"] = max(0.0, abs(float(fine[k]) - pub) - 30.0)
        out.append(rec)
        log(f"flyby PJ{pj} {moon}: model {alt:.0f} km at {rec['model_ca_utc']}, published "
            f"{pub_alt:.0f} km {rec.get('published_ca_utc', '(date only)')}")
    return out


ANCHORED_NOTE = "flyby pass anchored on the published figure"


def _rounding_km(value: float) -> float:
    """Half a unit of the last non-zero digit of a published figure (1500 -> 50, 1038 -> 0.5)."""
    v = int(round(value))
    unit = 1
    while v and v % (unit * 10) == 0:
        unit *= 10
    return 0.5 * unit


def anchored_flyby_bounds(shared, flybys):
    """Bounds of the closest approaches the table is anchored on (scripts/anchor_flybys.py).

    Distance: the published figure's rounding plus the moon ephemeris' 20 km.
    Time: half a minute where published to the minute, else the largest
    closest-approach time error measured on an unanchored flyby.
    """
    fly_t = max((f.get("time_error_s", 0.0) for f in flybys if f["method"] != "anchored"),
                default=0.0)
    out = {}
    with open(shared / "reference" / "juno_flybys.csv") as f:
        for r in csv.DictReader(f):
            pj = int(r["pj"])
            if float(r["distance_km"]) >= 5000 or pj not in jm.perijove_rows():
                continue
            if ANCHORED_NOTE not in jm.perijove_row(pj).note:
                continue
            out[str(pj)] = {"moon": r["moon"].upper(),
                            "distance_unc_km": _rounding_km(float(r["distance_km"])) + 20.0,
                            "time_unc_s": 30.0 if r["time_utc"] else max(30.0, fly_t),
                            "published_km": float(r["distance_km"]),
                            "published_time": r["time_utc"] or None}
    return out


def measure_consistency(naif, log):
    """Each row propagated to the next perijove and to the ORBNUM apojove between them."""
    import spiceypy as sp

    sp.kclear()
    inp = jf.load_inputs(naif)
    rows = jm.perijove_rows()
    out = []
    for pj in sorted(rows)[:-1]:
        a, b = rows[pj], rows[pj + 1]
        et_a, ya = jm.row_state(a)
        grid = b.et + np.arange(-12 * 3600.0, 12 * 3600.0 + 1, 30.0)
        r = np.linalg.norm(jm.propagate(et_a, ya, grid, burn=a.burn)[:, :3], axis=1)
        i = int(np.argmin(r))
        rec = {"pj": pj, "next": pj + 1, "method": a.method, "next_method": b.method,
               "crosses": jf.BREAKS.get(pj + 1, "")}
        if 0 < i < len(grid) - 1:
            # parabola through the three samples around the minimum
            y0, y1, y2 = r[i - 1:i + 2]
            off = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
            rec["arrival_miss_s"] = float(grid[i] + off * 30.0 - b.et)
        else:
            rec["arrival_miss_s"] = None  # no minimum within 12 h
        if pj + 1 in inp.orbnum:
            et_apo, pos = inp.orbnum[pj + 1]
            for key, row in (("apojove_from_prev_km", a), ("apojove_from_next_km", b)):
                e0, y0s = jm.row_state(row)
                s = jm.propagate(e0, y0s, np.array([et_apo]), burn=row.burn)[0, :3]
                rec[key] = float(np.linalg.norm(s) - np.linalg.norm(pos))
        out.append(rec)
    misses = [abs(x["arrival_miss_s"]) for x in out if x["arrival_miss_s"] is not None]
    log(f"row-to-row: median arrival miss {np.median(misses) / 60:.1f} min, max "
        f"{max(misses) / 3600:.2f} h")
    return out


def _bin(dt_h: float) -> int:
    return int(np.searchsorted(BIN_EDGES_H, abs(dt_h), side="left"))


def derive(measurements):
    """Per quantity and |dt| bin: ``e0`` (anchored), ``e1`` (one orbit), growth ``k``."""
    nb = len(BIN_EDGES_H)
    e0 = {q: [0.0] * nb for q in QUANTITIES}
    e1 = {q: [0.0] * nb for q in QUANTITIES}
    drift1 = {q: [0.0] * nb for q in QUANTITIES}
    for m in measurements:
        for p in m["points"]:
            b = _bin(p["dt_h"])
            for q in QUANTITIES:
                if q not in p:
                    continue
                if m.get("kind") == "drift":
                    if m["orbits"] == 1:
                        drift1[q][b] = max(drift1[q][b], p[q])
                elif m["orbits"] == 0:
                    e0[q][b] = max(e0[q][b], p[q])
                elif m["orbits"] == 1:
                    e1[q][b] = max(e1[q][b], p[q])
    # Bins with no one-orbit measurement take the next measured bin outward
    # (errors grow away from perijove); then make e1 non-decreasing outward.
    for q in QUANTITIES:
        for arr in (e0[q], e1[q]):
            for b in range(nb - 2, -1, -1):
                if arr[b] == 0.0:
                    arr[b] = arr[b + 1]
            for b in range(1, nb):
                arr[b] = max(arr[b], arr[b - 1])
        # A row one orbit from its anchor is not better known than the anchored rows,
        # nor than an ORBNUM-fitted row plus a one-orbit bridge's drift from it.
        e1[q] = list(np.maximum.accumulate(
            [max(a, b) + d for a, b, d in zip(e0[q], e1[q], drift1[q])]))
    # Growth per orbit in each |dt| bin: the errors of multi-orbit rows grow
    # faster far from perijove than near it, so one growth for all bins would
    # make the near-perijove bounds of bridged rows those of a day out.  Made
    # non-decreasing outward (a bin's growth is at least that measured closer in).
    k = {q: [0.0] * nb for q in QUANTITIES}
    for m in measurements:
        if m["orbits"] <= 1:
            continue
        drift = m.get("kind") == "drift"
        for p in m["points"]:
            b = _bin(p["dt_h"])
            for q in QUANTITIES:
                if q in p and e1[q][b] > 0:
                    # truth: bound >= error; drift from a row good to e1: bound >= e1 + drift
                    need = (p[q] / e1[q][b] if drift else p[q] / e1[q][b] - 1.0)
                    k[q][b] = max(k[q][b], need / (m["orbits"] - 1))
    k = {q: [float(x) for x in np.maximum.accumulate(v)] for q, v in k.items()}
    return e0, e1, k


def bound(e0, e1, k, q, orbits, dt_h):
    b = _bin(dt_h)
    if orbits == 0:
        return e0[q][b]
    return e1[q][b] * (1.0 + k[q][b] * (orbits - 1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_shared = Path(os.environ.get("FLYPLAN_SHARED", REPO.parent / "shared"))
    ap.add_argument("naif", nargs="?", default=str(default_shared / "naif"))
    ap.add_argument("--shared", default=str(default_shared))
    ap.add_argument("-o", "--out", default=str(OUT))
    ap.add_argument("--rederive", action="store_true",
                    help="re-derive the bounds from the measurements already in OUT")
    args = ap.parse_args(argv)
    naif, shared = Path(args.naif), Path(args.shared)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731

    import spiceypy as sp

    if args.rederive:
        # Same measurements, derivation only (the measurements take minutes).
        old = json.loads(Path(args.out).read_text())
        ms = old["measurements"]
        loo = [m for m in ms if m["source"] not in ("JunoCam team metadata",)
               and m.get("kind") != "drift"]
        junocam = [m for m in ms if m["source"] == "JunoCam team metadata"]
        drift = [m for m in ms if m.get("kind") == "drift"]
        flybys = old["flybys"]
        # The joins of the table as it is now (scripts/anchor_flybys.py turns
        # rows after the full run); seconds.
        consistency = measure_consistency(naif, log)
    else:
        loo = measure_loo(naif, log)
        drift = measure_bridge_drift(naif, log)
        sp.kclear()
        jf.load_inputs(naif)
        junocam = measure_junocam(shared, log)
        if any(ANCHORED_NOTE in jm.perijove_row(p).note for p in (34, 57, 58)) \
                and Path(args.out).is_file():
            # The published figures now anchor those rows (scripts/anchor_flybys.py):
            # keep what they measured before, the model's error on a flyby it is
            # not anchored on.
            flybys = json.loads(Path(args.out).read_text())["flybys"]
        else:
            flybys = measure_flybys(shared, log)
        consistency = measure_consistency(naif, log)
    e0, e1, k = derive(loo + junocam + drift)

    # Moon closest approaches on targeted flybys the model is not anchored on:
    # the published figures are the only truth, so the bound is their largest error.
    fly_dist = max(f["distance_error_km"] for f in flybys if f["method"] != "anchored")
    fly_time = max((f.get("time_error_s", 0.0) for f in flybys if f["method"] != "anchored"),
                   default=0.0)
    sp.kclear()
    anchored = anchored_flyby_bounds(shared, flybys)
    table_sha = hashlib.sha256((REPO / "flyplan" / "data" / jm.TABLE).read_bytes()).hexdigest()
    doc = {
        "format": "flyplan juno model bounds 1",
        "generated_by": "scripts/juno_model_calibrate.py",
        "date": dt.date.today().isoformat(),
        "table_sha256": table_sha,
        "meaning": ("Bounds meant to contain the truth at least 90% of the time; derived as "
                    "envelopes of every measurement below, so they contain all of them. "
                    "bound(q, orbits, dt) = e0[q][bin] for anchored rows (orbits 0), else "
                    "e1[q][bin] * (1 + k_bin[q][bin] * (orbits - 1)); bin = first edge >= |dt| hours; "
                    "k[q] = max over bins. "
                    "The perijove time's own uncertainty (flyplan.predictions) is added at "
                    "run time."),
        "bin_edges_h": list(BIN_EDGES_H),
        "quantities": list(QUANTITIES),
        "e0": e0, "e1": e1, "k": {q: max(v) for q, v in k.items()}, "k_bin": k,
        "flyby": {"distance_km": fly_dist, "time_s": fly_time,
                  "note": "targeted moon flybys the model is not anchored on (PJ34, 57, 58): "
                          "largest |model - published| closest-approach altitude and time"},
        "anchored_flybys": anchored,
        "moon_ephemeris_km": 20.0,
        "moon_ephemeris_note": "built-in moons against the ephemerides Juno's navigation used "
                               "after 2022 (flyplan.ephemeris.moons_spk.ACCURACY_NOTE)",
        "measurements": loo + junocam + drift,
        "flybys": flybys,
        "consistency": consistency,
        "sources": {"naif": [str(k) for k in jf.ANCHOR_KERNELS] + [jf.ORBNUM_FILE],
                    "junocam": [m["file"] for m in _junocam_truth(shared)],
                    "flybys": "reference/juno_flybys.csv"},
    }
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n")
    log(f"wrote {args.out}")
    print_table(doc)
    return 0


def print_table(doc):
    print("| quantity | " + " | ".join(f"<= {h:g} h" for h in doc["bin_edges_h"][:-1])
          + " | beyond | growth per orbit |")
    print("|---|" + "---|" * (len(doc["bin_edges_h"]) + 1))
    for q in doc["quantities"]:
        for key, name in (("e0", "anchored"), ("e1", "1 orbit")):
            print(f"| {q} ({name}) | " + " | ".join(f"{v:.3g}" for v in doc[key][q]) + " | "
                  + (f"{doc['k'][q]:.3g}" if key == "e1" else "") + " |")


if __name__ == "__main__":
    raise SystemExit(main())
