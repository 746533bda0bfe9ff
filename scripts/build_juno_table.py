#!/usr/bin/env python
"""Build flyplan/data/juno_perijoves.csv, the built-in Juno model's perijove table.

Usage::

    PYTHONPATH=. python scripts/build_juno_table.py [NAIF_ROOT] [-o OUT]

``NAIF_ROOT`` is a mirror of NAIF's archive holding the Juno SPKs and ORBNUM
file listed in :data:`buildtools.juno_fit.ANCHOR_KERNELS` and
``ORBNUM_FILE`` plus ``generic_kernels/lsk/naif0012.tls`` and
``generic_kernels/pck/pck00010.tpc``; by default ``$FLYPLAN_SHARED/naif`` or
``../shared/naif``.  The perijove times come from the package's own timetable
(``flyplan/data/perijove_timetable.csv``).

Each row holds Juno's state at perijove in the JEQ frame (see
:mod:`flyplan.ephemeris.juno_model`), how it was obtained and its estimated
uncertainty; :mod:`buildtools.juno_fit` documents the methods.  The
build takes a few minutes (every bridge is a chain of orbit fits).  Nothing
from NAIF_ROOT is copied: only numbers derived from it, with the files named
in the header.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HEADER = """\
Juno perijove table for flyplan's built-in trajectory model (flyplan.ephemeris.juno_model).
Built by scripts/build_juno_table.py on {date} (buildtools.juno_fit) from:
  perijove times: flyplan/data/perijove_timetable.csv (sha256 {tt_sha})
{inputs}
Each row: Juno's state at perijove (closest approach to Jupiter's centre, NAIF 599) at the
published time, r_p/inc/node/argp/v_p, and how it was obtained.

Frame JEQ (for inc_deg, node_deg, argp_deg): z = Jupiter's north pole of the IAU rotation model
at the J2000 epoch (RA 268.056595 deg, Dec 64.495303 deg: constant terms of BODY599_POLE_RA/DEC,
pck00010.tpc = pck00011.tpc); x = ascending node of Jupiter's equator on the ICRF (J2000)
equator (along ICRF-z x pole); y = z x x.  Inertial: System III longitude follows from the time.
Columns:
  pj, utc (published, UTC, spacecraft event time), et (same instant, TDB s past J2000), status
  method: anchored (state of a NAIF Juno SPK at its closest approach) | apojove (line of apsides
    fitted to the apojove position in NAIF's ORBNUM file, orbit plane bridged) | bridged (carried
    `orbits` orbits from perijove `anchor` with the model, at the published times, radius reset
    to the anchors' trend) | extrapolated (bridged across a targeted moon flyby: indicative only)
  anchor, orbits: the kernel / ORBNUM file / anchor perijove, and orbits bridged from an anchor
  r_p_km: distance from Jupiter's centre at perijove, km
  inc_deg, node_deg: orbit plane at perijove (inclination, ascending node) in JEQ, deg
  argp_deg: angle from the ascending node to the perijove position, in the direction of motion, deg
  v_p_kms: speed at perijove relative to Jupiter's centre, km/s (velocity perpendicular to position)
  note "does not join PJn": propagated with the model the row misses the next perijove by more
    than 5 min (a manoeuvre or flyby on the way), with the implied delta-v
  period_d: mean of the published intervals to the neighbouring perijoves, days
  a_km: semi-major axis from period_d by Kepler's third law, GM = Jupiter + Galilean moons
    (gm_de431.tpc); informative, the model uses v_p_kms
  sigma_time_s, sigma_alt_km, sigma_angle_deg: estimated 1-sigma error near perijove (within
    +-1 h) of the perijove time, altitude, and latitude/longitude (includes the time's share);
    from the leave-one-out tests in docs/juno_model.md
  note: caveats
  burn_*: PJ0's orbit insertion burn fitted to the reconstructed kernel (start/end TDB s, start/end
    acceleration km/s^2 at constant thrust, thrust direction J2000 RA/Dec deg); empty elsewhere
"""


def jm_preload(inp) -> None:
    from flyplan.ephemeris import juno_model as jm

    # The moons' positions over the whole mission in one pass of their integrator.
    ets = sorted(inp.et.values())
    jm.preload_moons(ets[0] - 90 * 86400.0, ets[-1] + 90 * 86400.0)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(os.environ.get("FLYPLAN_SHARED", REPO.parent / "shared")) / "naif"
    ap.add_argument("naif", nargs="?", type=Path, default=default,
                    help=f"NAIF archive mirror (default {default})")
    ap.add_argument("-o", "--out", type=Path, default=REPO / "flyplan" / "data" / "juno_perijoves.csv")
    args = ap.parse_args(argv)

    import spiceypy as sp

    from buildtools import juno_fit as jf

    if not (args.naif / jf.GENERIC[0]).is_file():
        print(f"error: no NAIF kernels at {args.naif} (give NAIF_ROOT or set FLYPLAN_SHARED)",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    sp.kclear()
    inp = jf.load_inputs(args.naif)
    print(f"anchors: {sorted(inp.anchors)}; ORBNUM apojoves: {len(inp.orbnum)}", flush=True)
    jm_preload(inp)
    rows = jf.build_rows(inp, log=lambda m: print(m, flush=True))
    print("joins:", flush=True)
    rows = jf.join_flags(inp, rows, log=lambda m: print(m, flush=True))
    rows = {pj: jf.annotate(r) for pj, r in rows.items()}
    sp.kclear()

    used = [*jf.GENERIC, *inp.kernels, jf.ORBNUM_FILE]
    inputs = "\n".join(f"  {rel} (NAIF; sha256 {_sha(args.naif / rel)[:16]})" for rel in used)
    tt = REPO / "flyplan" / "data" / "perijove_timetable.csv"
    header = HEADER.format(date=dt.date.today().isoformat(), tt_sha=_sha(tt)[:16], inputs=inputs)
    jf.write_table(rows, args.out, header)
    print(f"wrote {args.out} ({len(rows)} rows) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
