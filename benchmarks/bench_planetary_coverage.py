"""flyplan's Juno geometry against planetary-coverage on the same trajectory and samples.

Run on demand, in an environment that has both packages::

    pip install planetary-coverage
    python benchmarks/bench_planetary_coverage.py [--pj 1] [--kernels ../shared/naif]

planetary-coverage (https://planetary-coverage.org) computes the sub-spacecraft
point, altitude, latitude, longitude, local time and speed from the same SPICE
kernels.  Both are timed on the quantities they have in common (Juno relative
to Jupiter: altitude above the reference ellipsoid, latitude, longitude, local
solar time, speed), on the same ET array and the same loaded kernels, in the
same run.  The altitudes are compared too, as a check that both compute the
same thing.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _common import best_time as _best, perijove_window


def main(argv=None):
    try:
        import planetary_coverage
        from planetary_coverage.trajectory import Trajectory
    except ImportError:
        raise SystemExit("planetary-coverage is not installed: pip install planetary-coverage")

    from flyplan.geometry import samples as geometry

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pj", type=int, default=1)
    ap.add_argument("--kernels", default=None)
    ap.add_argument("--samples", type=int, default=43200)
    args = ap.parse_args(argv)

    ets, plan = perijove_window(args.pj, args.kernels, args.samples, moons=False)
    files = [str(k.path) for k in plan.kernels.kernels]

    def flyplan_juno():
        j = geometry.juno_arrays(ets)
        return j["altitude_km"]

    def pc_juno():
        # A fresh Trajectory each time: its results are cached properties.
        traj = Trajectory(files, "JUNO", "JUPITER", ets)
        traj.alt, traj.lat, traj.lon_e, traj.local_time, traj.sc_speed  # noqa: B018
        return traj.alt

    t_fp = _best(flyplan_juno)
    plan.kernels.load()  # planetary-coverage may have reloaded the pool itself
    t_pc = _best(pc_juno)
    plan.kernels.load()
    alt_fp = flyplan_juno()
    alt_pc = pc_juno()

    n = len(ets)
    print(f"PJ{args.pj} +-6 h, {n} samples; python {platform.python_version()}, "
          f"planetary-coverage {planetary_coverage.__version__}; trajectory: "
          f"{plan.trajectory_label}")
    print(f"{'planetary-coverage Trajectory (alt, lat, lon, local time, speed)':66s} "
          f"{n / t_pc:12,.0f} samples/s")
    print(f"{'flyplan geometry.juno_arrays (same quantities and more)':66s} "
          f"{n / t_fp:12,.0f} samples/s")
    print(f"flyplan / planetary-coverage: {t_pc / t_fp:.1f}x faster")
    print(f"altitude agreement: max |difference| = {np.max(np.abs(alt_fp - alt_pc)) * 1000:.3f} m")


if __name__ == "__main__":
    main()
