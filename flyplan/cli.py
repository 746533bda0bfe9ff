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
    source: Source = typer.Option(Source.auto, "--source", help="Juno trajectory source."),
    workers: int = typer.Option(1, "--workers", "-j", min=1,
                                help="Processes to use (SPICE is not thread-safe)."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write CSV/JSON here."),
    moons: bool = typer.Option(True, "--moons/--no-moons", help="Moon closest approaches."),
):
    """The mission table: one row per perijove (geometry, moon closest approaches, source)."""
    from .mission import perijoves as _table
    from .output import mission_csv, mission_json, print_mission

    if last is not None and last < first:
        raise typer.BadParameter(f"--to {last} is before --from {first}")
    df = _table(first, last, window=window, step=step, kernels=kernels, source=source.value,
                moons=moons, workers=workers)
    if fmt is Format.json:
        _emit(mission_json(df), output)
    elif fmt is Format.csv:
        _emit(mission_csv(df), output)
    else:
        print_mission(df)
        if output:
            _emit(mission_csv(df), output)


# -- observe: Jupiter from the ground before a perijove (issue 9) -----------------------

class Twilight(str, enum.Enum):
    civil = "civil"
    nautical = "nautical"
    astronomical = "astronomical"


def _site(value: str) -> str:
    from .sites import parse_site

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


def _site_names() -> str:
    from .sites import SITES

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
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write CSV/JSON to this file instead of stdout."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write an HTML plot here."),
):
    """When Jupiter is observable from a site before perijove NUMBER, and its central meridian.

    For each night: darkness, Jupiter's rise/transit/set, the intervals when
    Jupiter is above --min-altitude in --twilight darkness, and Jupiter's System
    III central-meridian longitude (CML) then, so you know which longitudes face
    Earth and when to image them.  Needs only skyfield and the skyfield-data
    wheel: nothing is downloaded.
    """
    from .observing import observe as _observe

    result = _observe(number, site, days=days, min_altitude_deg=min_altitude,
                      twilight=twilight.value, step=step, longitude_w_deg=longitude,
                      ephemeris_path=ephemeris)
    page = None
    if html:
        from .report.observe import observe_html

        page = observe_html(result)
    if fmt is Format.json:
        _emit(result.to_json(), output)
    elif fmt is Format.csv:
        _emit(result.to_csv(), output)
    else:
        from .output import print_observability

        print_observability(result)
        if output:
            _emit(result.to_csv(), output)
    if page is not None:
        from .output import write_atomic

        write_atomic(html, page)
        print(f"wrote {html}", file=sys.stderr)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
