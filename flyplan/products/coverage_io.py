"""Coverage maps and points of interest as data: JSON, CSV and NetCDF.

Registers :class:`~flyplan.domain.coverage.CoverageResult` and
:class:`~flyplan.domain.targets.TargetsResult` with
:mod:`flyplan.products.serialize` (``document`` / ``table``), so that
``serialize.to_json`` / ``to_csv`` and the command line's output helper serve
them with the same provenance envelope as every other result.
"""

from __future__ import annotations

import json

from flyplan.domain.coverage import COVERAGE_VARIABLES, CoverageResult
from flyplan.domain.targets import TargetsResult
from flyplan.products.serialize import document, envelope, jsonable, records, table

__all__ = ["netcdf_bytes"]


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


def netcdf_bytes(res: CoverageResult) -> bytes:
    """The coverage Dataset as NetCDF-4, the provenance envelope in its attributes."""
    import os
    import tempfile

    from flyplan.errors import FlyplanError

    ds = res.dataset.copy()
    env = envelope(res)
    ds.attrs = {k: v if isinstance(v, (str, int, float)) else json.dumps(v)
                for k, v in env.items()}
    fd, tmp = tempfile.mkstemp(suffix=".nc")
    os.close(fd)
    try:
        try:
            ds.to_netcdf(tmp, engine="netcdf4")
        except (ImportError, ValueError) as exc:
            raise FlyplanError(f"cannot write NetCDF: {exc}",
                               hint='pip install "flyplan[coverage]" (netCDF4)') from None
        with open(tmp, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(tmp)
