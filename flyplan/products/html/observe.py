"""Figure and self-contained HTML page for ``flyplan observe`` (from its DataFrames only).

The figure shows Jupiter's System III central-meridian longitude against time
with the observable windows shaded, and Jupiter's and the Sun's altitude below
it.  The page inlines plotly.js, so it opens offline, and is deterministic.
"""

from __future__ import annotations

from flyplan.products.html.style import PJ_COLOR, WINDOW_COLOR, apply_figure_style
from flyplan.timeutil import iso_frame

__all__ = ["observe_figure", "observe_html"]



def _times(utc):
    import pandas as pd

    # Text with Z or datetime64[ns, UTC]: naive UTC for plotly either way.
    return pd.to_datetime(pd.Series(utc).astype(str).str.rstrip("Z"), utc=True,
                          format="ISO8601").dt.tz_localize(None)


def observe_figure(obs):
    """CML (deg W) and altitudes against UTC, observable windows shaded.

    Parameters
    ----------
    obs : flyplan.domain.observe.Observability
    """
    import numpy as np
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    df = obs.samples
    t = _times(df["utc"])
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[0.6, 0.4])
    # Break the CML line where it wraps from 360 back to 0.
    cml = df["cml_iii_deg"].to_numpy(dtype=float)
    wrap = np.flatnonzero(np.diff(cml) < -180.0) + 1
    y = np.insert(cml, wrap, np.nan)
    x = np.insert(t.to_numpy(), wrap, t.to_numpy()[np.maximum(wrap - 1, 0)])
    fig.add_trace(go.Scatter(x=x, y=y, name="CML System III (deg W)", mode="lines",
                             line=dict(color="#555")), row=1, col=1)
    obs_mask = df["observable"].to_numpy(dtype=bool)
    fig.add_trace(go.Scatter(x=t[obs_mask], y=cml[obs_mask], name="CML while observable",
                             mode="markers", marker=dict(color=WINDOW_COLOR, size=5)),
                  row=1, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["jupiter_alt_deg"], name="Jupiter altitude (deg)",
                             line=dict(color="darkorange")), row=2, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["sun_alt_deg"], name="Sun altitude (deg)",
                             line=dict(color="royalblue", dash="dot")), row=2, col=1)
    fig.add_hline(y=obs.min_altitude_deg, line_dash="dash", line_color="darkorange",
                  row=2, col=1)
    from flyplan.domain.observe import TWILIGHT

    fig.add_hline(y=TWILIGHT[obs.twilight][0], line_dash="dash", line_color="royalblue",
                  row=2, col=1)
    for _, w in obs.windows.iterrows():
        for r in (1, 2):
            fig.add_vrect(x0=_times([w["start_utc"]])[0], x1=_times([w["end_utc"]])[0],
                          fillcolor=WINDOW_COLOR, opacity=0.15, line_width=0, row=r, col=1)
    if obs.longitude_w_deg is not None:
        fig.add_hline(y=obs.longitude_w_deg, line_dash="dot", line_color=PJ_COLOR,
                      row=1, col=1, annotation_text=f"{obs.longitude_w_deg:g}° W")
    pj = _times([obs.perijove["utc"]])[0]
    for r in (1, 2):
        fig.add_vline(x=pj, line_dash="dot", line_color=PJ_COLOR, line_width=1.5, row=r, col=1)
    fig.add_annotation(x=pj, y=1.0, yref="paper", text=f"PJ{obs.number} (SCET)",
                       showarrow=False, yanchor="bottom", font=dict(color=PJ_COLOR))
    fig.update_yaxes(title_text="CML System III (° W)", range=[0, 360], dtick=60, row=1, col=1)
    fig.update_yaxes(title_text="altitude (°)", row=2, col=1)
    fig.update_xaxes(title_text="UTC", row=2, col=1)
    apply_figure_style(fig, height=720)
    fig.update_xaxes(type="date", showspikes=True, spikemode="across", spikethickness=1,
                     spikedash="dot")
    fig.update_layout(legend=dict(orientation="h", y=-0.12),
                      margin=dict(l=80, r=40, t=90, b=60),
                      title=dict(x=0.01, xanchor="left",
                                 text=f"Jupiter from {obs.site.name} before Juno PJ{obs.number}:"
                                      f" observable (shaded) with Jupiter ≥ "
                                      f"{obs.min_altitude_deg:g}° and {obs.twilight} darkness"))
    for i, tr in enumerate(fig.data):
        tr.uid = f"t{i}"
    return fig


def observe_html(obs, figures: dict | None = None) -> str:
    """The page for an observing plan as a string, in the layout of every flyplan page:
    key figures, a summary card, the windows, the figure and the provenance footer."""
    from flyplan.products.html.pages import Section, _esc, provenance_footer, render_page
    from flyplan.products.serialize import envelope

    if figures is None:
        figures = {"observe": observe_figure(obs)}
    meta = obs.metadata()
    s = obs.site
    p = obs.perijove
    card = [
        ("Perijove", f"PJ{obs.number} ({obs.perijove_status})"),
        ("Perijove (UTC, SCET)", p["utc"]),
        ("Seen on Earth (UTC, ERT)", p["utc_ert"]),
        ("One-way light time", f"{p['light_time_min']:.3f} min (Jupiter to Earth)"),
        ("Sun-Earth-Jupiter angle", f"{p['sun_earth_jupiter_deg']:.1f}°"),
        ("Site", f"{s.name}: {s.lat_deg:.5f}° N, {s.lon_deg:.5f}° E, {s.elevation_m:g} m"),
        ("Site coordinates from", s.source),
        ("Limits", f"Jupiter ≥ {obs.min_altitude_deg:g}°, Sun below "
                   f"{meta['sun_altitude_limit_deg']:g}° ({obs.twilight} twilight)"),
    ]
    if obs.longitude_w_deg is not None:
        card.append(("Longitude followed", f"{obs.longitude_w_deg:g}° W (System III)"))
    rows = "".join(f'<tr><td>{_esc(k)}</td><td class="v">{_esc(v)}</td></tr>' for k, v in card)
    notes = "".join(f"<li>{_esc(n)}</li>" for n in obs.notes)
    wins = iso_frame(obs.windows)
    import pandas as pd

    hours = None
    if len(wins):
        span = (pd.to_datetime(wins["end_utc"].astype(str).str.rstrip("Z"))
                - pd.to_datetime(wins["start_utc"].astype(str).str.rstrip("Z")))
        hours = float(span.dt.total_seconds().sum()) / 3600.0
    day, _, clock = str(p["utc_ert"]).partition("T")
    tiles = [("Perijove seen on Earth (UTC)", _esc(clock.rstrip("Z")), _esc(day)),
             ("Observable windows", f"{len(wins):,d}", f"in {obs.days:g} days before"),
             ("Light time", f"{p['light_time_min']:.1f}", "min")]
    if hours is not None:
        tiles.append(("Observable", f"{hours:,.1f}", "h in total"))
    header = ('<p class="sub">Jupiter from a ground site before Juno\'s perijove, by flyplan'
              '</p><div class="tiles" id="flyplan-key-figures">' + "".join(
                  f'<div class="tile"><div class="k">{k}</div><div class="v">{v} '
                  f'<span class="u">{u}</span></div></div>' for k, v, u in tiles) + "</div>"
              f'<div class="cards"><div class="card summary big" id="flyplan-summary">'
              f"<h2>Site and perijove</h2><table>{rows}</table></div>"
              + (f'<div class="card sources"><h2>Notes</h2><ul class="notes">{notes}</ul></div>'
                 if notes else "") + "</div>")
    head = ("<tr><th>night</th><th>observable (UTC)</th><th>CML start / mid / end (° W)</th>"
            "<th>max alt (°)</th><th>longitude on CM (UTC)</th></tr>")
    body = "".join(
        f"<tr><td>{_esc(w['night'])}</td><td>{_esc(w['start_utc'])} .. {_esc(w['end_utc'])}</td>"
        f"<td>{w['cml_start_deg']:.1f} / {w['cml_mid_deg']:.1f} / {w['cml_end_deg']:.1f}</td>"
        f"<td>{w['max_altitude_deg']:.1f}</td>"
        f"<td>{_esc(', '.join(w['longitude_on_cm_utc']))}</td></tr>"
        for _, w in wins.iterrows())
    sections = [Section(key, "Central-meridian longitude and altitudes", figure=fig,
                        caption="System III central-meridian longitude seen from the site "
                                "(top) and the altitudes of Jupiter and the Sun (bottom); "
                                "shaded: observable. Dotted line: the perijove (spacecraft "
                                "event time).")
                for key, fig in figures.items()]
    sections.insert(0, Section("windows", "Observable windows",
                               html=f'<table class="events" id="flyplan-windows">{head}{body}'
                                    "</table>" if len(wins) else
                               '<p id="flyplan-windows">No observable window.</p>'))
    return render_page(f"Jupiter before Juno perijove {obs.number}", sections,
                       header_html=header, footer_html=provenance_footer(envelope(obs)))
