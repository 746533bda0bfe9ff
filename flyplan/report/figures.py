"""Plotly figures of a perijove, built from its DataFrames (no geometry here).

Each function takes a :class:`flyplan.pj.Perijove` (or its samples) and
returns a ``plotly.graph_objects.Figure`` for notebooks or the HTML report.
"""

from __future__ import annotations

__all__ = ["profile_figure", "moon_range_figure"]


def _times(df):
    import pandas as pd

    return pd.to_datetime(df["utc"].str.rstrip("Z"))


def _mark_perijove(fig, pj, rows):
    import pandas as pd

    t = pd.to_datetime(pj.utc.rstrip("Z"))
    for r in range(1, rows + 1):
        fig.add_vline(x=t, line_dash="dot", line_color="firebrick", row=r, col=1)
    fig.add_annotation(x=t, y=1.0, yref="paper", text=f"PJ{pj.number}", showarrow=False,
                       yanchor="bottom", font=dict(color="firebrick"))


def profile_figure(pj):
    """Altitude, latitudes and speed against time, with the perijove marked."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    df = pj.samples
    t = _times(df)
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.04)
    fig.add_trace(go.Scatter(x=t, y=df["altitude_km"], name="altitude (km)"), row=1, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["lat_pg_deg"], name="planetographic latitude (deg)"),
                  row=2, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["lat_pc_deg"], name="planetocentric latitude (deg)",
                             line=dict(dash="dash")), row=2, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["speed_km_s"], name="speed vs Jupiter's centre (km/s)"),
                  row=3, col=1)
    fig.add_trace(go.Scatter(x=t, y=df["speed_rot_km_s"], name="speed vs atmosphere (km/s)",
                             line=dict(dash="dash")), row=3, col=1)
    fig.update_yaxes(title_text="altitude (km)", row=1, col=1)
    fig.update_yaxes(title_text="latitude (deg)", row=2, col=1)
    fig.update_yaxes(title_text="speed (km/s)", row=3, col=1)
    fig.update_xaxes(title_text="UTC (spacecraft event time)", row=3, col=1)
    _mark_perijove(fig, pj, 3)
    fig.update_layout(height=720, title=f"Juno PJ{pj.number}: altitude, latitude, speed",
                      legend=dict(orientation="h", y=-0.12))
    return fig


def moon_range_figure(pj):
    """Range from Juno to each Galilean moon against time (empty note when absent)."""
    import plotly.graph_objects as go

    from ..constants import MOONS

    df = pj.samples
    t = _times(df)
    fig = go.Figure()
    for name in MOONS:
        col = f"{name.lower()}_range_km"
        if col in df.columns:
            fig.add_trace(go.Scatter(x=t, y=df[col], name=name))
    if not fig.data:
        fig.add_annotation(text=pj.plan.moons_label or "no moon ephemeris", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(title=f"Juno PJ{pj.number}: range to the Galilean moons", height=420,
                      xaxis_title="UTC (spacecraft event time)", yaxis_title="range (km)")
    return fig
