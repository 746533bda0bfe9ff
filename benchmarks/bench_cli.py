"""Wall time of whole commands, as a user runs them, each a fresh process.

Run on demand::

    python benchmarks/bench_cli.py [--kernels ../shared/naif] [--repeat 5] [--workers 2]

Each command runs once to warm the cache (generated kernels, downloaded
files), then ``--repeat`` times; the median wall time is printed next to its
target (issue 8).  Each command and its baseline run in turn, round after
round, so that a busy machine slows both alike; the ratio is that of the
medians.  Baselines, in the same environment:

- ``python -c pass`` and ``python -c "import numpy, pandas, spiceypy"``, which
  no computing command can beat (issue 19: ``flyplan perijove 38`` warm at
  most 1.8x the latter);
- ``python -c "import typer, rich"`` for ``flyplan --help`` (at most 2x);
- the cold start (``flyplan perijove 38`` on an empty ``FLYPLAN_CACHE``,
  building the moon and Juno-model SPKs; numba's compiled code cached from
  an earlier run, as after installation) is printed in seconds (target < 3 s)
  and against the warm run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


Q = '"'


def _run(cmd, env) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def _paired(cmds, env, repeat):
    """Median wall time of each command, the commands run in turn ``repeat`` times."""
    for cmd in cmds:
        _run(cmd, env)
    times = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            times[i].append(_run(cmd, env))
    return [statistics.median(t) for t in times]


def _cold(cmd, env, repeat) -> tuple[float, float]:
    """Median wall and CPU (user + sys) time of ``cmd`` on a fresh, empty FLYPLAN_CACHE."""
    walls, cpus = [], []
    for _ in range(repeat):
        d = tempfile.mkdtemp(prefix="flyplan_cold_")
        try:
            e = dict(env, FLYPLAN_CACHE=d)
            before = os.times()
            walls.append(_run(cmd, e))
            after = os.times()
            cpus.append((after.children_user - before.children_user)
                        + (after.children_system - before.children_system))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    return statistics.median(walls), statistics.median(cpus)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernels", default=None, help="kernel directory for the NAIF runs")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-mission", action="store_true")
    ap.add_argument("--skip-cold", action="store_true")
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
    floor_pass = [py, "-c", "pass"]
    floor_sci = [py, "-c", "import numpy, pandas, spiceypy"]
    floor_cli = [py, "-c", "import typer, rich"]
    help_cmd = fly + ["--help"]
    pj38 = fly + ["perijove", "38"]

    print(f"{'command':58s} {'median s':>9s} {'target':>9s}")
    t_pass, t_cli, t_help = _paired([floor_pass, floor_cli, help_cmd], env, args.repeat)
    print(f"{'python -c pass (floor)':58s} {t_pass:9.2f}")
    print(f"{'python -c ' + Q + 'import typer, rich' + Q + ' (floor for --help)':58s} {t_cli:9.2f}")
    print(f"{'flyplan --help':58s} {t_help:9.2f} {'<= 2x':>9s}")
    t_sci, t_38 = _paired([floor_sci, pj38], env, args.repeat)
    print(f"{'python -c ' + Q + 'import numpy, pandas, spiceypy' + Q + ' (floor)':58s} {t_sci:9.2f}")
    print(f"{'flyplan perijove 38 (table, built-in model), warm':58s} {t_38:9.2f} "
          f"{'<= 1.8x':>9s}")
    rows = [("flyplan --help vs import typer, rich", t_help / t_cli, "2x"),
            ("flyplan perijove 38 warm vs import numpy, pandas, spiceypy", t_38 / t_sci, "1.8x")]
    if not args.skip_cold:
        cold, cold_cpu = _cold(pj38, env, max(1, min(3, args.repeat)))
        print(f"{'flyplan perijove 38, fresh FLYPLAN_CACHE (cold)':58s} {cold:9.2f} "
              f"{'< 3 s':>9s}")
        print(f"{'  the same, CPU time (user + sys)':58s} {cold_cpu:9.2f}")
        rows.append(("flyplan perijove 38 cold vs warm", cold / t_38, ""))
    if args.kernels:
        t_sci2, t_1 = _paired([floor_sci, fly + ["perijove", "1", "-k", args.kernels]], env,
                              args.repeat)
        print(f"{'flyplan perijove 1 -k KERNELS (table, NAIF)':58s} {t_1:9.2f}")
        rows.append(("flyplan perijove 1 -k vs import numpy, pandas, spiceypy", t_1 / t_sci2, ""))
    if not args.skip_mission:
        mission = fly + ["perijoves", "--from", "0", "--to", "71", "--window", "-3h..+3h",
                         "--step", "10s", "--workers", str(args.workers), "-f", "csv"]
        if args.kernels:
            mission += ["-k", args.kernels]
        _run(mission, env)
        t = _run(mission, env)
        print(f"{f'flyplan perijoves 0-71 +-3h 10s, {args.workers} workers':58s} {t:9.2f} "
              f"{10.0:9.1f}")
    print()
    for label, ratio, target in rows:
        print(f"{label}: {ratio:.2f}x" + (f" (target <= {target})" if target else ""))


if __name__ == "__main__":
    main()
