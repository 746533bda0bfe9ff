#!/usr/bin/env python
"""Anchor the Juno model's targeted-flyby rows on the published flyby figures.

Usage::

    PYTHONPATH=. python scripts/anchor_flybys.py [REFERENCE_DIR]

For each targeted flyby in ``juno_flybys.csv`` (``REFERENCE_DIR``, default
``$FLYPLAN_SHARED/reference`` or ``../shared/reference``) closer than 5,000 km
whose perijove row is not anchored on a real kernel (PJ34 Ganymede, PJ57 and
PJ58 Io; PJ45's Europa pass is on a real kernel and comes out at 356 km
against the published 352 km), the row's perijove state is turned by the
smallest rotation about Jupiter's centre that makes the model pass the moon
(flyplan's built-in moon ephemeris) at the published distance above the
surface and, where one is published to the minute, at the published time.  A
rotation keeps the perijove's time, radius and speed (the row's period and
the timetable), and changes its orbit plane and perijove direction by a
fraction of a degree -- inside the row's own uncertainty.  The rows of
``flyplan/data/juno_perijoves.csv`` are updated in place (``inc_deg``,
``node_deg``, ``argp_deg``, ``note``); nothing else is touched.

The pass is computed with the model's dynamics, in which every Galilean moon
is a point mass at its ephemeris position, so the trajectory is bent by the
moon as Juno's was.  Run on the table as built
(``scripts/build_juno_table.py``): the rotation is found from there.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flyplan.ephemeris import juno_model as jm  # noqa: E402

TABLE = REPO / "flyplan" / "data" / jm.TABLE
MOON_INDEX = {"IO": 0, "EUROPA": 1, "GANYMEDE": 2, "CALLISTO": 3}
#: Mean radii (pck00011 BODY50x_RADII), km: "distance above the surface".
MOON_RADIUS_KM = {"IO": 1821.5, "EUROPA": 1560.8, "GANYMEDE": 2631.2, "CALLISTO": 2410.3}
#: How closely the fit must meet the figures (well inside their rounding).
DIST_TOL_KM, TIME_TOL_S = 1.0, 5.0
#: Scale of the rotation penalty (rad): the smallest turn that meets the figures.
ROT_SCALE = 1e-2
NOTE = "flyby pass anchored on the published figure"


def _ets(day_utc: str):
    import spiceypy as sp

    return float(sp.str2et(day_utc))


def _closest(et_p, y, grid, moon_pos):
    d = np.linalg.norm(jm.propagate(et_p, y, grid)[:, :3] - moon_pos, axis=1)
    k = int(np.clip(np.argmin(d), 1, len(grid) - 2))
    y0, y1, y2 = d[k - 1:k + 2]
    den = y0 - 2 * y1 + y2
    off = 0.5 * (y0 - y2) / den if den > 0 else 0.0
    step = grid[1] - grid[0]
    return float(grid[k] + off * step), float(y1 - 0.125 * (y0 - y2) * off)


def anchor(row, moon: str, alt_km: float, t_pub: float | None, log):
    from scipy.optimize import least_squares
    from scipy.spatial.transform import Rotation

    from flyplan.ephemeris import galilean

    et_p, y0 = jm.row_state(row)
    coarse = np.arange(et_p - 40 * 3600.0, et_p - 600.0, 60.0)
    mc = galilean.propagate(coarse)[:, MOON_INDEX[moon], :3]
    dc = np.linalg.norm(jm.propagate(et_p, y0, coarse)[:, :3] - mc, axis=1)
    t0 = float(coarse[int(np.argmin(dc))])
    centre = t_pub if t_pub is not None else t0
    grid = np.arange(centre - 3 * 3600.0, centre + 3 * 3600.0, 2.0)
    grid = grid[grid < et_p - 60.0]
    moon_pos = galilean.propagate(grid)[:, MOON_INDEX[moon], :3]
    target = MOON_RADIUS_KM[moon] + alt_km

    def state(w):
        rot = Rotation.from_rotvec(w)
        return np.concatenate([rot.apply(y0[:3]), rot.apply(y0[3:])])

    def resid(w):
        t, d = _closest(et_p, state(w), grid, moon_pos)
        r = [(d - target) / DIST_TOL_KM]
        if t_pub is not None:
            r.append((t - t_pub) / TIME_TOL_S)
        return np.concatenate([r, np.asarray(w) / ROT_SCALE])

    before = _closest(et_p, y0, grid, moon_pos)
    w = least_squares(resid, np.zeros(3), diff_step=1e-7, x_scale=1e-4, xtol=1e-12,
                      ftol=1e-12, gtol=1e-12, max_nfev=200).x
    sol = type("Sol", (), {"x": w})
    y = state(sol.x)
    after = _closest(et_p, y, grid, moon_pos)
    turn = math.degrees(np.linalg.norm(sol.x))
    log(f"PJ{row.pj} {moon}: before {before[1] - MOON_RADIUS_KM[moon]:.0f} km, after "
        f"{after[1] - MOON_RADIUS_KM[moon]:.1f} km (published {alt_km:.0f}); CA moved "
        f"{after[0] - before[0]:+.0f} s; turned {turn:.3f} deg")
    return y, after, turn


def anchor_and_join(row, moon, alt_km, t_pub, log, rounds: int = 4):
    """Turn the row to meet its flyby, then refit its speed to the next perijove, in turn.

    The turn moves the outbound leg against the moons, so the row stops
    joining the next one; refitting the perijove speed (time and radius
    kept) moves the inbound pass a little.  A few rounds meet both.
    """
    import dataclasses

    from buildtools import juno_fit as jf

    rows = jm.perijove_rows()
    nxt = rows.get(row.pj + 1)
    turned = 0.0
    for _ in range(rounds):
        y, after, turn = anchor(row, moon, alt_km, t_pub, log)
        turned += turn
        el = jm.state_elements(y)
        row = dataclasses.replace(row, **{k: el[k] for k in ("inc_deg", "node_deg", "argp_deg")})
        if nxt is None:
            break
        try:
            y_fit, _, _ = jf.fit_period(row.et, y, nxt.et, tol=1.0)
        except RuntimeError as exc:
            log(f"  PJ{row.pj}: speed refit to PJ{nxt.pj} failed ({exc})")
            break
        dv = 1000.0 * (np.linalg.norm(y_fit[3:]) - row.v_p_kms)
        log(f"  PJ{row.pj}: speed refit to arrive at PJ{nxt.pj}: {dv:+.3f} m/s")
        row = dataclasses.replace(row, v_p_kms=float(np.linalg.norm(y_fit[3:])))
        if abs(dv) < 1e-3:
            break
    y, after, turn = anchor(row, moon, alt_km, t_pub, log)
    return y, after, turned + turn, row.v_p_kms


def _join_flag(row, y, log) -> list[str]:
    """The 'does not join' flag of a turned row, if it now misses the next perijove."""
    from buildtools import juno_fit as jf

    rows = jm.perijove_rows()
    if row.pj + 1 not in rows:
        return []
    d = jm.state_elements(y)
    r = dict(row.as_dict(), **{k: d[k] for k in ("inc_deg", "node_deg", "argp_deg", "v_p_kms")},
             method=row.method)
    flagged = jf.join_flags(jf.Inputs(naif=Path("."), utc={}, status={},
                                      et={row.pj: row.et, row.pj + 1: rows[row.pj + 1].et}),
                            {row.pj: r}, log=log)[row.pj]
    if "join_miss_s" not in flagged:
        return []
    return [x for x in jf.annotate(flagged)["note"].split("; ") if x.startswith(jm.JOIN_NOTE)]


def main(argv=None) -> int:
    import spiceypy as sp

    argv = sys.argv[1:] if argv is None else argv
    default = Path(os.environ.get("FLYPLAN_SHARED", REPO.parent / "shared")) / "reference"
    ref = Path(argv[0]) if argv else default
    naif = ref.parent / "naif"
    sp.furnsh(str(naif / "generic_kernels" / "lsk" / "naif0012.tls"))
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    with open(ref / "juno_flybys.csv") as f:
        fly = [r for r in csv.DictReader(f) if float(r["distance_km"]) < 5000]
    text = TABLE.read_text()
    head = [ln for ln in text.splitlines() if ln.startswith("#")]
    body = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    recs = list(csv.DictReader(body))
    by_pj = {int(r["pj"]): r for r in recs}
    for r in fly:
        pj, moon = int(r["pj"]), r["moon"].upper()
        row = jm.perijove_row(pj)
        if row.method == "anchored":
            continue
        t_pub = _ets(f"{r['date_utc']}T{r['time_utc']}:00") if r["time_utc"] else None
        y, (t_ca, _), turn, v_p = anchor_and_join(row, moon, float(r["distance_km"]), t_pub,
                                                   log)
        el = jm.state_elements(y)
        rec = by_pj[pj]
        for k in ("inc_deg", "node_deg", "argp_deg"):
            rec[k] = f"{el[k]:.7f}"
        rec["v_p_kms"] = f"{v_p:.8f}"
        when = f"{r['date_utc']} {r['time_utc']}" if r["time_utc"] else r["date_utc"]
        note = (f"{NOTE} ({moon.title()} {float(r['distance_km']):.0f} km above the surface, "
                f"{when} UTC; state turned {turn:.3f} deg)")
        keep = [x for x in rec["note"].split("; ") if x and not x.startswith(NOTE)
                and "is not modelled" not in x and not x.startswith(jm.JOIN_NOTE)]
        rec["note"] = "; ".join(keep + [note] + _join_flag(row, y, log))
    buf = io.StringIO()
    buf.write("\n".join(head) + "\n")
    w = csv.DictWriter(buf, fieldnames=list(recs[0].keys()), lineterminator="\n")
    w.writeheader()
    w.writerows(recs)
    TABLE.write_text(buf.getvalue())
    log(f"updated {TABLE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
