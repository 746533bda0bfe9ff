"""Streaming CSV and JSON writers: tables written in chunks of rows, straight from arrays.

A per-second table over a day is 86,400 rows of ~90 columns.  Turning each
cell into a Python object (``DataFrame.to_dict``) and then one 250 MB string
(``json.dumps``) costs gigabytes; these writers instead format a block of
rows at a time with one C-level ``%`` per block (the columns' values taken
as lists straight from their numpy arrays) and write it out, so memory stays
flat in the number of rows.

The text is byte for byte what the unstreamed calls give (tested):

- :func:`write_csv`: ``header_lines`` (each prefixed ``# `` by the caller,
  joined with newlines) then ``df.to_csv(index=False, float_format=...)``;
- :func:`write_json`: ``json.dumps({**head, **records(tables), **tail},
  indent=1, allow_nan=False)``, with NaN and infinities as ``null`` and
  numpy scalars as plain numbers.

:func:`open_atomic` gives a file that appears under its name only once
written completely, so an error leaves no partial file behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import IO, Iterable, Mapping

import numpy as np

__all__ = ["write_csv", "write_json", "open_atomic", "CHUNK_ROWS"]

# Rows formatted per block: large enough that per-block overhead vanishes,
# small enough that a block of ~100 columns stays a few MB.
CHUNK_ROWS = 4096

# As the csv module with lineterminator "\n" (pandas): a lone "\r" is not quoted.
_CSV_SPECIAL = (",", '"', "\n")


def _interleave(cols, rows: int) -> tuple:
    """Row-major tuple of a block's cells from its column lists (slice assignment, in C)."""
    k = len(cols)
    flat = [None] * (rows * k)
    for j, col in enumerate(cols):
        flat[j::k] = col
    return tuple(flat)


# -- CSV --------------------------------------------------------------------------------------
def _csv_quote(text: str) -> str:
    # csv.QUOTE_MINIMAL, as pandas writes: quote only fields that need it.
    if any(c in text for c in _CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_column(values: np.ndarray, float_format: str | None):
    """(format spec, list of values) for one column's block of rows."""
    kind = values.dtype.kind
    if kind == "f":
        if float_format is None:
            # pandas without float_format writes the shortest repr; NaN empty.
            out = values.astype(str).tolist()
            for i in np.flatnonzero(np.isnan(values)).tolist():
                out[i] = ""
            return "%s", out
        if np.isnan(values).any():
            return "%s", ["" if v != v else float_format % v for v in values.tolist()]
        return float_format, values.tolist()
    if kind in "iu":
        return "%d", values.tolist()
    if kind == "b":
        return "%s", values.tolist()
    out = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
        else:
            out.append(_csv_quote(str(v)))
    return "%s", out


def _frames(df):
    """A table given as one DataFrame or as an iterable of DataFrames (blocks of rows)."""
    if hasattr(df, "columns"):
        return None
    return iter(df)


def write_csv(fp: IO[str], header_lines: Iterable[str], df, float_format: str | None = "%.6f",
              *, chunk_rows: int = CHUNK_ROWS) -> None:
    """Write ``header_lines`` then ``df`` as CSV (no index) to ``fp``, a block of rows at a time.

    Parameters
    ----------
    fp : text file
        Where to write (a file opened for text, ``sys.stdout``, ``io.StringIO``).
    header_lines : iterable of str
        Provenance lines, written first, each followed by a newline; the
        caller includes the ``#`` (pandas reads them back with ``comment="#"``).
    df : pandas.DataFrame or iterable of DataFrame
        The table; float columns formatted with ``float_format``, NaN empty,
        booleans ``True``/``False``, text quoted only where needed.  An
        iterable gives it a block of rows at a time (same columns in each;
        at least one block): each is written, then let go.
    float_format : str, optional
        ``%``-format of floats (``"%.6f"``); None for their shortest repr.
    chunk_rows : int
        Rows per block.
    """
    for line in header_lines:
        fp.write(line)
        fp.write("\n")
    frames = _frames(df)
    if frames is not None:
        block = next(frames)
        fp.write(",".join(_csv_quote(str(n)) for n in block.columns) + "\n")
        while block is not None:
            _csv_rows(fp, block, float_format, chunk_rows)
            block = None  # written: let it go before the next is made
            block = next(frames, None)
        return
    names = [str(c) for c in df.columns]
    if len(names) == 1:
        # One column: csv quotes an empty field as "" there; leave that to pandas.
        fp.write(df.to_csv(index=False, float_format=float_format))
        return
    fp.write(",".join(_csv_quote(n) for n in names) + "\n")
    _csv_rows(fp, df, float_format, chunk_rows)


def _csv_rows(fp, df, float_format, chunk_rows: int) -> None:
    arrays = [df[c].to_numpy() if df[c].dtype.kind in "fiub" else df[c].to_numpy(object)
              for c in df.columns]
    n = len(df)
    for lo in range(0, n, chunk_rows):
        hi = min(lo + chunk_rows, n)
        specs, cols = zip(*(_csv_column(a[lo:hi], float_format) for a in arrays)) \
            if arrays else ((), ())
        row = ",".join(specs) + "\n"
        fp.write((row * (hi - lo)) % _interleave(cols, hi - lo))


# -- JSON -------------------------------------------------------------------------------------
_encode_str = json.encoder.encode_basestring_ascii  # what json.dumps uses (ensure_ascii)


def _plain(v):
    """A cell as ``json`` would see it after flyplan's record conversion."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    return v


def _dump_at(value, level: int, convert=None) -> str:
    """``value`` as ``json.dumps(..., indent=1)`` writes it nested ``level`` deep."""
    text = json.dumps((convert or _plain)(value), indent=1, allow_nan=False)
    return text.replace("\n", "\n" + " " * level) if level else text


def _json_column(values: np.ndarray, level: int, convert=None) -> list[str] | list:
    """(spec, values) of one column's block: numbers as ``repr``, NaN as null."""
    kind = values.dtype.kind
    if kind == "f":
        finite = np.isfinite(values)
        if finite.all():
            return "%r", values.tolist()
        return "%s", [repr(v) if ok else "null" for v, ok in zip(values.tolist(),
                                                                  finite.tolist())]
    if kind in "iu":
        return "%d", values.tolist()
    if kind == "b":
        return "%s", np.where(values, "true", "false").tolist()
    out = []
    for v in values.tolist():
        if isinstance(v, str):
            out.append(_encode_str(v))
        else:
            out.append(_dump_at(v, level, convert))
    return "%s", out


def _write_records(fp: IO[str], df, level: int, chunk_rows: int, convert=None) -> None:
    """A DataFrame (or blocks of one) as a JSON list of records whose ``[`` sits at ``level``."""
    frames = None if df is None else _frames(df)
    if frames is not None:
        opened = False
        block = next(frames, None)
        while block is not None:
            if len(block):
                fp.write(",\n" if opened else "[\n")
                opened = True
                _records_body(fp, block, level, chunk_rows, convert)
            block = None  # written: let it go before the next is made
            block = next(frames, None)
        fp.write("\n" + " " * level + "]" if opened else "[]")
        return
    if df is None or len(df) == 0:
        fp.write("[]")
        return
    if len(df.columns) == 0:
        fp.write(_dump_at([{}] * len(df), level))
        return
    fp.write("[\n")
    _records_body(fp, df, level, chunk_rows, convert)
    fp.write("\n" + " " * level + "]")


def _records_body(fp: IO[str], df, level: int, chunk_rows: int, convert=None) -> None:
    """The records of ``df`` (at least one row), comma-separated, without the brackets."""
    if len(df.columns) == 0:
        fp.write(",\n".join([" " * (level + 1) + "{}"] * len(df)))
        return
    pad, inner = " " * (level + 1), " " * (level + 2)
    keys = [_encode_str(str(c)) for c in df.columns]
    arrays = [df[c].to_numpy() if df[c].dtype.kind in "fiub" else df[c].to_numpy(object)
              for c in df.columns]
    n = len(df)
    for lo in range(0, n, chunk_rows):
        hi = min(lo + chunk_rows, n)
        specs, cols = zip(*(_json_column(a[lo:hi], level + 2, convert) for a in arrays))
        row = f"{pad}{{\n" + ",\n".join(f"{inner}{k.replace('%', '%%')}: {s}"
                                        for k, s in zip(keys, specs)) + f"\n{pad}}}"
        text = ",\n".join([row] * (hi - lo)) % _interleave(cols, hi - lo)
        fp.write(text)
        if hi < n:
            fp.write(",\n")


def write_json(fp: IO[str], head: Mapping, tables: Mapping, tail: Mapping = None, *,
               chunk_rows: int = CHUNK_ROWS, convert=None) -> None:
    """Write one JSON object: ``head``'s keys, then each table as records, then ``tail``'s.

    Parameters
    ----------
    fp : text file
        Where to write.
    head, tail : mapping
        Keys written before and after the tables (any JSON-able values;
        numpy scalars and non-finite floats allowed, the latter as ``null``).
    tables : mapping of str to pandas.DataFrame
        Each written as a list of row objects (column name: value), a block
        of rows at a time; None or an empty frame as ``[]``.  A value may
        also be an iterable of DataFrames (the table's blocks of rows, each
        written then let go), or a callable returning either, called when
        its turn comes.
    tail : mapping or callable, optional
        A callable is called once the tables are written (values that
        depend on them).
    chunk_rows : int
        Rows per block.
    convert : callable, optional
        Turns a value of ``head``/``tail`` or a non-text cell of an object
        column into JSON types (default: numpy scalars unwrapped, non-finite
        floats None); the caller's sanitizer, so that the text is its
        ``json.dumps``'s.

    Notes
    -----
    The text is that of ``json.dumps(obj, indent=1, allow_nan=False)`` for
    the same object with every table as ``DataFrame.to_dict("records")``.
    """
    items = [(k, "value", v) for k, v in head.items()]
    items += [(k, "table", v) for k, v in tables.items()]
    if callable(tail):
        lazy_tail = tail
    else:
        lazy_tail = None
        items += [(k, "value", v) for k, v in (tail or {}).items()]
    if not items and lazy_tail is None:
        fp.write("{}")
        return
    written = 0
    for key, what, value in items:
        fp.write(",\n" if written else "{\n")
        written += 1
        fp.write(f" {_encode_str(str(key))}: ")
        if what == "table":
            _write_records(fp, value() if callable(value) else value, 1, chunk_rows, convert)
        else:
            fp.write(_dump_at(value, 1, convert))
    if lazy_tail is not None:
        for key, value in lazy_tail().items():
            fp.write(",\n" if written else "{\n")
            written += 1
            fp.write(f" {_encode_str(str(key))}: ")
            fp.write(_dump_at(value, 1, convert))
    fp.write("\n}" if written else "{}")


# -- files ------------------------------------------------------------------------------------
@contextlib.contextmanager
def open_atomic(path: str | os.PathLike):
    """A text file written under a temporary name and renamed to ``path`` once complete.

    On any exception inside the ``with`` block the temporary file is removed
    and ``path`` is left as it was.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fp:
            yield fp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
