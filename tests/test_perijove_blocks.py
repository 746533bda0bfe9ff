"""A sample table computed a block of rows at a time while it is written gives the
same bytes as the whole table (flyplan.domain.perijove_blocks)."""

from __future__ import annotations

import io
import json

import pytest
from _cli import run_flyplan

import flyplan
from flyplan.domain import perijove_blocks
from flyplan.products import serialize


def _texts(n, rows, **kw):
    out = []
    for write in (serialize.write_json, serialize.write_csv):
        pj = flyplan.perijove(n, stream_rows=rows, **kw)
        streamed = perijove_blocks.is_streamed(pj)
        buf = io.StringIO()
        write(pj, buf)
        out.append((buf.getvalue(), streamed, pj))
    return out


def _same(n, rows, **kw):
    whole = _texts(n, None, **kw)
    blocks = _texts(n, rows, **kw)
    for (a, s_a, _), (b, s_b, _) in zip(whole, blocks):
        assert not s_a and s_b  # the second one did go a block at a time
        assert a == b
    return whole, blocks


def test_model_trajectory_blocks_equal_the_whole_table():
    # PJ38 on flyplan's model: bounds from rates and an unwrapped longitude,
    # the Sun and Earth interpolated between nodes, moons, JunoCam columns.
    # 421 samples in 5 blocks of ~84 rows (the window ends and neighbours extra).
    whole, _ = _same(38, 90, window="-35m..+35m", step="10s")
    doc = json.loads(whole[0][0])
    assert len(doc["samples"]) == 421
    assert doc["samples"][0]["altitude_unc_km"] > 0  # the model's bounds are in the text


def test_blocks_with_a_last_step_shorter_than_the_others():
    # 7 s does not divide the window: the last step is shorter, which the
    # bounds' rates see; each block must see it the same way.
    _same(38, 150, window="-40m..+40m", step="7s")


def test_the_highlights_and_notes_come_from_every_block():
    _, blocks = _same(38, 250, window="-4h..+4h", step="60s")
    pj = blocks[0][2]
    assert len(pj.samples) == 481  # the highlight columns of the whole window
    assert set(pj.samples.columns) >= {"utc", "et", "io_km_per_px", "callisto_in_swath"}
    with pytest.raises(RuntimeError):
        next(pj.__dict__["_blocks"].frames())  # written once


@pytest.mark.shared
def test_naif_blocks_equal_the_whole_table(naif_dir):
    _same(1, 100, window="-40m..+40m", step="5s", kernels=naif_dir, moons=False)


def test_a_small_table_or_small_blocks_are_not_split():
    pj = flyplan.perijove(38, window="-10m..+10m", step="60s", stream_rows=1000)
    assert not perijove_blocks.is_streamed(pj)
    # Blocks under 64 epochs would read the moons through SPICE, not numpy.
    pj = flyplan.perijove(38, window="-20m..+20m", step="7s", stream_rows=50)
    assert not perijove_blocks.is_streamed(pj)


def test_the_command_line_writes_the_blocks(tmp_path):
    out = tmp_path / "pj38.csv"
    p = run_flyplan("perijove", "38", "--window", "-30m..+30m", "--step", "0.25s", "-f",
                    "csv", "-o", out)
    assert p.returncode == 0, p.stderr
    pj = flyplan.perijove(38, window="-30m..+30m", step="0.25s")
    buf = io.StringIO()
    serialize.write_csv(pj, buf)
    assert out.read_text() == buf.getvalue()  # 14,401 rows: two blocks
