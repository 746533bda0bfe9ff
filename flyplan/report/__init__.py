"""Figures and the self-contained HTML report (consumes the engine's DataFrames only).

- :mod:`flyplan.report.figures`: one ``plotly.graph_objects.Figure`` per view
  (``profile_figure(pj)``, ``ground_track_figure``, ``polar_figure``,
  ``moon_timeline_figure``, ``moon_range_figure``, ``orbit3d_figure``) and
  ``figures(pj)`` for all of them, for notebooks.
- :mod:`flyplan.report.html`: ``perijove_html(pj, figures=None, sections=())``,
  the offline page (plotly.js inlined, deterministic), and ``render_page`` /
  ``Section`` for other commands' pages.
- :mod:`flyplan.report.terminator`, :mod:`flyplan.report.globe`: the pure
  numeric shapes the figures draw (day/night terminator, Jupiter's ellipsoid).
"""
