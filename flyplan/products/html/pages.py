"""One self-contained HTML page per run: plotly.js inlined once, no network needed.

plotly.js and the figures' JSON are stored gzip-compressed (base64) in the
page and unpacked by the browser (``DecompressionStream``), which takes a
perijove page from about 6.1 MB to about 2 MB.

The page is deterministic: fixed div ids (``flyplan-<name>``), explicit trace
uids and no timestamps, so the same inputs give the same bytes.

:func:`perijove_html` builds the perijove report; other commands (``flyplan
plan``) reuse it with extra :class:`Section` objects, or build their own page
with :func:`render_page`.
"""

from __future__ import annotations

import functools
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
 overflow-wrap:anywhere;vertical-align:top}
footer td.kind,footer td.file{white-space:nowrap;overflow-wrap:normal}
footer thead td{font-weight:700;font-family:inherit;white-space:nowrap}
table.events{display:block;overflow-x:auto;max-width:100%}
table.events th{white-space:nowrap;border-bottom:1px solid var(--line)}
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
                "lane per event kind; on the altitude panel each event sits at Juno's altitude "
                "at that moment (moon events' ranges are on the moon-range figure); hover a "
                "marker for its details. Each event kind keeps its colour and symbol on every "
                "flyplan page."),
    "ground-track": ("Ground track on a System III map",
                     "Juno's sub-spacecraft point (nearest point of the ellipsoid), coloured by "
                     "altitude. West longitude increases to the left (360° W at the left edge, "
                     "0° at the right), latitude is planetographic. The shaded night side, "
                     "terminator and sub-solar point are those at the perijove time; behind "
                     "them, Jupiter's usual belts (dark) and zones by latitude (Rogers 1995), "
                     "not this perijove's clouds."),
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
        Drawn with plotly.js (inlined once, compressed, at the foot of the page).
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


_CONFIG = {"displaylogo": False, "responsive": True}


def _packed(text: str) -> str:
    """gzip (no timestamp: deterministic) then base64, for a ``<script>`` data block."""
    import base64
    import gzip

    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
                            ).decode("ascii")


@functools.lru_cache(maxsize=1)
def _packed_plotlyjs() -> str:
    from plotly.offline import get_plotlyjs

    return _packed(get_plotlyjs())


def _figure_block(fig, div_id: str) -> str:
    """A figure's empty div and its packed JSON; :data:`_LOADER` draws it once plotly.js
    is unpacked (the page stays self-contained, at a third of the weight)."""
    import json

    import plotly.io as pio

    config = json.dumps({**_CONFIG, "toImageButtonOptions": {"filename": div_id}})
    height = fig.layout.height or 450
    return (f'<div id="{_esc(div_id)}" class="plotly-graph-div" '
            f'style="height:{int(height)}px;width:100%"></div>\n'
            f'<script type="application/x-flyplan-figure" class="flyplan-figure" '
            f'id="{_esc(div_id)}-data" data-div="{_esc(div_id)}" '
            f"data-config='{_esc(config)}'>{_packed(pio.to_json(fig, remove_uids=False))}"
            "</script>")


# plotly.js and every figure travel gzip-compressed (base64) and are unpacked
# with the browser's own DecompressionStream: pages weigh about a third as much
# and still open offline.  Failures land in the page's error box.
_LOADER = """
async function flyplanUnpack(id) {
  var b64 = document.getElementById(id).textContent.trim();
  var bin = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
  var stream = new Blob([bin]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}
(async function () {
  try {
    var figs = document.querySelectorAll("script.flyplan-figure");
    if (!figs.length) { return; }
    if (typeof DecompressionStream === "undefined") {
      throw new Error("this browser cannot unpack the charts (needs DecompressionStream: "
                      + "Chrome/Edge 80+, Firefox 113+, Safari 16.4+)");
    }
    var lib = document.createElement("script");
    lib.textContent = await flyplanUnpack("flyplan-plotlyjs");
    document.head.appendChild(lib);
    for (var i = 0; i < figs.length; i++) {
      var el = figs[i], fig = JSON.parse(await flyplanUnpack(el.id));
      await Plotly.newPlot(document.getElementById(el.dataset.div), fig.data, fig.layout,
                           JSON.parse(el.dataset.config));
    }
  } catch (e) { flyplanError((e && e.message) || String(e)); }
})();
"""


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


def _table_html(df, fold_over: int = 40, *, empty: str = "No window meets the constraints.",
                what: str = "row(s)") -> str:
    """A DataFrame as a scrollable ``table.events``, folded when longer than ``fold_over``
    so that long lists do not bury the provenance."""
    if df is None or len(df) == 0:
        return f"<p>{_esc(empty)}</p>"
    cols = list(df.columns)
    head = "".join(f"<th>{_esc(c)}</th>" for c in cols)
    body = []
    for rec in df.to_dict(orient="records"):
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
    state = " open" if len(df) <= fold_over else ""
    return (f'<details{state}><summary>{len(df)} {what}</summary>'
            f'<table class="events"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></details>')


def _events_table(pj) -> str:
    ev = pj.events
    if ev is None or len(ev) == 0:
        return _table_html(ev, empty="No events in the window.")
    cols = [c for c in ev.columns if c != "et"]
    return _table_html(ev.sort_values("et", kind="stable")[cols],
                       what="event(s) in the window")


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
        f'<tr><td class="file">{_esc(k["name"])}</td><td class="kind">{_esc(k["kind"])}</td>'
        f"<td>{_esc(k['sha256'])}</td>"
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
        parts.append(_figure_block(sec.figure, f"flyplan-{sec.key}"))
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
    sections = list(sections)
    keys = [s.key for s in sections]
    if len(set(keys)) != len(keys):
        raise ValueError(f"section keys must be unique: {keys}")
    nav = " ".join(f'<a href="#sec-{_esc(s.key)}">{_esc(s.title)}</a>' for s in sections)
    body = "\n".join(_section_html(s) for s in sections)
    plotly_block = ""
    if any(s.figure is not None for s in sections):
        plotly_block = (f'<script type="application/x-flyplan-plotlyjs" id="flyplan-plotlyjs">'
                        f"{_packed_plotlyjs()}</script>\n"
                        f'<script type="text/javascript">{_LOADER}</script>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>{_STYLE}</style>
<script type="text/javascript">{_ERROR_HOOK}</script>
</head><body>
<main>
<div id="flyplan-errors"></div>
<h1>{_esc(title)}</h1>
{header_html}
<nav>{nav}</nav>
{body}
</main>
{footer_html}
{plotly_block}
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
    """The page of a :class:`flyplan.domain.plan.PlanResult`: the windows on a timeline per
    perijove, their geometry (:mod:`flyplan.products.html.plan`), the table, what was
    skipped, the trajectory per perijove, and the provenance footer."""
    from flyplan.products.html.plan import _ok, plan_geometry_figure, plan_timeline_figure

    best = bool(result.scenario.outputs.best)
    df = result.best_frame() if best else result.windows_frame()
    name = result.scenario.name or (result.path or "flyplan plan")
    ok = _ok(result)
    skipped = "".join(f"<li>PJ{p['perijove']}: {_esc(p.get('reason', ''))}</li>"
                      for p in result.perijoves if p["status"] != "ok")
    approximate = [p["perijove"] for p in ok if p.get("approximate")]
    header = (f'<p class="sub">{_esc(result.scenario.description)}</p>'
              if result.scenario.description else "")
    if approximate:
        pjs = (", ".join(f"PJ{n}" for n in approximate) if len(approximate) <= 8 else
               f"{len(approximate)} of the {len(ok)} perijoves planned")
        header += ('<div class="approx-banner" id="flyplan-approximate">APPROXIMATE: '
                   f"{_esc(pjs)} use{'s' if len(approximate) == 1 else ''} flyplan's model "
                   "trajectory, not a NAIF kernel (accuracy per perijove below and in the "
                   "provenance). Check against NAIF kernels before committing observations."
                   "</div>")
    n_win = len(result.window_records)
    tiles = [("Windows", f"{n_win:,d}", "meet every constraint"),
             ("Perijoves planned", f"{len(ok):,d}", f"of {len(result.perijoves):,d}"),
             ("Time in windows",
              f"{sum(w['duration_s'] for w in result.window_records) / 60.0:,.1f}", "min")]
    header += '<div class="tiles" id="flyplan-key-figures">' + "".join(
        f'<div class="tile"><div class="k">{k}</div><div class="v">{v} <span class="u">{u}'
        "</span></div></div>" for k, v, u in tiles) + "</div>"
    accuracy = "".join(
        f"<tr><td>PJ{p['perijove']}</td><td>"
        + ('<span class="approx">APPROXIMATE</span> ' if p.get("approximate") else "")
        + f"{_esc(p.get('trajectory', ''))}</td><td>{_esc(p.get('moons', ''))}</td></tr>"
        for p in ok)
    sections = [
        Section("plan-timeline", "Windows per perijove", figure=plan_timeline_figure(result),
                caption="One lane per perijove: grey the scenario's window searched, green the "
                        "windows meeting every constraint, star the perijove, x the best moment "
                        "when asked. Time from each perijove; hover for UTC."),
        Section("plan-geometry", "Geometry along the windows",
                figure=plan_geometry_figure(result),
                caption="Juno's altitude (nearest point of the 1-bar ellipsoid), planetographic "
                        "latitude and JunoCam's scale on each target at each window's start, "
                        "middle and end (lines join those three points)."),
        Section("plan", "Best moment per perijove" if best else "Windows meeting every "
                                                               "constraint",
                html=f'<div id="flyplan-plan">{_table_html(df)}</div>'
                     + (f"<p>Skipped:</p><ul>{skipped}</ul>" if skipped else ""),
                caption="Geometry at each window's start/middle/end; columns carry their units "
                        "in their names; times UTC (spacecraft event time)."),
        Section("plan-sources", "Trajectory and moons per perijove",
                html=('<table class="events"><thead><tr><th>perijove</th><th>trajectory'
                      f"</th><th>moons</th></tr></thead><tbody>{accuracy}</tbody></table>")
                if accuracy else "<p>No perijove planned.</p>"),
    ]
    return render_page(f"flyplan plan: {name}", sections, header_html=header,
                       footer_html=provenance_footer(envelope(result)))
