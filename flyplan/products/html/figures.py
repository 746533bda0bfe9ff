"""Plotly figures of a perijove, built from its DataFrames (no geometry here).

Each ``*_figure`` function takes a :class:`flyplan.domain.perijove.Perijove` and returns a
``plotly.graph_objects.Figure``, for notebooks or for the HTML report
(:func:`flyplan.products.html.pages.perijove_html`); :func:`figures` returns them all.

The figures only draw columns the engine computed.  Optional columns (the
moons, JunoCam's swath and pixel scale, the pole) are drawn when present; when
absent the figure says so in a note instead of computing them.  The few shapes
that need arithmetic (the terminator, Jupiter's ellipsoid) come from the pure
numeric helpers :mod:`flyplan.numerics.terminator` and :mod:`flyplan.numerics.globe`.

Events are drawn generically from whatever rows ``pj.events`` holds, one
legend entry per ``kind``.

Figures are deterministic: the same perijove gives the same JSON (no random
trace ids, no timestamps).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["figures", "profile_figure", "ground_track_figure", "polar_figure",
           "moon_timeline_figure", "moon_range_figure", "orbit3d_figure", "FIGURE_NAMES",
           "TIME_AXIS_TITLE"]

TIME_AXIS_TITLE = "UTC (spacecraft event time)"
# Names of the figures in page order; the report's div ids are ``flyplan-<name>``.
FIGURE_NAMES = ("profile", "ground-track", "polar", "moon-timeline", "moon-range", "orbit3d")

from flyplan.products.html.style import (APPROX_COLOR as _APPROX_COLOR, FONT as _FONT,
                                        MOON_COLORS as _MOON_COLORS, PJ_COLOR as _PJ_COLOR,
                                        MAP_COLOR, TEMPLATE as _TEMPLATE, belt_shapes,
                                        event_style)

_EVENT_CORE = ("utc", "et", "kind", "body")


# -- shared helpers -------------------------------------------------------------------------
def _times(utc):
    """UTC strings (ISO, with Z) as naive datetimes for plotly's date axes."""
    import pandas as pd

    s = pd.Series(utc)
    if isinstance(s.dtype, pd.DatetimeTZDtype):  # the API's datetime64[ns, UTC] columns
        return s.dt.tz_convert("UTC").dt.tz_localize(None)
    return pd.to_datetime(s.astype("string").str.rstrip("Z"))


def _moons_present(df) -> list[str]:
    from flyplan.constants import MOONS

    return [m for m in MOONS if f"{m.lower()}_range_km" in df.columns]


def _base_layout(fig, pj, title: str, height: int, subtitle: str | None = None) -> None:
    text = f"Juno PJ{pj.number}: {title}"
    if getattr(pj.selection, "approximate", False):
        # In the title itself, so the label survives any export of the figure.
        text += (f'  <span style="color:{_APPROX_COLOR}"><b>APPROXIMATE trajectory</b> '
                 "(flyplan model)</span>")
    if subtitle:
        text += f"<br><sup>{subtitle}</sup>"
    fig.update_layout(template=_TEMPLATE, font=_FONT, height=height,
                      title=dict(text=text, x=0.01, xanchor="left"),
                      margin=dict(l=80, r=40, t=90, b=60), hoverlabel=dict(namelength=-1))


def _note(fig, text: str, *, x=0.5, y=0.5, xref="paper", yref="paper") -> None:
    """A grey explanatory note drawn on the figure (used where data are absent)."""
    fig.add_annotation(text=text, showarrow=False, x=x, y=y, xref=xref, yref=yref,
                       font=dict(color="#555", size=13), bgcolor="rgba(255,255,255,0.85)",
                       bordercolor="#bbb", borderwidth=1, borderpad=6)


def _wrap_note(text: str, width: int = 90) -> str:
    import textwrap

    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


def _log_ticks(values) -> dict:
    """Tick values 1-2-5 per decade over the data's range, labelled in full (not 2, 5)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if len(v) == 0:
        return {}
    lo, hi = math.floor(math.log10(v.min())), math.ceil(math.log10(v.max()))
    for mults in ((1, 2, 5), (1, 2, 3, 5, 7), tuple(range(1, 10))):
        vals = [m * 10.0 ** e for e in range(lo, hi + 1) for m in mults
                if v.min() / 1.2 <= m * 10.0 ** e <= v.max() * 1.2]
        if len(vals) >= 4:
            break
    return dict(tickvals=vals, ticktext=[f"{x:,.0f}" if x >= 1 else f"{x:g}" for x in vals])


def _set_uids(fig) -> None:
    # Plotly.js assigns random uids to traces that have none; explicit ones
    # keep the figure JSON (and what the browser keeps) reproducible.
    for i, trace in enumerate(fig.data):
        trace.uid = f"t{i}"


def _event_style(events) -> dict:
    """Colour and symbol per event kind present, in order of first occurrence (the lanes'
    order); the style itself is the kind's own (:func:`flyplan.products.html.style.event_style`),
    the same on every page."""
    if events is None or len(events) == 0:
        return {}
    order = events.sort_values("et", kind="stable")["kind"].astype(str)
    return {kind: event_style(kind) for kind in dict.fromkeys(order)}


def _fmt_value(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,d}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.3f}" if abs(float(v)) < 1000 else f"{float(v):,.1f}"
    return str(v)


def _event_text(row) -> str:
    """Hover text for one event row: every column it has, units from the names."""
    head = f"<b>{_kind_label(row['kind'])}</b>"
    body = row.get("body")
    if isinstance(body, str) and body:
        head += f" ({body})"
    lines = [head, str(row["utc"])]
    import pandas as pd

    for key, v in row.items():
        if key in _EVENT_CORE or (pd.api.types.is_scalar(v) and pd.isna(v)):
            continue
        lines.append(f"{key}: {_fmt_value(v)}")
    return "<br>".join(lines)


def _kind_label(kind) -> str:
    return str(kind).replace("_", " ")


def _perijove_line(fig, pj, rows) -> None:
    t = _times([pj.utc]).iloc[0]
    for r in rows:
        fig.add_vline(x=t, line_dash="dot", line_color=_PJ_COLOR, line_width=1.5, row=r, col=1)


# -- altitude, latitude, speed --------------------------------------------------------------
def _juno_altitude(rows):
    """Juno's altitude above Jupiter's 1-bar ellipsoid at each event, km (NaN where unknown).

    ``altitude_km`` of a moon event is Juno's height above *the moon*, which has
    no place on Juno's altitude axis: those events are placed by their
    ``juno_altitude_km`` (or not at all).  Returns None when no row has one.
    """
    import pandas as pd

    from flyplan.constants import MOONS

    alt = pd.Series(np.nan, index=rows.index, dtype=float)
    if "juno_altitude_km" in rows.columns:
        alt = rows["juno_altitude_km"].astype(float)
    if "altitude_km" in rows.columns:
        body = (rows["body"].astype(str).str.upper() if "body" in rows.columns
                else pd.Series("", index=rows.index))
        of_jupiter = ~body.isin([m.upper() for m in MOONS])
        alt = alt.where(np.isfinite(alt) | ~of_jupiter, rows["altitude_km"].astype(float))
    return alt if np.isfinite(alt.to_numpy()).any() else None


def profile_figure(pj):
    """Altitude, latitudes and speed against time, with every event marked.

    A strip at the top holds one lane per event kind; events are also marked
    on the altitude curve at Juno's altitude (a moon event's height above the
    moon is never drawn on that axis; see :func:`_juno_altitude`).  A dotted line marks
    the perijove on every panel.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    df, ev = pj.samples, pj.events
    t = _times(df["utc"])
    style = _event_style(ev)
    kinds = list(style)
    strip = max(len(kinds), 1)
    strip_h = 28 * strip + 30
    heights = [strip_h, 300, 220, 220]
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.035,
                        row_heights=[h / sum(heights) for h in heights])
    hover = "%{x|%Y-%m-%d %H:%M:%S}<br>%{y:,.1f} km<extra>%{fullData.name}</extra>"
    fig.add_trace(go.Scatter(x=t, y=df["altitude_km"], name="altitude above 1-bar ellipsoid",
                             line=dict(color="#1f3b73", width=2), hovertemplate=hover,
                             legendgroup="samples", legendgrouptitle_text="samples"),
                  row=2, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["lat_pg_deg"], name="latitude, planetographic",
                             line=dict(color="#2a9d8f", width=2), legendgroup="samples",
                             hovertemplate="%{x|%H:%M:%S}<br>%{y:.3f}°"
                                           "<extra>%{fullData.name}</extra>"), row=3, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["lat_pc_deg"], name="latitude, planetocentric",
                             line=dict(color="#2a9d8f", width=1.5, dash="dash"),
                             legendgroup="samples",
                             hovertemplate="%{x|%H:%M:%S}<br>%{y:.3f}°"
                                           "<extra>%{fullData.name}</extra>"), row=3, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["speed_km_s"], name="speed vs Jupiter's centre (J2000)",
                             line=dict(color="#c44e52", width=2), legendgroup="samples",
                             hovertemplate="%{x|%H:%M:%S}<br>%{y:.3f} km/s"
                                           "<extra>%{fullData.name}</extra>"), row=4, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["speed_rot_km_s"],
                             name="speed vs corotating atmosphere (System III)",
                             line=dict(color="#c44e52", width=1.5, dash="dash"),
                             legendgroup="samples",
                             hovertemplate="%{x|%H:%M:%S}<br>%{y:.3f} km/s"
                                           "<extra>%{fullData.name}</extra>"), row=4, col=1)

    for kind in kinds:
        rows = ev[ev["kind"].astype(str) == kind]
        color, symbol = style[kind]
        te = _times(rows["utc"])
        text = [_event_text(r) for r in rows.to_dict(orient="records")]
        size = 14 if kind == "perijove" else 11
        fig.add_trace(go.Scatter(
            x=te, y=[_kind_label(kind)] * len(rows), mode="markers", name=_kind_label(kind),
            marker=dict(color=color, symbol=symbol, size=size, line=dict(width=1, color="white")),
            text=text, hovertemplate="%{text}<extra></extra>", legendgroup=f"event-{kind}",
            legendgrouptitle_text="events" if kind == kinds[0] else None,
            meta={"flyplan": "event", "kind": kind}), row=1, col=1)
        alt = _juno_altitude(rows)
        if alt is not None:
            ok = np.isfinite(alt.to_numpy())
            if ok.any():
                fig.add_trace(go.Scatter(
                    x=te[ok], y=alt[ok], mode="markers", name=_kind_label(kind),
                    marker=dict(color=color, symbol=symbol, size=size,
                                line=dict(width=1, color="white")),
                    text=[s for s, k in zip(text, ok) if k],
                    hovertemplate="%{text}<extra></extra>", legendgroup=f"event-{kind}",
                    showlegend=False, meta={"flyplan": "event-altitude", "kind": kind}),
                    row=2, col=1)
    if not kinds:
        _note(fig, "no events in the window", x=0.5, y=0.5, xref="x domain", yref="y domain")
    fig.update_yaxes(title_text="event", type="category", autorange="reversed",
                     categoryorder="array", categoryarray=[_kind_label(k) for k in kinds],
                     row=1, col=1, showgrid=True)
    fig.update_yaxes(title_text="altitude (km, log)", type="log", row=2, col=1,
                     **_log_ticks(df["altitude_km"]))
    fig.update_yaxes(title_text="latitude (deg)", row=3, col=1)
    fig.update_yaxes(title_text="speed (km/s)", row=4, col=1)
    fig.update_xaxes(title_text=TIME_AXIS_TITLE, row=4, col=1)
    fig.update_xaxes(type="date")
    fig.update_xaxes(showspikes=True, spikemode="across", spikethickness=1, spikedash="dot")
    _perijove_line(fig, pj, (1, 2, 3, 4))
    _base_layout(fig, pj, "altitude, latitude and speed",
                 sum(heights) + 200,
                 subtitle=f"perijove {pj.utc} (dotted line); samples every {pj.step_s:g} s; "
                          "altitude above the 1-bar ellipsoid (nearest point)")
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1.0, groupclick="toggleitem"),
                      hovermode="closest")
    _set_uids(fig)
    return fig


# -- maps -----------------------------------------------------------------------------------
def _split_wrap(lon, *others, jump: float = 180.0):
    """Insert gaps where longitude wraps around 360/0 so lines do not cross the map."""
    lon = np.asarray(lon, dtype=float)
    cut = np.flatnonzero(np.abs(np.diff(lon)) > jump) + 1
    out = [np.insert(lon, cut, np.nan)]
    for o in others:
        o = np.asarray(o)
        fill = np.nan if o.dtype.kind == "f" else None
        out.append(np.insert(o.astype(object) if fill is None else o, cut, fill))
    return out


def _altitude_colorbar(alt) -> tuple[np.ndarray, dict]:
    """log10(altitude) for marker colour, and a colorbar labelled in km."""
    la = np.log10(np.maximum(np.asarray(alt, dtype=float), 1.0))
    lo, hi = math.floor(np.nanmin(la)), math.ceil(np.nanmax(la))
    ticks = [v for v in range(lo, hi + 1)]
    vals, text = [], []
    for v in ticks:
        for m in (1, 2, 5):
            x = math.log10(m) + v
            if lo <= x <= hi:
                vals.append(x)
                text.append(f"{m * 10 ** v:,.0f}")
    return la, dict(title=dict(text="altitude (km)", side="right"), tickvals=vals,
                    ticktext=text, len=0.8, thickness=14)


def _track_hover(df) -> list[str]:
    return [f"{u}<br>lat_pg {la:.2f}°, lon {lo:.2f}° W<br>altitude {al:,.0f} km"
            for u, la, lo, al in zip(df["utc"], df["lat_pg_deg"], df["lon_w_deg"],
                                     df["altitude_km"])]


def _hour_marks(df, pj):
    """Labels ("-2 h", "+1 h") at the samples nearest each whole hour from perijove."""
    import pandas as pd

    off = df["et"].to_numpy(float) - pj.et
    out = {}
    for h in range(math.ceil(off.min() / 3600.0), math.floor(off.max() / 3600.0) + 1):
        if h == 0:
            continue
        i = int(np.argmin(np.abs(off - 3600.0 * h)))
        if abs(off[i] - 3600.0 * h) <= max(pj.step_s, 1.0):
            out[i] = f"{h:+d} h"
    return pd.Series(out, dtype=object)


def _subsolar_at_perijove(pj):
    s = pj.summary
    return float(s["subsolar_lat_pg_deg"]), float(s["subsolar_lon_w_deg"])


def _located_events(pj):
    """Events that carry a sub-spacecraft latitude and longitude (drawn on maps)."""
    ev = pj.events
    if ev is None or len(ev) == 0 or not {"lat_pg_deg", "lon_w_deg"} <= set(ev.columns):
        return None
    ok = np.isfinite(ev["lat_pg_deg"].astype(float)) & np.isfinite(ev["lon_w_deg"].astype(float))
    ev = ev[ok & (ev["kind"].astype(str) != "perijove")]
    return ev if len(ev) else None


def ground_track_figure(pj):
    """Juno's sub-spacecraft track on a System III map of Jupiter.

    West longitude runs from 360 deg at the left to 0 deg at the right (the
    usual orientation of Jupiter maps); latitude is planetographic.  The night
    side and the terminator are those at the perijove time; behind them, the
    planet's usual belts and zones (:data:`flyplan.products.html.style.BELTS`).
    """
    import plotly.graph_objects as go

    from flyplan.numerics.terminator import night_polygon, terminator_line

    df = pj.samples
    s = pj.summary
    fig = go.Figure()
    sub_lat, sub_lon = _subsolar_at_perijove(pj)
    nlon, nlat = night_polygon(sub_lat, sub_lon)
    fig.add_trace(go.Scatter(x=nlon, y=nlat, fill="toself", mode="none",
                             fillcolor="rgba(40,40,70,0.22)", name="night side at perijove",
                             hoverinfo="skip"))
    tlon, tlat = terminator_line(sub_lat, sub_lon)
    fig.add_trace(go.Scatter(x=tlon, y=tlat, mode="lines", name="terminator at perijove",
                             line=dict(color="#555", width=1.2, dash="dash"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[sub_lon], y=[sub_lat], mode="markers", name="sub-solar point",
                             marker=dict(symbol="circle", size=14, color="#ffcc33",
                                         line=dict(color="#b8860b", width=2)),
                             hovertemplate=f"sub-solar point at perijove<br>lat_pg {sub_lat:.2f}°,"
                                           f" lon {sub_lon:.2f}° W<extra></extra>"))
    lon, lat, alt, hov = _split_wrap(df["lon_w_deg"], df["lat_pg_deg"], df["altitude_km"],
                                     _track_hover(df))
    fig.add_trace(go.Scatter(x=lon, y=lat, mode="lines", name="Juno ground track",
                             line=dict(color="#1f3b73", width=1.5), hoverinfo="skip"))
    color, cbar = _altitude_colorbar(df["altitude_km"])
    fig.add_trace(go.Scatter(x=df["lon_w_deg"], y=df["lat_pg_deg"], mode="markers",
                             name="samples (colour: altitude)", text=_track_hover(df),
                             hovertemplate="%{text}<extra></extra>",
                             marker=dict(size=5, color=color, colorscale="Viridis_r",
                                         colorbar=cbar, showscale=True)))
    fig.add_trace(go.Scatter(x=[s["lon_w_deg"]], y=[s["lat_pg_deg"]], mode="markers+text",
                             name=f"perijove {pj.utc}", text=[f"PJ{pj.number}"],
                             textposition="top center", textfont=dict(color=_PJ_COLOR),
                             marker=dict(symbol="star", size=16, color=_PJ_COLOR,
                                         line=dict(color="white", width=1)),
                             hovertemplate=f"perijove {pj.utc}<br>lat_pg {s['lat_pg_deg']:.3f}°,"
                                           f" lon {s['lon_w_deg']:.3f}° W<br>altitude "
                                           f"{s['altitude_km']:,.0f} km<extra></extra>"))
    located = _located_events(pj)
    if located is not None:
        style = _event_style(pj.events)
        for kind, rows in located.groupby(located["kind"].astype(str), sort=False):
            c, sym = style.get(kind, ("#333", "circle"))
            fig.add_trace(go.Scatter(
                x=rows["lon_w_deg"], y=rows["lat_pg_deg"], mode="markers",
                name=_kind_label(kind), marker=dict(color=c, symbol=sym, size=10,
                                                    line=dict(width=1, color="white")),
                text=[_event_text(r) for r in rows.to_dict(orient="records")],
                hovertemplate="%{text}<extra></extra>", meta={"flyplan": "event", "kind": kind}))
    fig.update_xaxes(title_text="System III west longitude (deg; 360 at left, increasing "
                                "to the left)", range=[360, 0], tick0=0, dtick=30,
                     ticksuffix="°", showgrid=True, zeroline=False, constrain="domain")
    fig.update_yaxes(title_text="planetographic latitude (deg)", range=[-90, 90], dtick=30,
                     ticksuffix="°", scaleanchor="x", scaleratio=1, zeroline=False,
                     constrain="domain")
    _base_layout(fig, pj, "ground track (System III)", 640,
                 subtitle=f"sub-spacecraft point over {len(df)} samples; night side and "
                          f"terminator at perijove ({pj.utc})")
    fig.update_layout(legend=dict(orientation="h", x=0.0, y=-0.18), plot_bgcolor=MAP_COLOR)
    for shape in belt_shapes():
        fig.add_shape(**shape)
    fig.add_annotation(text="belts (dark) and zones: usual latitudes, after Rogers (1995); "
                            "not this perijove's clouds", showarrow=False, x=1.0, y=1.0,
                       xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                       font=dict(color="#555", size=11))
    _set_uids(fig)
    return fig


def polar_figure(pj):
    """The ground track seen over each pole (north from above, south from below).

    Radius is the distance from the pole in degrees of planetographic
    latitude; west longitude increases clockwise over the north pole and
    anticlockwise over the south pole, as seen from outside the planet, with
    0 deg W at the bottom.  The night side is that at the perijove time.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from flyplan.numerics.terminator import night_polygon, terminator_line

    df = pj.samples
    s = pj.summary
    sub_lat, sub_lon = _subsolar_at_perijove(pj)
    fig = make_subplots(rows=1, cols=2, specs=[[{"type": "polar"}, {"type": "polar"}]],
                        subplot_titles=("North polar view (from above the north pole)",
                                        "South polar view (from below the south pole)"),
                        horizontal_spacing=0.12)
    color, cbar = _altitude_colorbar(df["altitude_km"])
    hover = np.array(_track_hover(df), dtype=object)
    for col, hemi in ((1, 1.0), (2, -1.0)):
        first = col == 1
        band = (0.0, 90.0) if hemi > 0 else (-90.0, 0.0)
        nlon, nlat = night_polygon(sub_lat, sub_lon, lat_range=band)
        fig.add_trace(go.Scatterpolar(r=90.0 - hemi * nlat, theta=nlon, fill="toself",
                                      mode="none", fillcolor="rgba(40,40,70,0.22)",
                                      name="night side at perijove", legendgroup="night",
                                      showlegend=first, hoverinfo="skip"), row=1, col=col)
        tlon, tlat = terminator_line(sub_lat, sub_lon)
        tr = np.where(hemi * tlat >= 0.0, 90.0 - hemi * tlat, np.nan)
        fig.add_trace(go.Scatterpolar(r=tr, theta=tlon, mode="lines",
                                      name="terminator at perijove", legendgroup="term",
                                      showlegend=first, line=dict(color="#555", width=1.2,
                                                                  dash="dash"),
                                      hoverinfo="skip"), row=1, col=col)
        lat = df["lat_pg_deg"].to_numpy(float)
        lon = df["lon_w_deg"].to_numpy(float)
        inside = hemi * lat >= 0.0
        r = np.where(inside, 90.0 - hemi * lat, np.nan)
        fig.add_trace(go.Scatterpolar(r=r, theta=lon, mode="lines", name="Juno ground track",
                                      legendgroup="track", showlegend=first,
                                      line=dict(color="#1f3b73", width=1.5), hoverinfo="skip"),
                      row=1, col=col)
        fig.add_trace(go.Scatterpolar(
            r=r[inside], theta=lon[inside], mode="markers", name="samples (colour: altitude)",
            legendgroup="samples", showlegend=first, text=hover[inside],
            hovertemplate="%{text}<extra></extra>",
            marker=dict(size=5, color=color[inside], colorscale="Viridis_r",
                        cmin=float(np.nanmin(color)), cmax=float(np.nanmax(color)),
                        colorbar=cbar if first else None, showscale=first)), row=1, col=col)
        if hemi * s["lat_pg_deg"] >= 0.0:
            fig.add_trace(go.Scatterpolar(
                r=[90.0 - hemi * s["lat_pg_deg"]], theta=[s["lon_w_deg"]], mode="markers",
                name=f"perijove {pj.utc}", legendgroup="pj",
                marker=dict(symbol="star", size=16, color=_PJ_COLOR,
                            line=dict(color="white", width=1)),
                hovertemplate=f"perijove {pj.utc}<br>lat_pg {s['lat_pg_deg']:.3f}°, "
                              f"lon {s['lon_w_deg']:.3f}° W<extra></extra>"), row=1, col=col)
    ticks = [10, 20, 30, 45, 60, 90]
    common = dict(radialaxis=dict(range=[0, 90], tickvals=ticks, angle=45, tickangle=45,
                                  tickfont=dict(size=10, color="#444")),
                  angularaxis=dict(rotation=-90, tickmode="array",
                                   tickvals=list(range(0, 360, 30)),
                                   ticktext=[f"{v}°W" for v in range(0, 360, 30)]),
                  bgcolor=MAP_COLOR)

    def labels(hemi):
        return [f"{90 - v}°{hemi}" if v < 90 else "0°" for v in ticks]

    north = {**common, "radialaxis": {**common["radialaxis"], "ticktext": labels("N")},
             "angularaxis": {**common["angularaxis"], "direction": "clockwise"}}
    south = {**common, "radialaxis": {**common["radialaxis"], "ticktext": labels("S")},
             "angularaxis": {**common["angularaxis"], "direction": "counterclockwise"}}
    fig.update_layout(polar=north, polar2=south)
    # Lift the panel titles clear of the 180 deg W tick labels.
    fig.update_annotations(yshift=28, selector=dict(text=fig.layout.annotations[0].text))
    fig.update_annotations(yshift=28, selector=dict(text=fig.layout.annotations[1].text))
    _base_layout(fig, pj, "polar views of the ground track", 660,
                 subtitle="radius: degrees of planetographic latitude from the pole; System III "
                          f"west longitude; night side at perijove ({pj.utc})")
    fig.update_layout(legend=dict(orientation="h", x=0.0, y=-0.1),
                      margin=dict(l=60, r=40, t=130, b=60))
    _set_uids(fig)
    return fig


# -- moons ----------------------------------------------------------------------------------
def _runs(mask) -> list[tuple[int, int]]:
    """Index ranges ``[i0, i1]`` (inclusive) where a boolean array is true."""
    m = np.asarray(mask, dtype=bool)
    if not m.any():
        return []
    d = np.diff(np.concatenate([[0], m.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), (np.flatnonzero(d == -1) - 1).tolist()))


# Lanes of the moon timeline: label, column suffix (None: derived), colour.
_LANES = (
    ("occulted by Jupiter", "occulted", "#444444"),
    ("in Jupiter's shadow", "in_shadow", "#1f3b73"),
    ("transiting Jupiter", "transit", "#e07b00"),
    ("visible (lit, not occulted)", None, "#2ca02c"),
    ("in JunoCam's swath", "in_swath", "#8e44ad"),
)


def moon_timeline_figure(pj):
    """For each moon, when it is occulted, in shadow, transiting, visible, in JunoCam's swath.

    *Visible* means neither occulted by Jupiter nor in its shadow, as seen
    from Juno (a transiting moon is visible against the disk).  Bars extend
    half a sampling step either side of the samples where the state holds.
    The JunoCam lane is drawn only when the samples carry ``<moon>_in_swath``.
    """
    import pandas as pd
    import plotly.graph_objects as go

    df = pj.samples
    moons = _moons_present(df)
    fig = go.Figure()
    if not moons:
        _note(fig, "<b>No moon geometry for this window</b><br>"
              + _wrap_note(pj.selection.moons_label or "no moon ephemeris was loaded"))
        fig.update_xaxes(title_text=TIME_AXIS_TITLE, visible=True, showticklabels=False)
        fig.update_yaxes(title_text="moon and state", type="category", showticklabels=False)
        _base_layout(fig, pj, "moon timeline", 300)
        _set_uids(fig)
        return fig
    t = _times(df["utc"]).to_numpy()
    half = pd.Timedelta(seconds=pj.step_s / 2.0).to_timedelta64()
    t_lo, t_hi = t[0], t[-1]
    swath = any(f"{m.lower()}_in_swath" in df.columns for m in moons)
    lanes = [lane for lane in _LANES if lane[1] != "in_swath" or swath]
    categories = []
    for m in moons:
        categories += [f"{m}: {label}" for label, _, _ in lanes]
    for label, suffix, color in lanes:
        xs, ys, texts = [], [], []
        for m in moons:
            key = m.lower()
            if suffix is None:
                mask = ~(df[f"{key}_occulted"].to_numpy(bool) | df[f"{key}_in_shadow"]
                         .to_numpy(bool))
            elif f"{key}_{suffix}" in df.columns:
                mask = df[f"{key}_{suffix}"].to_numpy(bool)
            else:
                continue
            cat = f"{m}: {label}"
            for i0, i1 in _runs(mask):
                a, b = max(t[i0] - half, t_lo), min(t[i1] + half, t_hi)
                mins = (b - a) / np.timedelta64(60, "s")
                tip = (f"<b>{m}</b> {label}<br>{df['utc'].iloc[i0]} .. {df['utc'].iloc[i1]}"
                       f"<br>{mins:,.0f} min")
                xs += [a, b, None]
                ys += [cat, cat, None]
                texts += [tip, tip, None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=label,
                                 line=dict(color=color, width=14), text=texts,
                                 hovertemplate="%{text}<extra></extra>", connectgaps=False,
                                 meta={"flyplan": "moon-state", "state": suffix or "visible"}))
    t_pj = _times([pj.utc]).iloc[0]
    fig.add_vline(x=t_pj, line_dash="dot", line_color=_PJ_COLOR, line_width=1.5)
    fig.update_yaxes(title_text="moon and state", type="category", categoryorder="array",
                     categoryarray=categories, autorange="reversed", showgrid=True,
                     range=[len(categories) - 0.5, -0.5])
    fig.update_xaxes(title_text=TIME_AXIS_TITLE, range=[t_lo, t_hi], showgrid=True, type="date")
    sub = (f"seen from Juno (light time and aberration corrected); resolution {pj.step_s:g} s; "
           f"dotted line: perijove {pj.utc}")
    _base_layout(fig, pj, "moon timeline", 160 + 26 * len(categories), subtitle=sub)
    if not swath:
        fig.add_annotation(text="JunoCam swath: not in the samples (no <moon>_in_swath "
                                "columns), lane omitted", showarrow=False, x=0.0, y=1.0,
                           xref="paper", yref="paper", xanchor="left", yanchor="bottom",
                           font=dict(color="#555", size=12))
    fig.update_layout(legend=dict(orientation="h", x=0.0, y=-0.12 * 600 / (160 + 26 *
                                                                           len(categories))))
    _set_uids(fig)
    return fig


def _moon_events(pj, moon: str):
    ev = pj.events
    if ev is None or len(ev) == 0 or "body" not in ev.columns:
        return None
    rows = ev[ev["body"].astype(str).str.lower() == moon.lower()]
    return rows if len(rows) else None


def moon_range_figure(pj):
    """Range from Juno to each Galilean moon, and JunoCam's scale on each, against time.

    The pixel scale is drawn from the samples' ``<moon>_km_per_px`` columns
    when the engine computed them; otherwise the panel says so.  Events whose
    ``body`` is a moon and that carry a ``range_km`` are marked on the range
    curves.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    df = pj.samples
    moons = _moons_present(df)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.6, 0.4],
                        subplot_titles=("range from Juno", "JunoCam pixel scale on the moon"))
    t = _times(df["utc"])
    style = _event_style(pj.events)
    scale = [m for m in moons if f"{m.lower()}_km_per_px" in df.columns]
    for m in moons:
        key, color = m.lower(), _MOON_COLORS[m]
        fig.add_trace(go.Scatter(x=t, y=df[f"{key}_range_km"], name=m, legendgroup=m,
                                 line=dict(color=color, width=2),
                                 hovertemplate="%{x|%Y-%m-%d %H:%M:%S}<br>%{y:,.0f} km"
                                               f"<extra>{m} range</extra>"), row=1, col=1)
        if m in scale:
            fig.add_trace(go.Scatter(x=t, y=df[f"{key}_km_per_px"], name=f"{m} km/pixel",
                                     legendgroup=m, showlegend=False,
                                     line=dict(color=color, width=2),
                                     hovertemplate="%{x|%Y-%m-%d %H:%M:%S}<br>%{y:,.1f} km/px"
                                                   f"<extra>{m} JunoCam scale</extra>"),
                          row=2, col=1)
        rows = _moon_events(pj, m)
        if rows is not None and "range_km" in rows.columns:
            ok = np.isfinite(rows["range_km"].astype(float).to_numpy())
            for kind, sub in rows[ok].groupby(rows[ok]["kind"].astype(str), sort=False):
                c, sym = style.get(kind, ("#333", "circle"))
                fig.add_trace(go.Scatter(
                    x=_times(sub["utc"]), y=sub["range_km"], mode="markers",
                    name=f"{m}: {_kind_label(kind)}", legendgroup=m, showlegend=False,
                    marker=dict(color=c, symbol=sym, size=11, line=dict(width=1, color="white")),
                    text=[_event_text(r) for r in sub.to_dict(orient="records")],
                    hovertemplate="%{text}<extra></extra>",
                    meta={"flyplan": "event", "kind": kind}), row=1, col=1)
    if not moons:
        fig.add_trace(go.Scatter(x=[t.iloc[0], t.iloc[-1]], y=[None, None], mode="markers",
                                 showlegend=False, hoverinfo="skip", name="placeholder"),
                      row=1, col=1)
        fig.update_yaxes(showticklabels=False, row=1, col=1)
        _note(fig, "<b>No moon geometry for this window</b><br>"
              + _wrap_note(pj.selection.moons_label or "no moon ephemeris was loaded"),
              xref="x domain", yref="y domain")
    if not scale:
        # An empty panel still needs a trace, or plotly.js leaves the subplot
        # (and the shared time axis) undrawn.
        fig.add_trace(go.Scatter(x=[t.iloc[0], t.iloc[-1]], y=[None, None], mode="markers",
                                 showlegend=False, hoverinfo="skip", name="placeholder"),
                      row=2, col=1)
        fig.update_yaxes(showticklabels=False, row=2, col=1)
        _note(fig, "JunoCam pixel scale not in the samples (no &lt;moon&gt;_km_per_px "
                   "columns)", xref="x2 domain", yref="y2 domain")
    rng = [df[f"{m.lower()}_range_km"] for m in moons]
    fig.update_yaxes(title_text="range (km, log)", type="log", row=1, col=1,
                     **(_log_ticks(np.concatenate(rng)) if rng else {}))
    px = [df[f"{m.lower()}_km_per_px"] for m in scale]
    fig.update_yaxes(title_text="JunoCam scale (km/pixel, log)", type="log", row=2, col=1,
                     **(_log_ticks(np.concatenate(px)) if px else {}))
    fig.update_xaxes(title_text=TIME_AXIS_TITLE, row=2, col=1)
    # Set, not inferred: an empty panel would otherwise make the shared axis linear.
    fig.update_xaxes(type="date")
    _perijove_line(fig, pj, (1, 2))
    _base_layout(fig, pj, "range to the Galilean moons", 620,
                 subtitle=f"seen from Juno (light time and aberration corrected); "
                          f"dotted line: perijove {pj.utc}")
    fig.update_layout(legend=dict(orientation="v", x=1.01, y=1.0))
    _set_uids(fig)
    return fig


# -- 3-D ------------------------------------------------------------------------------------
def _radii(pj) -> tuple[float, float]:
    """Jupiter's equatorial and polar radii, km (pck00010/11's 1-bar ellipsoid, the
    same values as the engine's altitude convention; see :mod:`flyplan.constants`)."""
    from flyplan.constants import JUPITER_RADII_KM

    return JUPITER_RADII_KM[0], JUPITER_RADII_KM[2]


_BANDS = [[0.0, "#c9b79c"], [0.2, "#e8dcc4"], [0.35, "#b08d6e"], [0.5, "#efe6d3"],
          [0.65, "#b08d6e"], [0.8, "#e8dcc4"], [1.0, "#c9b79c"]]


def orbit3d_figure(pj):
    """Juno's path around Jupiter in 3-D, with the Galilean moons at perijove.

    Drawn in J2000 axes centred on Jupiter (the frame of ``x_km``...); Jupiter
    is the 1-bar ellipsoid placed along its north pole (``jupiter_pole_ra_deg``
    / ``jupiter_pole_dec_deg``), which is the camera's up direction.  Moons are
    marked where they are at perijove, with their paths over the window.
    Buttons switch between the region of Juno's path and the whole system.
    """
    import plotly.graph_objects as go

    from flyplan.numerics.globe import latitude_circle, pole_vector, spheroid_mesh, view_normal

    df, s = pj.samples, pj.summary
    a, c = _radii(pj)
    has_pole = {"jupiter_pole_ra_deg", "jupiter_pole_dec_deg"} <= set(df.columns)
    if has_pole:
        pole = pole_vector(float(s["jupiter_pole_ra_deg"]), float(s["jupiter_pole_dec_deg"]))
    else:
        pole = np.array([0.0, 0.0, 1.0])
    x, y, z, lat = spheroid_mesh(a, c, pole)
    fig = go.Figure()
    fig.add_trace(go.Surface(x=x, y=y, z=z, surfacecolor=np.cos(np.radians(lat) * 6.0),
                             colorscale=_BANDS, showscale=False, name="Jupiter (1-bar ellipsoid)",
                             showlegend=True, opacity=1.0, hoverinfo="skip",
                             lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05)))
    eq = latitude_circle(a, c, pole, 0.0)
    fig.add_trace(go.Scatter3d(x=eq[:, 0], y=eq[:, 1], z=eq[:, 2], mode="lines",
                               name="Jupiter's equator", line=dict(color="#7a5230", width=3),
                               hoverinfo="skip"))
    tip = pole * c * 1.35
    fig.add_trace(go.Scatter3d(x=[0, tip[0]], y=[0, tip[1]], z=[0, tip[2]], mode="lines+text",
                               text=["", "N"], textposition="top center",
                               name="north pole axis", line=dict(color="#333", width=4),
                               hoverinfo="skip"))
    path = df[["x_km", "y_km", "z_km"]].to_numpy(float)
    hov = [f"{u}<br>altitude {al:,.0f} km" for u, al in zip(df["utc"], df["altitude_km"])]
    fig.add_trace(go.Scatter3d(x=path[:, 0], y=path[:, 1], z=path[:, 2], mode="lines",
                               name="Juno's path", text=hov,
                               hovertemplate="%{text}<extra>Juno</extra>",
                               line=dict(color="#1f3b73", width=5)))
    fig.add_trace(go.Scatter3d(x=[s["x_km"]], y=[s["y_km"]], z=[s["z_km"]], mode="markers",
                               name=f"Juno at perijove {pj.utc}",
                               marker=dict(size=6, color=_PJ_COLOR, symbol="diamond"),
                               hovertemplate=f"perijove {pj.utc}<br>altitude "
                                             f"{s['altitude_km']:,.0f} km<extra></extra>"))
    moons = [m for m in _moons_present(df) if f"{m.lower()}_x_km" in df.columns]
    extent_moons = 0.0
    for m in moons:
        k = m.lower()
        mp = df[[f"{k}_x_km", f"{k}_y_km", f"{k}_z_km"]].to_numpy(float)
        at = np.array([s[f"{k}_x_km"], s[f"{k}_y_km"], s[f"{k}_z_km"]], dtype=float)
        extent_moons = max(extent_moons, float(np.nanmax(np.linalg.norm(mp, axis=1))))
        fig.add_trace(go.Scatter3d(x=mp[:, 0], y=mp[:, 1], z=mp[:, 2], mode="lines",
                                   name=f"{m} over the window", legendgroup=m, showlegend=False,
                                   line=dict(color=_MOON_COLORS[m], width=2), hoverinfo="skip"))
        fig.add_trace(go.Scatter3d(x=[at[0]], y=[at[1]], z=[at[2]], mode="markers+text",
                                   name=f"{m} at perijove", legendgroup=m, text=[m],
                                   textposition="top center",
                                   marker=dict(size=6, color=_MOON_COLORS[m]),
                                   hovertemplate=f"{m} at perijove<br>"
                                                 f"range from Juno {s[f'{k}_range_km']:,.0f} km"
                                                 "<extra></extra>"))
    hours = _hour_marks(df, pj)
    if len(hours):
        fig.add_trace(go.Scatter3d(
            x=path[hours.index, 0], y=path[hours.index, 1], z=path[hours.index, 2],
            mode="markers+text", text=hours.to_list(), textposition="middle right",
            textfont=dict(size=11, color="#1f3b73"), name="hours from perijove",
            marker=dict(size=3, color="#1f3b73"), hoverinfo="skip"))
    near = 1.1 * max(float(np.nanmax(np.linalg.norm(path, axis=1))), 2.0 * a)
    wide = 1.1 * max(extent_moons, near / 1.1)
    normal = view_normal(path)
    eye = normal + 0.45 * pole
    eye = 1.45 * eye / np.linalg.norm(eye)

    def ranges(half):
        return {f"scene.{ax}axis.range": [-half, half] for ax in "xyz"}

    axis = dict(showbackground=True, backgroundcolor="#fafbfc", showgrid=False,
                zerolinecolor="#c8c8c8", nticks=4, tickfont=dict(size=10, color="#777"),
                showspikes=False)
    fig.update_layout(scene=dict(
        xaxis=dict(title=dict(text="x J2000 (km)", font=dict(size=12)), range=[-near, near],
                   **axis),
        yaxis=dict(title=dict(text="y J2000 (km)", font=dict(size=12)), range=[-near, near],
                   **axis),
        zaxis=dict(title=dict(text="z J2000 (km)", font=dict(size=12)), range=[-near, near],
                   **axis),
        aspectmode="cube",
        camera=dict(up=dict(x=pole[0], y=pole[1], z=pole[2]),
                    eye=dict(x=eye[0], y=eye[1], z=eye[2]))))
    buttons = [dict(label="Zoom: Juno's path", method="relayout", args=[ranges(near)])]
    if moons:
        buttons.append(dict(label="Zoom: Galilean moons", method="relayout",
                            args=[ranges(wide)]))
    fig.update_layout(updatemenus=[dict(type="buttons", direction="right", x=0.0, y=0.0,
                                        xanchor="left", yanchor="bottom", buttons=buttons,
                                        showactive=True, bgcolor="#f2f4f8")])
    notes = []
    if not has_pole:
        notes.append("Jupiter's pole is not in the samples: Jupiter drawn along J2000 +z.")
    if not moons:
        notes.append("No moon positions: " + (pj.selection.moons_label or "no moon ephemeris"))
    if notes:
        fig.add_annotation(text=_wrap_note(" ".join(notes), 70), showarrow=False, x=1.0, y=0.0,
                           xref="paper", yref="paper", xanchor="right", yanchor="bottom",
                           align="left", font=dict(color="#555", size=12),
                           bgcolor="rgba(255,255,255,0.85)", bordercolor="#bbb", borderwidth=1,
                           borderpad=6)
    _base_layout(fig, pj, "Juno's path around Jupiter (3-D)", 720,
                 subtitle="J2000 axes centred on Jupiter; camera up: Jupiter's north pole; "
                          "moons where they are at perijove")
    fig.update_layout(legend=dict(orientation="v", x=1.0, xanchor="right", y=0.95),
                      margin=dict(l=10, r=10, t=90, b=10))
    _set_uids(fig)
    return fig


def figures(pj) -> dict:
    """All the report's figures of a perijove, keyed by name (see :data:`FIGURE_NAMES`).

    Returns
    -------
    dict of str -> plotly.graph_objects.Figure
    """
    makers = {"profile": profile_figure, "ground-track": ground_track_figure,
              "polar": polar_figure, "moon-timeline": moon_timeline_figure,
              "moon-range": moon_range_figure, "orbit3d": orbit3d_figure}
    return {name: makers[name](pj) for name in FIGURE_NAMES}
