#!/usr/bin/env python
"""Fit flyplan's Galilean-moon model to the jup310 excerpts; write flyplan/data/galilean_fit.json.

Reproducible: the inputs are three one-day excerpts of JPL's jup310 (two ship
in the skyfield wheel under skyfield/tests/data/, one is in ../shared/naif),
pck00010.tpc for Jupiter's pole model, and de421 (skyfield-data) for the
Sun's and Saturn's positions.  Constants (GMs, J2-J6, the Sun's and Saturn's
GM) are jup310's own, read from the excerpts' comment areas.

Fits made, each with 24 initial-state components and 4 pole terms:
- every excerpt held out in turn (fit on the other two): the honest measure
  of accuracy, stored with the held-out residuals so tests can re-check them;
- all three excerpts: the model flyplan uses (epoch 2021-02-26 12:00 TDB).

Usage::

    PYTHONPATH=. python scripts/fit_galilean.py [--shared ../shared] [--out flyplan/data/galilean_fit.json]

Runs for about 40 minutes on two cores (about 30 propagations over 38 years
per Levenberg-Marquardt iteration; the four fits run in parallel processes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from flyplan.ephemeris import galilean as gal  # noqa: E402
from buildtools import galilean_fit as gf  # noqa: E402

# 2021-02-26 12:00 TDB: inside the middle excerpt and near the middle of
# Juno's mission (2016-2026), where the generated SPK is used.
EPOCH_JD = 2459272.0
STEP_S = 1800.0
SAMPLE_S = 3600.0
PERTURBERS = ((10, "GM10"), (6, "GM6"), (7, "GM7"), (8, "GM8"))  # Sun (with the inner planets, as jup310), Saturn, Uranus, Neptune


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def default_paths(shared: Path) -> tuple[list[Path], Path]:
    import skyfield

    data = Path(skyfield.__file__).parent / "tests" / "data"
    excerpts = [
        data / "jup310-2015-03-02.bsp",
        shared / "naif/generic_kernels/spk/satellites/jup310_excerpt_2021-02-26.bsp",
        data / "jup310-2053-10-08.bsp",
    ]
    return excerpts, shared / "naif/generic_kernels/pck/pck00010.tpc"


def start_model(excerpts: list[gf.Excerpt], pck: Path) -> gal.GalileanFit:
    """Constants from jup310, pole from the PCK; states to be fitted (zeros here)."""
    first = excerpts[0].constants
    for ex in excerpts[1:]:
        if ex.constants != first:
            raise SystemExit(f"{ex.path} lists other constants than {excerpts[0].path}")
    gm, c = first["gm"], first["constants"]
    zonal = np.zeros(7)
    for n in range(2, 7):
        zonal[n] = c.get(f"J50{n}", 0.0)
    return gal.GalileanFit(
        epoch=float(gal.et_from_jd(EPOCH_JD)),
        states=np.zeros((4, 6)),
        gm=np.array([gm[b] for b in (gal.JUPITER, *gal.MOONS)]),
        radius=c["RADIUS"],
        zonal=zonal,
        pole=gf.iau_pole(pck),
        perturbers=tuple((naif_id, c[name]) for naif_id, name in PERTURBERS),
        step=STEP_S,
    )


def first_guess(model: gal.GalileanFit, excerpts: list[gf.Excerpt]) -> gal.GalileanFit:
    """Epoch and first-guess states for a fit on ``excerpts``.

    The epoch is EPOCH_JD when a training excerpt covers it, else the middle
    of the training excerpt nearest to it: with data at the epoch the states
    are pinned directly and the least-squares problem is well conditioned
    (with the epoch between two far-apart windows it is not).  The first
    guess is the excerpt's own state there.
    """
    nearest = min(excerpts, key=lambda ex: abs(np.mean(ex.window_jd) - EPOCH_JD))
    lo, hi = nearest.window_jd
    jd = EPOCH_JD if lo <= EPOCH_JD <= hi else np.mean(nearest.window_jd)
    epoch = float(np.round(gal.et_from_jd(jd) / STEP_S) * STEP_S)
    return model.replace(epoch=epoch, states=nearest.jovicentric([epoch])[0])


def fit(model, excerpts, all_excerpts, label):
    _say(f"fit on {', '.join(ex.label for ex in excerpts)} ({label})")
    t0 = time.time()
    et, pos, _ = gf.observations(excerpts, SAMPLE_S)
    fitted = gf.fit_model(first_guess(model, excerpts), et, pos, progress=_say)
    # what is stored is what is measured: the model as read back from JSON
    # (degrees in the file, radians in the model, round to the last bit)
    fitted = gal.GalileanFit.from_model_dict(fitted.model_dict())
    et, pos, win = gf.observations(all_excerpts, SAMPLE_S)
    res = gf.residuals_by_window(fitted, et, pos, win, [ex.label for ex in all_excerpts])
    for name, r in res.items():
        _say(f"  {name}: " + ", ".join(f"{gal.MOON_NAMES[int(b)]} {v['max_km']:.4f}" for b, v in r.items())
             + " km (max)")
    _say(f"  {time.time() - t0:.0f} s")
    return fitted, res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=REPO / "flyplan" / "data" / gal.FIT_RESOURCE)
    ap.add_argument("--workers", type=int, default=2, help="processes for the four independent fits")
    args = ap.parse_args(argv)

    paths, pck = default_paths(args.shared.resolve())
    excerpts = [gf.read_excerpt(p) for p in paths]
    model = start_model(excerpts, pck)

    # The four fits are independent: run them in processes (numba releases
    # nothing to threads here, and SPICE is not thread-safe), the slowest first.
    jobs = {"final": (model, excerpts, excerpts, "final")}
    for k, ex in enumerate(excerpts):
        training = [e for i, e in enumerate(excerpts) if i != k]
        jobs[ex.label] = (model, training, excerpts, f"{ex.label} held out")
    order = sorted(jobs, key=lambda name: name != "2021-02-26")  # the longest fit first
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = {name: pool.submit(fit, *jobs[name]) for name in order}
        results = {name: f.result() for name, f in futures.items()}
    held_out = []
    for k, ex in enumerate(excerpts):
        fitted, res = results[ex.label]
        held_out.append({
            "held_out": ex.label,
            "fitted_on": [e.label for i, e in enumerate(excerpts) if i != k],
            "residuals_km": res,
            "model": fitted.model_dict(),
        })
    final, res = results["final"]

    c = excerpts[0].constants
    doc = {
        "format": "flyplan galilean fit 1",
        "description": "Initial states of Io, Europa, Ganymede, Callisto and Jupiter's pole, fitted to "
                       "JPL's jup310 satellite ephemeris; with flyplan.ephemeris.galilean they give the "
                       "moons' positions relative to Jupiter's centre",
        "generated_by": "scripts/fit_galilean.py",
        "fit_date": dt.date.today().isoformat(),
        "sources": {
            "excerpts": [
                {"label": ex.label, "file": ex.path.name,
                 "where": ("skyfield wheel, skyfield/tests/data/" if "skyfield" in str(ex.path)
                           else "../shared/naif/generic_kernels/spk/satellites/"),
                 "window_tdb_jd": list(ex.window_jd)}
                for ex in excerpts
            ],
            "ephemeris": c["ephemeris"],
            "constants": "GMs, RADIUS, J502-J506, GM6, GM10 as listed in jup310's comment area",
            "jup310_constants": {"gm": {str(k): v for k, v in c["gm"].items()}, **c["constants"]},
            "pole": "pck00010.tpc: BODY599_POLE_RA/DEC mean terms (then fitted) and periodic terms Ja-Je",
            "planetary_ephemeris": "de421.bsp from the skyfield-data package (Sun 10, Saturn barycentre 6, "
                                   "Jupiter barycentre 5)",
        },
        "fit": {
            "parameters": "24 initial-state components at the epoch; RA0, RA rate, Dec0, Dec rate of the pole",
            "data": f"positions relative to Jupiter's centre every {SAMPLE_S:.0f} s over each excerpt",
            "residuals_km": res,
        },
        "model": final.model_dict(),
        "held_out": held_out,
    }
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    _say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
