#!/usr/bin/env python
"""Measure the built-in Juno model against the real kernels; print Markdown for docs/juno_model.md.

Usage::

    PYTHONPATH=. python scripts/juno_model_loo.py [NAIF_ROOT] [--dynamics] > /tmp/loo.md

Sections:

A. the propagator alone: a kernel's perijove state propagated and compared
   with the kernel (position difference, km);
B. leave-one-out: each perijove a kernel covers is rebuilt by the table's own
   method without its kernel state, and compared at perijove and +-1 h;
C. pure bridging over 1 and 2 orbits between kernel perijoves;
D. long bridges: rows bridged only from PJ1 (or back from PJ28) against the
   table's apojove-fitted rows (model against model: the ORBNUM apojove pins
   the line of apsides; shows how the perijove position drifts with orbits);
E. the PJ38 seed point and the SPK generation time and size;
F. the dynamics (``--dynamics`` runs this alone): the kernels' accelerations
   against the model's with the moons as rings and as point masses, the
   manoeuvres the kernels contain, and kernel states propagated to the next
   perijove with either.

Takes several minutes (the long bridges are chains of orbit fits).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from buildtools import juno_fit as jf  # noqa: E402
from flyplan.ephemeris import juno_model as jm  # noqa: E402

HOURS = (-1.0, 0.0, 1.0)


def _row(pj, r):
    full = {k: r.get(k, "" if k in ("note", "utc", "status", "method", "anchor") else math.nan)
            for k in jm.COLUMNS}
    full["orbits"] = int(r.get("orbits", 0))
    return jm.PerijoveRow(**full)


def _fmt_errors(d):
    return (f"{np.abs(d[:, 0]).max():.0f} | {np.abs(d[:, 1]).max():.3f} | "
            f"{np.abs(d[:, 2]).max():.3f} | {1000 * np.abs(d[:, 3]).max():.0f}")


def _fmt_by_hour(d):
    return " | ".join(f"{x[0]:+.0f} / {x[1]:+.3f} / {x[2]:+.3f} / {1000 * x[3]:+.0f}" for x in d)


def section_a(inp):
    import spiceypy as sp  # noqa: F401

    print("## A. Propagator against the kernels (anchored perijove states)\n")
    hs = (0.5, 1, 2, 3, 6, 12)
    print("| PJ | kernel | " + " | ".join(f"±{h:g} h" for h in hs) + " |")
    print("|---|---|" + "---|" * len(hs))
    for pj in sorted(inp.anchors):
        et_k, y, kernel = inp.anchors[pj]
        burn = None
        if pj == 0:
            b = jf.fit_burn(et_k)
            burn = jm.Burn(b["burn_et0"], b["burn_et1"], b["burn_acc0"], b["burn_acc1"],
                           tuple(jm._pole(b["burn_ra_deg"], b["burn_dec_deg"])))
        cells = []
        for h in hs:
            ets = et_k + np.array([-h, h]) * 3600.0
            d = np.linalg.norm(jm.propagate(et_k, y, ets, burn=burn)[:, :3]
                               - jf.kernel_state(ets)[:, :3], axis=1)
            cells.append(f"{d[0]:.2f} / {d[1]:.2f}")
        print(f"| {pj} | {kernel} | " + " | ".join(cells) + " |")
    print("\nPosition difference model - kernel in km, before / after perijove.  PJ0 includes the"
          " fitted insertion burn.\n")


def section_b(naif, pjs):
    import spiceypy as sp

    print("## B. Leave-one-out with the table's method\n")
    print("Each row rebuilt without its own kernel state (`load_inputs(exclude=(pj,))`,"
          " `build_rows(only={pj})`), compared with the kernel at perijove - 1 h, perijove,"
          " perijove + 1 h.  Each cell: d_alt km / d_lat_pg deg / d_lon deg / d_speed m/s"
          " (model - kernel).\n")
    print("| PJ | method | -1 h | PJ | +1 h | max alt km | max lat | max lon | max speed m/s |"
          " row sigma alt km, angle deg | kernel PJ - published s | build s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    out = {}
    for pj in pjs:
        sp.kclear()
        inp = jf.load_inputs(naif, exclude=(pj,))
        t0 = time.perf_counter()
        r = jf.annotate(jf.build_rows(inp, only={pj}, log=lambda m: None)[pj])
        dt = time.perf_counter() - t0
        row = _row(pj, r)
        et, y = jm.row_state(row)
        d = jf.compare(et, y, HOURS)
        out[pj] = (row, d)
        et_k = jf.kernel_perijove(et)[0]
        print(f"| {pj} | {row.label} | {_fmt_by_hour(d)} | {_fmt_errors(d)} | "
              f"{row.sigma_alt_km:g}, {row.sigma_angle_deg:g} | {et_k - et:+.1f} | {dt:.0f} |")
    print()
    return out


def section_c(naif, pairs):
    import spiceypy as sp

    print("## C. Pure bridging between kernel perijoves\n")
    print("The anchor's kernel state carried N orbits (speed fitted to the published times,"
          " radius reset to the interpolation between the anchors on either side of the target,"
          " or the source's when there is none), compared as in B.\n")
    print("| from | to | orbits | -1 h | PJ | +1 h | max alt km | max lat | max lon | max speed m/s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    sp.kclear()
    inp = jf.load_inputs(naif)
    et = inp.et
    rp = {p: float(np.linalg.norm(s[1][:3])) for p, s in inp.anchors.items()}
    for src, dst in pairs:
        lo = max([p for p in rp if p < dst], default=None)
        hi = min([p for p in rp if p > dst], default=None)
        if lo is not None and hi is not None:
            prior = float(np.interp(et[dst], [et[lo], et[hi]], [rp[lo], rp[hi]]))
        else:
            prior = rp[src]
        step = 1 if dst > src else -1
        chain = list(range(src + step, dst + step, step))
        y = jf.bridge(et[src], inp.anchors[src][1], [et[n] for n in chain], lambda i: prior)[-1]
        y, _, _ = jf.fit_period(et[dst], y, jf._arrival_target(inp, dst))
        d = jf.compare(et[dst], y, HOURS)
        print(f"| PJ{src} | PJ{dst} | {len(chain)} | {_fmt_by_hour(d)} | {_fmt_errors(d)} |")
    print()


def section_d(naif, anchor, targets):
    import spiceypy as sp

    sp.kclear()
    inp = jf.load_inputs(naif)
    et = inp.et
    rows = jm.perijove_rows()
    chain = list(targets)
    states = jf.bridge(et[anchor], inp.anchors[anchor][1], [et[n] for n in chain],
                       lambda i: rows[chain[i]].r_p_km)
    out = []
    for n, y in zip(chain, states):
        e_ref, y_ref = jm.row_state(rows[n])
        ets = et[n] + 3600.0 * np.asarray(HOURS)
        g_b = jf.geometry(ets, jm.propagate(et[n], y, ets))
        g_r = jf.geometry(ets, jm.propagate(e_ref, y_ref, ets))
        d = g_b - g_r
        d[:, 2] = (d[:, 2] + 180.0) % 360.0 - 180.0
        out.append((n, abs(n - anchor), d))
    return out


def section_e():
    print("## E. PJ38 seed point and SPK generation\n")
    from scipy.optimize import brentq

    row = jm.perijove_row(38)
    et, y = jm.row_state(row)
    ts = et + np.arange(-3 * 3600.0, 1.0, 60.0)
    g = jf.geometry(ts, jm.propagate(et, y, ts))
    i = np.where(np.diff(np.sign(g[:, 1] - 69.0)) != 0)[0][-1]
    f = lambda t: jf.geometry([t], jm.propagate(et, y, [t]))[0, 1] - 69.0  # noqa: E731
    tc = brentq(f, ts[i], ts[i + 1], xtol=1e-3)
    gc = jf.geometry([tc], jm.propagate(et, y, [tc]))[0]
    import spiceypy as sp

    print(f"PJ38 ({row.label}): perijove {row.utc}; inbound at planetographic latitude 69 deg:"
          f" {sp.et2utc(tc, 'ISOC', 1)}Z, altitude {gc[0]:.0f} km, speed {gc[3] * 3600:.0f} km/h"
          f" ({tc - et:.0f} s before perijove).  Published (JunoCam): 14,000 +- 700 km,"
          f" 198,000 +- 2,000 km/h.\n")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FLYPLAN_CACHE"] = tmp
        print("| PJ | SPK states | size (bytes) | generation s | window (days) |")
        print("|---|---|---|---|---|")
        for pj in (0, 38, 80):
            t0 = time.perf_counter()
            path = jm.model_spk(pj)
            dt = time.perf_counter() - t0
            a, b = jm.model_window(pj)
            size = path.stat().st_size
            print(f"| {pj} | {_count_states(path)} | {size} | {dt:.2f} | {(b - a) / 86400:.1f} |")
    print()


def _count_states(path):
    import spiceypy as sp

    h = sp.dafopr(str(path))
    sp.dafbfs(h)
    n = 0
    while sp.daffna():
        _, ic = sp.dafus(sp.dafgs(), 2, 6)
        end = int(ic[5])
        # Type 13 segment trailer: window size - 1, number of states.
        n += int(sp.dafgda(h, end, end)[0])
    sp.dafcls(h)
    return n


# --- F. the dynamics: moons as rings or as point masses, and the kernels' manoeuvres ---

#: Kernel arcs between perijoves on one continuous real kernel.
ARCS = ((28, 29), (29, 30), (43, 44), (44, 45), (45, 46))
#: A kernel acceleration this far above the model's is thrust (Juno's trim
#: manoeuvres push ~1.7e-6 km/s^2; the model's largest residual elsewhere,
#: near perijove from the gravity terms it leaves out, is ~1.5e-7).
THRUST_KMS2 = 5e-7


def _accel_residual(ts, moons):
    """Kernel acceleration (central difference of its velocity) minus the model's, km/s^2."""
    h = 1.0
    y = jf.kernel_state(np.concatenate([ts - h, ts, ts + h])).reshape(3, len(ts), 6)
    acc_k = (y[2, :, 3:] - y[0, :, 3:]) / (2 * h)
    forces = jm._Forces(float(ts[0]), float(ts[-1] - ts[0]), moons=moons)
    acc_m = np.array([forces(t, s)[3:] for t, s in zip(ts, y[1])])
    return acc_k - acc_m, np.linalg.norm(y[1, :, :3], axis=1)


def manoeuvres(et_a, et_b, step=300.0):
    """Thrust arcs in the loaded kernel between two perijoves: [(t0, t1, dv km/s)].

    Samples above :data:`THRUST_KMS2` less than an hour apart are one
    manoeuvre; its delta-v is the kernel's velocity after it minus the
    point-mass model's, propagated across it from the kernel's state before.
    """
    ts = np.arange(et_a + 3 * 3600.0, et_b - 3 * 3600.0, step)
    res, _ = _accel_residual(ts, "points")
    idx = np.where(np.linalg.norm(res, axis=1) > THRUST_KMS2)[0]
    groups = []
    for i in idx:
        if groups and ts[i] - ts[groups[-1][-1]] < 3600.0:
            groups[-1].append(i)
        else:
            groups.append([i])
    out = []
    for g in groups:
        t0, t1 = ts[g[0]] - step, ts[g[-1]] + step
        y0, y1 = jf.kernel_state([t0, t1])
        dv = y1[3:] - jm.propagate(t0, y0, [t1])[0, 3:]
        out.append((t0, t1, dv))
    return out


def _arrival(et0, y0, guess, moons):
    """The model's perijove nearest ``guess`` from a state (TDB s): brentq on r.v."""
    from scipy.optimize import brentq

    ts = guess + np.arange(-14 * 3600.0, 14 * 3600.0 + 1, 600.0)
    ys = jm.propagate(et0, y0, ts, moons=moons)
    rv = np.einsum("ij,ij->i", ys[:, :3], ys[:, 3:])
    k = np.where((rv[:-1] < 0) & (rv[1:] >= 0))[0]
    if not k.size:
        return math.nan
    k = k[np.argmin(np.abs(ts[k] - guess))]

    def f(t):
        s = jm.propagate(et0, y0, [t], moons=moons)[0]
        return float(s[:3] @ s[3:])

    return brentq(f, ts[k], ts[k + 1], xtol=1e-3)


def section_f(inp):
    import spiceypy as sp

    print("## F. Dynamics: the moons as rings or as point masses, against the kernels\n")
    print("Kernel acceleration (central difference of its velocity, every 10 min) minus the"
          " model's, away from perijove (|t - PJ| > 1 d) and from thrust; km/s^2.\n")
    print("| arc | rings median | rings max | points median | points max |")
    print("|---|---|---|---|---|")
    burns = {}
    for a, b in ARCS:
        ets = np.arange(inp.anchors[a][0] + _DAY_S, inp.anchors[b][0] - _DAY_S, 600.0)
        burns[(a, b)] = manoeuvres(inp.anchors[a][0], inp.anchors[b][0])
        keep = np.ones(len(ets), bool)
        for t0, t1, _ in burns[(a, b)]:
            keep &= (ets < t0 - 1800.0) | (ets > t1 + 1800.0)
        cells = []
        for moons in ("rings", "points"):
            n = np.linalg.norm(_accel_residual(ets[keep], moons)[0], axis=1)
            cells.append(f"{np.median(n):.1e} | {n.max():.1e}")
        print(f"| PJ{a} -> PJ{b} | " + " | ".join(cells) + " |")
    print("\nManoeuvres in the kernels (thrust above "
          f"{THRUST_KMS2:g} km/s^2 against the point-mass model, 5-min samples, merged when < 1 h"
          " apart; delta-v = kernel velocity after minus the model's propagated across):\n")
    print("| arc | from (UTC) | span min | delta-v m/s |")
    print("|---|---|---|---|")
    for (a, b), lst in burns.items():
        for t0, t1, dv in lst:
            print(f"| PJ{a} -> PJ{b} | {sp.et2utc(t0, 'ISOC', 0)}Z | {(t1 - t0) / 60:.0f} |"
                  f" {1000 * np.linalg.norm(dv):.3f} |")
        if not lst:
            print(f"| PJ{a} -> PJ{b} | none | | |")
    print("\nThe kernel's state propagated to the next perijove: from perijove (across the"
          " manoeuvres) and from one hour after the last manoeuvre (dynamics alone).  Arrival:"
          " model perijove minus the kernel's, minutes; position error km at 20, 10, 5 and 1"
          " days before the next perijove (where after the start).\n")
    print("| arc | start | moons | arrival min | -20 d | -10 d | -5 d | -1 d |")
    print("|---|---|---|---|---|---|---|---|")
    for a, b in ARCS:
        et_a, y_a = inp.anchors[a][:2]
        et_b = inp.anchors[b][0]
        starts = [("perijove", et_a)]
        if burns[(a, b)]:
            starts.append(("after the last manoeuvre", burns[(a, b)][-1][1] + 3600.0))
        for label, t_s in starts:
            y_s = jf.kernel_state([t_s])[0]
            ets = et_b - np.array([20.0, 10.0, 5.0, 1.0]) * _DAY_S
            truth = jf.kernel_state(ets)
            for moons in ("rings", "points"):
                d = np.linalg.norm(jm.propagate(t_s, y_s, ets, moons=moons)[:, :3]
                                   - truth[:, :3], axis=1)
                cells = " | ".join(f"{x:,.0f}" if t > t_s else "-" for x, t in zip(d, ets))
                arr = (_arrival(t_s, y_s, et_b, moons) - et_b) / 60.0
                print(f"| PJ{a} -> PJ{b} | {label} | {moons} | {arr:+.2f} | {cells} |",
                      flush=True)
    print()


_DAY_S = 86400.0


def main():
    default = Path(os.environ.get("FLYPLAN_SHARED", REPO.parent / "shared")) / "naif"
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    naif = Path(args[0]) if args else default
    import spiceypy as sp

    if "--dynamics" in sys.argv:
        # Section F alone (a few minutes).
        sp.kclear()
        section_f(jf.load_inputs(naif, orbnum=False))
        return

    started = time.perf_counter()
    print(f"<!-- generated by: PYTHONPATH=. python scripts/juno_model_loo.py {naif} -->\n")
    sp.kclear()
    inp = jf.load_inputs(naif)
    section_a(inp)
    section_b(naif, [29, 44, 28, 30, 43, 45, 46, 1])
    section_c(naif, [(28, 29), (30, 29), (43, 44), (44, 43), (45, 46), (46, 45),
                     (28, 30), (30, 28), (29, 30), (29, 28)])
    print("## D. Long bridges against the apojove-fitted rows (model vs model)\n")
    print("|d_lat|, |d_lon| (deg) at perijove and their maximum at +-1 h, between a row bridged"
          " only from the anchor and the table's apojove-fitted row.\n")
    print("| orbits | from PJ1: target | at PJ | at +-1 h | from PJ28: target | at PJ | at +-1 h |")
    print("|---|---|---|---|---|---|---|")
    fwd = {k: (n, d) for n, k, d in section_d(naif, 1, range(2, 28))}
    back = {k: (n, d) for n, k, d in section_d(naif, 28, range(27, 1, -1))}
    for k in range(1, 27):
        cells = []
        for tab in (fwd, back):
            n, d = tab[k]
            side = np.abs(d[[0, 2]])
            cells.append(f"PJ{n} | {abs(d[1, 1]):.3f}, {abs(d[1, 2]):.3f} | "
                         f"{side[:, 1].max():.3f}, {side[:, 2].max():.3f}")
        print(f"| {k} | " + " | ".join(cells) + " |")
    print()
    sp.kclear()
    jf.load_inputs(naif)
    section_e()
    sp.kclear()
    section_f(jf.load_inputs(naif, orbnum=False))
    print(f"<!-- total {time.perf_counter() - started:.0f} s -->")


if __name__ == "__main__":
    main()
