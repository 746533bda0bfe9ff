"""A compact, comparable digest of a flyplan JSON document (for the golden tests).

The digest keeps what the results say (summary values, every event's time,
kind and body, per-column statistics and three rows of the samples, plan
windows) and drops what may change without the results changing: the
version, kernel paths, the order of notes.
"""

from __future__ import annotations

import math

_VOLATILE = {"flyplan_version", "path", "generated_utc"}


def _stats(rows: list[dict]) -> dict:
    out = {}
    if not rows:
        return out
    for key in rows[0]:
        vals = [r[key] for r in rows if isinstance(r.get(key), (int, float))
                and not isinstance(r.get(key), bool)]
        if vals:
            out[key] = [min(vals), max(vals), math.fsum(vals) / len(vals)]
    return out


def _clean(x):
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items() if k not in _VOLATILE}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def digest(doc: dict) -> dict:
    """The parts of a ``--format json`` document a golden test compares."""
    out = {}
    for key, value in doc.items():
        if key in ("samples", "events", "kernels", "metadata", "perijoves", "windows",
                   "highlights"):
            continue
        out[key] = _clean(value)
    if "samples" in doc:
        s = doc["samples"]
        out["samples_n"] = len(s)
        out["samples_stats"] = _stats(s)
        out["samples_rows"] = [_clean(s[i]) for i in (0, len(s) // 2, len(s) - 1)] if s else []
    if "events" in doc:
        out["events"] = [{k: e.get(k) for k in ("et", "kind", "body", "detail")}
                         for e in doc["events"]]
    if "kernels" in doc:
        out["kernels"] = sorted((k["name"], k["sha256"]) for k in doc["kernels"])
    meta = doc.get("metadata", {})
    src = meta.get("source", {})
    out["source"] = {k: v for k, v in src.items() if k != "notes"}
    # Notes about the sources, wherever the document keeps them.
    out["notes"] = sorted(set(src.get("notes", [])) | set(meta.get("notes", [])))
    for key in ("perijoves", "windows"):
        if key in doc:
            out[key] = _clean(doc[key])
    return out
