"""How the cost grows: with the number of samples (step x window), and with the number of perijoves.

Run on demand::

    python benchmarks/bench_scaling.py [--pj 45] [--kernels ../shared/naif]

Per (step, window): the in-process wall time of ``flyplan.perijove`` (the
table with JunoCam columns; the window's events are not asked for, as for
the terminal table), then of writing it as CSV and as JSON (streamed to
``/dev/null``), each the best of ``--repeat``; the cost per sample is the
figure to compare.  Per number of perijoves: the mission table (+-3 h every
10 s) in-process and on a 2-process pool.
"""

from __future__ import annotations

import argparse
import time


def _best(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv=None):
    import flyplan
    from flyplan.products import serialize

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pj", type=int, default=45)
    ap.add_argument("--kernels", default=None)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--steps", default="60s,10s,1s")
    ap.add_argument("--windows", default="1h,6h,12h,24h")
    ap.add_argument("--perijoves", default="1,4,12,24")
    args = ap.parse_args(argv)

    flyplan.perijove(args.pj, kernels=args.kernels)  # warm caches and imports
    print(f"PJ{args.pj}: samples against time (s) and cost per sample (us)")
    print(f"{'step':>5s} {'window':>8s} {'samples':>8s} {'compute s':>10s} {'us/sample':>10s} "
          f"{'csv s':>7s} {'json s':>7s}")
    for step in filter(None, args.steps.split(",")):
        for half in filter(None, args.windows.split(",")):
            window = f"-{half}..+{half}"
            t, pj = _best(lambda: flyplan.perijove(args.pj, window=window, step=step,
                                                   kernels=args.kernels), args.repeat)
            n = len(pj.samples)
            pj.events  # found now, outside the write timings
            with open("/dev/null", "w") as fp:
                t_csv, _ = _best(lambda: serialize.write_csv(pj, fp), 1)
                t_json, _ = _best(lambda: serialize.write_json(pj, fp), 1)
            print(f"{step:>5s} {'+-' + half:>8s} {n:8d} {t:10.2f} {t / n * 1e6:10.1f} "
                  f"{t_csv:7.2f} {t_json:7.2f}")
    print()
    print("mission table, +-3 h every 10 s: perijoves against time (s)")
    print(f"{'perijoves':>9s} {'inline s':>9s} {'s/PJ':>6s} {'2 procs s':>10s} {'s/PJ':>6s}")
    counts = [int(x) for x in args.perijoves.split(",") if x]
    if counts:  # the generated trajectory SPKs of every perijove built before timing
        flyplan.perijoves(1, max(counts), kernels=args.kernels)
    for count in counts:
        first, last = 1, count
        t1, _ = _best(lambda: flyplan.perijoves(first, last, kernels=args.kernels), 1)
        t2, _ = _best(lambda: flyplan.perijoves(first, last, kernels=args.kernels, workers=2,
                                                executor="processes"), 1)
        print(f"{count:9d} {t1:9.2f} {t1 / count:6.2f} {t2:10.2f} {t2 / count:6.2f}")


if __name__ == "__main__":
    main()
