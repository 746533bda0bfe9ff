"""The imaging highlights of a perijove in the terminal and as an HTML section.

Renders :class:`flyplan.domain.highlights.Highlights` (``pj.highlights``):
per moon the best JunoCam moment, and the intervals with two or more moons
in view together just above Jupiter's limb.  The page section is
:func:`flyplan.products.html.highlights.highlights_section`.
"""

from __future__ import annotations

__all__ = ["print_highlights", "highlight_lines", "footer"]


def _utc(v, digits: int = 0) -> str:
    from flyplan.timeutil import iso_utc

    return str(iso_utc([v], digits)[0])


def _hm(v) -> str:
    return _utc(v)[11:19]


def highlight_lines(h) -> list[str]:
    """Plain one-line sentences, for the terminal and the page."""
    lines = []
    for _, r in h.best.iterrows():
        lines.append(
            f"{r['moon']}: best at {_utc(r['utc'])}, {r['km_per_px']:,.0f} km/px "
            f"(range {r['range_km']:,.0f} km, phase {r['phase_deg']:.0f}°, "
            f"{r['limb_angle_deg']:.0f}° above the limb); Juno at {r['altitude_km']:,.0f} km, "
            f"{r['lat_pg_deg']:.1f}° lat_pg, {r['speed_km_h']:,.0f} km/h")
    for m in h.unseen:
        lines.append(f"{m}: never in JunoCam's view (swath, above the limb, lit) in this window")
    for _, r in h.together.iterrows():
        names = r["moons"].replace("+", " and ")
        lines.append(
            f"{names} together above the limb {_hm(r['start_utc'])}-{_hm(r['end_utc'])} "
            f"({r['duration_s'] / 60:.0f} min): Juno {r['start_lat_pg_deg']:.1f}° -> "
            f"{r['end_lat_pg_deg']:.1f}° lat_pg, {r['start_altitude_km']:,.0f} -> "
            f"{r['end_altitude_km']:,.0f} km, {r['start_speed_km_h']:,.0f} -> "
            f"{r['end_speed_km_h']:,.0f} km/h")
    if h.note:
        lines.append(h.note)
    return lines


def footer(h) -> str:
    approx = "APPROXIMATE: " if h.approximate else ""
    return (f"{approx}times good to the {h.step_s:g} s sampling step; {h.criteria}; "
            f"{h.accuracy}")


def print_highlights(pj, console=None) -> None:
    """Print ``pj.highlights`` after the perijove's figures."""
    from rich.console import Console
    from rich.markup import escape

    console = console or Console()
    h = pj.highlights
    if h.note and not len(h.best) and not h.unseen:
        return  # no moons asked for or none covered: the panel says so already
    lines = highlight_lines(h)
    console.print("[bold]Imaging highlights[/] (JunoCam)", highlight=False)
    for line in lines:
        console.print(f"  {escape(line)}", highlight=False)
    console.print(f"  {escape(footer(h))}", style="dim", highlight=False)
