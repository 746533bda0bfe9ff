"""Imaging highlights of a perijove: when JunoCam sees each moon best, and when
two or more moons are in view together above Jupiter's limb.

Computed from a :class:`flyplan.domain.perijove.Perijove`'s sample table alone
(no SPICE call, no scenario file), so ``flyplan perijove N`` can tell the
story of its perijove.  A moon is *in view* at a sample when all of these hold:

- **in swath**: its centre lies inside JunoCam's spin-plane swath
  (``<moon>_in_swath``, :mod:`flyplan.geometry.junocam`);
- **above the limb**: its centre is clear of Jupiter's disk seen from Juno
  (``<moon>_limb_angle_deg > 0``: neither behind Jupiter nor in front of it);
- **lit**: it is not in Jupiter's shadow (``not <moon>_in_shadow``).

The *best moment* of a moon is the in-view sample with the smallest pixel
scale (``<moon>_km_per_px`` = range x JunoCam IFOV).  Moons *together above
the limb* are two or more in view with their centres at most
:data:`LIMB_BAND_DEG` above Jupiter's limb, so that the limb and the moons
share a JunoCam frame (its swath is 58 deg across): the PJ38 picture of Io
and Callisto over the limb is such a moment, while moons high above the limb
are in view but not in the same picture as Jupiter.  Times are those of the
samples, so they are good to the sampling step; positions carry the
trajectory's own bound (stated in ``accuracy``: NAIF kernels, or the
leave-one-out bound of flyplan's Juno model) and the moons' ephemeris bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Highlights", "highlights", "CRITERIA"]

# Degrees above Jupiter's limb within which moons count as "together above
# the limb": a third of JunoCam's 58-deg swath, so limb and moons fit one frame
# with margin (a definition, not a measured quantity; highlights(limb_band_deg=)).
LIMB_BAND_DEG = 20.0

CRITERIA = ("in view = centre inside JunoCam's spin-plane swath, clear of Jupiter's disk seen "
            "from Juno (limb angle > 0), not in Jupiter's shadow; best = smallest km/px "
            "(range x IFOV) while in view; together above the limb = two or more in view "
            f"within {LIMB_BAND_DEG:g} deg above Jupiter's limb")

_GEOMETRY = ("altitude_km", "lat_pg_deg", "lat_pc_deg", "lon_w_deg", "speed_km_s", "speed_km_h")


@dataclass
class Highlights:
    """What :func:`highlights` found.

    Attributes
    ----------
    best : pandas.DataFrame
        One row per moon seen: ``moon``, ``utc`` (datetime64[ns, UTC]),
        ``et``, ``km_per_px``, ``range_km``, ``phase_deg``, ``limb_angle_deg``,
        ``ang_size_px``, and Juno's ``altitude_km``, ``lat_pg_deg``,
        ``lat_pc_deg``, ``lon_w_deg``, ``speed_km_s``, ``speed_km_h`` then.
    together : pandas.DataFrame
        Intervals in which two or more moons are in view at once: ``moons``
        (``"Io+Callisto"``), ``n_moons``, ``start_utc``, ``end_utc``,
        ``start_et``, ``end_et``, ``duration_s``, Juno's geometry at the middle
        (``altitude_km``, ``lat_pg_deg``, ...), its ``start_``/``end_``
        ``altitude_km``, ``lat_pg_deg`` and ``speed_km_h``, and each moon's
        km/px at the middle.
    unseen : list of str
        Moons never in view in the window.
    step_s : float
        The sampling step: times are good to it.
    approximate : bool
        Whether Juno's trajectory is flyplan's model.
    accuracy : str
        The trajectory's and the moons' sources with their bounds.
    note : str
        Why there is nothing to show, when so (no moon ephemeris, ...).
    """

    best: object
    together: object
    unseen: list = field(default_factory=list)
    step_s: float = 0.0
    approximate: bool = False
    accuracy: str = ""
    note: str = ""
    criteria: str = CRITERIA

    def to_dict(self) -> dict:
        """The JSON form (``highlights`` of ``flyplan perijove N --format json``)."""
        from flyplan.timeutil import iso_frame

        def rows(df):
            out = iso_frame(df).astype(object)
            return out.where(out.notna(), None).to_dict(orient="records")

        return {"criteria": self.criteria, "step_s": self.step_s,
                "approximate": self.approximate, "accuracy": self.accuracy,
                "best": rows(self.best), "together": rows(self.together),
                "unseen": list(self.unseen), "note": self.note}

    def __repr__(self) -> str:
        seen = ", ".join(self.best["moon"]) if len(self.best) else "none"
        return (f"<Highlights: best moments for {seen}; {len(self.together)} interval(s) "
                "with two or more moons in view>")


def _in_view(df, name: str) -> np.ndarray:
    return (df[f"{name}_in_swath"].to_numpy(bool)
            & (df[f"{name}_limb_angle_deg"].to_numpy(float) > 0.0)
            & ~df[f"{name}_in_shadow"].to_numpy(bool))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Index ranges ``[i0, i1]`` (inclusive) of consecutive True values."""
    if not mask.any():
        return []
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), stops.tolist()))


def highlights(pj, *, min_moons: int = 2, limb_band_deg: float = LIMB_BAND_DEG) -> Highlights:
    """Best JunoCam moment per moon, and intervals with ``min_moons`` or more in view
    together just above Jupiter's limb.

    Parameters
    ----------
    pj : flyplan.domain.perijove.Perijove
        With moons and the JunoCam columns (the default ``flyplan.perijove(n)``).
    min_moons : int
        How many moons must be in view together for an interval.
    limb_band_deg : float
        Highest limb angle (deg) of a moon "together above the limb".

    Returns
    -------
    Highlights
    """
    import pandas as pd

    from flyplan.constants import MOONS
    from flyplan.domain.api import dress

    df = pj.samples
    plan = getattr(pj, "selection", None) or pj.plan
    accuracy = f"trajectory: {plan.trajectory_label}; moons: {plan.moons_label}"
    names = [m for m in MOONS if f"{m.lower()}_in_swath" in df.columns]
    empty_best = pd.DataFrame(columns=["moon", "utc", "et", "km_per_px"])
    empty_together = pd.DataFrame(columns=["moons", "n_moons", "start_utc", "end_utc"])
    if not names or len(df) == 0:
        return Highlights(empty_best, empty_together, [], pj.step_s, plan.approximate, accuracy,
                          note="no moon ephemeris or JunoCam columns in this window")
    view = {m: _in_view(df, m.lower()) for m in names}
    best_rows, unseen = [], []
    for m in names:
        name = m.lower()
        if not view[m].any():
            unseen.append(m)
            continue
        kmpx = np.where(view[m], df[f"{name}_km_per_px"].to_numpy(float), np.inf)
        i = int(np.argmin(kmpx))
        row = df.iloc[i]
        best_rows.append({
            "moon": m, "utc": row["utc"], "et": float(row["et"]),
            "km_per_px": float(row[f"{name}_km_per_px"]),
            "range_km": float(row[f"{name}_range_km"]),
            "phase_deg": float(row[f"{name}_phase_deg"]),
            "limb_angle_deg": float(row[f"{name}_limb_angle_deg"]),
            "ang_size_px": float(row[f"{name}_ang_size_px"]),
            **{k: float(row[k]) for k in _GEOMETRY}})
    best = pd.DataFrame(best_rows) if best_rows else empty_best

    # Which moons are in view at each sample; an interval is a run of samples
    # with the same set of min_moons or more.
    near = {m: view[m] & (df[f"{m.lower()}_limb_angle_deg"].to_numpy(float) <= limb_band_deg)
            for m in names}
    stack = np.column_stack([near[m] for m in names])
    count = stack.sum(axis=1)
    key = np.array(["+".join(m for m, v in zip(names, r) if v) for r in stack], dtype=object)
    et = df["et"].to_numpy(float)
    rows = []
    for i0, i1 in _runs(count >= min_moons):
        # Split where the set of moons changes.
        cuts = [i0] + [j for j in range(i0 + 1, i1 + 1) if key[j] != key[j - 1]] + [i1 + 1]
        for a, b in zip(cuts[:-1], cuts[1:]):
            mid = (a + b - 1) // 2
            r, r0, r1 = df.iloc[mid], df.iloc[a], df.iloc[b - 1]
            moons = key[a].split("+")
            rows.append({
                "moons": key[a], "n_moons": len(moons),
                "start_utc": df["utc"].iloc[a], "end_utc": df["utc"].iloc[b - 1],
                "start_et": et[a], "end_et": et[b - 1], "duration_s": et[b - 1] - et[a],
                **{k: float(r[k]) for k in _GEOMETRY},
                **{f"{w}_{k}": float(rr[k]) for w, rr in (("start", r0), ("end", r1))
                   for k in ("altitude_km", "lat_pg_deg", "speed_km_h")},
                **{f"{m.lower()}_km_per_px": float(r[f"{m.lower()}_km_per_px"])
                   for m in moons}})
    together = pd.DataFrame(rows) if rows else empty_together
    criteria = CRITERIA.replace(f"within {LIMB_BAND_DEG:g} deg", f"within {limb_band_deg:g} deg")
    out = Highlights(best, together, unseen, pj.step_s, plan.approximate, accuracy,
                     criteria=criteria)
    dress(out.best, pj, "highlights_best")
    dress(out.together, pj, "highlights_together")
    return out
