"""The ``flyplan`` command: a thin typer layer over the public API.

Parse, call, print.  Errors a user can act on (:class:`flyplan.errors.FlyplanError`)
print their message and exit with status 1, without a traceback; usage errors
exit with status 2.  Heavy modules (SPICE, pandas, plotly) are imported inside
the commands so that ``flyplan --help`` stays fast.
"""



import enum
import functools
import sys
from pathlib import Path
from typing import Optional

import typer

from flyplan import _lazy_rich

# typer's help formatter imports rich's markdown and traceback modules, which help never uses.
_lazy_rich.install()

from flyplan.cli_support import HtmlDefaultOpt, OfflineEverywhere, pick_html  # noqa: E402

app = typer.Typer(
    name="flyplan",
    help="Juno perijove geometry and observation planning on SPICE kernels.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Format(str, enum.Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Source(str, enum.Enum):
    auto = "auto"
    naif = "naif"
    model = "model"


class ExecutorKind(str, enum.Enum):
    inline = "inline"
    processes = "processes"
    dask = "dask"


ExecutorOpt = typer.Option(None, "--executor",
                           help="Where the perijoves run: in this process, a local process "
                                "pool, or Dask distributed (default: processes when "
                                "--workers > 1; dask with --scheduler).")
SchedulerOpt = typer.Option(None, "--scheduler",
                            help="Dask scheduler address (tcp://host:8786); without it "
                                 "--executor dask starts a local cluster of --workers.")


def _version(value: bool):
    if value:
        from flyplan import __version__

        print(f"flyplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    naif_url: Optional[str] = typer.Option(
        None, "--naif-url", help="Archive every command fetches missing kernels from: https://, "
        "http://, file:// or a directory laid out like NAIF's (sets FLYPLAN_NAIF_URL)."),
    offline: bool = typer.Option(False, "--offline",
                                 help="Never touch the network (sets FLYPLAN_OFFLINE)."),
):
    """Juno perijove geometry and observation planning on SPICE kernels.

    Conventions: altitude above the 1-bar ellipsoid (nearest point); latitudes
    planetographic (lat_pg) and planetocentric (lat_pc); System III longitude
    west-positive; speed relative to Jupiter's centre (599), inertial; UTC with Z
    and ET (TDB seconds past J2000).
    """
    import os

    # The library reads these from the environment; a global option is the one
    # place every command (perijove, events, plan, kernels ...) honours them.
    if naif_url:
        os.environ["FLYPLAN_NAIF_URL"] = naif_url
    if offline:
        os.environ["FLYPLAN_OFFLINE"] = "1"


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", markup=True,
                                                soft_wrap=True)


def friendly_errors(func):
    """Turn the errors a user can act on into a message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from flyplan.errors import FlyplanError
        from flyplan.products.diagnostics import reset

        reset()  # each note is said once per run
        try:
            return func(*args, **kwargs)
        except FlyplanError as exc:
            _err(_escape(str(exc)))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - SPICE errors get a message, not a traceback
            if type(exc).__module__.startswith("spiceypy"):
                short = getattr(exc, "short", "") or type(exc).__name__
                detail = (getattr(exc, "long", "") or "").strip()
                _err(_escape(f"SPICE error {short}: {detail}\n  to fix:  check the kernels "
                             "(flyplan kernels status) and the requested times"))
                raise typer.Exit(1) from None
            from flyplan._guard import describe_unexpected

            message = describe_unexpected(exc)
            if message is None:
                raise
            _err(_escape(message))
            raise typer.Exit(1) from None

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _window(value: str) -> str:
    from flyplan.timeutil import parse_window

    try:
        parse_window(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _step(value: str) -> str:
    from flyplan.timeutil import parse_duration

    try:
        s = parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if s <= 0:
        raise typer.BadParameter("the step must be positive")
    return value


KernelsOpt = typer.Option(None, "--kernels", "-k", envvar="FLYPLAN_KERNELS",
                          help="Kernel directory laid out like NAIF's archive "
                               "(default: $FLYPLAN_KERNELS, then the cache).",
                          show_envvar=True)
SourceOpt = typer.Option(Source.auto, "--source", help="Juno trajectory source.")
FormatOpt = typer.Option(Format.table, "--format", "-f", help="Output format.")
OutputOpt = typer.Option(None, "--output", "-o", help="Write CSV/JSON to this file instead of stdout.")


def _outputs(output=None, html=None, *, inputs=(), scenario=None, from_scenario=()):
    """The run's output files, resolved and checked before any work is done.

    ``from_scenario`` names which of ``"output"``/``"html"`` came from the
    scenario file (confined to its directory; see flyplan.products.outputs).
    """
    from flyplan.products.outputs import OutputSet

    outs = OutputSet(inputs=[*inputs, scenario] if scenario else list(inputs))

    def add(value, key, flag, toml_key):
        if value is None:
            return None
        if key in from_scenario:
            return outs.add(value, label=f"[outputs] {toml_key}", scenario=scenario)
        return outs.add(value, label=flag)

    outs.output = add(output, "output", "--output", "file")
    outs.html = add(html, "html", "--html", "html")
    return outs


def _emit(text: str, outs=None) -> None:
    if outs is not None and outs.output is not None:
        outs.set(outs.output, text)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _commit(outs) -> None:
    if outs is None:
        return
    for path in outs.commit():
        print(f"wrote {path}", file=sys.stderr)


def _stream(writer, outs, newline: bool) -> None:
    # Large sample tables stream to the file (at commit) or stdout a block of rows at a time.
    if outs is not None and outs.output is not None:
        outs.set_writer(outs.output, writer)
    else:
        writer(sys.stdout)
        if newline:  # as _emit ends the JSON text
            sys.stdout.write("\n")


def _deliver(result, fmt: "Format", outs, printer, page: Optional[str] = None) -> None:
    """Print or write ``result`` (JSON, CSV or a terminal table), then its HTML page.

    ``printer`` renders the table: a function of the result, or the name of one
    in :mod:`flyplan.products.terminal`.

    Everything is rendered before anything is written, and the files are
    written as a set (:class:`flyplan.products.outputs.OutputSet`), so an error
    leaves no partial output.
    """
    from flyplan.products import terminal as out

    # Large sample tables stream to the file (or stdout) a block of rows at a time.
    if fmt is not Format.table or getattr(outs, "output", None) is not None:
        from flyplan.products import serialize
    if fmt is Format.json:
        _stream(lambda fp: serialize.write_json(result, fp), outs, newline=True)
    elif fmt is Format.csv:
        _stream(lambda fp: serialize.write_csv(result, fp), outs, newline=False)
    else:
        (getattr(out, printer) if isinstance(printer, str) else printer)(result)
        if outs.output is not None:
            _emit(serialize.to_csv(result), outs)
    if page is not None:
        outs.set(outs.html, page)
    _commit(outs)


@app.command()
@friendly_errors
def perijove(
    number: int = typer.Argument(..., help="Perijove number (0 = orbit insertion, 2016-07-05)."),
    window: str = typer.Option("-6h..+6h", "--window", "-w", callback=_window,
                               help="Window around perijove (-6h..+6h, 3h) or UTC..UTC."),
    step: str = typer.Option("60s", "--step", "-s", callback=_step,
                             help="Sampling step (60s, 1m, 0.5h)."),
    kernels: Optional[Path] = KernelsOpt,
    source: Source = typer.Option(Source.auto, "--source",
                                  help="Juno trajectory: NAIF kernels, flyplan's approximate "
                                       "model, or auto (NAIF where it covers)."),
    fmt: Format = FormatOpt,
    output: Optional[Path] = OutputOpt,
    html: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML report here "
                                                             "(a directory: its default name)."),
    html_default: bool = HtmlDefaultOpt,
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Include the Galilean moons."),
    _offline: bool = OfflineEverywhere,
):
    """Geometry of Juno's perijove NUMBER: altitude, latitudes, longitude, speed, moons,
    and its JunoCam imaging highlights."""
    from flyplan.domain import perijove as _pj

    html = pick_html(html, html_default, "pj", number)
    outs = _outputs(output, html)

    # A table only written (not shown, no page) is computed a block of rows at a time.
    from flyplan.domain.perijove_blocks import STREAM_ROWS

    result = _pj.perijove(number, window=window, step=step, kernels=kernels,
                          source=source.value, moons=moons,
                          stream_rows=STREAM_ROWS if fmt is not Format.table and not html else None)
    page = None
    if html:
        from flyplan.products.html.highlights import highlights_section
        from flyplan.products.html.pages import perijove_html

        extra = highlights_section(result)
        page = perijove_html(result, sections=[extra] if extra else [])
    _deliver(result, fmt, outs, "print_perijove", page)

@app.command()
@friendly_errors
def perijoves(
    first: int = typer.Option(0, "--from", help="First perijove."),
    last: Optional[int] = typer.Option(None, "--to",
                                       help="Last perijove (default: last reconstructed)."),
    window: str = typer.Option("-3h..+3h", "--window", "-w", callback=_window,
                               help="Sampled window around each perijove."),
    step: str = typer.Option("10s", "--step", "-s", callback=_step, help="Sampling step."),
    kernels: Optional[Path] = KernelsOpt,
    source: Source = SourceOpt,
    workers: int = typer.Option(1, "--workers", "-j", min=1,
                                help="Processes to use (SPICE is not thread-safe)."),
    fmt: Format = FormatOpt,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write CSV/JSON here."),
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Moon closest approaches."),
    executor: Optional[ExecutorKind] = ExecutorOpt,
    scheduler: Optional[str] = SchedulerOpt,
    _offline: bool = OfflineEverywhere,
):
    """The mission table: one row per perijove (geometry, moon closest approaches, source)."""
    from flyplan.cli_support import progress_bar
    from flyplan.domain.mission import perijoves as _table
    from flyplan.timetable import timetable

    if last is not None and last < first:
        raise typer.BadParameter(f"--to {last} is before --from {first}")
    outs = _outputs(output)
    top = last if last is not None else max(k for k, v in timetable().items()
                                            if v.status == "reconstructed")
    with progress_bar(top - first + 1, "mission table") as advance:
        result = _table(first, last, window=window, step=step, kernels=kernels,
                        source=source.value, moons=moons, workers=workers, progress=advance,
                        executor=executor and executor.value, scheduler=scheduler)
    _deliver(result, fmt, outs, "print_mission")


# -- observe: Jupiter from the ground before a perijove ----------------------------------

class Twilight(str, enum.Enum):
    civil = "civil"
    nautical = "nautical"
    astronomical = "astronomical"


def _site(value: str) -> str:
    from flyplan.sites import parse_site

    try:
        parse_site(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _positive(value: float) -> float:
    if not value > 0:
        raise typer.BadParameter("must be positive")
    return value


def _altitude(value: float) -> float:
    if not -90.0 < value < 90.0:
        raise typer.BadParameter("must lie between -90 and 90 degrees")
    return value


def _event_kinds() -> list[str]:
    from flyplan.domain.event_kinds import EVENT_KINDS

    return list(EVENT_KINDS)


def _site_names() -> str:
    from flyplan.sites import SITES

    return ", ".join(SITES)


@app.command()
@friendly_errors
def observe(
    number: int = typer.Argument(..., help="Perijove number (its time comes from flyplan's "
                                           "timetable; no kernels needed)."),
    site: str = typer.Option(..., "--site", callback=_site,
                             help="LAT,LON[,ELEV]: degrees north, degrees east, metres "
                                  "(--site=-31.27,149.06,1149), or a name: "
                                  + _site_names() + "."),
    days: float = typer.Option(7.0, "--days", callback=_positive,
                               help="Days before perijove to cover."),
    min_altitude: float = typer.Option(20.0, "--min-altitude", callback=_altitude,
                                       help="Lowest altitude of Jupiter, degrees."),
    twilight: Twilight = typer.Option(Twilight.nautical, "--twilight",
                                      help="Sun below civil (-6°), nautical (-12°) or "
                                           "astronomical (-18°) twilight."),
    step: str = typer.Option("10m", "--step", "-s", callback=_step,
                             help="Step of the CSV/JSON sample table."),
    longitude: Optional[float] = typer.Option(
        None, "--longitude",
        help="A System III west longitude (e.g. Juno's perijove longitude from 'flyplan "
             "perijove N'): list when it is on the central meridian while observable."),
    ephemeris: Optional[Path] = typer.Option(
        None, "--ephemeris",
        help="Planetary SPK for skyfield (default: DE421 from the skyfield-data wheel)."),
    fmt: Format = FormatOpt,
    output: Optional[Path] = OutputOpt,
    html: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML plot here "
                                                             "(a directory: its default name)."),
    html_default: bool = HtmlDefaultOpt,
    _offline: bool = OfflineEverywhere,
):
    """When Jupiter is observable from a site before perijove NUMBER, and its central meridian.

    For each night: darkness, Jupiter's rise/transit/set, the intervals when
    Jupiter is above --min-altitude in --twilight darkness, and Jupiter's System
    III central-meridian longitude (CML) then, so you know which longitudes face
    Earth and when to image them.  Needs only skyfield and the skyfield-data
    wheel: nothing is downloaded.
    """
    from flyplan.domain.observe import observe as _observe

    html = pick_html(html, html_default, "observe_pj", number)
    outs = _outputs(output, html, inputs=[ephemeris] if ephemeris else ())
    result = _observe(number, site, days=days, min_altitude_deg=min_altitude,
                      twilight=twilight.value, step=step, longitude_w_deg=longitude,
                      ephemeris_path=ephemeris)
    page = None
    if html:
        from flyplan.products.html.observe import observe_html

        page = observe_html(result)
    _deliver(result, fmt, outs, "print_observability", page)

# -- flyplan kernels: the kernel manager -------------------------------------------------------

kernels_app = typer.Typer(
    help="Find, fetch, verify and cache the NAIF kernels a perijove or window needs.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]})
app.add_typer(kernels_app, name="kernels")

NaifUrlOpt = typer.Option(None, "--naif-url", envvar="FLYPLAN_NAIF_URL", show_envvar=True,
                          help="Archive to fetch from: https://, http://, file:// or a directory "
                               "laid out like NAIF's (default: NAIF's public archive).")
OfflineOpt = typer.Option(False, "--offline", envvar="FLYPLAN_OFFLINE", show_envvar=True,
                          help="Never touch the network; use what is cached.")
TargetArg = typer.Argument(None, help="Perijove number (1, PJ1) or UTC window "
                                      "(2016-08-27T06:00Z..2016-08-27T19:00Z).")


class KernelFormat(str, enum.Enum):
    table = "table"
    json = "json"


def _kernel_request(target, window, kernels, naif_url):
    """Candidates, base URL and window (or None) for a kernels sub-command."""
    from flyplan.kernels import fetch
    from flyplan.kernels import select

    base = fetch.naif_url(naif_url)
    cands = select.candidates(select.kernel_dirs(kernels))
    if target is None:
        return cands, base, None
    from flyplan.errors import FlyplanError
    from flyplan.orbit import resolve_target

    try:
        t0, t1, label = resolve_target(target, window, cands=cands)
    except FlyplanError as exc:
        if exc.__class__ is not FlyplanError:
            raise
        raise typer.BadParameter(exc.message, param_hint="TARGET") from None
    return cands, base, (t0, t1, label)


@kernels_app.command("plan")
@friendly_errors
def kernels_plan(
    target: str = typer.Argument(..., help="Perijove number (1, PJ1) or UTC window "
                                           "(2016-08-27T06:00Z..2016-08-27T19:00Z)."),
    window: str = typer.Option("-6h..+6h", "--window", "-w", callback=_window,
                               help="Window around the perijove."),
    source: Source = SourceOpt,
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Plan a moon ephemeris."),
    satellites: bool = typer.Option(False, "--satellites",
                                    help="Include JPL's satellite ephemeris (jup365.bsp, "
                                         "~1.1 GB)."),
    instruments: bool = typer.Option(False, "--instruments",
                                     help="Include Juno's FK, JunoCam IK, SCLK, structure "
                                          "SPK, GM."),
    kernels: Optional[Path] = KernelsOpt,
    naif_url: Optional[str] = NaifUrlOpt,
    offline: bool = OfflineOpt,
    refresh: bool = typer.Option(False, "--refresh", help="Read NAIF's directory listing again."),
    fmt: KernelFormat = typer.Option(KernelFormat.table, "--format", "-f", help="Output format."),
):
    """Show the smallest set of kernels that serves a perijove or window, and what is cached."""
    import json

    from flyplan.kernels import cache as manager
    from flyplan.products.terminal import print_kernels

    cands, base, (t0, t1, label) = _kernel_request(target, window, kernels, naif_url)
    p = manager.needs(t0, t1, source=source.value, moons=moons, satellites=satellites,
                      instruments=instruments, base=base, refresh=refresh, cands=cands,
                      network=False if offline else None)
    if fmt is KernelFormat.json:
        print(json.dumps({"target": label, "base_url": p.base,
                          "items": [i.as_dict() for i in p.items], "notes": p.notes}, indent=1))
    else:
        print_kernels(p, label)


@kernels_app.command("fetch")
@friendly_errors
def kernels_fetch(
    target: Optional[str] = TargetArg,
    window: str = typer.Option("-6h..+6h", "--window", "-w", callback=_window,
                               help="Window around the perijove."),
    source: Source = SourceOpt,
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Fetch a moon ephemeris."),
    satellites: bool = typer.Option(False, "--satellites",
                                    help="Also fetch JPL's satellite ephemeris (jup365.bsp, "
                                         "~1.1 GB)."),
    instruments: bool = typer.Option(False, "--instruments",
                                     help="Also fetch Juno's FK, JunoCam IK, SCLK, structure "
                                          "SPK, GM."),
    kernels: Optional[Path] = KernelsOpt,
    naif_url: Optional[str] = NaifUrlOpt,
    refresh: bool = typer.Option(False, "--refresh", help="Read NAIF's directory listing again."),
    _offline: bool = OfflineEverywhere,
):
    """Fetch (once, verified) the kernels a perijove or window needs into the cache.

    Without TARGET: the generic kernels (and with --satellites, jup365.bsp).
    """
    from flyplan.errors import FetchError
    from flyplan.kernels import cache as manager
    from flyplan.kernels.fetch import _human, offline
    from flyplan.products.terminal import print_kernels

    if offline():
        raise FetchError("flyplan is offline (FLYPLAN_OFFLINE is set): nothing can be fetched",
                         hint="unset FLYPLAN_OFFLINE, or place the kernels by hand "
                              "(`flyplan kernels plan` shows where)")
    cands, base, req = _kernel_request(target, window, kernels, naif_url)
    t0, t1, label = req if req else (None, None, "the generic kernels")
    from flyplan.kernels import netstate
    from flyplan.kernels.fetch import _host

    netstate.forget(_host(base))  # asked to fetch: try, whatever an earlier run found
    out = manager.provide(t0, t1, cands=cands, source=source.value, moons=moons,
                          satellites=satellites, instruments=instruments or target is None,
                          base=base, network=True, refresh=refresh,
                          progress=lambda m: print(m, file=sys.stderr, flush=True))
    for path, why in out.removed:
        print(f"removed corrupt cached {path.name} ({why})", file=sys.stderr)
    print_kernels(out.needs, label)
    got = sum(f.size for f in out.fetched)
    print(f"fetched {len(out.fetched)} file(s), {_human(got)}", file=sys.stderr)
    missing = [i for i in out.needs.items if i.status == "missing"]
    if out.failures or missing:
        lines = [str(e) for e in out.failures.values()] + [f"{i.name}: {i.note}" for i in missing]
        raise FetchError(f"{len(out.failures) + len(missing)} kernel(s) could not be provided:\n"
                         + "\n".join(lines))


@kernels_app.command("status")
@friendly_errors
def kernels_status(
    verify: bool = typer.Option(True, "--verify/--no-verify",
                                help="Hash every cached kernel (slower for large files)."),
    fmt: KernelFormat = typer.Option(KernelFormat.table, "--format", "-f", help="Output format."),
    _offline: bool = OfflineEverywhere,
):
    """What is in the cache: each kernel's size, sha256, whether it verifies, and its source;
    then the kernels flyplan built itself (moons, Juno model, constants) with their sizes."""
    import json

    from flyplan.kernels import cache as manager
    from flyplan.ephemeris import manifest
    from flyplan.kernels.inventory import built_kernels
    from flyplan.paths import built_dir, cache_dir, naif_cache_dir
    from flyplan.products.terminal import print_built_kernels, print_cache_status

    rows = manager.cache_status(verify=verify)
    built = built_kernels()
    for r in built:
        r["state"] = manifest.state(cache_dir() / r["path"])
    if fmt is KernelFormat.json:
        print(json.dumps({"cache": str(naif_cache_dir()), "kernels": rows,
                          "built_dir": str(built_dir()), "built": built}, indent=1))
        return
    print_cache_status(naif_cache_dir(), rows)
    print_built_kernels(built_dir(), built)


@kernels_app.command("build")
@friendly_errors
def kernels_build(_offline: bool = OfflineEverywhere):
    """Build flyplan's built-in Galilean-moon SPKs into the cache now (else on first use).

    One file per year: Io, Europa, Ganymede, Callisto and Jupiter's centre
    for 2015-12 .. 2031-01, integrated from constants fitted to JPL's jup310;
    NAIF's jup3xx is preferred whenever one covers a window.
    """
    from flyplan.ephemeris import moons_spk
    from flyplan.kernels.fetch import _human

    for path in moons_spk.galilean_spks(progress=lambda m: print(m, file=sys.stderr, flush=True)):
        print(f"{path} ({_human(path.stat().st_size)})")
    print(moons_spk.ACCURACY_NOTE, file=sys.stderr)


@kernels_app.command("clean")
@friendly_errors
def kernels_clean(
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    everything: bool = typer.Option(False, "--all",
                                    help="Also remove kernels flyplan generated and metakernels."),
    _offline: bool = OfflineEverywhere,
):
    """Delete the downloaded kernels from the cache (never anything outside it)."""
    from flyplan.kernels import cache as manager
    from flyplan.errors import FlyplanError
    from flyplan.kernels.fetch import _human
    from flyplan.paths import cache_dir, naif_cache_dir

    what = naif_cache_dir() if not everything else cache_dir()
    if not yes:
        if not sys.stdin.isatty():
            raise FlyplanError(f"refusing to delete the kernels in {what} without confirmation",
                               hint="pass --yes")
        if not typer.confirm(f"delete flyplan's kernels in {what}?", default=False):
            print("nothing deleted", file=sys.stderr)
            raise typer.Exit(0)
    count, freed, left = manager.clean_cache(everything=everything)
    print(f"deleted {count} file(s), {_human(freed)} from {what}", file=sys.stderr)
    for path in left[:20]:
        note = "" if path.endswith(")") else " (not flyplan's)"
        print(f"left in place{note}: {path}", file=sys.stderr)


# -- events and plans ---------------------------------------------------------------------------
@app.command()
@friendly_errors
def events(
    number: int = typer.Argument(..., help="Perijove number."),
    window: Optional[str] = typer.Option(
        None, "--window", "-w", callback=lambda v: _window(v) if v else v,
        help="Window around perijove (-12h..+6h) or UTC..UTC; default: the whole orbit, "
             "preceding to following apojove."),
    latitude: list[float] = typer.Option(
        [], "--latitude", "--lat", help="Also report crossings of this planetographic "
                                        "latitude (deg; repeatable). Every 10 deg always."),
    altitude: list[float] = typer.Option(
        [], "--altitude", "--alt", help="Also report crossings of this altitude (km above "
                                        "the 1-bar ellipsoid; repeatable). 10,000, 20,000 and "
                                        "50,000 km always."),
    kind: list[str] = typer.Option([], "--kind", help="Only these kinds (repeatable; a prefix "
                                                      "such as occultation or closest selects "
                                                      "a family). Kinds: " + ", ".join(
                                                          _event_kinds()) + "."),
    body: list[str] = typer.Option([], "--body", "-b",
                                   help="Only events of these bodies (repeatable): Jupiter "
                                        "(Juno's own events), Io, Europa, Ganymede, Callisto."),
    kernels: Optional[Path] = KernelsOpt,
    source: Source = SourceOpt,
    fmt: Format = FormatOpt,
    output: Optional[Path] = OutputOpt,
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Search the Galilean moons."),
    _offline: bool = OfflineEverywhere,
):
    """Events of perijove NUMBER's orbit, found with the SPICE Geometry Finder.

    Perijove and apojoves, equator and latitude crossings, altitude thresholds,
    terminator crossings of the sub-spacecraft point, and per Galilean moon its
    closest approach, occultation by Jupiter, eclipse and transit.
    """
    from flyplan.cli_support import check_bodies, expand_kinds, filter_bodies
    from flyplan.domain.events import DEFAULT_ALTITUDES_KM
    from flyplan.domain.events import events as _events

    kinds = expand_kinds(kind)
    check_bodies(body)  # before the work, not after it
    outs = _outputs(output)
    res = _events(number, window, kernels=kernels, source=source.value, moons=moons,
                  latitudes=latitude, altitudes_km=tuple(DEFAULT_ALTITUDES_KM) + tuple(altitude),
                  kinds=kinds)
    filter_bodies(res, body)
    _deliver(res, fmt, outs, "print_events")


@app.command()
@friendly_errors
def plan(
    scenario: Path = typer.Argument(..., help="Scenario file (TOML), e.g. "
                                              "scenarios/pj38_io_callisto.toml."),
    kernels: Optional[Path] = KernelsOpt,
    fmt: Optional[Format] = typer.Option(
        None, "--format", "-f", help="Output format (default: the file's outputs.format)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write CSV/JSON here (default: outputs.file)."),
    html: Optional[Path] = typer.Option(None, "--html",
                                        help="Also write an HTML table (default: outputs.html)."),
    html_default: bool = HtmlDefaultOpt,
    workers: int = typer.Option(1, "--workers", "-j", min=1,
                                help="Processes for multi-perijove scenarios."),
    executor: Optional[ExecutorKind] = ExecutorOpt,
    scheduler: Optional[str] = SchedulerOpt,
    source: Optional[Source] = typer.Option(None, "--source",
                                            help="Juno trajectory source (overrides the file's)."),
    window: Optional[str] = typer.Option(None, "--window", "-w",
                                         callback=lambda v: _window(v) if v else v,
                                         help="Window (overrides the file's): -6h..+6h "
                                              "around each perijove, or UTC..UTC."),
    step: Optional[str] = typer.Option(None, "--step", "-s",
                                       callback=lambda v: _step(v) if v else v,
                                       help="Search step (overrides the file's)."),
    _offline: bool = OfflineEverywhere,
):
    """Windows in which every constraint of a SCENARIO file holds.

    Prints the windows with the geometry at their start, middle and end; a bad
    scenario (unknown key, wrong type, impossible window, unknown target) is
    reported with its file, key and line, exit status 1.
    """
    from flyplan.cli_support import progress_bar
    from flyplan.domain.overrides import with_overrides
    from flyplan.domain.plan import load_scenario, plan as _plan
    from flyplan.products.html.pages import plan_html

    sc = load_scenario(scenario)
    sc = with_overrides(sc, path=str(scenario), source=source.value if source else None,
                        window=window, step=step)
    numbers = sc.perijove_numbers()
    # Files the scenario names stay inside its directory; the command line's go anywhere.
    html = pick_html(html, html_default, "plan_", Path(scenario).stem)
    given = {k for k, cli, v in (("output", output, sc.outputs.file),
                                 ("html", html, sc.outputs.html)) if cli is None and v}
    outs = _outputs(output or sc.outputs.file, html or sc.outputs.html, scenario=scenario,
                    from_scenario=given)
    with progress_bar(len(numbers) if numbers is not None else 1, "planning") as advance:
        res = _plan(sc, kernels=kernels, workers=workers, progress=advance,
                    executor=executor and executor.value, scheduler=scheduler)
    res.path = str(scenario)
    fmt = fmt or Format(sc.outputs.format)
    page = plan_html(res) if outs.html is not None else None
    _deliver(res, fmt, outs, "print_plan", page)


# -- image: JunoCam image geometry ----------------------------------------------------------------
@app.command()
@friendly_errors
def image(
    files: list[Path] = typer.Argument(..., help="JunoCam <id>-Metadata.json, PDS3 label or "
                                                 "ISIS3 cube label (one or more)."),
    ck: list[Path] = typer.Option([], "--ck", help="Juno attitude C-kernel (juno_sc_*.bc) giving "
                                                   "JunoCam's pointing (repeatable)."),
    backplanes: Optional[Path] = typer.Option(
        None, "--backplanes", help="Write per-pixel backplanes (NetCDF, .nc); needs --ck. With "
                                   "several FILEs, one file each: OUT_<product>.nc."),
    step: int = typer.Option(1, "--step", min=1, help="Backplane pixel step (1: every pixel)."),
    kernels: Optional[Path] = KernelsOpt,
    source: Source = SourceOpt,
    fmt: Format = FormatOpt,
    output: Optional[Path] = OutputOpt,
    html: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML page here."),
    _offline: bool = OfflineEverywhere,
):
    """Geometry of JunoCam raw images: framelet times, Juno's position, footprints, self-check.

    Each framelet's start, mid-exposure and end time (IK timing formula), Juno's
    altitude and sub-spacecraft point; with --ck the boresight, centre and corner
    pixels on Jupiter (planetographic latitude, System III west longitude) and
    per-pixel backplanes; without it, what lies in JunoCam's swath (the spin
    phase is unknown).  The label's own altitude and sub-spacecraft point are
    compared with flyplan's (the self-check).
    """
    from flyplan.domain.image import ImageSet, image as _image, write_backplanes
    from flyplan.products.image_table import print_images

    outs = _outputs(output, html, inputs=[*files, *ck])
    res = ImageSet([_image(f, ck=ck, kernels=kernels, source=source.value) for f in files])
    planes = []
    if backplanes:
        for im in res.images:
            out = backplanes if len(res.images) == 1 else backplanes.with_name(
                f"{backplanes.stem}_{im.product_id}{backplanes.suffix}")
            # Checked with the other outputs (no collision, an existing directory).
            planes.append((outs.add(out, label="--backplanes"), im.backplanes(step=step)))
    page = None
    if html:
        from flyplan.products.html.image import image_html

        page = image_html(res)
    for out, ds in planes:
        write_backplanes(ds, out)
        print(f"wrote {out}", file=sys.stderr)
    _deliver(res, fmt, outs, print_images, page)


# -- JunoCam on Jupiter: coverage maps and points of interest ---------------------------------
def _limits_opts():
    return dict(
        max_emission=typer.Option(None, "--max-emission", help="Only views with emission at or "
                                  "below this, degrees."),
        max_incidence=typer.Option(None, "--max-incidence", help="Only views with solar "
                                   "incidence at or below this, degrees."),
        lit=typer.Option(False, "--lit/--any-light", help="Only daylit views."))


ExtraKernelOpt = typer.Option([], "--kernel", "--ck",
                              help="Also load this kernel file (repeatable), e.g. a Juno "
                                   "attitude C-kernel: the spin axis then comes from it.")


@app.command()
@friendly_errors
def coverage(
    number: int = typer.Argument(..., help="Perijove number."),
    window: str = typer.Option("-3h..+3h", "--window", "-w", callback=_window,
                               help="Window around perijove (-3h..+3h) or UTC..UTC."),
    step: str = typer.Option("10s", "--step", "-s", callback=_step, help="Sampling step."),
    res: float = typer.Option(1.0, "--res", help="Grid cell size, degrees (lat_pg x lon_w)."),
    max_emission: Optional[float] = _limits_opts()["max_emission"],
    max_incidence: Optional[float] = _limits_opts()["max_incidence"],
    lit: bool = _limits_opts()["lit"],
    kernels: Optional[Path] = KernelsOpt,
    extra: list[Path] = ExtraKernelOpt,
    source: Source = SourceOpt,
    fmt: Format = FormatOpt,
    output: Optional[Path] = OutputOpt,
    netcdf: Optional[Path] = typer.Option(None, "--netcdf", help="Also write the grid as "
                                                                 "NetCDF here."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write the HTML map here "
                                                             "(a directory: its default name)."),
    html_default: bool = HtmlDefaultOpt,
    _offline: bool = OfflineEverywhere,
):
    """JunoCam's coverage of Jupiter's cloud tops over perijove NUMBER's pass.

    Per planetographic-latitude x System III west-longitude cell: the finest
    pixel scale while the cell faces Juno and lies in the swath, its time (SCET
    and ERT), emission, incidence and phase then, and whether it was lit.
    """
    from flyplan.domain.coverage import coverage as _coverage
    from flyplan.products.coverage_text import print_coverage

    html = pick_html(html, html_default, "coverage_pj", number)
    outs = _outputs(output, html)
    if netcdf:
        outs.add(netcdf, label="--netcdf")  # checked with the others; written as bytes
    result = _coverage(number, window=window, step=step, res_deg=res, kernels=kernels,
                       source=source.value, extra_kernels=extra, max_emission_deg=max_emission,
                       max_incidence_deg=max_incidence, lit=lit)
    from flyplan.products.coverage_io import netcdf_bytes

    page = nc = None
    if html:
        from flyplan.products.html.coverage import coverage_html

        page = coverage_html(result)
    if netcdf:
        nc = netcdf_bytes(result)
    _deliver(result, fmt, outs, print_coverage, page)
    if nc is not None:
        _write_bytes_atomic(netcdf, nc)
        print(f"wrote {netcdf}", file=sys.stderr)


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    import os

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@app.command()
@friendly_errors
def targets(
    number: int = typer.Argument(..., help="Perijove number."),
    poi: list[str] = typer.Option([], "--poi", help='Point of interest "NAME:LAT,LON" (System '
                                  'III west longitude, planetographic latitude) or '
                                  '"NAME:LAT,LON,II@EPOCH+DRIFT" (System II, drift deg/day); '
                                  "repeatable."),
    poi_file: Optional[Path] = typer.Option(None, "--poi-file", help="CSV or TOML file of "
                                            "points of interest."),
    window: str = typer.Option("-3h..+3h", "--window", "-w", callback=_window,
                               help="Window around perijove (-3h..+3h) or UTC..UTC."),
    step: str = typer.Option("10s", "--step", "-s", callback=_step, help="Sampling step."),
    max_emission: Optional[float] = _limits_opts()["max_emission"],
    max_incidence: Optional[float] = _limits_opts()["max_incidence"],
    lit: bool = _limits_opts()["lit"],
    max_km_per_px: Optional[float] = typer.Option(None, "--max-km-per-px",
                                                  help="Only views this fine or finer, km/px."),
    kernels: Optional[Path] = KernelsOpt,
    extra: list[Path] = ExtraKernelOpt,
    source: Source = SourceOpt,
    fmt: Format = FormatOpt,
    output: Optional[Path] = OutputOpt,
    html: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML page: the "
                                        "points on the pass's coverage map, and their table "
                                        "(a directory: its default name)."),
    html_default: bool = HtmlDefaultOpt,
    _offline: bool = OfflineEverywhere,
):
    """When JunoCam can image points of interest on Jupiter during perijove NUMBER.

    Per point: the best opportunity (time SCET and ERT, range, km/px, emission,
    incidence, phase, local time, in swath, lit) and every window in which it
    is imageable under the limits.
    """
    from flyplan.domain.targets import parse_poi, read_poi_file
    from flyplan.domain.targets import targets as _targets
    from flyplan.products.coverage_text import print_targets

    html = pick_html(html, html_default, "targets_pj", number)
    outs = _outputs(output, html, inputs=[poi_file] if poi_file is not None else ())
    if not poi and poi_file is None:
        raise typer.BadParameter("give at least one --poi or a --poi-file", param_hint="--poi")
    pois = [parse_poi(x) for x in poi] if poi else []
    if poi_file is not None:
        pois += read_poi_file(poi_file)
    result = _targets(number, pois, window=window, step=step, kernels=kernels,
                      source=source.value, extra_kernels=extra, max_emission_deg=max_emission,
                      max_incidence_deg=max_incidence, lit=lit, max_km_per_px=max_km_per_px)
    page = None
    if html:
        from flyplan.domain.coverage import coverage as _coverage
        from flyplan.products.html.coverage import coverage_html

        cov = _coverage(number, window=window, step=step, kernels=kernels, source=source.value,
                        extra_kernels=extra, max_emission_deg=max_emission,
                        max_incidence_deg=max_incidence, lit=lit)
        page = coverage_html(cov, targets=result)
    _deliver(result, fmt, outs, print_targets, page)


@app.command()
def version(_offline: bool = OfflineEverywhere):
    """Print flyplan's version (as -V/--version), and those of SPICE, Python and numpy."""
    import platform

    from flyplan import __version__

    print(f"flyplan {__version__}")
    try:
        from importlib.metadata import version as _v

        print("  " + ", ".join(f"{m} {_v(m)}" for m in ("spiceypy", "skyfield", "numpy",
                                                           "pandas", "typer")))
    except Exception:  # noqa: BLE001 - the versions of others are a courtesy
        pass
    print(f"  Python {platform.python_version()}")


from flyplan.cli_support import install_examples  # noqa: E402

install_examples(app, {"kernels": kernels_app})


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
