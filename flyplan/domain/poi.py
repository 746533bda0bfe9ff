"""Points of interest on Jupiter: a name, a planetographic latitude and a west longitude.

The longitude is in System III (fixed to the planet's interior, the IAU frame
IAU_JUPITER) or in System II with an epoch and a drift rate, for features that
move against System III, such as the Great Red Spot.  System II is converted
with the prime-meridian angles of the IAU Working Group on Cartographic
Coordinates and Rotational Elements (Archinal et al. 2018, Celest. Mech. Dyn.
Astr. 130:22; the same in the 2009 and 2015 reports):
``W_III = 284.95 + 870.5360000 d`` and ``W_II = 43.3 + 870.270 d`` (degrees,
``d`` days of TDB from J2000), so at any moment ``lon_III = lon_II + (W_III - W_II)``.

Reading and checking needs no kernel; :meth:`POI.lon_iii` of a System II point
needs a leapseconds kernel loaded (the epoch is UTC).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from flyplan.errors import FlyplanError

__all__ = ["POI", "POIError", "parse_poi", "read_poi_file", "make_poi", "system_ii_to_iii",
           "W_III", "W_II"]

# IAU WGCCRE (Archinal et al. 2018): prime-meridian angles, degrees and deg/day.
W_III = (284.95, 870.5360000)
W_II = (43.3, 870.270)
_DAY = 86400.0


class POIError(FlyplanError):
    """A point of interest that cannot be read."""


def system_ii_to_iii(lon_ii_w_deg, et):
    """System III west longitude of a System II west longitude at ET (degrees)."""
    d = np.asarray(et, dtype=float) / _DAY
    offset = (W_III[0] - W_II[0]) + (W_III[1] - W_II[1]) * d
    return np.mod(np.asarray(lon_ii_w_deg, dtype=float) + offset, 360.0)


@dataclass(frozen=True)
class POI:
    """A point of interest on Jupiter's cloud tops.

    Attributes
    ----------
    name : str
    lat_pg_deg : float
        Planetographic latitude, degrees.
    lon_w_deg : float
        West longitude, degrees: System III, or System II at ``epoch_utc``.
    system : {"III", "II"}
    epoch_utc : str, optional
        When a System II longitude holds (required for System II).
    drift_deg_per_day : float
        Drift of the System II longitude, degrees/day (positive westward,
        increasing longitude).
    """

    name: str
    lat_pg_deg: float
    lon_w_deg: float
    system: str = "III"
    epoch_utc: str | None = None
    drift_deg_per_day: float = 0.0

    def lon_iii(self, et) -> np.ndarray:
        """System III west longitude at each ET, degrees."""
        et = np.asarray(et, dtype=float)
        if self.system == "III":
            return np.full(et.shape, float(self.lon_w_deg) % 360.0)
        from flyplan.timeutil import utc_to_et

        e0 = utc_to_et(self.epoch_utc)
        lon_ii = self.lon_w_deg + self.drift_deg_per_day * (et - e0) / _DAY
        return system_ii_to_iii(lon_ii, et)

    def describe(self) -> str:
        if self.system == "III":
            return f"{self.name}: {self.lat_pg_deg:g} deg (pg), {self.lon_w_deg:g} deg W (III)"
        return (f"{self.name}: {self.lat_pg_deg:g} deg (pg), {self.lon_w_deg:g} deg W (System "
                f"II at {self.epoch_utc}, drift {self.drift_deg_per_day:+g} deg/day)")


_POI_RE = re.compile(
    r"^\s*(?P<name>[^:]+?)\s*:\s*(?P<lat>[-+]?\d+(?:\.\d*)?)\s*,\s*(?P<lon>[-+]?\d+(?:\.\d*)?)"
    r"\s*(?:,\s*II\s*@\s*(?P<epoch>\d{4}-\d{2}-\d{2}(?:[T ][0-9:.]+)?Z?)"
    r"(?P<drift>[-+]\d+(?:\.\d*)?)?)?\s*$", re.IGNORECASE)
_POI_FORMAT = ('NAME:LAT,LON for System III, or NAME:LAT,LON,II@EPOCH+DRIFT for System II '
               '(e.g. "GRS:-22.5,300,II@2018-10-29+0.08": latitude planetographic, west '
               'longitude, drift in deg/day)')


def _make(name, lat, lon, system="III", epoch=None, drift=0.0, where="") -> POI:
    if not name:
        raise POIError(f"{where}a point of interest needs a name", hint=_POI_FORMAT)
    if not -90.0 <= lat <= 90.0:
        raise POIError(f"{where}{name}: latitude {lat:g} is outside -90..90 degrees",
                       hint="give a planetographic latitude in degrees")
    if not math.isfinite(lon):
        raise POIError(f"{where}{name}: longitude {lon} is not a number", hint=_POI_FORMAT)
    if system == "II":
        if not epoch:
            raise POIError(f"{where}{name}: a System II longitude needs an epoch",
                           hint=_POI_FORMAT)
        from datetime import datetime

        # Checked here without SPICE (no kernel is loaded yet when options are read).
        try:
            datetime.fromisoformat(str(epoch).strip().replace(" ", "T").rstrip("Zz"))
        except ValueError:
            raise POIError(f"{where}{name}: epoch {epoch!r} is not a UTC time",
                           hint="write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ") from None
    elif system != "III":
        raise POIError(f"{where}{name}: unknown longitude system {system!r}",
                       hint='use "III" (the default) or "II"')
    return POI(name, float(lat), float(lon) % 360.0, system, epoch, float(drift or 0.0))


def parse_poi(text: str) -> POI:
    """A POI from ``"NAME:LAT,LON"`` or ``"NAME:LAT,LON,II@EPOCH+DRIFT"``.

    A leapseconds kernel must be loaded to check a System II epoch.

    Raises
    ------
    POIError
        For text not in that form.
    """
    m = _POI_RE.match(text)
    if not m:
        raise POIError(f"cannot read the point of interest {text!r}", hint=_POI_FORMAT)
    lat, lon = float(m["lat"]), float(m["lon"])
    if m["epoch"]:
        return _make(m["name"], lat, lon, "II", m["epoch"], float(m["drift"] or 0.0),
                     where="--poi: ")
    return _make(m["name"], lat, lon, where="--poi: ")


_FILE_KEYS = {"name", "lat_pg_deg", "lon_w_deg", "system", "epoch", "drift_deg_per_day"}


def read_poi_file(path) -> list[POI]:
    """POIs from a CSV (header ``name,lat_pg_deg,lon_w_deg[,system,epoch,drift_deg_per_day]``)
    or TOML (``[[poi]]`` tables with the same keys) file.

    Raises
    ------
    POIError
        For a missing file, an unknown key or a bad value (with the row).
    """
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise POIError(f"cannot read the POI file {p}: {exc.strerror}",
                       hint="give an existing CSV or TOML file") from None
    if p.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise POIError(f"{p}: not valid TOML ({exc})", hint="see the [[poi]] example in "
                           "the README") from None
        extra = set(data) - {"poi"}
        if extra or not isinstance(data.get("poi"), list):
            raise POIError(f"{p}: expected [[poi]] tables only"
                           + (f", found {', '.join(sorted(extra))}" if extra else ""),
                           hint="one [[poi]] table per point: name, lat_pg_deg, lon_w_deg")
        rows = [(f"{p}: [[poi]] #{i + 1}: ", r) for i, r in enumerate(data["poi"])]
    else:
        reader = csv.DictReader(io.StringIO("\n".join(
            line for line in text.splitlines() if not line.lstrip().startswith("#"))))
        rows = [(f"{p}: line {i + 2}: ", {k.strip(): (v.strip() if isinstance(v, str) else v)
                                            for k, v in r.items() if k is not None and v != ""})
                for i, r in enumerate(reader)]
    out = []
    for where, r in rows:
        unknown = set(r) - _FILE_KEYS
        if unknown:
            raise POIError(f"{where}unknown key(s) {', '.join(sorted(unknown))}",
                           hint=f"keys: {', '.join(sorted(_FILE_KEYS))}")
        try:
            lat, lon = float(r["lat_pg_deg"]), float(r["lon_w_deg"])
            drift = float(r.get("drift_deg_per_day", 0.0) or 0.0)
        except KeyError as exc:
            raise POIError(f"{where}missing {exc.args[0]}",
                           hint="each point needs name, lat_pg_deg and lon_w_deg") from None
        except (TypeError, ValueError):
            raise POIError(f"{where}lat_pg_deg, lon_w_deg and drift_deg_per_day must be "
                           "numbers", hint="degrees, and degrees per day") from None
        out.append(_make(str(r.get("name", "")).strip(), lat, lon,
                         str(r.get("system", "III")).upper(), r.get("epoch"), drift,
                         where=where))
    if not out:
        raise POIError(f"{p}: no points of interest in the file",
                       hint="one row (CSV) or [[poi]] table (TOML) per point")
    return out


make_poi = _make
