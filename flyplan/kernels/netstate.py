"""A remembered "offline" state per archive host, so an offline machine pays once.

When a connection to a kernel archive's host fails (name not resolved,
refused, timed out, network unreachable), the failure is written to
``<cache>/.network.json`` with its time.  For :data:`REMEMBER_S` seconds
afterwards every flyplan process treats that host as unreachable without
trying it again (``$FLYPLAN_OFFLINE_TTL`` overrides the span; 0 turns the
memory off).  A successful connection, ``flyplan kernels fetch`` (which
always tries) and ``forget()`` clear the entry.

The file is small JSON; a missing, unreadable or unwritable file only costs
one more attempt.  Nothing here touches the network.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

__all__ = ["REMEMBER_S", "remember_s", "remembered", "remember", "forget", "state_path"]

# Ten minutes: long enough that a batch of commands (a plan over every
# perijove, a notebook session) asks once, short enough that a machine that
# comes back online is noticed without the user doing anything.
REMEMBER_S = 600.0


def remember_s() -> float:
    """Seconds an unreachable host is remembered (``$FLYPLAN_OFFLINE_TTL`` or :data:`REMEMBER_S`)."""
    raw = os.environ.get("FLYPLAN_OFFLINE_TTL", "").strip()
    try:
        return max(0.0, float(raw)) if raw else REMEMBER_S
    except ValueError:
        return REMEMBER_S


def state_path() -> Path:
    """``<cache>/.network.json``."""
    from flyplan.paths import cache_dir

    return cache_dir() / ".network.json"


def _read() -> dict:
    try:
        data = json.loads(state_path().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write(data: dict) -> None:
    path = state_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs another attempt next run


def remembered(host: str, now: float | None = None) -> tuple[str, float] | None:
    """Why ``host`` (``scheme://netloc``) was unreachable and how long ago (s), if still remembered."""
    ttl = remember_s()
    if ttl <= 0:
        return None
    entry = _read().get(host)
    if not isinstance(entry, dict):
        return None
    try:
        age = (time.time() if now is None else now) - float(entry["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if not 0.0 <= age < ttl:
        return None
    return str(entry.get("why", "unreachable")), age


def remember(host: str, why: str, now: float | None = None) -> None:
    """Record that ``host`` could not be reached, and why."""
    if remember_s() <= 0:
        return
    data = _read()
    data[host] = {"why": why, "at": time.time() if now is None else now}
    _write(data)


def forget(host: str | None = None) -> None:
    """Drop the memory of ``host`` (every host when None)."""
    data = _read()
    if host is None:
        if data:
            _write({})
        return
    if data.pop(host, None) is not None:
        _write(data)
