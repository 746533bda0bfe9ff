#!/usr/bin/env python
"""Build flyplan/data/perijove_predictions.csv: both published lists of predicted perijove times.

Usage::

    PYTHONPATH=. python scripts/build_predictions.py [REFERENCE_DIR]

``REFERENCE_DIR`` holds ``juno_perijove_predictions.csv`` (by default
``$FLYPLAN_SHARED/reference`` or ``../shared/reference``).  For every
predicted perijove the output carries the times of list A (the one the
package timetable uses), list B and list B's older edition, each list's
offset from list A, and the spread (largest pairwise disagreement), in
seconds.  Only these numbers are written, with the source named in the header:
the reference file itself is not copied.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "flyplan" / "data" / "perijove_predictions.csv"

HEADER = """\
Predicted Juno perijove times from two published lists, for flyplan's statement of how
uncertain a predicted perijove time is (flyplan.predictions).
Built by scripts/build_predictions.py on {date} from juno_perijove_predictions.csv of
flyplan's shared reference set (sha256 {sha}):
  list A: the list flyplan's timetable (perijove_timetable.csv) carries;
  list B: a later list compiled from the mission operations planning plots;
  list B (older): an earlier edition of list B (blank where it has no entry).
Columns: pj; utc_a, utc_b, utc_b_older (UTC, ISO-8601 Z); b_minus_a_s, b_older_minus_a_s
(seconds); spread_s = the largest disagreement between any two of the lists (seconds).
"""


def _utc(text: str) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    return dt.datetime.fromisoformat(text.rstrip("Z")).replace(tzinfo=dt.timezone.utc)


def _iso(t: dt.datetime | None) -> str:
    if t is None:
        return ""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    default = Path(os.environ.get("FLYPLAN_SHARED", REPO.parent / "shared")) / "reference"
    ref = Path(argv[0]) if argv else default
    src = ref / "juno_perijove_predictions.csv"
    data = src.read_bytes()
    rows = list(csv.DictReader(data.decode().splitlines()))
    lines = [f"# {x}" if x else "#" for x in HEADER.format(
        date=dt.date.today().isoformat(), sha=hashlib.sha256(data).hexdigest()[:16]).splitlines()]
    out = [",".join(("pj", "utc_a", "utc_b", "utc_b_older", "b_minus_a_s", "b_older_minus_a_s",
                     "spread_s"))]
    for r in rows:
        a, b, bo = (_utc(r[k]) for k in ("utc_list_a", "utc_list_b", "utc_list_b_older"))
        times = [t for t in (a, b, bo) if t is not None]
        spread = max((abs((x - y).total_seconds()) for x in times for y in times), default=0.0)
        d = lambda t: "" if t is None or a is None else f"{(t - a).total_seconds():.3f}"  # noqa: E731
        out.append(",".join((r["pj"], _iso(a), _iso(b), _iso(bo), d(b), d(bo), f"{spread:.3f}")))
    OUT.write_text("\n".join(lines + out) + "\n")
    print(f"wrote {OUT} ({len(rows)} perijoves)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
