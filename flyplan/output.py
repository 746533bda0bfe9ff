"""Writing results: atomic files, and the rich terminal rendering of a perijove.

Files are written to a temporary name and renamed into place only once
complete, so an error never leaves a half-written output behind.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic", "print_perijove", "summary_rows"]


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
    """Label/value pairs of a perijove summary, for the terminal."""
    s = pj.summary
    rows = [
        ("Perijove", f"PJ{pj.number}"),
        ("Time (UTC, SCET)", pj.utc),
        ("ET (TDB s past J2000)", f"{pj.et:.3f}"),
        ("Time found by", pj.method),
        ("Altitude (1-bar ellipsoid)", f"{_fmt(s['altitude_km'])} km"),
        ("Distance to Jupiter's centre", f"{_fmt(s['radius_km'])} km"),
        ("Latitude, planetographic", f"{_fmt(s['lat_pg_deg'], 3)}°"),
        ("Latitude, planetocentric", f"{_fmt(s['lat_pc_deg'], 3)}°"),
        ("Longitude, System III", f"{_fmt(s['lon_w_deg'], 3)}° W  ({_fmt(s['lon_e_deg'], 3)}° E)"),
        ("Local solar time", f"{s['local_solar_time']}"),
        ("Speed (inertial, vs centre)", f"{_fmt(s['speed_km_s'], 3)} km/s = "
                                        f"{_fmt(s['speed_km_h'], 0)} km/h"),
        ("Speed vs rotating atmosphere", f"{_fmt(s['speed_rot_km_s'], 3)} km/s"),
    ]
    return rows


_TABLE_COLS = [
    ("utc", "UTC (SCET)", None),
    ("altitude_km", "alt km", 0),
    ("lat_pg_deg", "lat_pg °", 2),
    ("lat_pc_deg", "lat_pc °", 2),
    ("lon_w_deg", "lon_W °", 2),
    ("local_solar_time", "LST", None),
    ("speed_km_s", "v km/s", 3),
]


def print_perijove(pj, console=None, max_rows: int = 25) -> None:
    """Render a perijove's summary, sources, conventions and a thinned table."""
    from rich import box
    from rich.console import Console
    from rich.panel import Panel
    from rich.table import Table

    from .constants import MOONS

    console = console or Console()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in summary_rows(pj):
        grid.add_row(label, value)
    src = pj.plan
    traj = src.trajectory_label
    if src.approximate:
        traj = f"[bold yellow]APPROXIMATE[/] {traj}"
    grid.add_row("Trajectory", traj)
    grid.add_row("Moons", src.moons_label or "-")
    console.print(Panel(grid, title=f"Juno perijove {pj.number}", expand=False))
    for note in src.notes:
        if note != src.moons_label:
            console.print(f"[yellow]note:[/] {note}")

    df = pj.samples
    cols = list(_TABLE_COLS)
    moon_names = [m for m in MOONS if f"{m.lower()}_range_km" in df.columns]
    for m in moon_names:
        cols.append((f"{m.lower()}_range_km", f"{m} 10³km", None))
    table = Table(box=box.SIMPLE_HEAD, title=f"Samples every {pj.step_s:g} s "
                  f"(showing {min(max_rows, len(df))} of {len(df)}; full table: --format csv)")
    for _, head, _ in cols:
        table.add_column(head, justify="right")
    idx = _thin(len(df), max_rows)
    for i in idx:
        row = df.iloc[i]
        cells = []
        for key, _, digits in cols:
            v = row[key]
            if key.endswith("_range_km"):
                name = key[: -len("_range_km")]
                flag = ("occ" if row[f"{name}_occulted"] else "tr" if row[f"{name}_transit"]
                        else "sh" if row[f"{name}_in_shadow"] else "")
                cells.append(f"{v / 1000:,.0f}{(' ' + flag) if flag else ''}")
            elif key == "utc":
                cells.append(str(v)[:16].replace("T", " "))
            else:
                cells.append(_fmt(v, digits) if digits is not None else str(v))
        table.add_row(*cells)
    console.print(table)
    if moon_names:
        console.print("  moon flags: occ = behind Jupiter (seen from Juno), tr = transiting "
                      "Jupiter's disk, sh = in Jupiter's shadow", style="dim")
    console.print("  conventions: altitude above the 1-bar ellipsoid 71492 x 71492 x 66854 km "
                  "(nearest point); lat_pg planetographic, lat_pc planetocentric of Juno's "
                  "position; longitude System III (IAU_JUPITER) west-positive; speed relative "
                  "to Jupiter's centre (599), inertial J2000; UTC = spacecraft event time",
                  style="dim")


def _thin(n: int, k: int) -> list[int]:
    if n <= k:
        return list(range(n))
    import numpy as np

    return sorted(set(np.linspace(0, n - 1, k).round().astype(int).tolist()))


def _common_metadata() -> dict:
    from . import __version__
    from .constants import CONVENTIONS

    return {"flyplan_version": __version__, "conventions": dict(CONVENTIONS)}


def mission_csv(df) -> str:
    """The mission table as CSV with ``#`` provenance lines."""
    meta = _common_metadata()
    lines = [f"# flyplan {meta['flyplan_version']} mission table: one row per perijove",
             "# <moon>_ca_*: closest approach within the orbit (apojove to apojove), range "
             "from Juno (LT+S) and height above the moon's mean radius"]
    lines += [f"# convention {k}: {v}" for k, v in meta["conventions"].items()]
    return "\n".join(lines) + "\n" + df.to_csv(index=False, float_format="%.6f")


def mission_json(df) -> str:
    """The mission table as a JSON object: ``perijoves`` records plus ``metadata``."""
    import json

    from .pj import _records

    return json.dumps({"perijoves": _records(df), "metadata": _common_metadata()}, indent=1,
                      allow_nan=False)


def print_mission(df, console=None) -> None:
    """Render the mission table in the terminal."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(box=box.SIMPLE_HEAD, title="Juno perijoves")
    cols = [("pj", "PJ", None), ("utc", "UTC (SCET)", None), ("altitude_km", "alt km", 0),
            ("lat_pg_deg", "lat_pg °", 2), ("lon_w_deg", "lon_W °", 2),
            ("speed_km_s", "v km/s", 3)]
    moon_cols = [(f"{m}_ca_range_km", f"{m.title()} CA 10³km") for m in
                 ("io", "europa", "ganymede", "callisto") if f"{m}_ca_range_km" in df.columns]
    for _, head, _ in cols:
        table.add_column(head, justify="right")
    for _, head in moon_cols:
        table.add_column(head, justify="right")
    table.add_column("source")
    errors = []
    for _, row in df.iterrows():
        if isinstance(row.get("error"), str):
            errors.append((row["pj"], row["error"]))
            continue
        cells = []
        for key, _, digits in cols:
            v = row[key]
            cells.append(str(v)[:19] + "Z" if key == "utc" else
                         (_fmt(v, digits) if digits is not None else str(v)))
        for key, _ in moon_cols:
            v = row[key]
            cells.append("-" if v != v else f"{v / 1000:,.1f}")
        cells.append(("[yellow]model (approx.)[/]" if row["approximate"] else "NAIF"))
        table.add_row(*cells)
    console.print(table)
    for pj, message in errors:
        console.print(f"[red]PJ{pj} not computed:[/] {message}", highlight=False)
    console.print("  conventions: altitude above the 1-bar ellipsoid (nearest point); lat_pg "
                  "planetographic; System III west longitude; speed relative to Jupiter's centre, "
                  "inertial; CA = closest approach within the orbit, range from Juno",
                  style="dim")
