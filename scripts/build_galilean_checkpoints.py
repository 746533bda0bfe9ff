#!/usr/bin/env python
"""Write flyplan/data/galilean_checkpoints.json: the moon integrator's exact state every 30 days.

The built-in Galilean ephemeris integrates the four moons in fixed steps from
the fit's epoch (2021-02-26) both ways; reaching 2016 or 2030 takes a few
hundred thousand steps (~1-2 s).  This script runs that integration once over
the span of the built-in moon SPK (2015-12-01 .. 2031-02-01 TDB) and stores,
every ``--every-days`` days of grid, the state and its Kahan compensation as
exact float reprs, tagged with the fit's constants digest, so that
:func:`flyplan.ephemeris.galilean.propagate` resumes from the nearest one and
gives the same numbers (a different fit ignores the file).

Run it again whenever ``flyplan/data/galilean_fit.json`` changes::

    PYTHONPATH=. python scripts/build_galilean_checkpoints.py [--out flyplan/data/galilean_checkpoints.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flyplan.ephemeris import galilean as gal  # noqa: E402
from flyplan.ephemeris import moons_spk  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=gal.checkpoints_path())
    ap.add_argument("--every-days", type=float, default=30.0)
    args = ap.parse_args(argv)
    fit = gal.load_fit()
    every = int(round(args.every_days * gal.SEC_PER_DAY / fit.step))
    t0 = time.perf_counter()
    rows = gal.integration_checkpoints(fit, moons_spk.DEFAULT_START_ET, moons_spk.DEFAULT_STOP_ET,
                                       every)
    doc = {
        "description": ("State (km, km/s, J2000, relative to Jupiter's centre; 4 moons x 6) and "
                        "Kahan compensation of flyplan's Galilean-moon integrator at grid points "
                        "fit epoch + step * step_s; resumed from by galilean.propagate"),
        "generated_by": "scripts/build_galilean_checkpoints.py",
        "fit_digest": fit.digest,
        "fit_epoch_et": fit.epoch,
        "step_s": fit.step,
        "every_steps": every,
        **rows,
    }
    # float repr round-trips exactly through json
    args.out.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    n = len(rows["forward"]) + len(rows["backward"])
    print(f"{args.out}: {n} checkpoints, {args.out.stat().st_size / 1e3:.0f} kB, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
