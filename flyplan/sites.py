"""Observing sites: ``LAT,LON[,ELEV]`` or a name from a small built-in list.

Plain Python (no numpy), so the command line can list the names cheaply.

The coordinates of the named sites are copied from astropy's site registry,
``coordinates/sites.json`` in the astropy/astropy-data repository, which names
each site's own source (the IRAF observatory database, the observatory's web
site, ...).  Latitudes and longitudes there are WGS84 geodetic; longitudes
given 0-360 east there are written here east-positive in -180..180.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flyplan.errors import InputError

__all__ = ["Site", "SITES", "SITES_SOURCE", "parse_site"]

SITES_SOURCE = "astropy-data coordinates/sites.json (astropy's site registry)"


@dataclass(frozen=True)
class Site:
    """A place on the Earth.

    Attributes
    ----------
    name : str
        Label (a built-in name, or ``"lat,lon"``).
    lat_deg : float
        Geodetic latitude (WGS84), degrees north.
    lon_deg : float
        Longitude, degrees east (negative west).
    elevation_m : float
        Height above the WGS84 ellipsoid, m.
    source : str
        Where the coordinates come from.
    """

    name: str
    lat_deg: float
    lon_deg: float
    elevation_m: float = 0.0
    source: str = "given by the user"

    def to_dict(self) -> dict:
        return {"name": self.name, "lat_deg": self.lat_deg, "lon_deg_east": self.lon_deg,
                "elevation_m": self.elevation_m, "source": self.source,
                "datum": "WGS84 geodetic"}


def _s(name, lat, lon, elev, via):
    return Site(name, lat, lon, float(elev), f"{SITES_SOURCE}, key {via!r}")


# Spread in longitude so that some site sees Jupiter whatever the time of day.
SITES = {
    "greenwich": _s("Royal Observatory Greenwich", 51.477811, -0.001475, 46, "greenwich"),
    "haute-provence": _s("Observatoire de Haute Provence", 43.93083333333333,
                         5.713333333333333, 650, "ohp"),
    "la-palma": _s("Roque de los Muchachos, La Palma", 28.758333333333333, -17.88, 2327,
                   "lapalma"),
    "teide": _s("Observatorio del Teide, Tenerife", 28.3, -16.509722, 2390, "teide"),
    "sutherland": _s("Southern African Large Telescope, Sutherland", -32.375823, 20.810808,
                     1798, "salt"),
    "thai-national": _s("Thai National Observatory", 18.59055556, 98.48666667, 2457, "TNO"),
    "okayama": _s("Okayama Astrophysical Observatory", 34.577075, 133.5939556, 370, "OAO"),
    "siding-spring": _s("Siding Spring Observatory", -31.27336111111111, 149.06119444444445,
                        1149, "sso"),
    "mt-john": _s("Otehiwai (Mt John) Observatory", -43.98574085, 170.46506246, 1029,
                  "Otehiwai Observatory"),
    "mauna-kea": _s("W. M. Keck Observatory, Mauna Kea", 19.828333333333333,
                    -155.47833333333332, 4160, "keck"),
    "lowell": _s("Lowell Observatory - Mars Hill", 35.202875, -111.664781, 2195, "mars_hill"),
    "kitt-peak": _s("Kitt Peak National Observatory", 31.96333333333333, -111.6, 2120, "kpno"),
    "paranal": _s("Paranal Observatory (ESO)", -24.62743941, -70.40498688, 2669, "paranal"),
}

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_COORDS = re.compile(rf"^\s*({_NUM})\s*,\s*({_NUM})\s*(?:,\s*({_NUM})\s*)?$")


def _key(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.strip().lower())


def parse_site(text: str) -> Site:
    """A :class:`Site` from ``"LAT,LON[,ELEV]"`` (degrees north, degrees east, metres)
    or a built-in name (case, spaces and underscores ignored).

    Raises
    ------
    flyplan.errors.InputError
        (a ``ValueError``) for text that is neither, or coordinates out of range.
    """
    if not isinstance(text, str):
        raise InputError(f"not a site: {text!r} (give LAT,LON[,ELEV] or a name)")
    m = _COORDS.match(text)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        elev = float(m.group(3)) if m.group(3) else 0.0
        if not -90.0 <= lat <= 90.0:
            raise InputError(f"latitude {lat} is outside -90..90 degrees")
        if not -180.0 <= lon <= 360.0:
            raise InputError(f"longitude {lon} is outside -180..360 degrees east")
        if lon > 180.0:
            lon -= 360.0
        if not -500.0 <= elev <= 9000.0:
            raise InputError(f"elevation {elev} m is not on the Earth's surface "
                             "(give metres, -500..9000)")
        return Site(f"{lat:g},{lon:g}", lat, lon, elev)
    site = SITES.get(_key(text))
    if site is None:
        raise InputError(f"unknown site {text!r}: give LAT,LON[,ELEV] (degrees north, degrees "
                         f"east, metres) or one of {', '.join(SITES)}")
    return site
