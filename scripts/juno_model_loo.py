#!/usr/bin/env python
"""Measure the built-in Juno model against the real kernels; print Markdown for docs/juno_model.md.

Usage::

    PYTHONPATH=. python scripts/juno_model_loo.py [NAIF_ROOT] > /tmp/loo.md

Sections:

A. the propagator alone: a kernel's perijove state propagated and compared
   with the kernel (position difference, km);
B. leave-one-out: each perijove a kernel covers is rebuilt by the table's own
   method without its kernel state, and compared at perijove and +-1 h;
C. pure bridging over 1 and 2 orbits between kernel perijoves;
D. long bridges: rows bridged only from PJ1 (or back from PJ28) against the
   table's apojove-fitted rows (model against model: the ORBNUM apojove pins
   the line of apsides; shows how the perijove position drifts with orbits);
E. the PJ38 seed point and the SPK generation time and size.

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
        y, _, _ = jf.fit_period(et[dst], y, jf._mean_period_target(inp, dst))
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


def main():
    default = Path(os.environ.get("FLYPLAN_SHARED", REPO.parent / "shared")) / "naif"
    naif = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    import spiceypy as sp

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
    print(f"<!-- total {time.perf_counter() - started:.0f} s -->")


if __name__ == "__main__":
    main()
