"""Writing a large sample table: time and peak memory of each format, old and new writers.

Run on demand::

    python benchmarks/bench_output.py [--pj 38] [--window -12h..+12h] [--step 1s] [--kernels DIR]

Each case runs in a fresh process (so each peak RSS is its own): compute the
perijove's table (the same for every case), then write it; the ``*-blocks``
cases compute and write it a block of rows at a time, as ``flyplan perijove
-f json|csv`` does (their time is compute and write together).  Printed per
case: the write's wall time, the file size, the process's peak RSS and how
much the write added to it.  Named baselines in the same run: the writers
before streaming (``json.dumps(to_dict(), indent=1)`` and
``DataFrame.to_csv(float_format="%.6f")`` into one string), and the compute
alone.  Columnar formats for comparison: Parquet (pyarrow) and NetCDF
(xarray + netCDF4), when installed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

CASES = ("compute-only", "json-blocks", "csv-blocks", "json-stream", "csv-stream", "json-old",
         "csv-old", "parquet", "netcdf")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(case: str, pj: int, window: str, step: str, kernels, out: str) -> dict:
    import flyplan
    from flyplan.products import serialize

    if case.endswith("-blocks"):
        # As the command line: the table computed a block of rows at a time while
        # it is written, so "write s" here is compute and write together.
        from flyplan.domain.perijove_blocks import STREAM_ROWS

        t = time.perf_counter()
        res = flyplan.perijove(pj, window=window, step=step, kernels=kernels,
                               stream_rows=STREAM_ROWS)
    else:
        res = flyplan.perijove(pj, window=window, step=step, kernels=kernels)
        res.events  # found on first use: part of the compute, not of the write
        t = time.perf_counter()
    rss0 = _rss_mb()
    # The streamed writers serve both the whole table and the blocks.
    if case in ("json-blocks", "json-stream"):
        with open(out, "w") as fp:
            serialize.write_json(res, fp)
    elif case in ("csv-blocks", "csv-stream"):
        with open(out, "w") as fp:
            serialize.write_csv(res, fp)
    elif case == "json-old":
        with open(out, "w") as fp:
            fp.write(json.dumps(serialize.document(res), indent=1, allow_nan=False))
    elif case == "csv-old":
        with open(out, "w") as fp:
            fp.write(res.samples.to_csv(index=False, float_format="%.6f"))
    elif case == "parquet":
        res.samples.to_parquet(out, index=False)
    elif case == "netcdf":
        import xarray as xr

        ds = xr.Dataset.from_dataframe(res.samples.set_index("et"))
        ds.to_netcdf(out)
    dt = time.perf_counter() - t
    size = os.path.getsize(out) if os.path.exists(out) else 0
    return {"case": case, "write_s": dt, "size_mb": size / 1e6, "peak_rss_mb": _rss_mb(),
            "write_added_mb": _rss_mb() - rss0, "samples": len(res.samples)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pj", type=int, default=38)
    ap.add_argument("--window", default="-12h..+12h")
    ap.add_argument("--step", default="1s")
    ap.add_argument("--kernels", default=None)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--out-dir", default="/tmp")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    if args.child:
        out = os.path.join(args.out_dir, f"flyplan_bench_output.{args.child}")
        print(json.dumps(child(args.child, args.pj, args.window, args.step, args.kernels, out)))
        if os.path.exists(out):
            os.remove(out)
        return
    print(f"PJ{args.pj} {args.window} every {args.step}; each case a fresh process")
    print(f"{'case':14s} {'write s':>8s} {'file MB':>8s} {'peak RSS MB':>12s} "
          f"{'write added MB':>15s}")
    rows = {}
    for case in args.cases.split(","):
        cmd = [sys.executable, __file__, "--child", case, "--pj", str(args.pj),
               f"--window={args.window}", "--step", args.step, "--out-dir", args.out_dir]
        if args.kernels:
            cmd += ["--kernels", args.kernels]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{case:14s} failed: {p.stderr.strip().splitlines()[-1:]}")
            continue
        r = rows[case] = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"{case:14s} {r['write_s']:8.2f} {r['size_mb']:8.1f} {r['peak_rss_mb']:12.0f} "
              f"{r['write_added_mb']:15.0f}")
    print(f"samples: {next(iter(rows.values()))['samples'] if rows else '?'}")
    for new, old in (("json-stream", "json-old"), ("csv-stream", "csv-old")):
        if new in rows and old in rows:
            a, b = rows[new], rows[old]
            print(f"{new} vs {old}: {b['write_s'] / a['write_s']:.1f}x faster, peak RSS "
                  f"{a['peak_rss_mb']:.0f} vs {b['peak_rss_mb']:.0f} MB")
    timed = {k: v["write_s"] for k, v in rows.items() if k != "compute-only"}
    if timed:
        best = min(timed, key=timed.get)
        print(f"fastest writer: {best} ({timed[best]:.2f} s)")


if __name__ == "__main__":
    main()
