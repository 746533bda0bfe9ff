"""What the Python API's results share: typed UTC, units and provenance in
``DataFrame.attrs``, short reprs and an HTML repr for notebooks.

Every table a result returns has ``utc`` as ``datetime64[ns, UTC]`` (pandas),
so ``df.set_index("utc")``, resampling and plotting work as they do for any
time series; ``et`` (TDB s past J2000) stays beside it as the exact time.
CSV and JSON keep writing UTC as ISO-8601 text with ``Z``
(:func:`flyplan.timeutil.iso_frame`).

``df.attrs`` carries ``units`` (column -> unit), ``provenance`` (flyplan's
version, the perijove, the trajectory and moon sources, whether the numbers
are approximate, the kernel file names) and ``conventions``.
"""

from __future__ import annotations

import html
import re

import functools

__all__ = ["Metadata", "metadata_property", "ResultMixin", "units_of", "dress", "short_repr",
           "html_repr"]


class Metadata(dict):
    """A result's provenance: a ``dict``, read as an attribute like ``summary``.

    Calling it returns itself, so code written when ``metadata`` was a
    method (``pj.metadata()``) keeps working.
    """

    def __call__(self) -> "Metadata":
        return self


def metadata_property(func):
    """Make a result's ``metadata()`` method an attribute (a :class:`Metadata`)."""

    @functools.wraps(func)
    def get(self):
        return Metadata(func(self))

    return property(get, doc=func.__doc__)


class ResultMixin:
    """Typed UTC, ``attrs``, a short repr and ``_repr_html_`` for a result dataclass
    (declared ``@dataclass(repr=False)`` so that this repr is kept).

    ``_TABLES`` names the DataFrame attributes to dress; ``_UTC_COLUMNS`` the
    text UTC columns of each, besides ``utc``, to type.
    """

    _TABLES: tuple = ()
    _UTC_COLUMNS: dict = {}

    def __post_init__(self):
        for name in self._TABLES:
            # A table computed on first use (a deferred field) is dressed then.
            deferred = getattr(type(self).__dict__.get(name), "is_deferred", None)
            if deferred is not None and deferred(self):
                continue
            self._dress_table(name, getattr(self, name, None))

    def _dress_table(self, name: str, df):
        from flyplan.timeutil import type_utc

        dress(df, self, name)
        if name in self._UTC_COLUMNS and hasattr(df, "columns"):
            type_utc(df, self._UTC_COLUMNS[name])
        return df

    def __repr__(self) -> str:
        return short_repr(self)

    def _repr_html_(self) -> str:
        return html_repr(self)


# Column-name suffixes -> unit, longest first (``_km_per_px`` before ``_km``).
_SUFFIX_UNITS = (
    ("_km_per_px", "km/pixel"),
    ("_km_s", "km/s"),
    ("_km_h", "km/h"),
    ("_km", "km"),
    ("_deg", "deg"),
    ("_rad", "rad"),
    ("_min", "min"),
    ("_h", "h"),
    ("_s", "s"),
    ("_m", "m"),
)
_EXACT_UNITS = {
    "utc": "UTC (datetime64[ns, UTC]; CSV/JSON: ISO-8601 with Z)",
    "et": "s (TDB past J2000)",
    "local_solar_time": "hh:mm:ss (local solar time)",
}


def units_of(columns) -> dict:
    """Unit of each column named by flyplan's convention (``altitude_km`` -> km)."""
    out = {}
    for c in columns:
        c = str(c)
        if c in _EXACT_UNITS:
            out[c] = _EXACT_UNITS[c]
        elif c.endswith("_utc"):
            out[c] = "UTC, ISO-8601 with Z"
        elif c.endswith("_et"):
            out[c] = "s (TDB past J2000)"
        else:
            unit = next((u for suf, u in _SUFFIX_UNITS if c.endswith(suf)), None)
            if unit:
                out[c] = unit
    return out


def _provenance(result) -> dict:
    from flyplan import __version__

    prov = {"flyplan_version": __version__}
    for key in ("number", "utc", "method"):
        v = getattr(result, key, None)
        if v is not None:
            prov[{"number": "perijove", "utc": "perijove_utc",
                  "method": "perijove_time_method"}[key]] = v
    plan = getattr(result, "selection", None) or getattr(result, "plan", None)
    if plan is not None and hasattr(plan, "describe"):
        src = plan.describe()
        prov.update(trajectory=src["trajectory_label"], approximate=bool(src["approximate"]),
                    moons=src["moons_label"])
        try:
            prov["kernels"] = [k.path.name for k in plan.kernels.kernels]
        except AttributeError:
            pass
    return prov


def dress(df, result, what: str):
    """Type ``df``'s ``utc`` column and fill ``df.attrs`` (in place); returns ``df``."""
    from flyplan.constants import CONVENTIONS
    from flyplan.timeutil import type_utc

    if df is None or not hasattr(df, "attrs"):
        return df
    type_utc(df)
    df.attrs["table"] = what
    df.attrs["units"] = units_of(df.columns)
    df.attrs["provenance"] = _provenance(result)
    df.attrs["conventions"] = dict(CONVENTIONS)
    return df


def _fmt_num(v, unit="", digits=1) -> str:
    try:
        return f"{float(v):,.{digits}f}{unit}"
    except (TypeError, ValueError):
        return str(v)


def _headline(result) -> list[tuple[str, str]]:
    s = getattr(result, "summary", None) or {}
    rows = []
    if "altitude_km" in s:
        rows += [("altitude", _fmt_num(s["altitude_km"], " km")),
                 ("lat_pg", _fmt_num(s.get("lat_pg_deg"), "°", 2)),
                 ("lon_w", _fmt_num(s.get("lon_w_deg"), "° W", 2)),
                 ("speed", _fmt_num(s.get("speed_km_s"), " km/s", 2))]
    plan = getattr(result, "selection", None) or getattr(result, "plan", None)
    if plan is not None and hasattr(plan, "trajectory"):
        rows.append(("trajectory", "APPROXIMATE model" if plan.approximate else "NAIF"))
    for name in ("samples", "events", "windows", "table"):
        df = getattr(result, name, None)
        if hasattr(df, "shape"):
            rows.append((name, f"{df.shape[0]} rows x {df.shape[1]} columns"))
    return rows


def _title(result) -> str:
    cls = type(result).__name__
    number = getattr(result, "number", None)
    utc = getattr(result, "utc", None)
    head = f"{cls} PJ{number}" if number is not None else cls
    return head + (f" at {utc}" if utc else "")


def short_repr(result) -> str:
    """One line: class, perijove, time, headline numbers and table sizes."""
    parts = [f"{k} {v}" for k, v in _headline(result)]
    text = _title(result) + (": " + ", ".join(parts) if parts else "")
    return "<" + re.sub(r"\s+", " ", text) + ">"


def html_repr(result) -> str:
    """A small HTML table of the same, for Jupyter."""
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                   f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                   for k, v in _headline(result))
    return (f"<div class='flyplan-result'><strong>{html.escape(_title(result))}</strong>"
            f"<table>{rows}</table></div>")
