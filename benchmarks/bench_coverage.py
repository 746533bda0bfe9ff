"""A JunoCam coverage map of one pass against a plain spiceypy loop over the same pairs.

Run on demand::

    python benchmarks/bench_coverage.py --kernels ../shared/naif      # PJ1, +-3 h, 1 deg, 10 s

flyplan's map (:func:`flyplan.domain.coverage.coverage`: 180 x 360 cells x 2,161
times = 1.4e8 time x cell pairs) is timed whole, set-up included, after one
warm-up call that compiles the pair scan.  The baseline is what one would write
with plain spiceypy: per time ``spkpos`` and ``pxform``, per (time, cell) pair
``illumf`` (emission, incidence, phase, visible, lit) and the spin-plane angle,
keeping each cell's smallest range in the swath.  Run over all pairs that loop
would take hours, so it is timed on a random subset of the same pairs and
scaled by the pair count (stated in the output).  Memory: the peak of Python's
allocations during the map (``tracemalloc``, which numpy reports to) and the
process's maximum resident set.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
import tracemalloc

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pj", type=int, default=1)
    ap.add_argument("--kernels", default=None)
    ap.add_argument("--res", type=float, default=1.0)
    ap.add_argument("--step", default="10s")
    ap.add_argument("--window", default="-3h..+3h")
    ap.add_argument("--loop-pairs", type=int, default=20000,
                    help="pairs timed in the plain loop (then scaled)")
    args = ap.parse_args(argv)

    import spiceypy

    from flyplan.domain.coverage import coverage
    from flyplan.geometry import junocam
    from flyplan.geometry.surface import grid
    from flyplan.numerics import footprint

    def run():
        return coverage(args.pj, window=args.window, step=args.step, res_deg=args.res,
                        kernels=args.kernels)

    t = time.perf_counter()
    run()
    first = time.perf_counter() - t
    times = []
    for _ in range(2):
        t = time.perf_counter()
        res = run()
        times.append(time.perf_counter() - t)
    fast = min(times)
    # Memory in a separate call: tracing allocations slows numpy down.
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    n_t = len(res.pass_.et)
    lat, lon = grid(args.res)
    n_c = len(lat) * len(lon)
    pairs = n_t * n_c

    # The plain loop on a random subset of the same (time, cell) pairs.
    res.pass_.plan.kernels.load()
    cam = junocam.camera()
    lo_s, hi_s = np.sin(np.radians(cam.swath_deg))
    rng = np.random.default_rng(0)
    # A few times, many cells each: the per-time calls are amortised as they would be
    # in a loop over all cells, and the per-pair work (illumf, the swath test) dominates.
    n_times = 4
    per_time = args.loop_pairs // n_times
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    pts, _ = footprint.surface_points(np.radians(la.ravel()), -np.radians(lo.ravel()),
                                      71492.0, 66854.0)
    att = res.pass_.attitude
    best = {}
    t = time.perf_counter()
    for i in rng.integers(0, n_t, n_times):
        et = float(res.pass_.et[i])
        juno = spiceypy.spkpos("JUNO", et, "IAU_JUPITER", "NONE", "JUPITER")[0]
        rot = spiceypy.pxform("J2000", "IAU_JUPITER", et)
        axis = spiceypy.vhat(spiceypy.mxv(rot, junocam.spin_axis([et], att)[0][0]))
        for c in rng.integers(0, n_c, per_time):
            _, srf, _ph, _inc, _emi, vis, _lit = spiceypy.illumf(
                "ELLIPSOID", "JUPITER", "SUN", et, "IAU_JUPITER", "NONE", "JUNO", pts[c])
            d = pts[c] - juno
            s = spiceypy.vdot(d, axis) / spiceypy.vnorm(d)
            if vis and lo_s <= s <= hi_s:
                r = spiceypy.vnorm(srf)
                if r < best.get(c, np.inf):
                    best[c] = r
    loop = time.perf_counter() - t
    done = n_times * per_time
    loop_all = loop / done * pairs

    print(f"machine: {platform.machine()} {platform.processor() or ''}, Python "
          f"{platform.python_version()}, spiceypy {spiceypy.__version__}")
    print(f"PJ{args.pj} {args.window} every {args.step}: {n_t} times x {n_c} cells "
          f"({args.res:g} deg) = {pairs:.3g} pairs; trajectory {res.pass_.plan.trajectory_label}")
    print(f"flyplan coverage map:   {fast:8.2f} s  (best of 2; {pairs / fast:.3g} pairs/s; first call "
          f"{first:.2f} s with compilation and kernel loading)")
    print(f"plain spiceypy loop:    {loop_all:8.0f} s  (measured {loop:.2f} s on "
          f"{done} pairs at {n_times} times, {done / loop:.3g} pairs/s, scaled)")
    print(f"ratio: flyplan {loop_all / fast:,.0f}x faster")
    print(f"memory: peak traced allocations {peak / 2**20:.0f} MiB during the map; "
          f"process max RSS {rss:.0f} MiB")
    s = res.summary()
    print(f"map: {s['cells_imageable']} of {s['cells']} cells imageable, finest "
          f"{s.get('best_km_per_px', float('nan')):.2f} km/px")


if __name__ == "__main__":
    main()
