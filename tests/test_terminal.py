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
