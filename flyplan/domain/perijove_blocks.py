"""A perijove's sample table computed a block of rows at a time while it is written.

A day at one sample a second is 86,401 rows; computing them at once holds
every intermediate array of the geometry (~2 KB a row) besides the table.
For a table that is written and not kept (``flyplan perijove N -f json|csv``),
:func:`plan` splits the samples into blocks of about ``stream_rows`` rows,
which :mod:`flyplan.products.serialize` computes, writes and drops one after
the other, so that memory no longer grows with the work of the samples.

The text is the one the whole table gives (tested): each block is computed
with what makes its rows those of the whole table --

- one neighbouring sample either side, computed and dropped (for any column
  taken from neighbouring samples; the tests compare every byte);
- the window's first and last samples, computed and dropped, so that the
  positions interpolated between exact nodes (the Sun and Earth every
  300 s, :mod:`flyplan.geometry.samples`) are interpolated between the same
  nodes;
- on flyplan's model trajectory, the bounds (rates from neighbouring rows,
  the longitude unwrapped from the first row on) computed over the whole
  window from the five columns they read (40 bytes a row): every block is
  computed once and pickled to a temporary directory, then read back with
  its bounds filled in and written (on NAIF's trajectories they are zeros,
  known at once: no spool);
- and only when each block, so extended, takes the same exact-or-interpolated
  choice as the whole table and holds at least 64 epochs (fewer go to SPICE
  rather than to numpy's reading of the moons' records); otherwise
  :func:`plan` declines (None) and the table is computed at once.

Kept for the rest of the output: the columns the highlights read (~0.25 KB a
row), the first time each moon could not be placed, and the spin-axis label.
"""

from __future__ import annotations

import math

import numpy as np

from flyplan.constants import MOON_IDS as MOONS_BY_ID

__all__ = ["Blocks", "plan", "is_streamed", "HIGHLIGHT_SUFFIXES", "STREAM_ROWS"]

# Rows per block for the command line's JSON and CSV.  Measured on PJ38
# +-12 h at 1 s (86,401 rows), JSON: peak RSS 263 MB with 5,000, 279 MB with
# 10,000 (the whole table: 336 MB before it is written, 430 MB written); the
# blocks' fixed cost (window ends, neighbours, SPICE self-checks) stays small.
STREAM_ROWS = 5_000

# What flyplan.domain.highlights reads of each moon, and of Juno.
HIGHLIGHT_SUFFIXES = ("in_swath", "limb_angle_deg", "in_shadow", "km_per_px", "range_km",
                      "phase_deg", "ang_size_px")
_JUNO_COLUMNS = ("utc", "et", "altitude_km", "lat_pg_deg", "lat_pc_deg", "lon_w_deg",
                 "speed_km_s", "speed_km_h")


# Below this many epochs the moons' positions come from SPICE itself rather
# than numpy's reading of the same records (flyplan.geometry.chebyshev): a
# few ulps apart, so a block is never that small.
_MIN_ROWS = 64


def is_streamed(pj) -> bool:
    """Whether ``pj``'s sample table is still to be computed and written a block at a time."""
    b = pj.__dict__.get("_blocks")
    return b is not None and not b.done


def _interpolates(n: int, span_s: float) -> bool:
    # flyplan.geometry.samples._at_nodes's choice for n samples over span_s.
    from flyplan.geometry.samples import _SUN_NODE_S

    k = int(np.ceil(span_s / _SUN_NODE_S)) + 1
    return not (k >= n // 2 or k < 2)


def plan(et: np.ndarray, stream_rows: int, rows) -> "Blocks | None":
    """Blocks of about ``stream_rows`` samples of ``et``, or None when one table is as good.

    Parameters
    ----------
    et : numpy.ndarray
        The window's sample times, increasing, TDB s.
    stream_rows : int
        Rows per block, about (the blocks are made equal).
    rows : callable
        ``rows(et) -> (DataFrame, label)``: the sample table at ``et``.
    """
    n = len(et)
    if stream_rows <= 0 or n <= stream_rows:
        return None
    count = math.ceil(n / stream_rows)
    edges = np.linspace(0, n, count + 1).round().astype(int)
    span = float(et[-1] - et[0])
    whole = _interpolates(n, span)
    b = Blocks(et, edges, rows)
    sizes = [len(b.indices(i)[0]) for i in range(count)]
    if min(sizes) < _MIN_ROWS or any(_interpolates(m, span) != whole for m in sizes):
        return None
    b.start()
    return b


class Blocks:
    """The blocks of one perijove's sample table (see the module's notes)."""

    def __init__(self, et, edges, rows):
        self.et, self.edges, self.rows = et, edges, rows
        self.moon_ids = tuple(rows.keywords.get("moon_ids", ()))
        self.label = None
        self.samples = None
        self.note_index = 0
        self.done = False
        self.pj = None
        self._first = None
        self._bounds: dict | None = None

    def __len__(self) -> int:
        return len(self.edges) - 1

    def indices(self, i: int) -> tuple[np.ndarray, slice, slice]:
        """Sample indices block ``i`` computes; where its neighbours and own rows lie
        among them (``inner``), and where its own rows alone lie (``own``)."""
        n = len(self.et)
        b0, b1 = int(self.edges[i]), int(self.edges[i + 1])
        lo, hi = max(b0 - 1, 0), min(b1 + 1, n)
        pre = [0] if lo > 0 else []
        post = [n - 1] if hi < n else []
        idx = np.concatenate([np.array(pre, dtype=int), np.arange(lo, hi),
                              np.array(post, dtype=int)])
        a = len(pre) + (b0 - lo)
        return idx, slice(len(pre), len(pre) + hi - lo), slice(a, a + (b1 - b0))

    def _block(self, i: int):
        """Block ``i``'s own rows; NaN bounds while the whole window's are not known."""
        from flyplan.domain.uncertainty import SAMPLE_COLUMNS

        idx, _inner, own = self.indices(i)
        b0, m = int(self.edges[i]), own.stop - own.start
        if self._bounds is None:
            values = {k: np.full(m, np.nan) for k in SAMPLE_COLUMNS}
        else:
            values = {k: v[b0:b0 + m] for k, v in self._bounds.items()}
        df, label = self.rows(self.et[idx], bounds=(values, own))
        return df.iloc[own].copy().reset_index(drop=True), label

    def _zero_bounds(self) -> None:
        """NAIF's trajectory: the model's bounds are zeros, known before any block."""
        import pandas as pd

        from flyplan.domain import uncertainty

        kw = self.rows.keywords
        if not kw["approximate"]:
            frame = pd.DataFrame(index=pd.RangeIndex(len(self.et)))
            self._bounds = uncertainty.sample_bounds(frame, kw["n"], kw["et_pj"], False)

    def _spooled(self, spool: str):
        """Flyplan's model: every block computed once, its five rate columns kept and
        the block itself pickled to ``spool``; then the bounds of the whole window
        (rates from neighbouring rows, the longitude unwrapped from the first row
        on: the whole table's bits) filled into each block as it is read back."""
        import os

        import pandas as pd

        from flyplan.domain import uncertainty

        kw = self.rows.keywords
        cols = ["et", "altitude_km", "lat_pg_deg", "lon_w_deg", "speed_km_s"]
        parts = []
        for i in range(len(self)):
            if i == 0:
                df, self._first = self._first, None
            else:
                df, _ = self._block(i)
            parts.append(df[cols].copy())
            df.to_pickle(os.path.join(spool, f"{i}.pkl"))
            del df
        frame = pd.concat(parts, ignore_index=True)
        del parts
        self._bounds = uncertainty.sample_bounds(frame, kw["n"], kw["et_pj"], True)
        del frame
        for i in range(len(self)):
            path = os.path.join(spool, f"{i}.pkl")
            df = pd.read_pickle(path)
            os.remove(path)
            b0 = int(self.edges[i])
            for k, v in self._bounds.items():
                df[k] = v[b0:b0 + len(df)]
            yield df
            del df

    def _computed(self):
        for i in range(len(self)):
            if i == 0:
                df, self._first = self._first, None
            else:
                df, _ = self._block(i)
            yield df
            del df

    def _reduced(self, df):
        cols = [c for c in _JUNO_COLUMNS if c in df.columns]
        for moon in self.moon_ids:
            name = MOONS_BY_ID[moon].lower()
            cols += [f"{name}_{s}" for s in HIGHLIGHT_SUFFIXES if f"{name}_{s}" in df.columns]
        return df[cols].copy()

    def start(self) -> None:
        """Compute the first block: the spin-axis label and a first ``samples``."""
        self._zero_bounds()
        self._first, self.label = self._block(0)
        self.samples = self._reduced(self._first)

    def attach(self, pj, add_notes) -> None:
        """Make ``pj`` the result these blocks complete; ``add_notes`` words the notes of
        moons that could not be placed (``flyplan.domain.perijove.add_unresolved_notes``)."""
        self.pj, self._add_notes = pj, add_notes
        pj.__dict__["_blocks"] = self

    def frames(self):
        """The blocks, computed one after the other, their UTC typed as ``pj.samples``'s.

        Once the last is out, ``pj.samples`` holds the highlight columns of the
        whole window and the notes of moons that could not be placed are added.
        """
        import tempfile

        if self.done:
            raise RuntimeError("the blocks of this sample table have been written already")
        kept, first_utc = [], {}
        with tempfile.TemporaryDirectory(prefix="flyplan-blocks-") as spool:
            yield from self._written(self._computed() if self._bounds is not None
                                     else self._spooled(spool), kept, first_utc)
        self._finish(kept, first_utc)

    def _written(self, blocks, kept, first_utc):
        from flyplan.timeutil import type_utc

        for df in blocks:
            for moon in self.moon_ids:
                col = df[f"{MOONS_BY_ID[moon].lower()}_range_km"]
                if moon not in first_utc and col.isna().any():
                    first_utc[moon] = df.loc[col.isna(), "utc"].iloc[0]
            kept.append(self._reduced(df))
            # UTC typed as in pj.samples (the writers' text comes back from it); no
            # provenance attrs, which pandas would deep-copy into every column read.
            yield type_utc(df)
            del df  # written: not kept while the next block is computed

    def _finish(self, kept, first_utc) -> None:
        import pandas as pd

        pj = self.pj
        samples = pd.concat(kept, ignore_index=True)
        del kept
        self.done = True
        pj.__dict__.pop("_highlights", None)
        pj.samples = pj._dress_table("samples", samples)
        new: list = []
        self._add_notes(None, self.moon_ids, pj.selection, new, first_utc=first_utc)
        pj.notes[self.note_index:self.note_index] = new

