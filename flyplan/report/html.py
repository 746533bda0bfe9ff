"""One self-contained HTML page per run: plotly.js inlined, no network needed.

The page is deterministic: fixed div ids and no timestamps, so the same
inputs give the same bytes.
"""

from __future__ import annotations

import html as _html

__all__ = ["perijove_html"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1.5rem;color:#222}
.card{border:1px solid #ccc;border-radius:8px;padding:1rem 1.5rem;display:inline-block}
.card td{padding:.1rem .8rem .1rem 0}
.approx{color:#a15c00;font-weight:bold}
footer{margin-top:2rem;font-size:.8rem;color:#555}
footer table{border-collapse:collapse} footer td{padding:.1rem .6rem;font-family:monospace}
"""


def _esc(x) -> str:
    return _html.escape(str(x))


def _figure_div(fig, div_id: str) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config={"displaylogo": False, "responsive": True})


def perijove_html(pj, figures: dict | None = None) -> str:
    """The report page for a perijove as a string.

    Parameters
    ----------
    pj : flyplan.pj.Perijove
    figures : dict of str -> plotly Figure, optional
        Figures keyed by div id; the default set when omitted.
    """
    from plotly.offline import get_plotlyjs

    from ..output import summary_rows
    from . import figures as F

    if figures is None:
        figures = {"profile": F.profile_figure(pj), "moon-range": F.moon_range_figure(pj)}
    meta = pj.metadata()
    src = meta["source"]
    rows = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(v)}</td></tr>" for k, v in summary_rows(pj))
    label = _esc(src["trajectory_label"])
    if src["approximate"]:
        label = f'<span class="approx">APPROXIMATE</span> {label}'
    rows += f"<tr><td>Trajectory</td><td>{label}</td></tr>"
    rows += f"<tr><td>Moons</td><td>{_esc(src['moons_label'])}</td></tr>"
    notes = "".join(f"<li>{_esc(n)}</li>" for n in src["notes"])
    divs = "\n".join(_figure_div(fig, f"flyplan-{key}") for key, fig in figures.items())
    conventions = "".join(f"<li><b>{_esc(k)}</b>: {_esc(v)}</li>"
                          for k, v in meta["conventions"].items())
    kernels = "".join(f"<tr><td>{_esc(k['name'])}</td><td>{_esc(k['sha256'])}</td>"
                      f"<td>{_esc(k['source'])}</td></tr>" for k in meta["kernels"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>flyplan: Juno PJ{pj.number}</title>
<style>{_STYLE}</style>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<h1>Juno perijove {pj.number}</h1>
<div class="card" id="flyplan-summary"><table>{rows}</table></div>
{f'<ul class="notes">{notes}</ul>' if notes else ''}
{divs}
<footer id="flyplan-provenance">
<p>flyplan {_esc(meta['flyplan_version'])}; perijove time found by {_esc(meta['perijove_time_method'])};
window {_esc(meta['window_utc'][0])} .. {_esc(meta['window_utc'][1])}, step {meta['step_s']:g} s</p>
<p>Conventions:</p><ul>{conventions}</ul>
<p>Kernels (load order):</p><table>{kernels}</table>
</footer>
</body></html>
"""
