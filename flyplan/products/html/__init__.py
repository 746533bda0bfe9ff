"""Figures and the self-contained HTML pages (consume the results' DataFrames only).

- :mod:`~flyplan.products.html.figures`: one ``plotly.graph_objects.Figure`` per view
  and ``figures(pj)`` for all of them, for notebooks.
- :mod:`~flyplan.products.html.pages`: the offline page (plotly.js inlined,
  deterministic) and ``render_page`` / ``Section`` for every command's page.
"""
