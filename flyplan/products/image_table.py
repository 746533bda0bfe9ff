"""Terminal rendering of JunoCam image geometry (``flyplan image``)."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["print_images", "print_image"]

_TIME_COLS = (("framelet", "frm", None), ("filter", "filter", None),
              ("utc_mid", "mid-exposure UTC", None), ("altitude_km", "alt\nkm", 0),
              ("lat_pg_deg", "sub lat_pg\n°", 3), ("lon_w_deg", "sub lon\n°W", 3))
_CK_COLS = (("boresight_lat_pg_deg", "bore lat_pg\n°", 4), ("boresight_lon_w_deg",
                                                              "bore lon\n°W", 4),
            ("center_lat_pg_deg", "ctr lat_pg\n°", 4), ("center_lon_w_deg", "ctr lon\n°W", 4),
            ("center_km_per_px", "ctr\nkm/px", 1), ("on_planet_fraction", "on\nplanet", 2))
_SWATH_COLS = (("jupiter_spin_plane_angle_deg", "Jupiter from\nspin plane °", 1),
               ("jupiter_in_swath", "Jupiter\nin swath", None))


def _cell(v, digits) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "off planet" if digits is not None else "-"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if digits is None:
        s = str(v)
        return s[11:23] if len(s) >= 23 and s[10:11] == "T" else s
    return f"{float(v):,.{digits}f}"


def print_image(im, console=None, max_rows: int = 24) -> None:
    """One image: label facts, sources, self-check, and the (thinned) framelet table."""
    from rich.table import Table

    from flyplan.domain.image import self_check_text
    from flyplan.products.terminal import _wide_console

    console = console or _wide_console()
    lab = im.label
    console.print(f"[bold]{im.product_id}[/] ({lab.kind}: {lab.path})")
    console.print(f"  start {lab.start_utc}, {len(lab.frames)} frame(s) x "
                  f"{', '.join(lab.filters)}, interframe delay {lab.interframe_delay_s:g} s, "
                  f"exposure {lab.exposure_s * 1e3:g} ms")
    traj = im.selection.trajectory_label
    console.print("  trajectory: " + ("[bold yellow]APPROXIMATE[/] " if im.selection.approximate
                                      else "") + traj)
    console.print(f"  pointing: {im.pointing}")
    console.print(f"  self-check: {self_check_text(im.self_check)}")
    for note in im.notes:
        console.print(f"  [yellow]note:[/] {note}")
    df = im.framelets
    cols = list(_TIME_COLS) + list(_CK_COLS if im.has_pointing else _SWATH_COLS)
    n = len(df)
    idx = list(range(n)) if n <= max_rows else sorted(
        {round(i * (n - 1) / (max_rows - 1)) for i in range(max_rows)})
    year = str(df["utc_mid"].iloc[0])[:10] if n else ""
    table = Table(title=f"framelets, UTC {year} (showing {len(idx)} of {n}; all: --format csv)",
                  title_justify="left")
    for _, head, digits in cols:
        table.add_column(head, justify="left" if digits is None else "right")
    for i in idx:
        row = df.iloc[i]
        table.add_row(*[_cell(row[k], d) for k, _, d in cols])
    console.print(table)
    console.print("  conventions: times are mid-exposure (START_TIME + IK bias + (framelet-1) x "
                  "(INTERFRAME_DELAY + delta) + exposure/2); lat_pg planetographic, longitude "
                  "System III west; altitude above the 1-bar ellipsoid (nearest point); "
                  "boresight = IK pixel (827, 64); intercepts as SPICE sincpt (" + im.abcorr
                  + ")", style="dim")


def print_images(res, console=None) -> None:
    """Every image of an :class:`flyplan.domain.image.ImageSet`."""
    for k, im in enumerate(res.images):
        if k:
            print()
        print_image(im, console)
