"""Notes for the user: on stderr, each said once per run, short when nothing is wrong.

The kernel layer words one note per event (a file not fetched, a built-in
used instead, a listing not read).  On a machine without a network that is
half a dozen lines per perijove, all saying "offline".  :func:`condense`
folds them into one line per cause; :func:`say` prints a note to stderr
only the first time this process sees it, so a plan over every perijove
says "offline" once; :func:`for_page` is what an HTML sources box shows
(no download chatter, only what the numbers rest on).
"""

from __future__ import annotations

import re
import sys

__all__ = ["condense", "for_page", "say", "said", "reset"]

# "<file> not fetched (<reason>: <url>); to place it by hand, save <naif url> as <dest>"
_NOT_FETCHED = re.compile(r"^(?P<name>\S+) not fetched \((?P<reason>.*?): (?P<url>\w+://\S+)\); "
                          r"to place it by hand")
_NOT_FETCHED_SHORT = re.compile(r"^(?P<name>\S+) not fetched: (?P<reason>.*)$")
_LISTING = re.compile(r"^could not read the Juno kernel listing (?P<url>\S+): (?P<reason>.*)$")
# Informational only: the built-in serves, so nothing is missing.
_QUIET = (re.compile(r"^\S+ skipped: not needed: "),)
_BUILTIN_BASE = {
    "no NAIF leapseconds kernel found: using flyplan's copy of naif0012's table": "leapseconds",
    "no NAIF PCK found: using flyplan's copy of pck00011's Jupiter constants": "PCK constants",
}

_FOLDED = re.compile(r" not fetched from \w+://\S* \(")

_SAID: set[str] = set()


def _host(url: str) -> str:
    m = re.match(r"^(\w+://[^/]*)", url)
    return m.group(1) if m else url


def _why(reason: str) -> str:
    # "could not fetch <url>: host name not resolved (offline?) (not retried)"
    reason = re.sub(r"^could not (fetch|read the listing) \S+: ", "", reason.strip())
    reason = reason.replace(" (not retried)", "")
    return reason


def condense(notes) -> list[str]:
    """The notes with the download failures folded into one line per host and cause.

    Parameters
    ----------
    notes : iterable of str
        One-line notes as the kernel layer words them.

    Returns
    -------
    list of str
        Unique notes in their first order; informational ones ("not needed")
        dropped.
    """
    out: list[str] = []
    failed: dict[tuple[str, str], list[str]] = {}
    builtin: list[str] = []
    for note in dict.fromkeys(str(n) for n in notes if n):
        if any(q.match(note) for q in _QUIET):
            continue
        if note in _BUILTIN_BASE:
            builtin.append(_BUILTIN_BASE[note])
            continue
        m = _NOT_FETCHED.match(note)
        if m:
            key = (_host(m["url"]), _why(m["reason"]))
            if key not in failed:
                out.append(key)  # placeholder, keeps the first position
            failed.setdefault(key, []).append(m["name"])
            continue
        m = _LISTING.match(note)
        if m:
            key = (_host(m["url"]), _why(m["reason"]))
            if key not in failed:
                out.append(key)
            failed.setdefault(key, []).append("the Juno kernel listing")
            continue
        out.append(note)
    lines = []
    for item in out:
        if isinstance(item, tuple):
            host, why = item
            what = failed[item]
            # A model "anchored on" a Juno file that was not fetched is not a
            # contradiction: the model was fitted to that file when flyplan was built.
            juno = ("; for Juno's trajectory, flyplan's model fitted to that file when "
                    "flyplan was built" if any(w.startswith("spk_") for w in what) else "")
            lines.append(f"{_join(what)} not fetched from {host} ({why}): flyplan's "
                         f"built-in substitutes are used{juno} (`flyplan kernels plan` lists "
                         "the files and where to put them; --offline skips trying)")
        else:
            lines.append(item)
    # "built-in substitutes are used" already covers the built-in base kernels.
    if builtin and not failed:
        lines.append(f"no NAIF {' or '.join(builtin)} found: using flyplan's built-in copies "
                     "(naif0012, pck00011)")
    return lines


def _join(items: list[str]) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= 1:
        return "".join(items)
    if len(items) > 4:
        items = items[:3] + [f"{len(items) - 3} more"]
    return ", ".join(items[:-1]) + " and " + items[-1]


def for_page(notes) -> list[str]:
    """Notes for a page's sources box: what the numbers rest on, without download failures."""
    return [n for n in condense(notes) if not _FOLDED.search(n)]


def say(notes, *, stream=None, prefix: str = "note: ") -> list[str]:
    """Print each of ``notes`` (condensed) on stderr unless this process has said it already.

    Returns the lines printed.
    """
    from rich.console import Console
    from rich.markup import escape

    fresh = [n for n in condense(notes) if n not in _SAID]
    if not fresh:
        return []
    _SAID.update(fresh)
    con = Console(file=stream or sys.stderr, highlight=False, soft_wrap=True)
    for note in fresh:
        con.print(f"[yellow]{escape(prefix)}[/]{escape(note)}")
    return fresh


def said() -> set[str]:
    """The notes said so far in this process."""
    return set(_SAID)


def reset() -> None:
    """Forget what was said (a new run in the same process, e.g. a test)."""
    _SAID.clear()
