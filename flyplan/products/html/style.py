"""The one style of every flyplan page and figure: colours, symbols, fonts, the basemap.

Every page (perijove, plan, observe, image, coverage) takes its event
markers, moon colours and figure template from here, so an event kind looks
the same wherever it is drawn and a reader learns the legend once.

Event kinds are those of :data:`flyplan.domain.events.EVENT_KINDS`; the
``*_start`` / ``*_end`` pair of a phenomenon share a colour and differ in
symbol (open triangle up at the start, down at the end).  A kind not listed
here gets a colour and symbol derived from its name alone (a stable hash),
never from the order in which it appears, so it too is the same on every page.
"""

from __future__ import annotations

import zlib

__all__ = ["TEMPLATE", "FONT", "PJ_COLOR", "APPROX_COLOR", "JUNO_COLOR", "WINDOW_COLOR",
           "MOON_COLORS", "FILTER_COLORS", "EVENT_STYLE", "event_style", "event_marker",
           "moon_color", "apply_figure_style", "BELTS", "ZONES", "BELTS_SOURCE", "belt_shapes",
           "PLANET_COLOR", "MAP_COLOR"]

TEMPLATE = "plotly_white"
FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=13)
PJ_COLOR = "firebrick"
APPROX_COLOR = "#a15c00"
JUNO_COLOR = "#1f3b73"          # Juno's own curves (altitude, track, path)
WINDOW_COLOR = "#2e8b57"        # planned / observable windows
PLANET_COLOR = "#e8dcc4"        # Jupiter's zones on maps
MAP_COLOR = "#f3ead9"           # map background (off the planet is never shown on maps)

# Colour of each moon, the same in every figure (Io's sulphur yellow, Europa's
# ice teal, Ganymede's blue-grey, Callisto's dark brown).
MOON_COLORS = {"Io": "#d4a017", "Europa": "#2a9d8f", "Ganymede": "#5c6bc0",
               "Callisto": "#8d6e63"}

# JunoCam's four filters (image pages).
FILTER_COLORS = {"METHANE": "#7b3294", "BLUE": "#2166ac", "GREEN": "#1b7837", "RED": "#b2182b"}

# kind -> (colour, plotly marker symbol).
EVENT_STYLE = {
    "perijove": (PJ_COLOR, "star"),
    "apojove": ("#7f7f7f", "star-open"),
    "equator_crossing": ("#1f77b4", "diamond"),
    "lat_crossing": ("#17becf", "diamond-tall"),
    "altitude_crossing": ("#9467bd", "square"),
    "terminator_crossing": ("#393b79", "hourglass"),
    "closest_approach": ("#e6550d", "circle"),
    "occultation_start": ("#444444", "triangle-down"),
    "occultation_full_start": ("#444444", "triangle-down-open"),
    "occultation_full_end": ("#444444", "triangle-up-open"),
    "occultation_end": ("#444444", "triangle-up"),
    "transit_start": ("#e07b00", "triangle-right"),
    "transit_full_start": ("#e07b00", "triangle-right-open"),
    "transit_full_end": ("#e07b00", "triangle-left-open"),
    "transit_end": ("#e07b00", "triangle-left"),
    "eclipse_start": ("#2c3e50", "circle-x"),
    "eclipse_full_start": ("#2c3e50", "circle-x-open"),
    "eclipse_full_end": ("#2c3e50", "circle-cross-open"),
    "eclipse_end": ("#2c3e50", "circle-cross"),
}

# For kinds flyplan does not know yet (another developer's new event, a user's
# table): picked by a hash of the name.
_SPARE_COLORS = ("#2ca02c", "#8c564b", "#e377c2", "#bcbd22", "#637939", "#8c6d31",
                 "#843c39", "#7b4173", "#3182bd", "#ff7f0e")
_SPARE_SYMBOLS = ("pentagon", "hexagon", "cross", "x", "star-triangle-up", "bowtie",
                  "hexagram", "star-square")


def event_style(kind) -> tuple[str, str]:
    """Colour and marker symbol of an event kind, identical on every page.

    Parameters
    ----------
    kind : str
        An event kind (``pj.events["kind"]``).

    Returns
    -------
    (str, str)
        CSS colour and plotly marker symbol.
    """
    kind = str(kind)
    if kind in EVENT_STYLE:
        return EVENT_STYLE[kind]
    h = zlib.crc32(kind.encode())
    return _SPARE_COLORS[h % len(_SPARE_COLORS)], _SPARE_SYMBOLS[(h // 7) % len(_SPARE_SYMBOLS)]


def event_marker(kind, size: float | None = None) -> dict:
    """A plotly ``marker`` dict for an event kind (white edge so it reads on any curve)."""
    color, symbol = event_style(kind)
    if size is None:
        size = 14 if str(kind) == "perijove" else 11
    return dict(color=color, symbol=symbol, size=size,
                line=dict(width=1, color=color if symbol.endswith("-open") else "white"))


def moon_color(name) -> str:
    """The colour of a Galilean moon by name (any case); grey for anything else."""
    for m, c in MOON_COLORS.items():
        if str(name).lower() == m.lower():
            return c
    return "#555555"


def apply_figure_style(fig, *, height: int | None = None) -> None:
    """The common template, font and hover label of every flyplan figure."""
    kw = dict(template=TEMPLATE, font=FONT, hoverlabel=dict(namelength=-1))
    if height is not None:
        kw["height"] = height
    fig.update_layout(**kw)


# Jupiter's dark belts, planetographic latitude bounds (degrees, north positive), as
# the classic nomenclature places them: Rogers, J. H. (1995), "The Giant Planet Jupiter",
# Cambridge University Press, ch. 3 (nomenclature and mean latitudes of the belt edges
# and jets), rounded to the degree.  The zones are the bright bands between them.  Edges
# move by a degree or more from year to year: a guide for the eye, not a measurement
# (nor this perijove's clouds).
BELTS = (
    ("NNTB", 35.0, 39.0),
    ("NTB", 24.0, 31.0),
    ("NEB", 7.0, 18.0),
    ("SEB", -20.0, -7.0),
    ("STB", -32.0, -26.0),
    ("SSTB", -42.0, -36.0),
)
ZONES = (("NTZ", 31.0, 35.0), ("NTrZ", 18.0, 24.0), ("EZ", -7.0, 7.0),
         ("STrZ", -26.0, -20.0), ("STZ", -36.0, -32.0))
BELTS_SOURCE = ("belts and zones: mean planetographic latitudes of the classic nomenclature, "
                "Rogers (1995), The Giant Planet Jupiter, Cambridge University Press; rounded "
                "to 1 deg, edges vary by a degree or more from year to year")
# Poleward of these latitudes the bands give way to the polar regions.
POLAR_LAT_DEG = 48.0


def belt_shapes(xref: str = "x", yref: str = "y") -> list[dict]:
    """Layout shapes drawing the planet behind a System III map (lon 0-360 W, lat +-90).

    Zones in a light tone, the belts darker, the polar regions greyer; all on
    the bottom layer so the data stay on top.
    """
    def rect(y0, y1, color):
        return dict(type="rect", xref=xref, yref=yref, x0=0, x1=360, y0=y0, y1=y1,
                    fillcolor=color, line=dict(width=0), layer="below")

    shapes = [rect(-90, 90, PLANET_COLOR),
              rect(POLAR_LAT_DEG, 90, "#d9ccb6"), rect(-90, -POLAR_LAT_DEG, "#d9ccb6")]
    shapes += [rect(lo, hi, "#c4a484") for _, lo, hi in BELTS]
    return shapes
