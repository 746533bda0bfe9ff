"""Writing results: atomic files, and the rich terminal rendering of a perijove.

Files are written to a temporary name and renamed into place only once
complete, so an error never leaves a half-written output behind.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic", "print_perijove", "summary_rows", "print_events", "print_plan",
           "print_mission", "print_observability", "print_kernels", "print_cache_status",
           "print_built_kernels"]


def write_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and an atomic rename."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _fmt(v, digits=1):
    try:
        return f"{float(v):,.{digits}f}"
    except (TypeError, ValueError):
        return str(v)


def summary_rows(pj) -> list[tuple[str, str]]:
    """Label/value pairs of a perijove summary, for the terminal and the HTML card.

    On flyplan's own model the figures whose bounds were measured (time,
    altitude, planetographic latitude, longitude, inertial speed: the
    summary's ``uncertainty``) carry them (``±``); on NAIF kernels the bounds
    are 0 and not shown.
    """
    s = pj.summary
    unc = s.get("uncertainty") or {}

    def pm(key: str, digits: int = 1, unit: str = "") -> str:
        v = unc.get(key)
        if not isinstance(v, (int, float)) or not v > 0:
            return ""
        return f"  ± {_fmt(v, digits)}{unit}"

    rows = [
        ("Perijove", f"PJ{pj.number}"),
        ("Time (UTC, SCET)", pj.utc + pm("time_s", 1, " s")
         + (f"  {pj.summary['perijove_time_note']}"
            if pj.summary.get("perijove_time_note") else "")),
        *_earth_rows(s),
        ("ET (TDB s past J2000)", f"{pj.et:.3f}"),
        ("Time found by", pj.method),
        ("Altitude (1-bar ellipsoid)", f"{_fmt(s['altitude_km'])} km" + pm("altitude_km", 0, " km")),
        ("Distance to Jupiter's centre", f"{_fmt(s['radius_km'])} km"),
        ("Latitude, planetographic", f"{_fmt(s['lat_pg_deg'], 3)}°" + pm("lat_pg_deg", 2, "°")),
        ("Latitude, planetocentric", f"{_fmt(s['lat_pc_deg'], 3)}°"),
        ("Longitude, System III", f"{_fmt(s['lon_w_deg'], 3)}° W  ({_fmt(s['lon_e_deg'], 3)}° E)"
         + pm("lon_deg", 2, "°") + (f" ({_fmt(unc['ground_km'], 0)} km on the ground)"
                                    if pm("ground_km") else "")),
        ("Local solar time", f"{s['local_solar_time']}"),
        ("Speed (inertial, vs centre)", f"{_fmt(s['speed_km_s'], 3)} km/s = "
                                        f"{_fmt(s['speed_km_h'], 0)} km/h"
         + pm("speed_km_s", 2, " km/s")),
        ("Speed vs rotating atmosphere", f"{_fmt(s['speed_rot_km_s'], 3)} km/s"),
    ]
    if unc and any(isinstance(v, (int, float)) and v > 0 for v in unc.values()):
        rows.append(("Bounds (±)", "measured: contain the truth at least 90% of the time "
                                   "(leave-one-out calibration, docs/juno_model.md)"))
    return rows


def _earth_rows(s: dict) -> list[tuple[str, str]]:
    # Present once flyplan.geometry.earth has run (flyplan.domain.perijove adds them).
    if "utc_ert" not in s:
        return []
    return [
        ("Earth-received (UTC, ERT)", str(s["utc_ert"])),
        ("One-way light time", f"{_fmt(s['light_time_min'], 3)} min (Juno to Earth)"),
        ("Sun-Earth-Juno angle", f"{_fmt(s['sun_earth_juno_deg'], 1)}°"),
    ]


_TABLE_COLS = [
    ("utc", "UTC (SCET)\nMM-DD hh:mm", None),
    ("altitude_km", "alt\nkm", 0),
    ("lat_pg_deg", "lat_pg\n°", 2),
    ("lat_pc_deg", "lat_pc\n°", 2),
    ("lon_w_deg", "lon_W\n°", 2),
    ("local_solar_time", "LST\nhh:mm:ss", None),
    ("speed_km_s", "v\nkm/s", 3),
]


def print_perijove(pj, console=None, max_rows: int = 25) -> None:
    """Render a perijove's summary, sources, conventions and a thinned table."""
    from rich.panel import Panel
    from rich.table import Table

    from flyplan.constants import MOONS

    console = console or _wide_console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in summary_rows(pj):
        grid.add_row(label, value)
    src = pj.selection
    traj = src.trajectory_label
    if src.approximate:
        rest = traj[len("approximate"):].lstrip() if traj.lower().startswith("approximate") \
            else traj
        traj = f"[bold yellow]APPROXIMATE[/] {rest}"
    grid.add_row("Trajectory", traj)
    grid.add_row("Moons", src.moons_label or "-")
    console.print(Panel(grid, title=f"Juno perijove {pj.number}", expand=False,
                        width=min(console.width, 100)))
    # Notes go to stderr, once per run (flyplan.products.diagnostics).
    from flyplan.products.diagnostics import say

    say(n for n in src.notes if n != src.moons_label)
    from flyplan.products.highlights import print_highlights

    print_highlights(pj, console)

    df = pj.samples
    cols = list(_TABLE_COLS)
    moon_names = [m for m in MOONS if f"{m.lower()}_range_km" in df.columns]
    for m in moon_names:
        cols.append((f"{m.lower()}_range_km", f"{m}\n10³ km", None))
    year = str(df["utc"].iloc[0])[:4] if len(df) else ""
    idx = _thin(len(df), max_rows)
    rows = [_table_cells(df.iloc[i], cols) for i in idx]
    title = (f"Samples every {pj.step_s:g} s, UTC {year} "
             f"(showing {len(idx)} of {len(df)}; full table: --format csv)")
    # Moons go first, from the right, then local time and lat_pc.
    droppable = list(range(len(cols) - 1, len(_TABLE_COLS) - 1, -1)) + [5, 3]
    table, dropped = _fitted_table(console, title, [h for _, h, _ in cols], rows, droppable)
    console.print(table)
    _print_dropped(console, dropped)
    if len(dropped) < len(moon_names):
        console.print("  moon flags: occ = behind Jupiter (seen from Juno), tr = transiting "
                      "Jupiter's disk, sh = in Jupiter's shadow", style="dim")
    console.print("  conventions: altitude above the 1-bar ellipsoid 71492 x 71492 x 66854 km "
                  "(nearest point); lat_pg planetographic, lat_pc planetocentric of Juno's "
                  "position; longitude System III (IAU_JUPITER) west-positive; speed relative "
                  "to Jupiter's centre (599), inertial J2000; UTC = spacecraft event time",
                  style="dim")


def _fitted_table(console, title: str, heads: list[str], rows: list[list[str]],
                  droppable: list[int]):
    """A right-justified table of ``rows`` that fits ``console``'s width.

    A terminal narrower than the table loses the ``droppable`` columns, in
    that order, rather than folding every cell into "…".  Returns the table
    and the names of the columns left out (to say so under it).
    """
    from rich import box
    from rich.measure import Measurement
    from rich.table import Table

    keep = list(range(len(heads)))
    dropped: list[str] = []
    wide = console.options.update_width(10_000)
    todo = list(droppable)
    while True:
        table = Table(box=box.SIMPLE_HEAD, title=title)
        for i in keep:
            table.add_column(heads[i], justify="right", no_wrap=True)
        for cells in rows:
            table.add_row(*(cells[i] for i in keep))
        if not todo or Measurement.get(console, wide, table).maximum <= console.width:
            return table, dropped
        i = todo.pop(0)
        keep.remove(i)
        dropped.append(heads[i].replace("\n", " "))


def _print_dropped(console, dropped) -> None:
    if dropped:
        console.print(f"  not shown at {console.width} columns: {', '.join(dropped)} "
                      "(widen the terminal, or --format csv)", style="dim")


def _table_cells(row, cols) -> list[str]:
    cells = []
    for key, _, digits in cols:
        v = row[key]
        if key.endswith("_range_km"):
            name = key[: -len("_range_km")]
            flag = ("occ" if row[f"{name}_occulted"] else "tr" if row[f"{name}_transit"]
                    else "sh" if row[f"{name}_in_shadow"] else "")
            if v != v:  # blanked: the model cannot resolve this pass
                cells.append("unresolved")
                continue
            cells.append(f"{v / 1000:,.0f}{(' ' + flag) if flag else ''}")
        elif key == "utc":
            # Month-day and time; the year is in the title.
            cells.append(str(v)[5:16].replace("T", " "))
        else:
            cells.append(_fmt(v, digits) if digits is not None else str(v))
    return cells


def _thin(n: int, k: int) -> list[int]:
    if n <= k:
        return list(range(n))
    import numpy as np

    return sorted(set(np.linspace(0, n - 1, k).round().astype(int).tolist()))


def print_mission(mt, console=None) -> None:
    """Render the mission table (:class:`flyplan.domain.mission.MissionTable`) in the terminal."""
    console = console or _wide_console()
    df = mt.table
    cols = [("pj", "PJ", None), ("utc", "UTC (SCET)", None), ("altitude_km", "alt\nkm", 0),
            ("lat_pg_deg", "lat_pg\n°", 2), ("lon_w_deg", "lon_W\n°", 2),
            ("speed_km_s", "v\nkm/s", 3)]
    moon_cols = [(f"{m}_ca_range_km", f"{m.title()} CA\n10³ km") for m in
                 ("io", "europa", "ganymede", "callisto") if f"{m}_ca_range_km" in df.columns]
    heads = [h for _, h, _ in cols] + [h for _, h in moon_cols] + ["source"]
    errors, rows = [], []
    for _, row in df.iterrows():
        if isinstance(row.get("error"), str):
            errors.append((row["pj"], row["error"]))
            continue
        cells = []
        for key, _, digits in cols:
            v = row[key]
            cells.append(str(v)[:19].replace(" ", "T") + "Z" if key == "utc" else
                         (_fmt(v, digits) if digits is not None else str(v)))
        for key, _ in moon_cols:
            v = row[key]
            cells.append("-" if v != v else f"{v / 1000:,.1f}")
        cells.append(("[yellow]model[/]" if row["approximate"] else "NAIF"))
        rows.append(cells)
    droppable = list(range(len(cols) + len(moon_cols) - 1, len(cols) - 1, -1))
    table, dropped = _fitted_table(console, "Juno perijoves", heads, rows, droppable)
    console.print(table)
    _print_dropped(console, dropped)
    for pj, message in errors:
        console.print(f"[red]PJ{pj} not computed:[/] {message}", highlight=False)
    console.print("  conventions: altitude above the 1-bar ellipsoid (nearest point); lat_pg "
                  "planetographic; System III west longitude; speed relative to Jupiter's centre, "
                  "inertial; CA = closest approach within the orbit, range from Juno; source model = "
                  "flyplan's approximate Juno trajectory (accuracy per row: --format csv)",
                  style="dim")

def print_observability(obs, console=None) -> None:
    """Render an observing plan (:class:`flyplan.domain.observe.Observability`) night by night."""
    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    console = console or Console()
    p, s = obs.perijove, obs.site
    meta = obs.metadata()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Perijove (UTC, SCET)", f"{p['utc']}  ({obs.perijove_status})")
    grid.add_row("Seen on Earth (UTC, ERT)", f"{p['utc_ert']}  (light time "
                                             f"{p['light_time_min']:.2f} min)")
    grid.add_row("Sun-Earth-Jupiter angle", f"{p['sun_earth_jupiter_deg']:.1f}°")
    grid.add_row("Site", f"{s.name}: {s.lat_deg:.4f}° N, {s.lon_deg:.4f}° E, "
                         f"{s.elevation_m:g} m (WGS84)")
    grid.add_row("Coordinates from", s.source)
    grid.add_row("Limits", f"Jupiter ≥ {obs.min_altitude_deg:g}° (airless), Sun below "
                           f"{meta['sun_altitude_limit_deg']:g}° ({obs.twilight} twilight)")
    if obs.longitude_w_deg is not None:
        grid.add_row("Longitude followed", f"{obs.longitude_w_deg:g}° W System III")
    console.print(Panel(grid, title=f"Jupiter before Juno perijove {obs.number}", expand=False))
    from flyplan.products.diagnostics import say

    say(obs.notes)

    year = obs.nights[0]["night"][:4] if obs.nights else ""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0),
                  title=f"Nights of {year} (evening date; times UTC; "
                        "CML: central-meridian longitude)")
    # Short headers and no wrapping: the table fits 80 columns.
    for head, just in (("night", "left"), ("dark", "left"), ("Jup rise/tr/set", "left"),
                       ("observable", "left"), ("CML s/m/e °W", "left"), ("alt", "right")):
        table.add_column(head, justify=just, no_wrap=True)
    if obs.longitude_w_deg is not None:
        table.add_column("@CM", no_wrap=True)
        table.caption = f"@CM: when {obs.longitude_w_deg:g}° W is on the central meridian"

    def hm(xs):
        return xs[0][11:16] if xs else "--:--"

    for night in obs.nights:
        dark = " ".join(f"{a[11:16]}–{b[11:16]}" for a, b in night["dark"]) or "none"
        rts = " ".join(hm(night[k]) for k in ("jupiter_rise_utc", "jupiter_transit_utc",
                                              "jupiter_set_utc"))
        for i, w in enumerate(night["windows"] or [None]):
            cells = [night["night"][5:], dark, rts] if i == 0 else ["", "", ""]
            if w is None:
                cells += ["none", "", ""]
            else:
                cells += [f"{w['start_utc'][11:16]}–{w['end_utc'][11:16]}",
                          f"{w['cml_start_deg']:3.0f} {w['cml_mid_deg']:3.0f} "
                          f"{w['cml_end_deg']:3.0f}", f"{w['max_altitude_deg']:.0f}°"]
            if obs.longitude_w_deg is not None:
                cells.append(" ".join(x[11:16] for x in (w or {}).get("longitude_on_cm_utc",
                                                                      [])) or "-")
            table.add_row(*cells)
    console.print(table)
    console.print(f"  conventions: {CONV_LINE}", style="dim")


CONV_LINE = ("times are UTC at the observer (perijove time is spacecraft event time); CML = "
             "System III west longitude of the sub-Earth point (IAU_JUPITER, light time + "
             "aberration); altitudes of Jupiter's centre, airless; rise/set at -34'; a night "
             "runs local mean noon to noon; full table every step: --format csv")

# -- events and plans (flyplan events / flyplan plan) -------------------------------------------
def print_events(res, console=None) -> None:
    """Render an :class:`flyplan.domain.events.EventsResult`: header, notes, the event table.

    Any further ``*_utc`` column (an Earth-received time, say) is shown after ``utc``.
    """
    from rich import box
    from rich.table import Table

    from flyplan.timeutil import et_to_utc

    console = console or _wide_console()
    df = res.events
    src = res.selection
    traj = src.trajectory_label + (" [APPROXIMATE]" if src.approximate else "")
    basis = ("preceding to following apojove" if res.window_basis == "orbit"
             else "window asked")
    console.print(f"[bold]Juno perijove {res.number}[/] at {res.utc}; events "
                  f"{et_to_utc(res.window[0], 0)} .. {et_to_utc(res.window[1], 0)} ({basis})",
                  highlight=False)
    console.print(f"  trajectory: {traj}\n  moons: {src.moons_label or '-'}", highlight=False)
    from flyplan.products.diagnostics import say

    say([n for n in src.notes if n != src.moons_label] + res.notes)
    extra_times = [c for c in df.columns if c.endswith("_utc") and c != "utc"]
    table = Table(box=box.SIMPLE_HEAD, title=f"{len(df)} events")
    table.add_column("UTC (SCET)")
    for c in extra_times:
        table.add_column(c.removesuffix("_utc").upper() + " (UTC)")
    for head in ("kind", "body", "detail", "Juno alt km", "lat_pg °", "lon_W °", "range km",
                 "alt above body km"):
        table.add_column(head, justify="right" if "km" in head or "°" in head else "left")
    for _, row in df.iterrows():
        moon = row["body"] != "JUPITER"
        table.add_row(_cell_utc(row["utc"]), *[_cell_utc(row[c]) for c in extra_times],
                      row["kind"], row["body"], str(row["detail"]),
                      _fmt(row["juno_altitude_km"], 0), _fmt(row["lat_pg_deg"], 2),
                      _fmt(row["lon_w_deg"], 2), _fmt(row["range_km"], 0),
                      _fmt(row["altitude_km"], 0) if moon else "")
    console.print(table)
    console.print("  kinds: see --format json (metadata.kinds); times are when Juno is there or "
                  "sees it (moons with light time); altitudes above the 1-bar ellipsoid "
                  "(nearest point), lat_pg planetographic, longitude System III west-positive",
                  style="dim")


def _wide_console():
    # Event, plan and kernel tables need ~140-240 columns; when writing to a pipe
    # or file (no terminal width to respect) do not fold file names and URLs.
    from rich.console import Console

    console = Console(highlight=False, soft_wrap=True)
    return console if console.is_terminal else Console(highlight=False, soft_wrap=True, width=240)


def _size_text(size, approx: bool = False) -> str:
    from flyplan.kernels.fetch import _human

    if size is None:
        return "?"
    return ("~" if approx else "") + _human(size)


def print_kernels(needs, label: str, console=None) -> None:
    """Render a kernel survey (:class:`flyplan.kernels.cache.Needs`): each file, its
    role, size, whether it is at hand, and where it comes from."""
    from rich.table import Table

    from flyplan.timeutil import et_to_utc

    con = console or _wide_console()
    title = f"kernels for {label}"
    if needs.t0 is not None:
        title += f": {et_to_utc(needs.t0, 0)} .. {et_to_utc(needs.t1, 0)}"
    t = Table(title=title, title_justify="left")
    t.add_column("file", no_wrap=True)
    for col in ("role", "size", "cached?", "source"):
        t.add_column(col, overflow="fold")
    cached_text = {"cached": "yes", "local": "yes (local)", "fetch": "no: to fetch",
                   "built-in": "built-in", "skipped": "skipped", "missing": "MISSING"}
    for i in needs.items:
        src = i.url or (str(i.path) if i.path else "")
        if i.status == "local":
            src = str(i.path)
        if i.note and i.status in ("skipped", "missing", "built-in"):
            src = f"{src} ({i.note})" if src else i.note
        t.add_row(i.name, i.role, _size_text(i.size, i.size_approx),
                  cached_text.get(i.status, i.status), src)
    con.print(t)
    todo = needs.to_fetch
    if todo:
        total = sum(i.size or 0 for i in todo)
        con.print(f"to fetch: {len(todo)} file(s), about {_size_text(total)} from {needs.base}")
    for note in needs.warnings + needs.notes:
        con.print(f"note: {note}")


def print_cache_status(root, rows, console=None) -> None:
    """Render :func:`flyplan.kernels.cache.cache_status` rows."""
    from rich.table import Table

    con = console or _wide_console()
    total = sum(r["size"] for r in rows)
    t = Table(title=f"{root}: {len(rows)} kernel(s), {_size_text(total)}", title_justify="left")
    t.add_column("file", no_wrap=True)
    for col in ("role", "size", "sha256", "state", "source"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["path"], r["role"], _size_text(r["size"]), (r["sha256"] or "")[:16],
                  r["state"], r["source"])
    con.print(t)
    if any(r["state"].startswith("CORRUPT") for r in rows):
        con.print("corrupt kernels are removed and fetched again the next time they are needed")


def print_built_kernels(root, rows, console=None) -> None:
    """Render :func:`flyplan.kernels.inventory.built_kernels` rows: flyplan's own kernels
    (with their ``state`` against :mod:`flyplan.ephemeris.manifest` when given)."""
    from rich.table import Table

    con = console or _wide_console()
    total = sum(r["size"] for r in rows)
    t = Table(title=f"{root}: {len(rows)} kernel(s) flyplan built, {_size_text(total)} "
                    "(rebuilt when missing or changed)", title_justify="left")
    t.add_column("file", no_wrap=True)
    cols = ("role", "size", "what") + (("state",) if any("state" in r for r in rows) else ())
    for col in cols:
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["path"], r["role"], _size_text(r["size"]), r["note"],
                  *([r.get("state", "")] if "state" in cols else []))
    con.print(t)


def _cell_utc(v) -> str:
    s = str(v)
    return s.replace("T", " ").removesuffix("Z")[:21] if s and s != "nan" else ""


def print_plan(res, console=None) -> None:
    """Render a :class:`flyplan.domain.plan.PlanResult`: windows (or best moments) and notes."""
    from rich import box
    from rich.table import Table

    console = console or _wide_console()
    sc = res.scenario
    from rich.markup import escape

    # The scenario's own text is shown as text, never read as markup.
    console.print(f"[bold]{escape(str(sc.name or res.path))}[/]" +
                  (f"\n  {escape(sc.description)}" if sc.description else ""), highlight=False)
    ok = [p for p in res.perijoves if p["status"] == "ok"]
    skipped = [p for p in res.perijoves if p["status"] != "ok"]
    for p in ok:
        approx = " [APPROXIMATE]" if p.get("approximate") else ""
        console.print(f"  PJ{p['perijove']}: trajectory {p['trajectory']}{approx}; moons "
                      f"{p['moons']}; spin axis {p['spin_axis']}", highlight=False, style="dim")
        from flyplan.products.diagnostics import say

        say(p["notes"])
    targets = [t.lower() for t in sc.targets] + [p.key() for p in getattr(sc, "pois", [])]
    if sc.outputs.best:
        rows = [p["best"] for p in ok if p.get("best")]
        table = Table(box=box.SIMPLE_HEAD, title=f"Finest JunoCam scale on {targets[0]} "
                      f"per perijove ({len(rows)} of {len(res.perijoves)})")
        for head in ("PJ", "UTC (SCET)", "km/px", "range km", "phase °", "spin-plane °",
                     "Juno alt km", "lat_pg °"):
            table.add_column(head, justify="right")
        t = targets[0]
        for r in rows:
            table.add_row(str(r["perijove"]), _cell_utc(r["utc"]), _fmt(r[f"{t}_km_per_px"], 2),
                          _fmt(r[f"{t}_range_km"], 0), _fmt(r[f"{t}_phase_deg"], 1),
                          _fmt(r[f"{t}_spin_plane_angle_deg"], 1), _fmt(r["altitude_km"], 0),
                          _fmt(r["lat_pg_deg"], 2))
        console.print(table)
    table = Table(box=box.SIMPLE_HEAD, title=f"{len(res.window_records)} windows meeting every "
                  "constraint (geometry at the middle)")
    for head in ("PJ", "start (UTC)", "end (UTC)", "min", "Juno alt km", "lat_pg °"):
        table.add_column(head, justify="right")
    for t in targets:
        table.add_column(f"{t.capitalize()} km/px", justify="right")
        table.add_column(f"{t.capitalize()} phase °", justify="right")
        table.add_column(f"{t.capitalize()} limb °", justify="right")
    for w in res.window_records:
        mid = w["geometry"]["middle"]
        cells = [str(w["perijove"]), _cell_utc(w["start_utc"]) + ("*" if w[
            "starts_at_window_edge"] else ""), _cell_utc(w["end_utc"]) + ("*" if w[
                "ends_at_window_edge"] else ""), _fmt(w["duration_s"] / 60.0, 1),
            _fmt(mid["altitude_km"], 0), _fmt(mid["lat_pg_deg"], 2)]
        for t in targets:
            cells += [_fmt(mid[f"{t}_km_per_px"], 2), _fmt(mid[f"{t}_phase_deg"], 1),
                      _fmt(mid.get(f"{t}_limb_angle_deg", "-"), 2)]
        table.add_row(*cells)
    if not sc.outputs.best or len(res.window_records) <= 40:
        console.print(table)
    if any(w["starts_at_window_edge"] or w["ends_at_window_edge"] for w in res.window_records):
        console.print("  * the window asked for cuts this one short", style="dim")
    if skipped:
        console.print(f"[yellow]{len(skipped)} perijove(s) skipped[/]: " + "; ".join(
            f"PJ{p['perijove']} ({p['reason']})" for p in skipped[:5])
            + (" ..." if len(skipped) > 5 else ""), highlight=False)
    console.print("  limb ° = angle of the moon's centre above Jupiter's limb seen from Juno; "
                  "km/px = range x JunoCam IFOV; full geometry at start/middle/end: "
                  "--format json", style="dim")
