"""Compiled core of :func:`flyplan.numerics.footprint.best_times` (numba).

Imported only when a coverage map is computed, so importing flyplan neither
imports numba nor compiles anything.  One fused pass over the time x point
pairs: the cheap facing test first, so that the pairs on Jupiter's far side
(about half) cost two dot products and nothing is stored per pair.  Compiled
on first call (no on-disk cache: the package directory may be read-only).
"""

from __future__ import annotations

import numpy as np
from numba import njit


# Serial: on the shared 2-core machine numba's threads gained nothing (a +-3 h, 1 deg,
# 10 s map took 1.2 s either way, back to back) and cost about 2 s more compilation.
@njit(cache=False, error_model="numpy")
def best_times_core(obs, sun, axis, pts, nrm, sin_lo, sin_hi, cos_e, cos_i, use_e, use_i,
                    need_lit):  # pragma: no cover - compiled
    n = obs.shape[0]
    m = pts.shape[0]
    best_i = np.full(m, -1, dtype=np.int64)
    best_r2 = np.full(m, np.inf)
    count = np.zeros(m, dtype=np.int64)
    for j in range(m):
        px, py, pz = pts[j, 0], pts[j, 1], pts[j, 2]
        nx, ny, nz = nrm[j, 0], nrm[j, 1], nrm[j, 2]
        pn = px * nx + py * ny + pz * nz
        bi = -1
        br2 = np.inf
        c = 0
        for i in range(n):
            # (O - P).n > 0: the point faces the observer.
            facing = obs[i, 0] * nx + obs[i, 1] * ny + obs[i, 2] * nz - pn
            if facing <= 0.0:
                continue
            dx, dy, dz = px - obs[i, 0], py - obs[i, 1], pz - obs[i, 2]
            r2 = dx * dx + dy * dy + dz * dz
            r = np.sqrt(r2)
            if use_e and not facing > cos_e * r:
                continue
            s = (dx * axis[i, 0] + dy * axis[i, 1] + dz * axis[i, 2]) / r
            if s < sin_lo or s > sin_hi:
                continue
            if need_lit or use_i:
                sx, sy, sz = sun[i, 0] - px, sun[i, 1] - py, sun[i, 2] - pz
                sn = sx * nx + sy * ny + sz * nz
                if need_lit and not sn > 0.0:
                    continue
                if use_i and not sn > cos_i * np.sqrt(sx * sx + sy * sy + sz * sz):
                    continue
            c += 1
            if r2 < br2:
                br2 = r2
                bi = i
        best_i[j] = bi
        best_r2[j] = br2
        count[j] = c
    return best_i, best_r2, count
