"""The output policy: a run's files, resolved and checked together, written as a set.

Rules (one place, for every command):

- A file named on the command line may be anywhere the user can write
  (absolute paths and ``..`` included): the user typed it.
- A file named by a scenario (``[outputs] file`` / ``html``) is resolved
  inside the scenario's own directory and may not leave it: no absolute
  path, no ``..``, no symbolic link pointing out.  Scenario files are shared
  between people; a scenario must not be able to write anywhere else.
- No output may be an input of the run (``plan s.toml -o s.toml``) or another
  output of it (``-o x --html x``).
- An output must name a file in an existing directory (not a directory, not
  empty, no control characters).
- All outputs are rendered first, then written to temporary files beside
  their targets, and renamed into place only when every one was written: a
  full disk or an unwritable directory leaves no partial set, and the error
  names the path and what to do.

Everything raises :class:`flyplan.errors.OutputError`.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from flyplan.errors import OutputError

__all__ = ["OutputSet", "Planned", "safe_text"]


def safe_text(text: str, what: str = "text") -> str:
    """``text`` if it has no control characters (newlines included), else OutputError.

    For user strings written into a line-oriented header (CSV ``#`` lines).
    """
    s = str(text)
    bad = next((c for c in s if not c.isprintable()), None)
    if bad is not None:
        raise OutputError(f"the {what} {s[:60]!r} contains the control character {bad!r}",
                          hint="use plain one-line text")
    return s


@dataclass
class Planned:
    """One file of the set.

    Attributes
    ----------
    path : pathlib.Path
        Resolved target.
    label : str
        What it is (``"--output"``, ``"[outputs] html"``), for messages.
    text : str or None
        Its content once rendered.
    writer : callable or None
        Or a function writing the content to an open text file (large tables
        stream a block of rows at a time), called at :meth:`OutputSet.commit`.
    """

    path: Path
    label: str
    text: str | None = None
    writer: object = None


@dataclass
class OutputSet:
    """The outputs of one run.

    Parameters
    ----------
    inputs : iterable of path-like
        Files the run reads; no output may replace one.

    Examples
    --------
    >>> outs = OutputSet(inputs=["s.toml"])                        # doctest: +SKIP
    >>> csv = outs.add("out.csv", label="--output")                # doctest: +SKIP
    >>> outs.set(csv, text); outs.commit()                         # doctest: +SKIP
    """

    inputs: list = field(default_factory=list)
    planned: list = field(default_factory=list)
    #: The command line's two slots (``--output``, ``--html``), resolved, or None.
    output: Path | None = None
    html: Path | None = None

    def __post_init__(self):
        self.inputs = [Path(p) for p in self.inputs if p is not None]

    # -- resolving ------------------------------------------------------------------------
    def add(self, path: str | os.PathLike, *, label: str,
            scenario: str | os.PathLike | None = None) -> Path:
        """Resolve and check an output; return its resolved path.

        Parameters
        ----------
        path : path-like
            As given.
        label : str
            Where it was given (``"--output"``, ``"[outputs] file"``).
        scenario : path-like, optional
            The scenario file that named it: the path is then confined to
            the scenario's directory.
        """
        text = os.fspath(path) if not isinstance(path, str) else path
        if not isinstance(text, str) or not text.strip():
            raise OutputError(f"{label}: an empty file name", hint="name a file to write")
        if any(not c.isprintable() for c in text):
            raise OutputError(f"{label}: the file name {text[:80]!r} contains a control "
                              "character", hint="name a plain file")
        if scenario is not None:
            target = self._confined(text, label, Path(scenario))
        else:
            target = Path(os.path.abspath(os.path.expanduser(text)))
        self._check_target(target, label, text)
        for other in self.planned:
            if _same(other.path, target):
                raise OutputError(f"{label} and {other.label} name the same file {target}",
                                  hint="give each output its own file")
        for inp in self.inputs:
            if _same(inp, target):
                raise OutputError(f"{label} would overwrite the input {inp}",
                                  hint="write the output to another file")
        self.planned.append(Planned(target, label))
        return target

    @staticmethod
    def _confined(text: str, label: str, scenario: Path) -> Path:
        where = f"{scenario}: {label}"
        rel = Path(text)
        if rel.is_absolute() or text.startswith(("~", "/", "\\")) or \
                (len(text) > 1 and text[1] == ":"):
            raise OutputError(f"{where}: {text!r} is an absolute path; a scenario may only "
                              "name files inside its own directory",
                              hint="give a relative name, or the path with -o/--html on the "
                                   "command line")
        if ".." in rel.parts or ".." in text.replace("\\", "/").split("/"):
            raise OutputError(f"{where}: {text!r} leaves the scenario's directory ('..')",
                              hint="give a name inside the scenario's directory, or the path "
                                   "with -o/--html on the command line")
        root = Path(os.path.realpath(scenario.parent if str(scenario.parent) else "."))
        target = root / rel
        # Symbolic links on the way (or at the end) must not lead out either.
        real = Path(os.path.realpath(target))
        if os.path.commonpath([root, real]) != str(root):
            raise OutputError(f"{where}: {text!r} resolves to {real}, outside the scenario's "
                              f"directory {root}", hint="give a name inside that directory")
        return real

    @staticmethod
    def _check_target(target: Path, label: str, text: str) -> None:
        if target.is_dir():
            raise OutputError(f"{label}: {text!r} is a directory ({target})",
                              hint="name a file inside it, e.g. " + str(target / "out.csv"))
        parent = target.parent
        if not parent.is_dir():
            raise OutputError(f"{label}: the directory {parent} does not exist",
                              hint=f"create it first (mkdir -p {parent})")
        if len(target.name.encode("utf-8", "surrogateescape")) > 255:
            raise OutputError(f"{label}: the file name is longer than 255 bytes",
                              hint="use a shorter name")

    # -- writing --------------------------------------------------------------------------
    def set(self, path: Path, text: str) -> None:
        """Give a planned output its (rendered) content."""
        for p in self.planned:
            if p.path == path:
                p.text = text
                return
        raise KeyError(path)

    def set_writer(self, path: Path, writer) -> None:
        """Give a planned output a ``writer(file)`` that streams its content at commit."""
        for p in self.planned:
            if p.path == path:
                p.writer = writer
                return
        raise KeyError(path)

    def commit(self) -> list[Path]:
        """Write every planned output that has content; all or none.

        Each is written to a temporary file in its target's directory; only
        when all are written (and flushed to disk) are they renamed into
        place.  On failure every temporary file is removed.

        Raises
        ------
        OutputError
            Naming the file that could not be written and why.
        """
        todo = [p for p in self.planned if p.text is not None or p.writer is not None]
        temps: list[tuple[Path, Path]] = []
        try:
            for p in todo:
                tmp = p.path.with_name(f".{p.path.name}.tmp-{os.getpid()}")
                temps.append((tmp, p.path))
                try:
                    with open(tmp, "w", encoding="utf-8", newline="") as f:
                        if p.writer is not None:
                            p.writer(f)
                        else:
                            f.write(p.text)
                        f.flush()
                        os.fsync(f.fileno())
                except OSError as exc:
                    raise _write_failure(exc, p, "no output was written") from None
            done = []
            for (tmp, target), p in zip(temps, todo):
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    raise _write_failure(exc, p, "written before it: " + (
                        ", ".join(str(d) for d in done) or "nothing")) from None
                done.append(target)
        finally:
            for tmp, _ in temps:
                try:
                    tmp.unlink()
                except OSError:
                    pass
        return [p.path for p in todo]


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def _write_failure(exc: OSError, p: Planned, state: str) -> OutputError:
    if exc.errno == errno.ENOSPC:
        why, fix = "the disk is full", "free some space or write elsewhere"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why, fix = "the directory is not writable", "write to a directory you can write to"
    else:
        why, fix = exc.strerror or str(exc), "check the path"
    return OutputError(f"cannot write {p.label} {p.path}: {why}; {state}", hint=fix)
