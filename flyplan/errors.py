"""Exceptions a user can act on.

Every error flyplan raises on purpose is a :class:`FlyplanError`.  Each carries
what went wrong, the kernel or file concerned, what *is* available (for example
the time span a kernel covers) and what to do next.  The CLI prints
``str(error)`` and exits with status 1; it never shows a traceback for these.
"""

from __future__ import annotations

__all__ = [
    "FlyplanError",
    "KernelError",
    "CoverageError",
    "PerijoveError",
    "FetchError",
    "ScenarioError",
    "InputError",
    "LimitError",
    "OutputError",
    "ImageError",
    "spice_message",
]


class FlyplanError(Exception):
    """Base class of the errors a user can act on.

    Parameters
    ----------
    message : str
        What went wrong, in one sentence.
    kernel : str, optional
        The kernel file (path or name) concerned.
    covered : str, optional
        What the loaded data does cover (time spans, perijove numbers).
    hint : str, optional
        What to do about it.
    """

    def __init__(self, message: str, *, kernel: str | None = None,
                 covered: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.kernel = kernel
        self.covered = covered
        self.hint = hint

    def __str__(self) -> str:
        lines = [self.message]
        if self.kernel:
            lines.append(f"  kernel:  {self.kernel}")
        if self.covered:
            lines.append(f"  covered: {self.covered}")
        if self.hint:
            lines.append(f"  to fix:  {self.hint}")
        return "\n".join(lines)


class KernelError(FlyplanError):
    """A kernel or kernel directory is missing, unreadable or not a kernel."""


class CoverageError(FlyplanError):
    """The loaded kernels do not cover the requested time or body."""


class PerijoveError(FlyplanError):
    """A perijove number that the available data cannot place."""


class FetchError(FlyplanError):
    """A kernel could not be downloaded or verified."""


class ScenarioError(FlyplanError):
    """A scenario file that does not validate."""


class ImageError(FlyplanError):
    """A JunoCam image label or metadata file that cannot be read or is incomplete."""


class InputError(FlyplanError, ValueError):
    """An argument that is not a valid value (a ``ValueError`` too, so callers that
    catch ``ValueError`` keep working)."""


class LimitError(InputError):
    """A request larger than flyplan's work limits (samples, perijoves)."""


class OutputError(FlyplanError):
    """An output file that may not or cannot be written."""


def spice_message(exc) -> str:
    """SPICE's short error name and the first line of its long message, for one line."""
    short = getattr(exc, "short", "") or ""
    detail = (getattr(exc, "long", "") or str(exc)).strip().splitlines()
    return f"{short} {detail[0] if detail else ''}".strip()
