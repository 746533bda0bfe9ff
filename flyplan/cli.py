"""The ``flyplan`` command: a thin typer layer over the public API.

Parse, call, print.  Errors a user can act on (:class:`flyplan.errors.FlyplanError`)
print their message and exit with status 1, without a traceback; usage errors
exit with status 2.  Heavy modules (SPICE, pandas, plotly) are imported inside
the commands so that ``flyplan --help`` stays fast.
"""

from __future__ import annotations

import enum
import functools
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    name="flyplan",
    help="Juno perijove geometry and observation planning on SPICE kernels.",
    no_args_is_help=True,
    add_completion=False,
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


def _version(value: bool):
    if value:
        from . import __version__

        print(f"flyplan {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")):
    """Juno perijove geometry and observation planning on SPICE kernels.

    Conventions: altitude above the 1-bar ellipsoid (nearest point); latitudes
    planetographic (lat_pg) and planetocentric (lat_pc); System III longitude
    west-positive; speed relative to Jupiter's centre (599), inertial; UTC with Z
    and ET (TDB seconds past J2000).
    """


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}", markup=True,
                                                soft_wrap=True)


def friendly_errors(func):
    """Turn the errors a user can act on into a message and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import FlyplanError

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
            raise

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _window(value: str) -> str:
    from .timeutil import parse_window

    try:
        parse_window(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    return value


def _step(value: str) -> str:
    from .timeutil import parse_duration

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


def _emit(text: str, output: Optional[Path]) -> None:
    from .output import write_atomic

    if output:
        write_atomic(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


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
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write CSV/JSON to this file instead of stdout."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML report here."),
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Include the Galilean moons."),
):
    """Geometry of Juno's perijove NUMBER: altitude, latitudes, longitude, speed, moons."""
    from . import pj as _pj

    result = _pj.perijove(number, window=window, step=step, kernels=kernels,
                          source=source.value, moons=moons)
    # Render everything first, then write: an error leaves no partial file.
    page = None
    if html:
        from .report.html import perijove_html

        page = perijove_html(result)
    if fmt is Format.json:
        _emit(result.to_json(), output)
    elif fmt is Format.csv:
        _emit(result.to_csv(), output)
    else:
        from .output import print_perijove

        print_perijove(result)
        if output:
            _emit(result.to_csv(), output)
    if page is not None:
        from .output import write_atomic

        write_atomic(html, page)
        print(f"wrote {html}", file=sys.stderr)


# -- events and plans (issue 6) -----------------------------------------------------------------
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
                                                      "such as occultation selects a family)."),
    kernels: Optional[Path] = KernelsOpt,
    source: Source = typer.Option(Source.auto, "--source", help="Juno trajectory source."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write CSV/JSON to this file instead of stdout."),
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Search the Galilean moons."),
):
    """Events of perijove NUMBER's orbit, found with the SPICE Geometry Finder.

    Perijove and apojoves, equator and latitude crossings, altitude thresholds,
    terminator crossings of the sub-spacecraft point, and per Galilean moon its
    closest approach, occultation by Jupiter, eclipse and transit.
    """
    from .eventfinder import DEFAULT_ALTITUDES_KM, EVENT_KINDS
    from .eventfinder import events as _events

    for k in kind:
        if not any(name.startswith(k) for name in EVENT_KINDS):
            raise typer.BadParameter(f"unknown kind {k!r}; kinds: {', '.join(EVENT_KINDS)}",
                                     param_hint="--kind")
    res = _events(number, window, kernels=kernels, source=source.value, moons=moons,
                  latitudes=latitude, altitudes_km=tuple(DEFAULT_ALTITUDES_KM) + tuple(altitude),
                  kinds=kind or None)
    if fmt is Format.json:
        _emit(res.to_json(), output)
    elif fmt is Format.csv:
        _emit(res.to_csv(), output)
    else:
        from .output import print_events

        print_events(res)
        if output:
            _emit(res.to_csv(), output)


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
    workers: int = typer.Option(1, "--workers", "-j", min=1,
                                help="Processes for multi-perijove scenarios."),
):
    """Windows in which every constraint of a SCENARIO file holds.

    Prints the windows with the geometry at their start, middle and end; a bad
    scenario (unknown key, wrong type, impossible window, unknown target) is
    reported with its file, key and line, exit status 1.
    """
    from .scenario import load_scenario, plan as _plan, plan_html

    sc = load_scenario(scenario)
    res = _plan(sc, kernels=kernels, workers=workers)
    res.path = str(scenario)
    fmt = fmt or Format(sc.outputs.format)
    output = output or (Path(sc.outputs.file) if sc.outputs.file else None)
    html = html or (Path(sc.outputs.html) if sc.outputs.html else None)
    page = plan_html(res) if html else None
    if fmt is Format.json:
        _emit(res.to_json(), output)
    elif fmt is Format.csv:
        _emit(res.to_csv(), output)
    else:
        from .output import print_plan

        print_plan(res)
        if output:
            _emit(res.to_csv(), output)
    if page is not None:
        from .output import write_atomic

        write_atomic(html, page)
        print(f"wrote {html}", file=sys.stderr)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
