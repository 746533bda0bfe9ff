"""Wall time of whole commands, as a user runs them, each a fresh process.

Run on demand::

    python benchmarks/bench_cli.py [--kernels ../shared/naif] [--repeat 5] [--workers 2]

Each command runs once to warm the cache (generated kernels, downloaded
files), then ``--repeat`` times; the median wall time is printed next to its
target (issue 8).  Baseline for the start-up figures: ``python -c pass`` and
``python -c "import numpy, pandas, spiceypy"`` in the same environment, which
no command can beat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def _wall(cmd, env, repeat):
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", default=None, help="kernel directory for the NAIF runs")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-mission", action="store_true")
    args = ap.parse_args(argv)

    py = sys.executable
    fly = [py, "-m", "flyplan"]
    env = dict(os.environ)
    env.pop("FLYPLAN_KERNELS", None)
    # As installed for a user: byte code written once and reused (some
    # sandboxes set PYTHONDONTWRITEBYTECODE, which recompiles flyplan's
    # modules on every start, ~0.1 s).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    import flyplan

    subprocess.run([py, "-m", "compileall", "-q", os.path.dirname(flyplan.__file__)], env=env,
                   check=True)
    rows = [
        ("python -c pass (floor)", [py, "-c", "pass"], None),
        ("import numpy, pandas, spiceypy (floor)",
         [py, "-c", "import numpy, pandas, spiceypy"], None),
        ("flyplan --help", fly + ["--help"], 0.5),
        ("flyplan perijove 38 (table, built-in model)", fly + ["perijove", "38"], 1.5),
    ]
    if args.kernels:
        rows.append(("flyplan perijove 1 -k KERNELS (table, NAIF)",
                     fly + ["perijove", "1", "-k", args.kernels], 1.5))
    if not args.skip_mission:
        mission = fly + ["perijoves", "--from", "0", "--to", "71", "--window", "-3h..+3h",
                         "--step", "10s", "--workers", str(args.workers), "-f", "csv"]
        if args.kernels:
            mission += ["-k", args.kernels]
        rows.append((f"flyplan perijoves 0-71 +-3h 10s, {args.workers} workers", mission, 10.0))

    print(f"{'command':58s} {'median s':>9s} {'target s':>9s}")
    for label, cmd, target in rows:
        repeat = 1 if "perijoves" in label else args.repeat
        t = _wall(cmd, env, repeat)
        print(f"{label:58s} {t:9.2f} {'' if target is None else f'{target:9.1f}'}")


if __name__ == "__main__":
    main()
