"""JunoCam backplanes: flyplan's vectorized intercepts against a per-pixel spiceypy loop.

Run on demand (not part of the test suite)::

    python benchmarks/bench_image.py [--shared ../shared] [--repeat 3] [--loop-pixels 2000]

Uses the real PJ1 image label and C-kernel slice in ``../shared/junocam``:

- one 1648 x 128 framelet's backplanes (every pixel: intercept, latitude,
  longitude, emission, incidence, phase, km/px) through
  :func:`flyplan.geometry.footprint.intercepts`;
- the same per pixel with ``spiceypy.sincpt`` + ``spiceypy.ilumin`` on
  ``--loop-pixels`` pixels, scaled to the framelet's 210,944;
- a whole raw image: a 36-frame BLUE/GREEN/RED metadata file (108 framelets)
  written to a temporary folder with the PJ1 label's start time and
  interframe delay, inside the C-kernel slice: :func:`flyplan.image` (the
  framelet table with footprints) and then every framelet's backplanes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_time  # noqa: E402

PJ1 = "junocam/pj1_JNCR_2016240_01M06152_V01"


def _cpu_and_wall(fn, repeat):
    """Best CPU time and best wall time of ``repeat`` calls, s (the machine may be shared)."""
    cpu = wall = float("inf")
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu, wall = min(cpu, time.process_time() - c), min(wall, time.perf_counter() - w)
    return cpu, wall


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loop-pixels", type=int, default=2000)
    args = ap.parse_args(argv)
    shared = Path(args.shared)
    os.environ.setdefault("FLYPLAN_OFFLINE", "1")

    import spiceypy

    from flyplan.domain.image import image
    from flyplan.geometry import camera as cam
    from flyplan.geometry.footprint import intercepts

    label = shared / PJ1 / "JNCR_2016240_01M06152_V01_METHANE_0008.isis3.lbl"
    ck = shared / PJ1 / "juno_sc_rec_160827_0900_slice.bc"
    im = image(label, ck=ck, kernels=shared / "naif")
    et = float(im.framelets["et_mid"].iloc[0])
    m = cam.filter_model("METHANE")
    x, y = cam.pixel_grid()
    X, Y = np.meshgrid(x, y)
    t_rays = best_time(lambda: cam.pixel_to_ray(X.ravel(), Y.ravel(), m), args.repeat)
    rays = cam.pixel_to_ray(X.ravel(), Y.ravel(), m)
    c_vec, t_vec = _cpu_and_wall(lambda: intercepts(et, rays), args.repeat)
    hit = intercepts(et, rays)["hit"]
    t_planes = best_time(lambda: im.backplanes(), args.repeat)
    print(f"one framelet, {rays.shape[0]} pixels ({hit.mean():.0%} on the planet):")
    print(f"  pixel -> ray (IK distortion model)      {t_rays * 1e3:8.1f} ms")
    print(f"  intercepts + illumination (vectorized)  {t_vec * 1e3:8.1f} ms wall, "
          f"{c_vec * 1e3:.1f} ms CPU")
    print(f"  Image.backplanes() incl. Dataset        {t_planes * 1e3:8.1f} ms")

    rng = np.random.default_rng(0)
    pick = rng.choice(len(rays), args.loop_pixels, replace=False)

    def loop():
        with spiceypy.no_found_check():
            for i in pick:
                sp, _t, _v, found = spiceypy.sincpt("ELLIPSOID", "JUPITER", et, "IAU_JUPITER",
                                                    "LT+S", "JUNO", "JUNO_JUNOCAM", rays[i])
                if found:
                    spiceypy.ilumin("ELLIPSOID", "JUPITER", et, "IAU_JUPITER", "LT+S", "JUNO",
                                    sp)

    c_loop, t_loop = _cpu_and_wall(loop, 1)
    per_px = t_loop / args.loop_pixels
    print(f"  per-pixel spiceypy sincpt+ilumin loop   {per_px * 1e6:8.1f} us/pixel "
          f"({args.loop_pixels} pixels) -> {per_px * len(rays):.1f} s a framelet, "
          f"{per_px * len(rays) / t_vec:.0f}x the vectorized wall time "
          f"({c_loop / args.loop_pixels * len(rays) / c_vec:.0f}x in CPU time)")

    lab = im.label
    meta = {"PRODUCT_ID": "BENCH_PJ1_RGB", "START_TIME": lab.start_utc.rstrip("Z"),
            "IMAGE_TIME": lab.start_utc.rstrip("Z"),
            "INTERFRAME_DELAY": f"{lab.interframe_delay_s} <s>",
            "EXPOSURE_DURATION": "3.2 <ms>", "FILTER_NAME": ["BLUE", "GREEN", "RED"],
            "LINES": 36 * 3 * 128}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "BENCH-Metadata.json"
        path.write_text(json.dumps(meta))
        c, t = time.process_time(), time.perf_counter()
        raw = image(path, ck=ck, kernels=shared / "naif")
        c_img, t_img = time.process_time() - c, time.perf_counter() - t
        c, t = time.process_time(), time.perf_counter()
        ds = raw.backplanes()
        c_all, t_all = time.process_time() - c, time.perf_counter() - t
    n = len(raw.framelets)
    print(f"whole raw image, {n} framelets (36 frames x BLUE, GREEN, RED):")
    print(f"  flyplan.image() with footprints         {t_img:8.2f} s wall, {c_img:.2f} s CPU")
    print(f"  backplanes of every framelet            {t_all:8.2f} s wall, {c_all:.2f} s CPU "
          f"({t_all / n * 1e3:.0f} ms a framelet, {ds.nbytes / 2**20:.0f} MiB float32)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
