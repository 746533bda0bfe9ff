"""Engine throughput: flyplan's vectorized row against two named baselines.

Run on demand (not part of the test suite)::

    python benchmarks/bench_engine.py [--pj 45] [--kernels ../shared/naif] [--samples 43200]

Baselines, measured in the same run on the same samples:

- *plain loop*: the same row computed with plain ``spiceypy`` calls in a
  Python loop, one sample at a time (``spkezr``, ``recpgr``, ``et2lst``,
  ``occult``, ``phaseq``, ...), the way most scripts do it;
- *floor*: ``spiceypy.cyice.spkezr_v`` for the six states the row needs (Juno
  relative to Jupiter, the Sun, and the four moons seen from Juno), with
  nothing else computed.  flyplan cannot be faster than this.

Targets (issue 8): full row >= 15x the plain loop, and <= 6x the floor.
Targets (issue 19): the four moons' columns cost at most 2x the Juno row;
the JunoCam columns reuse them; the full row with JunoCam >= 100k samples/s.
Also printed: each part against the floor of the SPICE reads it replaces
(``cyice.spkezr_v`` of Juno and ``cyice.sxform_v`` J2000 -> IAU_JUPITER for
the Juno part, ``cyice.spkezp_v`` of the four moons from Jupiter, and the
five ``LT+S`` reads from Juno the JunoCam columns used to make).
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
from _common import best_time as _best, perijove_window


def plain_row(ets, moons, a, c):
    """The row, one sample at a time with scalar spiceypy calls."""
    import spiceypy as sp

    f = (a - c) / a
    out = []
    for et in ets:
        st, _ = sp.spkezr("JUNO", et, "J2000", "NONE", "JUPITER")
        bf, _ = sp.spkezr("JUNO", et, "IAU_JUPITER", "NONE", "JUPITER")
        lon, lat, alt = sp.recpgr("JUPITER", bf[:3], a, f)
        r, lon_c, lat_c = sp.reclat(bf[:3])
        lst = sp.et2lst(et, 599, lon_c, "PLANETOCENTRIC")
        row = [alt, lat, lat_c, lon, lst[0], np.linalg.norm(st[3:]), np.linalg.norm(bf[3:])]
        jpos, _ = sp.spkpos("JUPITER", et, "J2000", "LT+S", "JUNO")
        for m in moons:
            pos, lt = sp.spkpos(str(m), et, "J2000", "LT+S", "JUNO")
            rng = np.linalg.norm(pos)
            occ = sp.occult(str(m), "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER", "LT",
                            "JUNO", et)
            ecl = sp.occult("SUN", "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER", "LT",
                            str(m), et - lt)
            phase = sp.phaseq(et, str(m), "SUN", "JUNO", "LT+S")
            limb = sp.vsep(pos, jpos) - np.arcsin(a / np.linalg.norm(jpos))
            row += [rng, 2 * np.arcsin(1800.0 / rng), phase, limb, occ == -3, occ == 2, ecl == -3]
        out.append(row)
    return out


def main(argv=None):
    from spiceypy import cyice

    from flyplan.geometry import junocam
    from flyplan.geometry import samples as geometry
    from flyplan.constants import MOONS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pj", type=int, default=45)
    ap.add_argument("--kernels", default=None)
    ap.add_argument("--samples", type=int, default=43200, help="samples for the vectorized runs")
    ap.add_argument("--loop-samples", type=int, default=2000, help="samples for the plain loop")
    args = ap.parse_args(argv)

    ets, plan = perijove_window(args.pj, args.kernels, args.samples)
    moons = list(MOONS.values()) if plan.moons else []
    a, c = geometry.jupiter_radii()
    print(f"PJ{args.pj}: trajectory {plan.trajectory_label}; moons {plan.moons_label}")
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{args.samples} samples (+-6 h), plain loop on {args.loop_samples}")

    def floor():
        cyice.spkezr_v("JUNO", ets, "J2000", "NONE", "JUPITER")
        cyice.spkezr_v("SUN", ets, "J2000", "LT+S", "JUPITER")
        for m in moons:
            cyice.spkezr_v(str(m), ets, "J2000", "LT+S", "JUNO")

    def engine():
        j = geometry.juno_arrays(ets)
        for m in moons:
            geometry.moon_arrays(ets, m, j)

    def juno_only():
        geometry.juno_arrays(ets)

    j0 = geometry.juno_arrays(ets)

    def moons_only():
        j = dict(j0)  # the row's Juno part, without what the moons cache in it
        for key in ("jupiter_ssb_vel", "jupiter_from_juno", "juno_from_jupiter_bf",
                    "jupiter_from_bary", "sun_lt_j2000", "limb_observer"):
            j.pop(key, None)
        for m in moons:
            geometry.moon_arrays(ets, m, j)

    def floor_moons():
        for m in moons:
            cyice.spkezp_v(m, ets, "J2000", "NONE", 599)

    kept = {}
    geometry.sample_table(ets, moons, keep=kept)

    def junocam_cols():
        junocam.imaging_columns(ets, moons, geometry=kept)

    def junocam_spice():
        junocam.imaging_columns(ets, moons)

    def full_row():
        k = {"juno": geometry.juno_arrays(ets)}
        for m in moons:
            k[m] = geometry.moon_arrays(ets, m, k["juno"])
        junocam.imaging_columns(ets, moons, geometry=k)

    def table_row():
        k = {}
        geometry.sample_table(ets, moons, keep=k)
        junocam.imaging_columns(ets, moons, geometry=k)

    def floor_juno():
        cyice.spkezr_v("JUNO", ets, "J2000", "NONE", "JUPITER")

    def floor_sxform():
        cyice.sxform_v("J2000", "IAU_JUPITER", ets)

    loop_ets = ets[:: max(1, len(ets) // args.loop_samples)][: args.loop_samples]
    t_floor = _best(floor)
    t_engine = _best(engine)
    t_juno = _best(juno_only)
    t_floor_juno = _best(floor_juno)
    t_sxform = _best(floor_sxform)
    t_loop = _best(lambda: plain_row(loop_ets, moons, a, c), repeat=1)
    t_moons = _best(moons_only, repeat=5) if moons else float("nan")
    t_floor_moons = _best(floor_moons, repeat=5) if moons else float("nan")
    t_cam = _best(junocam_cols, repeat=5) if moons else float("nan")
    t_cam_spice = _best(junocam_spice, repeat=3) if moons else float("nan")
    t_full = _best(full_row, repeat=5)
    t_table = _best(table_row, repeat=3)

    n = len(ets)
    rate = lambda t, k=n: k / t  # noqa: E731
    print(f"{'what':46s} {'samples/s':>12s}")
    print(f"{'floor: cyice.spkezr_v, ' + str(2 + len(moons)) + ' states':46s} {rate(t_floor):12,.0f}")
    print(f"{'flyplan full row (juno_arrays + moon_arrays)':46s} {rate(t_engine):12,.0f}")
    print(f"{'plain spiceypy loop, same row':46s} {rate(t_loop, len(loop_ets)):12,.0f}")
    print(f"{'floor: cyice.spkezr_v, Juno state only':46s} {rate(t_floor_juno):12,.0f}")
    print(f"{'floor: cyice.sxform_v, J2000 -> IAU_JUPITER':46s} {rate(t_sxform):12,.0f}")
    print(f"{'flyplan juno_arrays (Juno part of the row)':46s} {rate(t_juno):12,.0f}")
    print()
    print(f"full row vs plain loop: {rate(t_engine) / rate(t_loop, len(loop_ets)):.1f}x faster "
          f"(target >= 15x)")
    print(f"full row cost vs floor: {t_engine / t_floor:.2f}x (target <= 6x)")
    print(f"Juno part vs its floor: {t_juno / t_floor_juno:.2f}x; vs the two SPICE reads it "
          f"used to make (spkezr_v + sxform_v): {t_juno / (t_floor_juno + t_sxform):.2f}x")
    print()
    print(f"{'four moons (moon_arrays x4, Juno part given)':46s} {rate(t_moons):12,.0f}")
    print(f"{'floor: cyice.spkezp_v, four moons from 599':46s} {rate(t_floor_moons):12,.0f}")
    print(f"{'JunoCam columns (reusing the row)':46s} {rate(t_cam):12,.0f}")
    print(f"{'JunoCam columns (own LT+S SPICE reads)':46s} {rate(t_cam_spice):12,.0f}")
    print(f"{'full row: Juno + 4 moons + JunoCam (arrays)':46s} {rate(t_full):12,.0f}")
    print(f"{'the same as a DataFrame (sample_table, UTC text)':46s} {rate(t_table):12,.0f}")
    print()
    print(f"moons cost vs the Juno row: {t_moons / t_juno:.2f}x (target <= 2x)")
    print(f"moons cost vs their SPICE floor: {t_moons / t_floor_moons:.2f}x; vs the "
          f"{2 + len(moons)}-state floor: {t_moons / t_floor:.2f}x")
    print(f"JunoCam cost vs the Juno row: {t_cam / t_juno:.2f}x; vs the moons: "
          f"{t_cam / t_moons:.2f}x; vs its own SPICE reads: {t_cam / t_cam_spice:.2f}x; vs the "
          f"{2 + len(moons)}-state floor: {t_cam / t_floor:.2f}x")
    print(f"full row with JunoCam: {rate(t_full):,.0f} samples/s (target >= 100,000); "
          f"{t_full / t_floor:.2f}x the {2 + len(moons)}-state floor")


if __name__ == "__main__":
    main()
