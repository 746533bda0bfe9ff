"""Sweeps on each executor back-end: speed-up from 1 to 2 workers, and the cost per task.

Run on demand::

    python benchmarks/bench_sweep.py [--kernels ../shared/naif] [--from 0 --to 23]

For each back-end (``processes``: a local process pool; ``dask``: a Dask
``LocalCluster`` of single-threaded worker processes) the mission table of
the perijoves asked is computed with 1 and with 2 workers, the cluster or
pool started inside the timing (as a command does), and the in-process run
(``inline``) is the baseline.  The per-task overhead is the wall time of
many empty tasks on an executor already started, divided by their number.
"""

from __future__ import annotations

import argparse
import functools
import time


def _noop(i):
    return i


def main(argv=None):
    import flyplan
    from flyplan import sweep

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", default=None)
    ap.add_argument("--from", dest="first", type=int, default=0)
    ap.add_argument("--to", dest="last", type=int, default=23)
    ap.add_argument("--window", default="-3h..+3h")
    ap.add_argument("--step", default="10s")
    ap.add_argument("--tasks", type=int, default=400)
    args = ap.parse_args(argv)

    kw = dict(window=args.window, step=args.step, kernels=args.kernels)
    flyplan.perijoves(args.first, args.last, **kw)  # warm the cache (generated SPKs)
    n = args.last - args.first + 1
    print(f"mission table PJ{args.first}-{args.last} ({n} perijoves), {args.window} every "
          f"{args.step}; executor started inside the timing")
    t = time.perf_counter()
    ref = flyplan.perijoves(args.first, args.last, executor="inline", **kw).table
    t_inline = time.perf_counter() - t
    print(f"{'inline (baseline)':24s} {t_inline:8.2f} s")
    kinds = ["processes"]
    try:
        import distributed  # noqa: F401

        kinds.append("dask")
    except ImportError:
        print("dask: not installed (pip install 'flyplan[dask]')")
    for kind in kinds:
        times = {}
        for workers in (1, 2):
            t = time.perf_counter()
            df = flyplan.perijoves(args.first, args.last, executor=kind, workers=workers,
                                   **kw).table
            times[workers] = time.perf_counter() - t
            same = df.equals(ref)
            print(f"{kind + f', {workers} worker(s)':24s} {times[workers]:8.2f} s  "
                  f"(vs inline {t_inline / times[workers]:.2f}x; same table: {same})")
        print(f"{kind}: speed-up 1 -> 2 workers {times[1] / times[2]:.2f}x")
    print()
    print(f"per-task overhead, {args.tasks} empty tasks on a started executor:")
    for kind in ["inline"] + kinds:
        with sweep.open_executor(kind, 2) as ex:
            ex.map(_noop, range(4))  # workers up
            t = time.perf_counter()
            ex.run(functools.partial(_noop, i) for i in range(args.tasks))
            dt = time.perf_counter() - t
        print(f"  {kind:10s} {dt / args.tasks * 1e3:8.3f} ms per task")


if __name__ == "__main__":
    main()
