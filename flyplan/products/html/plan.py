"""The figures of ``flyplan plan``'s page: its windows on a timeline and in plots.

The page itself is :func:`flyplan.products.html.pages.plan_html`.

Drawn from the :class:`flyplan.domain.plan.PlanResult` records only (no
geometry here).  A window's geometry is known at its start, middle and end
(what the planner computed); the plots join those three points and say so.
Times are drawn relative to each perijove so that windows of many perijoves
share one axis; every hover gives the UTC.
"""

from __future__ import annotations

import numpy as np

from flyplan.products.html.style import (APPROX_COLOR, JUNO_COLOR, WINDOW_COLOR,
                                         apply_figure_style, event_marker, moon_color)

__all__ = ["plan_timeline_figure", "plan_geometry_figure"]

_MIN_AXIS = "time from perijove (min; UTC spacecraft event time)"
_WHERE = ("start", "middle", "end")


def _title(result, what: str, approximate: bool) -> str:
    name = result.scenario.name or result.path or "flyplan plan"
    text = f"{name}: {what}"
    if approximate:
        text += (f'  <span style="color:{APPROX_COLOR}"><b>APPROXIMATE trajectory</b> '
                 "(flyplan model, some perijoves)</span>")
    return text


def _ok(result):
    return [p for p in result.perijoves if p["status"] == "ok"]


def _rel_min(et, pj_et) -> float:
    return (float(et) - float(pj_et)) / 60.0


def _pj_et(p) -> float | None:
    from flyplan.timeutil import utc_to_et

    return utc_to_et(p["perijove_utc"]) if p.get("perijove_utc") else None


def plan_timeline_figure(result):
    """One lane per perijove planned: the searched window, the windows found, the best moment.

    Parameters
    ----------
    result : flyplan.domain.plan.PlanResult

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    from flyplan.timeutil import utc_to_et

    ok = _ok(result)
    approx = any(p.get("approximate") for p in ok)
    fig = go.Figure()
    lanes = [f"PJ{p['perijove']}" for p in ok]
    sx, sy, wx, wy, wt, bx, by, bt = [], [], [], [], [], [], [], []
    for p, lane in zip(ok, lanes):
        t_pj = _pj_et(p)
        if t_pj is None:
            continue
        w0, w1 = (utc_to_et(u) for u in p["window_utc"])
        sx += [_rel_min(w0, t_pj), _rel_min(w1, t_pj), None]
        sy += [lane, lane, None]
        for w in p["windows"]:
            tip = (f"<b>{lane}</b> window<br>{w['start_utc']} .. {w['end_utc']}"
                   f"<br>{w['duration_s'] / 60.0:,.1f} min")
            wx += [_rel_min(w["start_et"], t_pj), _rel_min(w["end_et"], t_pj), None]
            wy += [lane, lane, None]
            wt += [tip, tip, None]
        if p.get("best"):
            b = p["best"]
            bx.append(_rel_min(b["et"], t_pj) if "et" in b else _rel_min(utc_to_et(b["utc"]),
                                                                           t_pj))
            by.append(lane)
            bt.append(f"<b>{lane}</b> best moment<br>{b.get('utc', '')}")
    fig.add_trace(go.Scatter(x=sx, y=sy, mode="lines", name="searched (scenario window)",
                             line=dict(color="#d0d4dc", width=6), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=wx, y=wy, mode="lines", name="meets every constraint",
                             line=dict(color=WINDOW_COLOR, width=16), text=wt,
                             hovertemplate="%{text}<extra></extra>",
                             meta={"flyplan": "plan-window"}))
    fig.add_trace(go.Scatter(x=[0.0] * len(lanes), y=lanes, mode="markers", name="perijove",
                             marker=event_marker("perijove"),
                             text=[f"<b>{lane}</b> perijove<br>{p['perijove_utc']}"
                                   for p, lane in zip(ok, lanes)],
                             hovertemplate="%{text}<extra></extra>",
                             meta={"flyplan": "event", "kind": "perijove"}))
    if bx:
        fig.add_trace(go.Scatter(x=bx, y=by, mode="markers", name="best moment",
                                 marker=dict(symbol="x-thin", size=14, color="#111",
                                             line=dict(width=2, color="#111")),
                                 text=bt, hovertemplate="%{text}<extra></extra>"))
    if not lanes:
        fig.add_annotation(text="no perijove could be planned (see Skipped)", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper")
    height = 170 + 34 * max(len(lanes), 1)
    apply_figure_style(fig, height=min(height, 2400))
    fig.update_yaxes(title_text="perijove", type="category", categoryorder="array",
                     categoryarray=lanes, autorange="reversed", showgrid=True)
    fig.update_xaxes(title_text=_MIN_AXIS, zeroline=True, zerolinecolor="#bbb")
    fig.update_layout(title=dict(text=_title(result, "windows per perijove", approx), x=0.01),
                      legend=dict(orientation="h", x=0.0, y=1.0, yanchor="bottom"),
                      margin=dict(l=80, r=30, t=90, b=60))
    for i, tr in enumerate(fig.data):
        tr.uid = f"t{i}"
    return fig


def plan_geometry_figure(result):
    """Juno's altitude and latitude, and JunoCam's scale on each target, along the windows.

    Each window is a line through its start, middle and end (the points the
    planner evaluated), on the same time-from-perijove axis as the timeline.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ok = _ok(result)
    approx = any(p.get("approximate") for p in ok)
    targets = list(result.scenario.targets or [])
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=("Juno's altitude above the 1-bar ellipsoid",
                                        "Juno's planetographic latitude",
                                        "JunoCam scale on each target (range x IFOV)"))
    series = [("altitude_km", 1, JUNO_COLOR, "Juno altitude", "%{y:,.0f} km")]
    series.append(("lat_pg_deg", 2, "#2a9d8f", "Juno lat_pg", "%{y:.2f}°"))
    series += [(f"{m.lower()}_km_per_px", 3, moon_color(m), f"{m} km/px", "%{y:,.1f} km/px")
               for m in targets]
    shown = set()
    for p in ok:
        t_pj = _pj_et(p)
        if t_pj is None:
            continue
        for w in p["windows"]:
            g = w["geometry"]
            x = [_rel_min(g[k]["et"], t_pj) for k in _WHERE if k in g]
            utc = [g[k]["utc"] for k in _WHERE if k in g]
            for col, row, color, name, fmt in series:
                y = [g[k].get(col, np.nan) for k in _WHERE if k in g]
                if not np.isfinite(np.asarray(y, float)).any():
                    continue
                fig.add_trace(go.Scatter(
                    x=x, y=y, mode="lines+markers", name=name, legendgroup=name,
                    showlegend=name not in shown, line=dict(color=color, width=2),
                    marker=dict(size=6, color=color), customdata=utc,
                    hovertemplate=f"PJ{p['perijove']} %{{customdata}}<br>{fmt}"
                                  f"<extra>{name}</extra>"), row=row, col=1)
                shown.add(name)
    if not shown:
        fig.add_annotation(text="no window meets the constraints", showarrow=False,
                           x=0.5, y=0.5, xref="paper", yref="paper")
    apply_figure_style(fig, height=760)
    fig.update_yaxes(title_text="altitude (km)", row=1, col=1)
    fig.update_yaxes(title_text="latitude (deg)", row=2, col=1)
    fig.update_yaxes(title_text="scale (km/pixel)", row=3, col=1)
    fig.update_xaxes(title_text=_MIN_AXIS, row=3, col=1)
    fig.update_layout(title=dict(text=_title(result, "geometry along the windows (start, "
                                                     "middle, end)", approx), x=0.01),
                      legend=dict(orientation="v", x=1.01, y=1.0),
                      margin=dict(l=80, r=40, t=100, b=60))
    for i, tr in enumerate(fig.data):
        tr.uid = f"t{i}"
    return fig
