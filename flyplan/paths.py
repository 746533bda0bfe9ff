"""Where flyplan keeps files: the kernel cache and the kernel directory a user names.

Nothing here touches the disk at import time; directories are created by the
code that writes into them.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "built_dir", "naif_cache_dir", "user_kernel_dir"]


def cache_dir() -> Path:
    """The root of flyplan's cache.

    ``$FLYPLAN_CACHE`` when set, else the platform's user cache directory
    (``~/.cache/flyplan`` on Linux), via platformdirs.
    """
    env = os.environ.get("FLYPLAN_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_cache_dir("flyplan", appauthor=False))


def naif_cache_dir() -> Path:
    """Downloaded NAIF kernels, laid out like NAIF's archive (``generic_kernels/...``)."""
    return cache_dir() / "naif"


def built_dir() -> Path:
    """Kernels flyplan generates itself (built-in moon ephemeris, Juno model, constants)."""
    return cache_dir() / "built"


def user_kernel_dir() -> Path | None:
    """The kernel directory named by ``$FLYPLAN_KERNELS``, if any."""
    env = os.environ.get("FLYPLAN_KERNELS")
    return Path(env).expanduser().resolve() if env else None
