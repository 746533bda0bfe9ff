"""The imaging highlights of a perijove as a section of its page."""

from __future__ import annotations

import html as _html

__all__ = ["highlights_section"]


def highlights_section(pj):
    """A :class:`flyplan.products.html.pages.Section` with ``pj.highlights`` (no figure),
    or None when the perijove has no moons to show."""
    from flyplan.products.highlights import footer, highlight_lines
    from flyplan.products.html.pages import Section

    h = pj.highlights
    if h.note and not len(h.best) and not h.unseen:
        return None  # no moons: no section
    items = "".join(f"<li>{_html.escape(line)}</li>" for line in highlight_lines(h))
    body = (f'<ul id="flyplan-highlights">{items}</ul>' if items else
            "<p>No moon in JunoCam's view in this window.</p>")
    return Section("highlights", "Imaging highlights", html=body, caption=footer(h))
