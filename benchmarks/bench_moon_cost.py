"""Moon and JunoCam cost against the Juno row, for whichever flyplan is imported.

For a before/after in one run, alternate two checkouts::

    for v in ../main . ../main .; do PYTHONPATH=$v python benchmarks/bench_moon_cost.py $v; done

(with ../shared/naif beside the checkout, or FLYPLAN_SHARED set).  Works
with flyplan versions whose JunoCam columns cannot reuse the row (they make
their own SPICE reads).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import best_time, perijove_window  # noqa: E402

from flyplan.geometry import junocam  # noqa: E402
from flyplan.geometry import samples as g  # noqa: E402

NAIF = os.path.join(os.environ.get("FLYPLAN_SHARED", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")), "naif")
ets, plan = perijove_window(45, NAIF, 43200)
moons = (501, 502, 503, 504)
j0 = g.juno_arrays(ets)
CACHED = ("jupiter_ssb_vel", "jupiter_from_juno", "juno_from_jupiter_bf", "jupiter_from_bary", "sun_lt_j2000",
          "limb_observer")
def moons_only():
    j = {k: v for k, v in j0.items() if k not in CACHED}
    for m in moons:
        g.moon_arrays(ets, m, j)
kw = {}
if "geometry" in junocam.imaging_columns.__code__.co_varnames:
    jj = dict(j0)
    kw["geometry"] = {"juno": jj, **{m: g.moon_arrays(ets, m, jj) for m in moons}}
t_j = best_time(lambda: g.juno_arrays(ets), 5)
t_m = best_time(moons_only, 5)
t_c = best_time(lambda: junocam.imaging_columns(ets, moons, **kw), 3)
label = sys.argv[1] if len(sys.argv) > 1 else "flyplan"
print(f"{label}: Juno row {t_j:.3f} s; four moons {t_m:.3f} s = {t_m/t_j:.2f}x the Juno row; "
      f"JunoCam {t_c:.3f} s = {t_c/t_j:.2f}x the Juno row")
