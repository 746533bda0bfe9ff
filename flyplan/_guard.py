"""The last line of defence: what reaches the user when a check upstream missed a case.

flyplan validates its inputs where they enter (:mod:`flyplan.timeutil`,
:mod:`flyplan.domain.plan`, :mod:`flyplan.products.outputs` ...) and raises
:class:`~flyplan.errors.FlyplanError` subclasses.  Two wrappers make sure that
nothing else escapes:

- :func:`api_guard` wraps the public functions of :mod:`flyplan` so a bad
  argument that slipped past the checks still arrives as a ``FlyplanError``
  (an :class:`~flyplan.errors.InputError`, which is also a ``ValueError``),
  with the original exception chained for debugging;
- :func:`describe_unexpected` gives the CLI one line for an exception that is
  not a ``FlyplanError`` (a file-system error, memory exhausted), instead of
  a traceback.  ``FLYPLAN_TRACEBACK=1`` shows the traceback instead.
"""

from __future__ import annotations

import errno
import functools
import os

from flyplan.errors import FlyplanError, InputError, KernelError, LimitError

__all__ = ["api_guard", "describe_unexpected"]

_RAW = (ValueError, TypeError, OverflowError, AttributeError, RecursionError, KeyError,
        IndexError, ZeroDivisionError)


def api_guard(func, name: str | None = None):
    """Wrap a public function so that it raises only FlyplanError subclasses for bad input."""
    label = name or func.__name__

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FlyplanError:
            raise
        except MemoryError:
            raise LimitError(f"flyplan.{label}: the request does not fit in memory",
                             hint="use a longer step or a shorter window") from None
        except OSError as exc:
            raise FlyplanError(f"flyplan.{label}: {_os_text(exc)}",
                               hint=_os_hint(exc)) from exc
        except _RAW as exc:
            raise InputError(f"flyplan.{label}: bad argument ({type(exc).__name__}: "
                             f"{_short(exc)})", hint=f"see help(flyplan.{label})") from exc
        except Exception as exc:
            if type(exc).__module__.startswith("spiceypy"):
                short = getattr(exc, "short", "") or type(exc).__name__
                raise KernelError(f"flyplan.{label}: SPICE error {short}",
                                  hint="check the kernels (flyplan kernels status) and the "
                                       "requested times") from exc
            raise

    wrapper.__wrapped_by_guard__ = True
    return wrapper


def describe_unexpected(exc: BaseException) -> str | None:
    """One message for an exception the CLI did not expect, or None to re-raise it."""
    if os.environ.get("FLYPLAN_TRACEBACK", "").strip() not in ("", "0"):
        return None
    if type(exc).__module__.split(".")[0] in ("click", "typer"):
        return None  # usage errors and exits: the CLI framework reports them (status 2)
    if isinstance(exc, MemoryError):
        return ("the request does not fit in memory\n  to fix:  use a longer step or a shorter "
                "window, or lower FLYPLAN_MAX_SAMPLES")
    if isinstance(exc, RecursionError):
        return "the input is nested too deeply to read\n  to fix:  simplify it"
    if isinstance(exc, OSError):
        return f"{_os_text(exc)}\n  to fix:  {_os_hint(exc)}"
    return (f"unexpected error ({type(exc).__name__}: {_short(exc)})\n  to fix:  this is a "
            "flyplan bug: please report it with the command line (FLYPLAN_TRACEBACK=1 shows "
            "the details)")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else "")[:300]


def _os_text(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    why = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
           errno.EACCES: "permission denied", errno.ENAMETOOLONG: "the file name is too long",
           errno.ENOENT: "no such file or directory"}.get(exc.errno, exc.strerror or str(exc))
    return f"cannot access{where}: {why}"


def _os_hint(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "free some space, or set FLYPLAN_CACHE / the output to another disk"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "use a directory you can write to (FLYPLAN_CACHE for the cache)"
    return "check the path"
