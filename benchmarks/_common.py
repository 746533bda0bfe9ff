"""What the benchmark scripts share: the best of several timings, and a loaded perijove window."""

from __future__ import annotations

import time

import numpy as np


def best_time(fn, repeat: int = 3) -> float:
    """The shortest wall time of ``repeat`` calls of ``fn``, s."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def perijove_window(pj: int, kernels, samples: int, moons: bool = True):
    """``samples`` ETs over perijove ``pj`` +-6 h, and the kernel plan serving them, loaded.

    The window is centred on the timetable's (or ORBNUM's) perijove time, so
    no Geometry Finder search runs before the timing starts.
    """
    from flyplan.kernels import select
    from flyplan.kernels.assemble import assemble, base_kernels
    from flyplan.orbit import approximate_time

    cands = select.candidates(select.kernel_dirs(kernels))
    base, _ = base_kernels(cands)
    base.load()
    et_pj, _, _ = approximate_time(pj, cands=cands)
    ets = et_pj + np.linspace(-6 * 3600.0, 6 * 3600.0, samples)
    plan = assemble(ets[0], ets[-1], pj=pj, moons=moons, cands=cands)
    plan.kernels.load()
    return ets, plan
