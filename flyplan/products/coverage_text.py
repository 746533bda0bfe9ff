"""Terminal tables for ``flyplan coverage`` and ``flyplan targets`` (rich)."""

from __future__ import annotations

import numpy as np

from flyplan.products.terminal import _cell_utc, _fmt, _wide_console

__all__ = ["print_coverage", "print_targets"]


def _header(console, res, what: str) -> None:
    meta = res.metadata()
    src = meta["source"]
    approx = " [APPROXIMATE]" if src["approximate"] else ""
    console.print(f"[bold]{what}, perijove {res.number}[/] ({meta['perijove_utc']}); window "
                  f"{meta['window_utc'][0]} .. {meta['window_utc'][1]} every "
                  f"{meta['step_s']:g} s", highlight=False)
    console.print(f"  trajectory: {src['trajectory_label']}{approx}", style="dim",
                  highlight=False)
    console.print(f"  spin axis: {res.axis_label}", style="dim", highlight=False)
    for note in res.notes:
        console.print(f"  [yellow]note:[/] {note}", highlight=False)


def print_coverage(res, console=None) -> None:
    """Summary of a :class:`flyplan.domain.coverage.CoverageResult` and a latitude profile."""
    from rich import box
    from rich.table import Table

    console = console or _wide_console()
    _header(console, res, "JunoCam coverage of Jupiter's cloud tops")
    s = res.summary()
    console.print(f"  imageable: {100 * s['area_fraction']:.1f}% of the surface "
                  f"({s['cells_imageable']} of {s['cells']} cells of {res.res_deg:g}°; "
                  f"{s['cells_imageable_lit']} lit at their best time)", highlight=False)
    if "best_km_per_px" in s:
        console.print(f"  finest: {s['best_km_per_px']:.2f} km/px at {s['best_lat_pg_deg']:.1f}° "
                      f"(pg), {s['best_lon_w_deg']:.1f}° W, {s['best_utc']}", highlight=False)
    ds = res.dataset
    # One row per latitude band of ~10 degrees: the finest scale in it and where.
    lat = ds["lat_pg_deg"].values
    km = ds["km_per_px"].values
    band = 10.0
    table = Table(box=box.SIMPLE_HEAD, title=f"Finest pixel scale per {band:g}° latitude band")
    for head in ("lat_pg °", "km/px", "lon_w °", "UTC (SCET)", "emission °", "incidence °",
                 "phase °", "lit", "imageable cells"):
        table.add_column(head, justify="right")
    for lo in np.arange(90.0 - band, -90.0 - 1e-9, -band):
        rows = np.flatnonzero((lat >= lo) & (lat < lo + band))
        sub = km[rows]
        n = int(np.isfinite(sub).sum())
        if n == 0:
            table.add_row(f"{lo:+.0f}..{lo + band:+.0f}", "-", "", "", "", "", "", "", "0")
            continue
        r, c = np.unravel_index(np.nanargmin(sub), sub.shape)
        r = rows[r]
        cell = ds.isel(lat_pg_deg=r, lon_w_deg=c)
        table.add_row(f"{lo:+.0f}..{lo + band:+.0f}", _fmt(km[r, c], 2),
                      _fmt(float(cell["lon_w_deg"]), 1), _cell_utc(str(cell["utc"].values)),
                      _fmt(float(cell["emission_deg"]), 1), _fmt(float(cell["incidence_deg"]), 1),
                      _fmt(float(cell["phase_deg"]), 1),
                      "yes" if int(cell["lit"]) else "no", str(n))
    console.print(table)
    console.print("  km/px = range x JunoCam IFOV on the 1-bar ellipsoid; every cell: "
                  "--format csv|json or --netcdf FILE; map: --html FILE", style="dim")


def print_targets(res, console=None) -> None:
    """Best opportunity and windows per point of interest."""
    from rich import box
    from rich.table import Table

    console = console or _wide_console()
    _header(console, res, "JunoCam points of interest")
    lim = {k: v for k, v in res.limits.as_dict().items() if v}
    if lim:
        console.print(f"  limits: {lim}", highlight=False)
    table = Table(box=box.SIMPLE_HEAD, title="Best opportunity per point of interest")
    for head in ("POI", "lat_pg °", "lon_w °", "UTC (SCET)", "UTC (ERT)", "range km", "km/px",
                 "emission °", "incidence °", "phase °", "LST h", "in swath", "lit",
                 "windows"):
        table.add_column(head, justify="right")
    for r in res.records:
        b = r["best"]
        if b is None:
            table.add_row(r["name"], _fmt(r["lat_pg_deg"], 2), _fmt(r["lon_w_deg"], 2),
                          "never faces Juno", "", "", "", "", "", "", "", "", "", "0")
            continue
        flag = "" if r["imageable"] else " (not imageable)"
        table.add_row(r["name"] + flag, _fmt(r["lat_pg_deg"], 2), _fmt(b["lon_w_deg"], 2),
                      _cell_utc(b["utc"]), _cell_utc(b["utc_ert"]), _fmt(b["range_km"], 0),
                      _fmt(b["km_per_px"], 2), _fmt(b["emission_deg"], 1),
                      _fmt(b["incidence_deg"], 1), _fmt(b["phase_deg"], 1),
                      _fmt(b["local_solar_time_h"], 2), "yes" if b["in_swath"] else "no",
                      "yes" if b["lit"] else "no", str(len(r["windows"])))
    console.print(table)
    wins = [(r["name"], w) for r in res.records for w in r["windows"]]
    if wins:
        t = Table(box=box.SIMPLE_HEAD, title=f"{len(wins)} imageable window(s)")
        for head in ("POI", "start (UTC)", "end (UTC)", "min", "best km/px", "at (UTC)",
                     "min emission °"):
            t.add_column(head, justify="right")
        for name, w in wins:
            t.add_row(name, _cell_utc(w["start_utc"]), _cell_utc(w["end_utc"]),
                      _fmt(w["duration_s"] / 60.0, 1), _fmt(w["best_km_per_px"], 2),
                      _cell_utc(w["best_utc"]), _fmt(w["min_emission_deg"], 1))
        console.print(t)
    console.print("  imageable = faces Juno, in JunoCam's swath and within the limits; "
                  "km/px = range x IFOV; full records: --format json", style="dim")
