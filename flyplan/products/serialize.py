"""Results as data for files: one JSON sanitizer, one provenance envelope, CSV and JSON.

Every result type (:class:`~flyplan.domain.perijove.Perijove`,
:class:`~flyplan.domain.events.EventsResult`, :class:`~flyplan.domain.plan.PlanResult`,
:class:`~flyplan.domain.mission.MissionTable`,
:class:`~flyplan.domain.observe.Observability`) provides ``metadata()``: the
facts of where its numbers come from.  This module turns them into

- the **provenance envelope** (:func:`envelope`): version, what was computed,
  trajectory and moon sources (and whether approximate), notes, conventions,
  kernels with sha256 and source; the CSV ``#`` header (:func:`header_lines`),
  the JSON ``metadata`` and the HTML footer all render this one dictionary;
- the **JSON document** (:func:`document`, :func:`to_json`) and the **CSV
  table** (:func:`table`, :func:`to_csv`), one registered function per type.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from functools import singledispatch
from pathlib import Path

import numpy as np

from flyplan.domain.coverage import COVERAGE_VARIABLES, CoverageResult
from flyplan.domain.events import EventsResult
from flyplan.domain.image import Image, ImageSet, self_check_text
from flyplan.domain.mission import MissionTable
from flyplan.domain.observe import TWILIGHT, Observability
from flyplan.domain.perijove import Perijove
from flyplan.domain.perijove_blocks import is_streamed
from flyplan.domain.plan import PlanResult
from flyplan.domain.targets import TargetsResult

__all__ = ["jsonable", "records", "envelope", "header_lines", "document", "table", "to_json",
           "to_csv", "write_json", "write_csv", "CSV_FLOAT_FORMAT"]

# Six decimals: mm in km, micro-degrees in degrees, microseconds in seconds.
CSV_FLOAT_FORMAT = "%.6f"


def jsonable(x):
    """``x`` made of JSON types only: numpy scalars unwrapped, non-finite floats as
    None, times as ISO-8601 UTC with ``Z``, paths and other objects as strings
    only where they are known; containers converted recursively."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return [jsonable(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    if isinstance(x, (str, np.str_)):
        return str(x)
    if x is None:
        return None
    if isinstance(x, Path):
        return str(x)
    if isinstance(x, _dt.datetime):
        import pandas as pd

        ts = pd.Timestamp(x)
        if ts is pd.NaT:
            return None
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        return ts.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(x, np.datetime64):
        return jsonable(x.astype("datetime64[ns]").astype(_dt.datetime)
                        if not np.isnat(x) else None)
    try:
        import pandas as pd

        if x is pd.NaT or (not isinstance(x, (list, dict)) and pd.isna(x)):
            return None
    except (TypeError, ValueError):
        pass
    raise TypeError(f"not JSON serializable: {type(x).__name__}")


def records(df) -> list[dict]:
    """A DataFrame as a list of JSON-ready row dictionaries."""
    from flyplan.timeutil import iso_frame

    if df is None or len(df) == 0:
        return []
    # datetime64[ns, UTC] columns as the ISO text they were built from (same decimals).
    return jsonable(iso_frame(df).to_dict(orient="records"))


# -- the provenance envelope -----------------------------------------------------------------

def envelope(result) -> dict:
    """The provenance of ``result``: one dictionary for the CSV header, JSON and HTML.

    Keys: ``flyplan_version``, ``product`` (what was computed), ``source``
    (trajectory and moon labels, ``approximate``), ``notes``, ``conventions``,
    ``kernels`` (name, kind, size, sha256, source, note), then the result's
    own facts (perijove time and how it was found, window, settings, ...).
    """
    meta = dict(result.metadata())
    env = {"flyplan_version": meta.pop("flyplan_version"), "product": _product(result)}
    source = meta.pop("source", None)
    notes = list(meta.pop("notes", []))
    if source:
        notes = list(dict.fromkeys(list(source.get("notes", [])) + notes))
        env["source"] = {k: v for k, v in source.items() if k != "notes"}
    env["notes"] = notes
    env["conventions"] = meta.pop("conventions", {})
    env["kernels"] = meta.pop("kernels", [])
    env.update(meta)
    return jsonable(env)


def _product(result) -> str:
    return {"Perijove": f"perijove {getattr(result, 'number', '')} samples",
            "EventsResult": f"perijove {getattr(result, 'number', '')} events",
            "PlanResult": f"plan {getattr(result, 'path', None) or ''}".rstrip(),
            "MissionTable": "mission table: one row per perijove",
            "Observability": f"observe: Jupiter before perijove {getattr(result, 'number', '')}",
            "CoverageResult": f"JunoCam coverage map of perijove {getattr(result, 'number', '')}",
            "TargetsResult": f"JunoCam points of interest, perijove "
                             f"{getattr(result, 'number', '')}",
            "Image": f"image {getattr(result, 'product_id', '')} framelets",
            "ImageSet": "JunoCam image framelets",
            }.get(type(result).__name__, type(result).__name__)


def _one_line(text) -> str:
    # A user's string (a scenario name, a path) must not start a line of its own.
    return " ".join(str(text).split())


def header_lines(env: dict, lead: list[str] = ()) -> list[str]:
    """The CSV ``#`` header of an envelope (pandas: ``read_csv(..., comment="#")``).

    ``lead`` holds the product's own first lines (perijove time, window, ...).
    """
    lines = [f"flyplan {env['flyplan_version']} {env['product']}", *lead]
    src = env.get("source")
    if src:
        lines.append(f"trajectory: {src.get('trajectory_label', '')}"
                     + (" [APPROXIMATE]" if src.get("approximate") else ""))
        lines.append(f"moons: {src.get('moons_label', '')}")
    lines += [f"note: {n}" for n in env.get("notes", [])]
    for key, text in env.get("kinds", {}).items():
        lines.append(f"kind {key}: {text}")
    lines += [f"convention {k}: {v}" for k, v in env.get("conventions", {}).items()]
    lines += [f"kernel: {k['name']} sha256={k['sha256']} source={k['source']}"
              for k in env.get("kernels", [])]
    return [f"# {_one_line(x)}" for x in lines]


# -- per result type -------------------------------------------------------------------------

@singledispatch
def document(result) -> dict:
    """The JSON contract of ``result`` (a dictionary of JSON types)."""
    raise TypeError(f"flyplan cannot serialize a {type(result).__name__}")


@singledispatch
def table(result):
    """``(lead lines, DataFrame)``: the rows a CSV of ``result`` holds."""
    raise TypeError(f"flyplan cannot write a {type(result).__name__} as CSV")


@singledispatch
def streamed(result):
    """``(head, tables, tail)`` of a :func:`document` whose tables stream, or None.

    The document is ``{**head, **{name: records(df)}, **tail}``;
    :func:`flyplan.products.stream.write_json` writes it a block of rows at
    a time.
    """
    return None


def to_json(result, indent: int | None = 1) -> str:
    """``result`` as JSON text (its :func:`document`)."""
    if indent == 1 and streamed.dispatch(type(result)) is not streamed.dispatch(object):
        import io

        buf = io.StringIO()
        write_json(result, buf)
        return buf.getvalue()
    return json.dumps(document(result), indent=indent, allow_nan=False)


def write_json(result, fp) -> None:
    """Write :func:`to_json`'s text to the text file ``fp`` (tables a block of rows at a time)."""
    from flyplan.products.stream import write_json as stream_json

    parts = streamed(result)
    if parts is None:
        fp.write(json.dumps(document(result), indent=1, allow_nan=False))
    else:
        head, tables, tail = parts
        tables = {k: _iso_table(v) for k, v in tables.items()}
        stream_json(fp, head, tables, tail, convert=jsonable)


def _iso_table(v):
    """A table for the JSON writer with UTC as text: a frame, blocks of one, or a callable."""
    from flyplan.timeutil import iso_frame

    if v is None:
        return v
    if callable(v):
        return lambda: _iso_table(v())
    if hasattr(v, "columns"):
        return iso_frame(v)
    return (iso_frame(block) for block in v)


def to_csv(result) -> str:
    """``result`` as CSV text: the ``#`` provenance header, then its table."""
    import io

    buf = io.StringIO()
    write_csv(result, buf)
    return buf.getvalue()


def write_csv(result, fp) -> None:
    """Write :func:`to_csv`'s text to the text file ``fp``, a block of rows at a time."""
    from flyplan.products.stream import write_csv as stream_csv

    from flyplan.timeutil import iso_frame

    if isinstance(result, Perijove) and is_streamed(result):
        _write_streamed_perijove_csv(result, fp)
        return
    lead, df = table(result)
    stream_csv(fp, header_lines(envelope(result), lead), iso_frame(df), CSV_FLOAT_FORMAT)


def _write_streamed_perijove_csv(pj: Perijove, fp) -> None:
    # The header names what the rows found (moons the model cannot place), so
    # the rows are written first to a temporary file on disk, then copied.
    import shutil
    import tempfile

    from flyplan.products.stream import write_csv as stream_csv

    from flyplan.timeutil import iso_frame

    blocks = pj.__dict__["_blocks"]
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as rows:
        stream_csv(rows, [], (iso_frame(b) for b in blocks.frames()), CSV_FLOAT_FORMAT)
        lead, _ = table(pj)
        for line in header_lines(envelope(pj), lead):
            fp.write(line)
            fp.write("\n")
        rows.seek(0)
        shutil.copyfileobj(rows, fp, 1 << 20)


def _from_parts(parts) -> dict:
    # The document of a streamed result: its tables as records, between head and tail.
    head, tables, tail = parts
    out = dict(head)
    for k, v in tables.items():
        v = v() if callable(v) else v
        if v is not None and not hasattr(v, "columns"):  # blocks of rows
            import pandas as pd

            v = pd.concat(list(v), ignore_index=True)
        out[k] = records(v)
    return {**out, **(tail() if callable(tail) else tail)}


@streamed.register
def _perijove_parts(pj: Perijove):
    if is_streamed(pj):
        return _streamed_perijove_parts(pj)
    env = envelope(pj)
    tables = {"samples": pj.samples, "events": pj.events}
    tail = {"highlights": jsonable(pj.highlights.to_dict()), "kernels": env.pop("kernels"),
            "metadata": env}
    return jsonable(dict(pj.summary)), tables, tail

def _streamed_perijove_parts(pj: Perijove):
    # As _perijove_parts, in the order that sees the whole table first: the
    # sample blocks, then the envelope (its window and notes), the events and
    # the highlights (their columns were kept from every block).
    blocks = pj.__dict__["_blocks"]
    env: dict = {}

    def events():
        env.update(envelope(pj))
        return pj.events

    def tail():
        return {"highlights": jsonable(pj.highlights.to_dict()), "kernels": env.pop("kernels"),
                "metadata": env}

    return jsonable(dict(pj.summary)), {"samples": blocks.frames(), "events": events}, tail


@document.register
def _perijove_doc(pj: Perijove) -> dict:
    return _from_parts(_perijove_parts(pj))

@table.register
def _perijove_table(pj: Perijove):
    lead = [f"perijove: {pj.utc} (et {pj.et:.3f}), found by {pj.method}"]
    s = pj.summary
    if "utc_ert" in s:
        lead.append(f"perijove Earth-received (ERT): {s['utc_ert']} (one-way light time "
                    f"{s['light_time_min']:.4f} min; Sun-Earth-Juno "
                    f"{s['sun_earth_juno_deg']:.2f} deg)")
    return lead, pj.samples

@streamed.register
def _events_parts(res: EventsResult):
    env = envelope(res)
    return ({"perijove": res.number, "utc": res.utc, "et": res.et}, {"events": res.events},
            {"kernels": env.pop("kernels"), "metadata": env})

@document.register
def _events_doc(res: EventsResult) -> dict:
    return _from_parts(_events_parts(res))

@table.register
def _events_table(res: EventsResult):
    w = envelope(res)["window_utc"]
    return [f"perijove: {res.utc} (et {res.et:.3f}), found by {res.method}",
            f"window: {w[0]} .. {w[1]} ({res.window_basis})"], res.events

@document.register
def _plan_doc(res: PlanResult) -> dict:
    return jsonable({"windows": res.window_records,
                     "best": [p["best"] for p in res.perijoves if p.get("best")],
                     "perijoves": [{k: v for k, v in p.items() if k not in ("windows", "best")}
                                   for p in res.perijoves],
                     "metadata": envelope(res)})

@table.register
def _plan_table(res: PlanResult):
    lead = [f"scenario: {res.scenario.name}"]
    for p in res.perijoves:
        if p["status"] == "ok":
            lead.append(f"PJ{p['perijove']}: trajectory {p['trajectory']}; moons "
                        f"{p['moons']}; spin axis {p['spin_axis']}")
            lead += [f"note: {x}" for x in p["notes"]]
        else:
            lead.append(f"PJ{p['perijove']} skipped: {p['reason']}")
    return lead, res.best_frame() if res.scenario.outputs.best else res.windows_frame()

@streamed.register
def _mission_parts(mt: MissionTable):
    return {}, {"perijoves": mt.table}, {"metadata": envelope(mt)}

@document.register
def _mission_doc(mt: MissionTable) -> dict:
    return _from_parts(_mission_parts(mt))

@table.register
def _mission_table(mt: MissionTable):
    return ["<moon>_ca_*: closest approach within the orbit (apojove to apojove), range "
            "from Juno (LT) and height above the moon's mean radius"], mt.table

@document.register
def _observe_doc(obs: Observability) -> dict:
    return jsonable({"perijove": obs.perijove, "site": obs.site.to_dict(),
                     "nights": obs.nights, "samples": records(obs.samples),
                     "metadata": envelope(obs)})

@table.register
def _observe_table(obs: Observability):
    from flyplan.timeutil import iso_frame

    s = obs.site
    lead = [f"perijove (SCET): {obs.perijove['utc']} ({obs.perijove_status}); seen on "
            f"Earth (ERT): {obs.perijove['utc_ert']}; one-way light time "
            f"{obs.perijove['light_time_min']:.3f} min",
            f"site: {s.name} lat {s.lat_deg:.6f} N lon {s.lon_deg:.6f} E elevation "
            f"{s.elevation_m:g} m (WGS84; source: {s.source})",
            f"twilight: {obs.twilight} (Sun below {TWILIGHT[obs.twilight][0]:g} deg); "
            f"Jupiter at or above {obs.min_altitude_deg:g} deg",
            f"ephemeris: {obs.ephemeris}"]
    lead += [f"window: {w['start_utc']} .. {w['end_utc']} CML {w['cml_start_deg']:.1f} -> "
             f"{w['cml_end_deg']:.1f} deg W" for _, w in iso_frame(obs.windows).iterrows()]
    return lead, obs.samples

@document.register
def _image_doc(im: Image) -> dict:
    env = envelope(im)
    return jsonable({"product_id": im.product_id, "label": im.label.as_dict(),
                     "trajectory": im.selection.trajectory_label,
                     "approximate": im.selection.approximate, "pointing": im.pointing,
                     "spin_phase_known": im.has_pointing, "self_check": dict(im.self_check),
                     "framelets": records(im.framelets), "notes": list(im.notes),
                     "kernels": env.pop("kernels"), "metadata": env})

@table.register
def _image_table(im: Image):
    return _image_lead(im), im.framelets.assign(product_id=im.product_id)

def _image_lead(im: Image) -> list[str]:
    return [f"image {im.product_id}: {im.label.kind} {im.label.path}",
            f"image {im.product_id} trajectory: {im.selection.trajectory_label}"
            + (" [APPROXIMATE]" if im.selection.approximate else ""),
            f"image {im.product_id} pointing: {im.pointing}",
            f"image {im.product_id} self-check: {self_check_text(im.self_check)}"]

@document.register
def _image_set_doc(res: ImageSet) -> dict:
    return {"images": [document(im) for im in res.images], "metadata": envelope(res)}

@table.register
def _image_set_table(res: ImageSet):
    import pandas as pd

    lead = [line for im in res.images for line in _image_lead(im)]
    frames = [im.framelets.assign(product_id=im.product_id) for im in res.images]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return lead, df[["product_id"] + [c for c in df.columns if c != "product_id"]]

@document.register
def _coverage_doc(res: CoverageResult) -> dict:
    env = envelope(res)
    return {"summary": jsonable(res.summary()), "cells": records(res.frame()),
            "track": records(res.track), "kernels": env.pop("kernels"), "metadata": env}


@table.register
def _coverage_table(res: CoverageResult):
    meta = res.metadata()
    lead = [f"coverage of perijove {res.number} ({meta['perijove_utc']}), {res.res_deg:g} deg "
            "cells, imageable cells only",
            f"window: {meta['window_utc'][0]} .. {meta['window_utc'][1]} every "
            f"{meta['step_s']:g} s",
            f"spin axis: {res.axis_label}", f"limits: {json.dumps(res.limits)}"]
    lead += [f"variable {k}: {v}" for k, v in COVERAGE_VARIABLES.items()]
    return lead, res.frame()


@document.register
def _targets_doc(res: TargetsResult) -> dict:
    return {"pois": jsonable(res.records), "metadata": envelope(res)}


@table.register
def _targets_table(res: TargetsResult):
    """One row per POI (its best opportunity); the windows are in the ``#`` lines."""
    meta = res.metadata()
    lead = [f"targets of perijove {res.number} ({meta['perijove_utc']})",
            f"spin axis: {res.axis_label}", f"limits: {json.dumps(meta['limits'])}"]
    lead += [f"poi: {p.describe()}" for p in res.pois]
    wins = res.windows_frame()
    lead += [f"window: {r.name} {r.start_utc} .. {r.end_utc} ({r.duration_s:.1f} s; best "
             f"{r.best_km_per_px:.2f} km/px at {r.best_utc})" for r in wins.itertuples()]
    return lead, res.best_frame()
