"""The suite's CLI checks pass whatever the user's environment says.

A user's shell may point FLYPLAN_CACHE at a warm cache (with a remembered
"offline" state), FLYPLAN_KERNELS at a directory with a broken file, and set
NO_COLOR and a 40-column terminal.  None of it may reach the tests: the
conftest gives every session its own cache and drops the rest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _hostile_env(tmp_path: Path) -> dict:
    cache = tmp_path / "user-cache"
    (cache / "built").mkdir(parents=True)
    # A remembered offline state and a built kernel that is not a kernel.
    (cache / ".network.json").write_text(json.dumps(
        {"http://127.0.0.1:9": {"why": "refused", "at": time.time()}}))
    (cache / "built" / "galilean_jup310fit_000000000000.bsp").write_bytes(b"not a kernel")
    kernels = tmp_path / "user-kernels"
    kernels.mkdir()
    (kernels / "naif0012.tls").write_text("this is not a leapseconds kernel\n")
    env = dict(os.environ, FLYPLAN_CACHE=str(cache), FLYPLAN_KERNELS=str(kernels),
               NO_COLOR="1", COLUMNS="40", FLYPLAN_OFFLINE_TTL="1e9")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_the_hostile_environment_would_matter(tmp_path):
    """Without the isolation this environment breaks a command (so the test below can fail)."""
    env = _hostile_env(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "flyplan", "perijove", "38", "--no-moons"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 1 and "naif0012.tls" in proc.stderr, proc.stderr


@pytest.mark.slow
def test_cli_checks_pass_in_a_hostile_environment(tmp_path):
    env = _hostile_env(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_cli.py", "tests/test_cli_kernels.py",
                           "tests/test_cli_ux.py", "tests/test_diagnostics.py"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout
