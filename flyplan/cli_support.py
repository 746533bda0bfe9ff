"""What makes the ``flyplan`` command teach itself, kept out of :mod:`flyplan.cli`.

- an example in every command's ``--help`` (:data:`EXAMPLES`, set as epilogs);
- ``--offline`` accepted by every command (:data:`OfflineEverywhere`);
- ``events --kind`` checked against the kinds, prefixes expanded, with a
  suggestion for a typo; ``events --body``;
- default names for ``--html-default``;
- a progress bar on stderr for long work (rich; silent when stderr is not a
  terminal).

Nothing heavy is imported at module level: ``flyplan --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import sys

import typer

__all__ = ["EXAMPLES", "install_examples", "OfflineEverywhere", "set_offline", "expand_kinds",
           "check_bodies", "filter_bodies", "BODIES", "pick_html", "HtmlDefaultOpt", "default_html", "progress_bar"]

# Command path -> example lines for its --help.
EXAMPLES = {
    "": ["flyplan perijove 38", "flyplan events 38 --kind closest_approach --body Io",
         "flyplan plan scenarios/pj38_io_callisto.toml", "flyplan kernels status",
         "flyplan --install-completion  (tab completion for your shell)"],
    "perijove": ["flyplan perijove 38", "flyplan perijove 1 --window 2h --step 10s -f csv -o pj1.csv",
                 "flyplan perijove 38 --html-default   (writes flyplan_pj38.html)",
                 "flyplan perijove 45 -w 2022-09-29T09:00Z..2022-09-29T10:30Z --offline"],
    "perijoves": ["flyplan perijoves --from 1 --to 10", "flyplan perijoves -j 2 -f csv -o mission.csv"],
    "observe": ["flyplan observe 38 --site paranal", "flyplan observe 38 --site=-31.27,149.06,1149 "
                "--days 3 --html-default"],
    "events": ["flyplan events 38", "flyplan events 38 --kind closest --body Io --body Callisto",
               "flyplan events 45 --kind occultation -w -12h..+6h -f json"],
    "plan": ["flyplan plan scenarios/pj38_io_callisto.toml",
             "flyplan plan scenarios/pj38_io_callisto.toml --window -2h..+30m --step 30s",
             "flyplan plan scenarios/best_io_all_perijoves.toml -j 2 --html-default"],
    "version": ["flyplan version", "flyplan -V"],
    "image": ["flyplan image ../shared/junocam/metadata/5989-Metadata.json",
              "flyplan image pj1/JNCR_2016240_01M06152_V01_METHANE_0008.isis3.lbl "
              "--ck pj1/juno_sc_rec_160827_0900_slice.bc -k ../shared/naif --backplanes pj1.nc"],
    "coverage": ["flyplan coverage 38 --html-default",
                 "flyplan coverage 1 -k ../shared/naif --res 2 --netcdf pj1.nc -f csv -o pj1.csv",
                 "flyplan coverage 38 --max-emission 60 --lit"],
    "targets": ['flyplan targets 16 --poi "SSTB:-39.35,271.74"',
                'flyplan targets 27 --poi "GRS:-22,270,II@2017-07-11+0.06" --max-km-per-px 50',
                "flyplan targets 27 --poi-file examples/pj27_pois.toml --html-default"],
    "kernels plan": ["flyplan kernels plan 38", "flyplan kernels plan 2016-08-27T06:00Z..2016-08-27T19:00Z"],
    "kernels fetch": ["flyplan kernels fetch 1", "flyplan kernels fetch --naif-url file:///data/naif 38"],
    "kernels status": ["flyplan kernels status", "flyplan kernels status --no-verify -f json"],
    "kernels build": ["flyplan kernels build"],
    "kernels clean": ["flyplan kernels clean --yes", "flyplan kernels clean --all --yes"],
}


def _epilog(lines) -> str:
    # Typer's rich help joins single newlines: one paragraph per example.
    return "Examples:\n\n" + "\n\n".join(f"  $ {x}" for x in lines)


def install_examples(app, subapps: dict | None = None) -> None:
    """Give every command of ``app`` (and of the named sub-apps) its example epilog."""
    app.info.epilog = _epilog(EXAMPLES[""])
    groups = [("", app)] + list((subapps or {}).items())
    for prefix, typ in groups:
        for info in typ.registered_commands:
            name = info.name or info.callback.__name__.replace("_", "-")
            if prefix:
                name = name.removeprefix(prefix + "_").removeprefix(prefix + "-")
            key = f"{prefix} {name}".strip()
            if key in EXAMPLES:
                info.epilog = _epilog(EXAMPLES[key])


def set_offline(value: bool) -> bool:
    """``--offline`` on any command: the library reads FLYPLAN_OFFLINE."""
    if value:
        os.environ["FLYPLAN_OFFLINE"] = "1"
    return value


OfflineEverywhere = typer.Option(
    False, "--offline", callback=set_offline, expose_value=False, is_eager=True,
    help="Never touch the network (as FLYPLAN_OFFLINE=1); cached and built-in data only.")


def expand_kinds(asked) -> list[str] | None:
    """Full event kinds for ``--kind`` values: exact names, or prefixes of them.

    Raises
    ------
    typer.BadParameter
        For a value that names no kind, with the closest names and the list.
    """
    import difflib

    from flyplan.domain.event_kinds import EVENT_KINDS

    if not asked:
        return None
    out = []
    for k in asked:
        key = k.strip().lower().replace("-", "_")
        hits = [name for name in EVENT_KINDS if name == key or name.startswith(key)]
        if not hits:
            close = difflib.get_close_matches(key, list(EVENT_KINDS), n=3, cutoff=0.5)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            raise typer.BadParameter(f"unknown kind {k!r}{hint}; kinds: {', '.join(EVENT_KINDS)}; "
                                     "a prefix such as 'occultation' or 'closest' selects all "
                                     "kinds starting with it", param_hint="--kind")
        out += [h for h in hits if h not in out]
    return out


BODIES = ("JUPITER", "IO", "EUROPA", "GANYMEDE", "CALLISTO")


def check_bodies(bodies) -> set[str]:
    """The body names meant by ``--body`` values (case-insensitive; prefixes allowed).

    Raises
    ------
    typer.BadParameter
        For a value that names no body.
    """
    want = set()
    for b in bodies or ():
        key = b.strip().upper()
        hits = [name for name in BODIES if name.startswith(key)] if key else []
        if not hits:
            raise typer.BadParameter(f"unknown body {b!r}; bodies: {', '.join(BODIES)} "
                                     "(case does not matter)", param_hint="--body")
        want.update(hits)
    return want


def filter_bodies(res, bodies) -> None:
    """Keep only the events of ``bodies`` in ``res.events`` (in place)."""
    if not bodies:
        return
    want = check_bodies(bodies)
    df = res.events
    res.events = df[df["body"].astype(str).str.upper().isin(want)].reset_index(drop=True)
    res.events.attrs.update(df.attrs)
    res.settings = {**getattr(res, "settings", {}), "bodies": sorted(want)}


def default_html(kind: str, label) -> "os.PathLike":
    """``flyplan_<kind><label>.html`` in the working directory (``flyplan_pj38.html``)."""
    from pathlib import Path

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(label))
    return Path(f"flyplan_{kind}{safe}.html")


def pick_html(html, default: bool, kind: str, label):
    """The page to write: ``--html PATH`` (a directory gets the default name inside it),
    ``--html-default``, or None."""
    from pathlib import Path

    if html is not None:
        p = Path(html)
        return p / default_html(kind, label) if p.is_dir() else p
    return default_html(kind, label) if default else None


HtmlDefaultOpt = typer.Option(False, "--html-default",
                              help="Also write the HTML page under its default name "
                                   "(flyplan_pj38.html ...) in the working directory.")


@contextlib.contextmanager
def progress_bar(total: int, description: str):
    """A rich progress bar on stderr; yields ``advance(n=1)``.

    Drawn only when stderr is a terminal (a pipe or a log gets nothing), and
    removed when done.
    """
    if total <= 1 or not sys.stderr.isatty() or os.environ.get("TERM") == "dumb":
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, \
        TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
