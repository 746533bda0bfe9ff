"""One self-contained HTML page per run: plotly.js inlined, no network needed.

The page is deterministic: fixed div ids (``flyplan-<name>``), explicit trace
uids and no timestamps, so the same inputs give the same bytes.

:func:`perijove_html` builds the perijove report; other commands (``flyplan
plan``) reuse it with extra :class:`Section` objects, or build their own page
with :func:`render_page`.
"""

from __future__ import annotations

import html as _html
import math
from dataclasses import dataclass

from flyplan.products.serialize import envelope

__all__ = ["Section", "perijove_html", "perijove_sections", "render_page", "figure_div", "plan_html"]

_STYLE = """
:root{--ink:#1d2230;--muted:#5b6272;--line:#d9dce3;--accent:#1f3b73;--warn:#a15c00}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);
 background:#f6f7f9;line-height:1.45}
main{max-width:1280px;margin:0 auto;padding:1.2rem 1.5rem 2rem}
h1{font-size:1.7rem;margin:.2rem 0 .1rem}
h2{font-size:1.2rem;margin:0 0 .3rem;color:var(--accent)}
.sub{color:var(--muted);margin:0 0 1rem}
.approx-banner{background:var(--warn);color:#fff;padding:.7rem 1rem;border-radius:6px;
 font-weight:600;margin:.6rem 0 1rem;font-size:1.05rem}
.approx{color:var(--warn);font-weight:700}
.cards{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.9rem 1.2rem}
.card h2{font-size:1.05rem}
.summary{flex:1 1 640px}
.sources{flex:1 1 320px;font-size:.92rem}
.tiles{display:flex;flex-wrap:wrap;gap:.6rem;margin:0 0 1rem}
.tile{background:#fff;border:1px solid var(--line);border-left:4px solid var(--accent);
 border-radius:6px;padding:.45rem .9rem;min-width:10rem}
.tile .k{color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
.tile .v{font-size:1.25rem;font-weight:700;font-variant-numeric:tabular-nums}
.tile .u{font-size:.85rem;color:var(--muted);font-weight:400}
.summary table{border-collapse:collapse;width:100%}
.summary td{padding:.22rem .9rem .22rem 0;border-bottom:1px solid #eef0f3;vertical-align:top}
.summary td:first-child{color:var(--muted);white-space:nowrap}
.summary td.v{font-weight:600;font-variant-numeric:tabular-nums}
.big td.v{font-size:1.08rem}
nav{margin:1rem 0;font-size:.92rem}
nav a{margin-right:1rem;color:var(--accent);text-decoration:none}
section.fig{background:#fff;border:1px solid var(--line);border-radius:8px;padding:.9rem 1rem;
 margin:1rem 0}
.caption{color:var(--muted);font-size:.9rem;margin:.1rem 0 .5rem;max-width:70rem}
.notes li{margin:.2rem 0}
#flyplan-errors:empty{display:none}
#flyplan-errors{background:#b00020;color:#fff;padding:.6rem 1rem;border-radius:6px;
 white-space:pre-wrap}
table.events{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums}
table.events th,table.events td{padding:.15rem .6rem;border-bottom:1px solid #eef0f3;
 text-align:left}
footer{max-width:1280px;margin:0 auto;padding:0 1.5rem 2rem;font-size:.82rem;color:var(--muted)}
footer table{border-collapse:collapse} footer td{padding:.1rem .6rem;font-family:monospace;
 word-break:break-all}
footer h2{font-size:1rem;color:var(--muted)}
"""

# Shown in the page when a script fails, so a broken chart is never silent.
_ERROR_HOOK = """
function flyplanError(text) {
  var box = document.getElementById("flyplan-errors");
  if (box) { box.textContent += "A chart failed to render: " + text + "\\n"; }
}
window.addEventListener("error", function (e) { flyplanError(e.message || e); });
window.addEventListener("unhandledrejection", function (e) { flyplanError(e.reason); });
"""

# Plain-language captions of the standard figures, for planners.
_CAPTIONS = {
    "profile": ("Altitude, latitude and speed",
                "Altitude is the distance to the nearest point of the 1-bar ellipsoid "
                "(71492 x 71492 x 66854 km), on a log scale. Latitude is planetographic "
                "(solid; the ellipsoid normal, JunoCam's convention) and planetocentric "
                "(dashed). Speed is relative to Jupiter's centre in J2000 (solid) and to "
                "the atmosphere corotating with System III (dashed). The top strip has one "
                "lane per event kind; hover a marker for its details."),
    "ground-track": ("Ground track on a System III map",
                     "Juno's sub-spacecraft point (nearest point of the ellipsoid), coloured by "
                     "altitude. West longitude increases to the left (360° W at the left edge, "
                     "0° at the right), latitude is planetographic. The shaded night side, "
                     "terminator and sub-solar point are those at the perijove time."),
    "polar": ("Polar views",
              "The same track over each pole, as seen from outside the planet: radius is "
              "the distance from the pole in degrees of planetographic latitude."),
    "moon-timeline": ("Moon timeline",
                      "For each Galilean moon, as seen from Juno: occulted by Jupiter, in "
                      "Jupiter's shadow, transiting Jupiter's disk, visible (lit and not "
                      "occulted) and, when computed, in JunoCam's swath."),
    "moon-range": ("Moon range and JunoCam pixel scale",
                   "Distance from Juno to each moon (light-time corrected), and JunoCam's "
                   "pixel scale on it when the engine computed it."),
    "orbit3d": ("3-D view",
                "Juno's path over the window around Jupiter's 1-bar ellipsoid, in J2000 axes "
                "centred on Jupiter with the camera's up along Jupiter's north pole; the moons "
                "where they are at perijove. Drag to rotate, scroll to zoom."),
}


@dataclass
class Section:
    """One block of the page: a figure and/or an HTML fragment, with a heading.

    Attributes
    ----------
    key : str
        Stable identifier; the figure's div id is ``flyplan-<key>`` and the
        section's ``sec-<key>``.
    title : str
        Heading (plain text).
    figure : plotly.graph_objects.Figure, optional
        Drawn with plotly.js (inlined once in the page head).
    html : str
        Trusted HTML placed before the figure (escape user text yourself).
    caption : str
        Plain-text explanation under the heading.
    """

    key: str
    title: str
    figure: object = None
    html: str = ""
    caption: str = ""


def _esc(x) -> str:
    return _html.escape(str(x))


def figure_div(fig, div_id: str) -> str:
    """A figure as an HTML fragment that uses the page's inlined plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True,
                               "toImageButtonOptions": {"filename": div_id}})


def _fmt_cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def _events_table(pj) -> str:
    ev = pj.events
    if ev is None or len(ev) == 0:
        return "<p>No events in the window.</p>"
    cols = [c for c in ev.columns if c != "et"]
    head = "".join(f"<th>{_esc(c)}</th>" for c in cols)
    body = []
    for rec in ev.sort_values("et", kind="stable").to_dict(orient="records"):
        cells = []
        for c in cols:
            v = rec[c]
            if hasattr(v, "item"):
                v = v.item()
            try:
                if v != v:
                    v = None
            except (TypeError, ValueError):
                pass
            cells.append(f"<td>{_esc(_fmt_cell(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    # Long lists start folded so they do not bury the provenance.
    state = " open" if len(ev) <= 40 else ""
    return (f'<details{state}><summary>{len(ev)} event(s) in the window</summary>'
            f'<table class="events"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></details>')


def perijove_sections(pj, figures: dict | None = None) -> list[Section]:
    """The report's standard sections: the figures, then the event list.

    Parameters
    ----------
    pj : flyplan.domain.perijove.Perijove
    figures : dict of str -> Figure, optional
        Figures keyed by name; :func:`flyplan.products.html.figures.figures` when omitted.
    """
    from flyplan.products.html import figures as F

    if figures is None:
        figures = F.figures(pj)
    out = []
    for key, fig in figures.items():
        title, caption = _CAPTIONS.get(key, (key.replace("-", " ").capitalize(), ""))
        out.append(Section(key, title, figure=fig, caption=caption))
    out.append(Section("events", "Events", html=_events_table(pj),
                       caption="Every event found in the window (times UTC, spacecraft event "
                               "time); columns carry their units in their names."))
    return out


def _summary_card(pj) -> str:
    from flyplan.products.terminal import summary_rows

    src = envelope(pj)["source"]
    rows = "".join(f'<tr><td>{_esc(k)}</td><td class="v">{_esc(v)}</td></tr>'
                   for k, v in summary_rows(pj))
    label = _esc(src["trajectory_label"])
    if src["approximate"]:
        label = f'<span class="approx">APPROXIMATE</span> {label}'
    accuracy = ('<span class="approx">approximate: flyplan\'s model, not a NAIF kernel</span>'
                if src["approximate"] else "NAIF SPICE kernels")
    rows += f'<tr><td>Trajectory source</td><td class="v">{label}</td></tr>'
    rows += f'<tr><td>Accuracy</td><td class="v">{accuracy}</td></tr>'
    rows += f'<tr><td>Moons</td><td class="v">{_esc(src["moons_label"] or "-")}</td></tr>'
    return (f'<div class="card summary big" id="flyplan-summary"><h2>Perijove {pj.number} '
            f'summary</h2><table>{rows}</table></div>')


def _tiles(pj) -> str:
    """The numbers a planner looks for first, large."""
    s = pj.summary
    day, _, clock = pj.utc.partition("T")
    tiles = [
        ("Perijove (UTC)", f"{_esc(clock.rstrip('Z'))}", _esc(day)),
        ("Altitude", f"{float(s['altitude_km']):,.0f}", "km above 1 bar"),
        ("Latitude", f"{float(s['lat_pg_deg']):.2f}°", "planetographic"),
        ("Longitude", f"{float(s['lon_w_deg']):.2f}° W", "System III"),
        ("Speed", f"{float(s['speed_km_s']):.2f}", "km/s vs Jupiter"),
    ]
    return '<div class="tiles" id="flyplan-key-figures">' + "".join(
        f'<div class="tile"><div class="k">{k}</div><div class="v">{v} <span class="u">{u}'
        "</span></div></div>" for k, v, u in tiles) + "</div>"


def _sources_card(pj) -> str:
    from flyplan.products.diagnostics import for_page

    meta = envelope(pj)
    notes = "".join(f"<li>{_esc(n)}</li>" for n in for_page(meta["notes"]))
    w0, w1 = meta["window_utc"]
    return (f'<div class="card sources" id="flyplan-sources"><h2>Window and sources</h2>'
            f'<p>Samples {_esc(w0)} .. {_esc(w1)} every {meta["step_s"]:g} s; perijove time '
            f'found by {_esc(meta["perijove_time_method"])}.</p>'
            + (f'<p>Notes:</p><ul class="notes">{notes}</ul>' if notes else "")
            + '<p>Conventions and kernels (with sha256) are listed at the foot of the page.</p>'
            '</div>')


_FOOTER_FACTS = (("perijove_utc", "perijove (UTC)"), ("perijove_et", "perijove ET"),
                 ("perijove_time_method", "perijove time found by"),
                 ("perijove_time_source", "perijove time from"),
                 ("window_utc", "window (UTC)"), ("window_basis", "window basis"),
                 ("step_s", "step (s)"), ("ephemeris", "ephemeris"),
                 ("scenario_file", "scenario"))


def provenance_footer(env: dict) -> str:
    """The page footer rendering a provenance envelope (:func:`flyplan.products.serialize.envelope`):
    the same facts as the CSV ``#`` header and the JSON ``metadata``."""
    facts = []
    for key, label in _FOOTER_FACTS:
        if env.get(key) not in (None, "", []):
            v = env[key]
            v = " .. ".join(map(str, v)) if isinstance(v, list) else v
            facts.append(f"<li><b>{_esc(label)}</b>: {_esc(v)}</li>")
    src = env.get("source")
    if src:
        approx = '<span class="approx">APPROXIMATE</span> ' if src.get("approximate") else ""
        facts.append(f"<li><b>trajectory</b>: {approx}{_esc(src.get('trajectory_label', ''))}</li>")
        facts.append(f"<li><b>moons</b>: {_esc(src.get('moons_label', ''))}</li>")
    from flyplan.products.diagnostics import for_page

    # What the numbers rest on, without the downloads that did not happen.
    notes = "".join(f"<li>{_esc(n)}</li>" for n in for_page(env.get("notes", [])))
    conventions = "".join(f"<li><b>{_esc(k)}</b>: {_esc(v)}</li>"
                          for k, v in env.get("conventions", {}).items())
    kernels = "".join(
        f"<tr><td>{_esc(k['name'])}</td><td>{_esc(k['kind'])}</td><td>{_esc(k['sha256'])}</td>"
        f"<td>{_esc(k['source'])}</td><td>{_esc(k.get('note', ''))}</td></tr>"
        for k in env.get("kernels", []))
    return (f'<footer id="flyplan-provenance">\n<h2>Provenance</h2>\n'
            f"<p>Made by flyplan {_esc(env['flyplan_version'])}: {_esc(env['product'])}.</p>\n"
            f"<ul>{''.join(facts)}</ul>\n"
            + (f"<p>Notes:</p><ul>{notes}</ul>\n" if notes else "")
            + f"<p>Conventions:</p><ul>{conventions}</ul>\n"
            + ("<p>Kernels, in load order:</p>\n<table><thead><tr><td>file</td><td>kind</td>"
               "<td>sha256</td><td>source</td><td>note</td></tr>\n</thead><tbody>"
               f"{kernels}</tbody></table>\n" if kernels else "")
            + "</footer>")


def _section_html(sec: Section) -> str:
    parts = [f'<section class="fig" id="sec-{_esc(sec.key)}">', f"<h2>{_esc(sec.title)}</h2>"]
    if sec.caption:
        parts.append(f'<p class="caption">{_esc(sec.caption)}</p>')
    if sec.html:
        parts.append(sec.html)
    if sec.figure is not None:
        parts.append(figure_div(sec.figure, f"flyplan-{sec.key}"))
    parts.append("</section>")
    return "\n".join(parts)


def render_page(title: str, sections, *, header_html: str = "", footer_html: str = "") -> str:
    """A complete, self-contained page: the head with plotly.js, then the sections.

    Parameters
    ----------
    title : str
        Page title and top heading (plain text).
    sections : iterable of Section
        In page order; keys must be unique (they become element ids).
    header_html, footer_html : str
        Trusted HTML placed under the heading and at the foot of the page.

    Returns
    -------
    str
    """
    from plotly.offline import get_plotlyjs

    sections = list(sections)
    keys = [s.key for s in sections]
    if len(set(keys)) != len(keys):
        raise ValueError(f"section keys must be unique: {keys}")
    nav = " ".join(f'<a href="#sec-{_esc(s.key)}">{_esc(s.title)}</a>' for s in sections)
    body = "\n".join(_section_html(s) for s in sections)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_STYLE}</style>
<script type="text/javascript">{_ERROR_HOOK}</script>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<main>
<div id="flyplan-errors"></div>
<h1>{_esc(title)}</h1>
{header_html}
<nav>{nav}</nav>
{body}
</main>
{footer_html}
</body></html>
"""


def _text_times(pj):
    """A shallow copy of ``pj`` whose tables carry UTC as ISO text with Z, as the
    figures' labels and hover texts show it."""
    import copy

    from flyplan.timeutil import iso_frame

    view = copy.copy(pj)
    view.samples = iso_frame(pj.samples)
    view.events = iso_frame(pj.events)
    return view


def perijove_html(pj, figures: dict | None = None, *, sections=(), title: str | None = None,
                  header_html: str = "") -> str:
    """The report page for a perijove, as a string.

    Parameters
    ----------
    pj : flyplan.domain.perijove.Perijove
    figures : dict of str -> plotly Figure, optional
        Figures keyed by name (div id ``flyplan-<name>``); the standard set of
        :func:`flyplan.products.html.figures.figures` when omitted.
    sections : iterable of Section, optional
        Extra sections appended after the standard ones (e.g. a plan's
        observation windows).
    title : str, optional
        Page title; ``"Juno perijove N"`` by default.
    header_html : str
        Trusted HTML placed after the summary cards.

    Returns
    -------
    str
        The page; write it with :func:`flyplan.products.terminal.write_atomic`.
    """
    pj = _text_times(pj)
    title = title or f"Juno perijove {pj.number}"
    sub = (f'<p class="sub">Perijove {pj.number} at {_esc(pj.utc)} — geometry from SPICE '
           f'kernels by flyplan</p>')
    banner = ""
    if pj.selection.approximate:
        banner = ('<div class="approx-banner" id="flyplan-approximate">APPROXIMATE: Juno\'s '
                  f'trajectory here is flyplan\'s model ({_esc(pj.selection.trajectory_label)}), not '
                  'a NAIF kernel. Check times and geometry against NAIF kernels before '
                  'committing observations.</div>')
    cards = f'<div class="cards">{_summary_card(pj)}{_sources_card(pj)}</div>'
    header = sub + banner + _tiles(pj) + cards + header_html
    all_sections = perijove_sections(pj, figures) + list(sections)
    return render_page(title, all_sections, header_html=header, footer_html=provenance_footer(envelope(pj)))


def plan_html(result) -> str:
    """The page of a :class:`flyplan.domain.plan.PlanResult`: the windows (or best moments)
    table, the perijoves skipped, and the provenance footer, in the common page layout."""
    df = result.best_frame() if result.scenario.outputs.best else result.windows_frame()
    name = result.scenario.name or (result.path or "flyplan plan")
    skipped = "".join(f"<li>PJ{p['perijove']}: {_esc(p.get('reason', ''))}</li>"
                      for p in result.perijoves if p["status"] != "ok")
    approximate = any(p.get("approximate") for p in result.perijoves if p["status"] == "ok")
    table = (df.to_html(index=False, float_format=lambda x: f"{x:,.3f}", border=0,
                        classes="flyplan-plan") if len(df)
             else "<p>No window meets the constraints.</p>")
    header = (f"<p>{_esc(result.scenario.description)}</p>" if result.scenario.description else "")
    if approximate:
        header += ('<div class="banner approx">APPROXIMATE: at least one perijove uses '
                   "flyplan's model trajectory, not a NAIF kernel (accuracy per perijove in the "
                   "provenance below).</div>")
    sections = [Section("plan", "Windows meeting every constraint",
                        html=f'<div id="flyplan-plan">{table}</div>'
                             + (f"<p>Skipped:</p><ul>{skipped}</ul>" if skipped else ""))]
    return render_page(f"flyplan plan: {name}", sections, header_html=header,
                       footer_html=provenance_footer(envelope(result)))
