"""Run flyplan's real console entry point in a subprocess, as a user's script would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run_flyplan(*args, env=None, cwd=None, timeout: float = 600, drop=()):
    """``python -m flyplan ARGS`` with this checkout first on the path.

    Parameters
    ----------
    *args
        Command-line arguments (converted with ``str``).
    env : dict, optional
        Variables to set on top of the test's environment.
    cwd : path-like, optional
        Working directory.
    timeout : float
        Seconds before the run is killed (a hang fails the test).
    drop : iterable of str
        Variables to remove from the environment.

    Returns
    -------
    subprocess.CompletedProcess
        With text ``stdout`` and ``stderr``.
    """
    full = {k: v for k, v in os.environ.items() if k not in set(drop)}
    full.update(env or {})
    paths = [p for p in (full.get("PYTHONPATH") or "").split(os.pathsep) if p]
    full["PYTHONPATH"] = os.pathsep.join([*paths, str(REPO)] if str(REPO) not in paths
                                         else paths)
    return subprocess.run([sys.executable, "-m", "flyplan", *map(str, args)],
                          capture_output=True, text=True, env=full, cwd=cwd, timeout=timeout)
