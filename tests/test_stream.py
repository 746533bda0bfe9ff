"""The streaming writers give, byte for byte, the text of pandas' to_csv and json.dumps."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from flyplan.products.serialize import jsonable, records
from flyplan.products import stream

_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)


@st.composite
def frames(draw):
    n = draw(st.integers(0, 9))
    kinds = draw(st.lists(st.sampled_from(["f", "i", "b", "s", "o"]), min_size=0, max_size=6))
    cols = {}
    for j, kind in enumerate(kinds):
        name = "c%d_%s" % (j, draw(st.sampled_from(["x", "km", "a,b", "p%s", 'q"'])))
        if kind == "f":
            cols[name] = np.array(draw(st.lists(_floats, min_size=n, max_size=n)), float)
        elif kind == "i":
            cols[name] = np.array(draw(st.lists(st.integers(-2**40, 2**40), min_size=n,
                                                max_size=n)), np.int64)
        elif kind == "b":
            cols[name] = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
        elif kind == "s":
            cols[name] = draw(st.lists(_text, min_size=n, max_size=n))
        else:  # text with gaps, as the events table has
            cols[name] = draw(st.lists(st.one_of(st.none(), _text), min_size=n, max_size=n))
    return pd.DataFrame(cols, index=range(n))


@settings(max_examples=150)
@given(frames(), st.integers(1, 4), st.sampled_from(["%.6f", "%.4f", None]))
def test_csv_matches_pandas(df, chunk, fmt):
    buf = io.StringIO()
    stream.write_csv(buf, ["# one", "# two"], df, fmt, chunk_rows=chunk)
    want = "# one\n# two\n" + df.to_csv(index=False, float_format=fmt)
    assert buf.getvalue() == want


@settings(max_examples=150)
@given(frames(), st.integers(1, 4), st.dictionaries(_text, st.one_of(_floats, _text, st.none(),
       st.lists(st.integers(), max_size=3)), max_size=3))
def test_json_matches_json_dumps(df, chunk, head):
    tail = {"kernels": [{"name": "a", "sha256": "b"}], "metadata": {"x": [1, 2.5, None]}}
    head = {f"h_{k}": v for k, v in head.items()}
    buf = io.StringIO()
    stream.write_json(buf, head, {"samples": df, "events": df.iloc[:0]}, tail, chunk_rows=chunk,
                      convert=jsonable)
    obj = {**jsonable(head), "samples": records(df),
           "events": [], **tail}
    assert buf.getvalue() == json.dumps(obj, indent=1, allow_nan=False)
    json.loads(buf.getvalue())


def test_open_atomic_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with stream.open_atomic(target) as fp:
            fp.write("partial")
            raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
    with stream.open_atomic(target) as fp:
        fp.write("whole")
    assert target.read_text() == "whole" and [p.name for p in tmp_path.iterdir()] == ["out.json"]
