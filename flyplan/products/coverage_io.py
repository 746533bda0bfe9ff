"""Coverage maps as NetCDF (JSON and CSV: :mod:`flyplan.products.serialize`)."""

from __future__ import annotations

import json

from flyplan.domain.coverage import CoverageResult
from flyplan.products.serialize import envelope

__all__ = ["netcdf_bytes"]


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
