"""The HTML page of ``flyplan image``: framelet footprints on a System III map.

Drawn from the :class:`flyplan.domain.image.Image` results only (no
geometry here): with a C-kernel each framelet's footprint is the outline of
its on-planet part and its boresight point; Juno's sub-spacecraft track
around the image, the framelets' sub-spacecraft points and the moons'
sub-points are drawn in every case.
"""

from __future__ import annotations

import numpy as np

from flyplan.products.html.pages import Section, _esc, provenance_footer, render_page
from flyplan.products.html.style import (FILTER_COLORS, JUNO_COLOR, MAP_COLOR,
                                         apply_figure_style, belt_shapes, moon_color)

__all__ = ["image_figure", "image_html"]

_COLORS = FILTER_COLORS


def image_figure(im):
    """A System III map of one image: track, sub-spacecraft points, footprints, moons."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if im.track is not None and len(im.track):
        t = im.track
        lon = t["lon_w_deg"].to_numpy(float)
        lat = t["lat_pg_deg"].to_numpy(float)
        # Break the line where it wraps at 0/360.
        jumps = np.flatnonzero(np.abs(np.diff(lon)) > 180) + 1
        lon = np.insert(lon, jumps, np.nan)
        lat = np.insert(lat, jumps, np.nan)
        fig.add_trace(go.Scatter(x=lon, y=lat, mode="lines", name="Juno track (±30 min)",
                                 line=dict(color=JUNO_COLOR, width=1.5), hoverinfo="skip"))
    df = im.framelets
    fig.add_trace(go.Scatter(
        x=df["lon_w_deg"], y=df["lat_pg_deg"], mode="markers", name="sub-spacecraft point",
        marker=dict(size=6, color=JUNO_COLOR),
        text=[f"framelet {r.framelet} {r.filter}<br>{r.utc_mid}<br>altitude "
              f"{r.altitude_km:,.0f} km" for r in df.itertuples()],
        hovertemplate="%{text}<extra></extra>"))
    if im.has_pointing:
        fp = im.footprints
        for filt, rows in df.groupby("filter", sort=False):
            color = _COLORS.get(filt, "#333")
            if fp is not None and len(fp):
                pts = fp[fp["filter"] == filt]
                fig.add_trace(go.Scatter(
                    x=pts["lon_w_deg"], y=pts["lat_pg_deg"], mode="markers",
                    name=f"{filt} framelet outlines (on-planet part)",
                    marker=dict(size=3, color=color, opacity=0.6), hoverinfo="skip"))
            fig.add_trace(go.Scatter(
                x=rows["boresight_lon_w_deg"], y=rows["boresight_lat_pg_deg"], mode="markers",
                name=f"{filt} boresight", marker=dict(symbol="x", size=8, color=color),
                text=[f"framelet {r.framelet} {r.filter} boresight<br>{r.utc_mid}"
                      for r in rows.itertuples()], hovertemplate="%{text}<extra></extra>"))
    if im.moons is not None and len(im.moons):
        m = im.moons
        fig.add_trace(go.Scatter(x=m["lon_w_deg"], y=m["lat_pg_deg"], mode="markers+text",
                                 name="sub-moon points", text=m["moon"],
                                 textposition="top center",
                                 marker=dict(symbol="circle", size=10,
                                             color=[moon_color(x) for x in m["moon"]],
                                             line=dict(width=1, color="white"))))
    fig.update_xaxes(title_text="System III west longitude (deg)", range=[360, 0], dtick=30,
                     ticksuffix="°", constrain="domain")
    fig.update_yaxes(title_text="planetographic latitude (deg)", range=[-90, 90], dtick=30,
                     ticksuffix="°", scaleanchor="x", scaleratio=1, constrain="domain")
    apply_figure_style(fig, height=620)
    fig.update_layout(plot_bgcolor=MAP_COLOR,
                      title=dict(text=f"{im.product_id}: framelets on Jupiter (System III)",
                                 x=0.01, xanchor="left"),
                      legend=dict(orientation="h", y=-0.2))
    for shape in belt_shapes():
        fig.add_shape(**shape)
    for i, tr in enumerate(fig.data):
        tr.uid = f"t{i}"
    return fig


def _facts(im) -> str:
    from flyplan.domain.image import self_check_text

    lab = im.label
    rows = [("label", f"{lab.kind}: {lab.path}"), ("start", lab.start_utc),
            ("frames x filters", f"{len(lab.frames)} x {', '.join(lab.filters)}"),
            ("trajectory", ("APPROXIMATE " if im.selection.approximate else "")
             + im.selection.trajectory_label),
            ("pointing", im.pointing), ("self-check", self_check_text(im.self_check))]
    rows += [("note", n) for n in im.notes]
    return "<table>" + "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>"
                               for k, v in rows) + "</table>"


def image_html(res) -> str:
    """The page for an :class:`flyplan.domain.image.ImageSet`: one section per image."""
    sections = []
    for k, im in enumerate(res.images):
        cap = ("Footprints from the C-kernel's pointing: dots outline the part of each "
               "framelet that falls on Jupiter (its border and the limb); x marks the IK "
               "boresight pixel (827, 64)." if im.has_pointing else
               "No C-kernel: the spin phase is unknown, so only Juno's track and the "
               "framelets' sub-spacecraft points are drawn.")
        sections.append(Section(f"image-{k}", im.product_id, image_figure(im), _facts(im), cap))
    from flyplan.products.serialize import envelope

    return render_page("JunoCam image geometry", sections,
                       footer_html=provenance_footer(envelope(res)))
