"""Terminal tables: what a narrow terminal shows, and what it says it left out."""

from __future__ import annotations

import io

from rich.console import Console

from flyplan.products.terminal import _fitted_table, _print_dropped

HEADS = ["PJ", "UTC (SCET)", "alt\nkm", "Io\n10³ km", "Europa\n10³ km", "source"]
ROWS = [["38", "2021-11-29T14:13:29Z", "3,492", "218.0", "581.6", "model"]] * 3


def _render(width):
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    table, dropped = _fitted_table(console, "t", HEADS, ROWS, droppable=[4, 3])
    console.print(table)
    _print_dropped(console, dropped)
    return out.getvalue(), dropped


def test_a_wide_terminal_shows_every_column_unfolded():
    text, dropped = _render(200)
    assert dropped == [] and "…" not in text
    assert "581.6" in text and "2021-11-29T14:13:29Z" in text


def test_a_narrow_terminal_drops_columns_in_order_and_names_them():
    full, _ = _render(200)
    table_width = max(len(line) for line in full.splitlines())
    text, dropped = _render(table_width - 5)
    assert dropped == ["Europa 10³ km"]
    assert "581.6" not in text and "218.0" in text and "…" not in text
    assert "not shown at" in text and "Europa 10³ km" in text
    text, dropped = _render(45)
    assert dropped == ["Europa 10³ km", "Io 10³ km"] and "model" in text


def test_summary_rows_carry_the_measured_bounds_of_the_model_only():
    from types import SimpleNamespace

    from flyplan.products.terminal import summary_rows

    base = {"altitude_km": 3492.1, "radius_km": 73636.1, "lat_pg_deg": 34.7, "lat_pc_deg": 31.4,
            "lon_w_deg": 78.5, "lon_e_deg": 281.5, "local_solar_time": "08:38:57",
            "speed_km_s": 58.39, "speed_km_h": 210205.0, "speed_rot_km_s": 61.45}
    model = dict(base, uncertainty={"time_s": 1.0, "altitude_km": 1743.0, "lat_pg_deg": 1.23,
                                    "lon_deg": 2.18, "ground_km": 1505.0, "speed_km_s": 0.4})
    naif = dict(base, uncertainty={k: 0.0 for k in model["uncertainty"]})
    pj = SimpleNamespace(number=38, utc="2021-11-29T14:13:29.633Z", et=0.0, method="gf")
    rows = dict(summary_rows(SimpleNamespace(**vars(pj), summary=model)))
    assert rows["Altitude (1-bar ellipsoid)"].endswith("± 1,743 km")
    assert "± 1.23°" in rows["Latitude, planetographic"] and "± 0.40 km/s" in rows[
        "Speed (inertial, vs centre)"]
    # Quantities without a measured bound print none.
    assert "±" not in rows["Latitude, planetocentric"] + rows["Speed vs rotating atmosphere"]
    rows = dict(summary_rows(SimpleNamespace(**vars(pj), summary=naif)))
    assert not any("±" in v for v in rows.values()) and "Bounds (±)" not in rows
