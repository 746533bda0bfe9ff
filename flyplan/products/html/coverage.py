"""The HTML page of a coverage map: best JunoCam pixel scale over a System III map,
the track and swath bands, the night side, polar views, on a belts-and-zones basemap.

The basemap is drawn from published latitudes (no image is downloaded or
embedded): :data:`BELTS`.
"""

from __future__ import annotations

import html as _html

import numpy as np

__all__ = ["BELTS", "BELTS_SOURCE", "coverage_figures", "coverage_html", "map_figure",
           "polar_figures"]

# The belts and zones are the one table of every page (style.py).
from flyplan.products.html.style import (BELTS, BELTS_SOURCE, JUNO_COLOR, MAP_COLOR,
                                         ZONES, apply_figure_style)


def _esc(x) -> str:
    return _html.escape(str(x))


def _basemap(fig, row=None, col=None) -> None:
    kw = {} if row is None else {"row": row, "col": col}
    for name, lo, hi in BELTS:
        # Over the data, faint: the belts must show through the coverage colours.
        fig.add_hrect(y0=lo, y1=hi, fillcolor="rgba(150,110,70,0.10)", layer="above",
                      line={"color": "rgba(122,90,58,0.55)", "width": 0.6}, **kw)
        fig.add_annotation(x=1.0, xref="paper", y=0.5 * (lo + hi), text=name, showarrow=False,
                           xanchor="left", font={"size": 9, "color": "#7a5a3a"})
    for name, lo, hi in ZONES:
        fig.add_annotation(x=1.0, xref="paper", y=0.5 * (lo + hi), text=name, showarrow=False,
                           xanchor="left", font={"size": 9, "color": "#9a9a9a"})


def _swath_edges(res, times=None, grid_deg: float = 2.0):
    """Edge cells of the instantaneous swath footprint at a few times (for the map)."""
    from flyplan.geometry.surface import grid, subset_frames, surface_geometry

    p = res.pass_
    if times is None:
        k = max(2, min(9, int((p.window[1] - p.window[0]) // 1800) + 1))
        times = np.linspace(p.window[0], p.window[1], k)
    lat, lon = grid(grid_deg)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    idx = np.searchsorted(p.et, times).clip(0, len(p.et) - 1)
    try:
        fr = p.frames()
    except Exception:  # noqa: BLE001 - kernels unloaded: no swath bands, the map still renders
        return []
    g = surface_geometry(p.et[idx], la.ravel(), lo.ravel(), frames=subset_frames(fr, idx))
    out = []
    for i, t in enumerate(p.et[idx]):
        m = g["in_swath"][i].reshape(la.shape)
        if not m.any():
            continue
        inner = m.copy()
        inner[1:-1, :] &= m[:-2, :] & m[2:, :]
        inner &= np.roll(m, 1, axis=1) & np.roll(m, -1, axis=1)
        edge = m & ~inner
        out.append((t, la[edge], lo[edge]))
    return out


def map_figure(res, targets=None):
    """Best pixel scale per cell on a System III west-longitude map (360 W at the left);
    with ``targets`` (a :class:`flyplan.domain.targets.TargetsResult`), its points marked."""
    import plotly.graph_objects as go

    from flyplan.timeutil import et_to_utc

    ds = res.dataset
    km = ds["km_per_px"].values
    lat = ds["lat_pg_deg"].values
    lon = ds["lon_w_deg"].values
    z = np.log10(km)
    fig = go.Figure()
    lo_, hi_ = (np.nanmin(z), np.nanmax(z)) if np.isfinite(z).any() else (0.0, 1.0)
    ticks = [v for v in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
             if lo_ - 0.05 <= np.log10(v) <= hi_ + 0.05]
    fig.add_trace(go.Heatmap(x=lon, y=lat, z=z, colorscale="Viridis_r", zmin=lo_, zmax=hi_,
                             customdata=np.round(km, 1),
                             hovertemplate="%{y:.1f}°, %{x:.1f}° W: %{customdata} km/px"
                                           "<extra></extra>",
                             colorbar={"title": "km/px", "tickvals": np.log10(ticks).tolist(),
                                       "ticktext": [str(t) for t in ticks]},
                             name="best km/px", uid="best"))
    night = np.where((ds["lit"].values == 0) & (ds["n_samples"].values > 0), 1.0, np.nan)
    fig.add_trace(go.Heatmap(x=lon, y=lat, z=night, colorscale=[[0, "rgba(0,0,30,0.55)"],
                                                                [1, "rgba(0,0,30,0.55)"]],
                             showscale=False, hoverinfo="skip", name="night at best time",
                             uid="night", showlegend=True))
    for k, (t, la, lo) in enumerate(_swath_edges(res)):
        fig.add_trace(go.Scatter(x=lo, y=la, mode="markers", marker={"size": 3, "opacity": 0.8},
                                 name=f"swath {et_to_utc(t, 0)[11:16]}",
                                 legendgroup="swath", uid=f"swath{k}",
                                 hovertemplate=f"swath edge at {et_to_utc(t, 0)}<extra></extra>"))
    tr = res.track
    lon_t = tr["lon_w_deg"].to_numpy(float).copy()
    lat_t = tr["lat_pg_deg"].to_numpy(float).copy()
    # Break the line where it wraps from 0 to 360 degrees.
    jump = np.flatnonzero(np.abs(np.diff(lon_t)) > 180.0)
    lon_t = np.insert(lon_t, jump + 1, np.nan)
    lat_t = np.insert(lat_t, jump + 1, np.nan)
    fig.add_trace(go.Scatter(x=lon_t, y=lat_t, mode="lines", line={"color": JUNO_COLOR,
                                                                    "width": 2},
                             name="Juno's track (sub-spacecraft)", uid="track"))
    if targets is not None:
        recs = targets.records
        fig.add_trace(go.Scatter(
            x=[r["lon_w_deg"] for r in recs], y=[r["lat_pg_deg"] for r in recs],
            mode="markers+text", text=[r["name"] for r in recs], textposition="top center",
            marker={"symbol": "star", "size": 13, "color": "#ff7f0e",
                    "line": {"color": "black", "width": 1}},
            name="points of interest", uid="pois",
            hovertemplate="%{text}: %{y:.2f}°, %{x:.2f}° W<extra></extra>"))
    fig.update_layout(height=620, margin={"l": 60, "r": 110, "t": 40, "b": 50},
                      title=f"PJ{res.number}: best JunoCam pixel scale on the cloud tops",
                      legend={"orientation": "h", "y": -0.12},
                      xaxis={"title": "System III west longitude (deg)", "range": [360, 0],
                             "dtick": 30},
                      yaxis={"title": "planetographic latitude (deg)", "range": [-90, 90],
                             "dtick": 15}, plot_bgcolor=MAP_COLOR)
    apply_figure_style(fig)
    _basemap(fig)
    return fig


def polar_figures(res, *, min_abs_lat: float = 45.0, max_points: int = 6000):
    """The best pixel scale poleward of ``min_abs_lat`` over each pole, seen from outside."""
    import plotly.graph_objects as go

    ds = res.dataset
    # Coarsen fine grids so that each pole stays a few thousand markers.
    lat = ds["lat_pg_deg"].values
    nlat = np.sum(np.abs(lat) >= min_abs_lat) // 2
    factor = max(1, int(np.ceil(np.sqrt(nlat * ds.sizes["lon_w_deg"] / max_points))))
    if factor > 1:
        ds = ds[["km_per_px"]].coarsen(lat_pg_deg=factor, lon_w_deg=factor,
                                       boundary="trim").min()
    km = ds["km_per_px"].values
    la, lo = np.meshgrid(ds["lat_pg_deg"].values, ds["lon_w_deg"].values, indexing="ij")
    z = np.log10(km)
    lo_, hi_ = (np.nanmin(z), np.nanmax(z)) if np.isfinite(z).any() else (0.0, 1.0)
    out = {}
    for key, sign, title in (("polar-north", 1.0, "north"), ("polar-south", -1.0, "south")):
        sel = (sign * la >= min_abs_lat) & np.isfinite(km)
        fig = go.Figure(go.Scatterpolar(
            r=90.0 - sign * la[sel], theta=lo[sel],
            mode="markers", uid=key,
            marker={"size": 4, "color": z[sel], "colorscale": "Viridis_r", "cmin": lo_,
                    "cmax": hi_, "showscale": False},
            text=np.round(km[sel], 1).astype(str),
            hovertemplate="%{text} km/px<extra></extra>", name="best km/px"))
        for name, a, b in BELTS:
            for edge in (a, b):
                if sign * edge >= min_abs_lat:
                    th = np.linspace(0, 360, 181)
                    fig.add_trace(go.Scatterpolar(r=np.full_like(th, 90 - sign * edge),
                                                  theta=th, mode="lines", name=name,
                                                  line={"color": "#7a5a3a", "width": 1},
                                                  showlegend=False, hoverinfo="skip"))
        fig.update_layout(height=460, title=f"{title} pole (poleward of {min_abs_lat:g}°)",
                          showlegend=False, margin={"l": 30, "r": 30, "t": 50, "b": 30},
                          polar={"radialaxis": {"range": [0, 90 - min_abs_lat],
                                                "title": "deg from pole"},
                                 # Seen from outside: west longitude runs clockwise
                                 # over the north pole, anticlockwise over the south.
                                 "angularaxis": {"direction": "clockwise"
                                                 if sign > 0 else "counterclockwise",
                                                 "rotation": 270}})
        out[key] = fig
    return out


def coverage_figures(res, targets=None) -> dict:
    """The page's figures, keyed by name."""
    return {"coverage-map": map_figure(res, targets), **polar_figures(res)}


def _targets_table(targets) -> str:
    def f(v, d=1):
        return "" if v is None else f"{v:,.{d}f}"

    rows = []
    for r in targets.records:
        b = r["best"] or {}
        wins = "<br>".join(f"{_esc(w['start_utc'])} .. {_esc(w['end_utc'])}"
                           for w in r["windows"]) or "none"
        rows.append(
            f"<tr><td>{_esc(r['name'])}</td><td>{f(r['lat_pg_deg'], 2)}</td>"
            f"<td>{f(r['lon_w_deg'], 2)}</td><td>{'yes' if r['imageable'] else 'no'}</td>"
            f"<td>{_esc(b.get('utc', ''))}</td><td>{_esc(b.get('utc_ert', ''))}</td>"
            f"<td>{f(b.get('km_per_px'), 2)}</td><td>{f(b.get('emission_deg'))}</td>"
            f"<td>{f(b.get('incidence_deg'))}</td><td>{f(b.get('phase_deg'))}</td>"
            f"<td>{wins}</td></tr>")
    head = ("<tr><th>POI</th><th>lat_pg °</th><th>lon_w °</th><th>imageable</th>"
            "<th>best (UTC, SCET)</th><th>ERT</th><th>km/px</th><th>emission °</th>"
            "<th>incidence °</th><th>phase °</th><th>windows (UTC)</th></tr>")
    return f'<table class="events" id="flyplan-pois">{head}{"".join(rows)}</table>'



def coverage_html(res, figures: dict | None = None, targets=None) -> str:
    """The coverage page, self-contained (plotly.js inlined); with ``targets``, the
    points of interest on the map and their table."""
    from flyplan.products.html.pages import Section, provenance_footer, render_page
    from flyplan.products.serialize import envelope

    figs = figures or coverage_figures(res, targets)
    meta = envelope(res)
    s = res.summary()
    src = meta["source"]
    banner = ""
    if src["approximate"]:
        banner = ('<div class="approx-banner" id="flyplan-approximate">APPROXIMATE: Juno\'s '
                  f'trajectory is flyplan\'s model ({_esc(src["trajectory_label"])}).</div>')
    best = (f"{s['best_km_per_px']:.1f} km/px at {s['best_lat_pg_deg']:.1f}°, "
            f"{s['best_lon_w_deg']:.1f}° W ({_esc(s['best_utc'])})"
            if "best_km_per_px" in s else "no cell imageable")
    header = (f'<p class="sub">Perijove {res.number} at {_esc(meta["perijove_utc"])}; window '
              f'{_esc(meta["window_utc"][0])} .. {_esc(meta["window_utc"][1])} every '
              f'{meta["step_s"]:g} s; {res.res_deg:g}° cells</p>{banner}'
              '<div class="cards"><div class="card summary"><table>'
              f'<tr><td>imageable</td><td class="v">{100 * s["area_fraction"]:.1f}% of the '
              f'surface ({s["cells_imageable"]} of {s["cells"]} cells; '
              f'{s["cells_imageable_lit"]} lit)</td></tr>'
              f'<tr><td>finest</td><td class="v">{best}</td></tr>'
              f'<tr><td>spin axis</td><td>{_esc(res.axis_label)}</td></tr>'
              f'<tr><td>limits</td><td>{_esc(res.limits)}</td></tr>'
              f'<tr><td>trajectory</td><td>{_esc(src["trajectory_label"])}</td></tr>'
              '</table></div></div>')
    sections = [
        Section("coverage-map", "Coverage map", figs["coverage-map"], caption=(
            "Per cell, the finest JunoCam pixel scale (range x IFOV) over the window while the "
            "cell faced Juno and lay in the swath (and met the limits). Shaded: cells on the "
            "night side at that best time. Dots: the edges of the swath's footprint at a few "
            "times. Dark blue line: Juno's sub-spacecraft track. West longitude increases "
            "to the left. "
            "Brown bands: the dark belts (" + BELTS_SOURCE + ").")),
        Section("polar-north", "North polar view", figs["polar-north"],
                caption="Poleward of 45° N, seen from above the pole; radius: degrees from "
                        "the pole (planetographic)."),
        Section("polar-south", "South polar view", figs["polar-south"],
                caption="Poleward of 45° S, seen from above the south pole."),
    ]
    if targets is not None:
        lim = {k: v for k, v in targets.limits.as_dict().items() if v}
        sections.insert(0, Section("pois", "Points of interest", html=_targets_table(targets),
                                   caption="Per point: the best imageable moment (finest "
                                           "km/px) and every window in which it is imageable"
                                           + (f" under {lim}" if lim else "") + "."))
    footer = provenance_footer(envelope(res))
    return render_page(f"JunoCam coverage, perijove {res.number}", sections,
                       header_html=header, footer_html=footer)
