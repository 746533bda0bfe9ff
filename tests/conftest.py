"""Shared fixtures: where the real kernels are, and a clean SPICE pool per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# Geometry examples call SPICE; on a loaded CI machine one can exceed
# hypothesis' default 200 ms deadline without anything being wrong.
settings.register_profile("flyplan", deadline=None)
settings.load_profile("flyplan")


def _shared_dir() -> Path:
    env = os.environ.get("FLYPLAN_SHARED")
    return Path(env).resolve() if env else (REPO.parent / "shared").resolve()


SHARED = _shared_dir()
NAIF = SHARED / "naif"
HAVE_SHARED = (NAIF / "generic_kernels" / "lsk" / "naif0012.tls").is_file()
needs_shared = pytest.mark.skipif(
    not HAVE_SHARED,
    reason=f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED to the folder holding naif/)",
)


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.shared`` tests skip, with the reason, when ../shared is absent."""
    if HAVE_SHARED:
        return
    skip = pytest.mark.skip(reason=needs_shared.kwargs["reason"])
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_dir() -> Path:
    if not HAVE_SHARED:
        pytest.skip(f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED)")
    return SHARED


@pytest.fixture
def naif_dir(shared_dir) -> Path:
    return shared_dir / "naif"


@pytest.fixture(autouse=True)
def _clear_kernel_pool():
    """Every test starts and ends with an empty SPICE kernel pool."""
    import spiceypy

    spiceypy.kclear()
    yield
    spiceypy.kclear()


_UNREACHABLE = "http://127.0.0.1:9/naif-unreachable/"
# The user's settings that would change what a test sees: their kernel
# directory, terminal width and colours, tuning of the network memory.
_USER_ONLY = ("FLYPLAN_KERNELS", "FLYPLAN_OFFLINE_TTL", "FLYPLAN_MAX_AUTO_FETCH", "NO_COLOR",
              "FORCE_COLOR", "COLUMNS", "LINES", "TERM")


@pytest.fixture(scope="session", autouse=True)
def _session_isolation(tmp_path_factory):
    """Module- and session-scoped fixtures run before function-scoped ones:
    keep them, too, out of the user's cache and environment and off the network.

    The cache is always a fresh one for the session (a warm user cache would
    hide first-use paths); ``FLYPLAN_TEST_CACHE`` names one to reuse on purpose.
    """
    saved = {k: os.environ.get(k) for k in ("FLYPLAN_CACHE", "FLYPLAN_OFFLINE",
                                            "FLYPLAN_NAIF_URL", *_USER_ONLY)}
    os.environ["FLYPLAN_CACHE"] = (os.environ.get("FLYPLAN_TEST_CACHE")
                                   or str(tmp_path_factory.getbasetemp() / "cache"))
    for k in _USER_ONLY:
        os.environ.pop(k, None)
    os.environ["FLYPLAN_OFFLINE"] = "1"
    os.environ["FLYPLAN_NAIF_URL"] = _UNREACHABLE
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests never reach NAIF: downloads are off unless a test turns them on
    (``monkeypatch.delenv("FLYPLAN_OFFLINE")``) with a local mirror."""
    monkeypatch.setenv("FLYPLAN_OFFLINE", "1")
    monkeypatch.setenv("FLYPLAN_NAIF_URL", _UNREACHABLE)


@pytest.fixture
def online(monkeypatch, tmp_path):
    """Downloads on, a fresh cache, and no memory of unreachable hosts."""
    from flyplan.kernels import fetch

    monkeypatch.delenv("FLYPLAN_OFFLINE", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("FLYPLAN_CACHE", str(cache))
    fetch._UNREACHABLE.clear()
    yield cache
    fetch._UNREACHABLE.clear()


@pytest.fixture(scope="session")
def moons_kernel_dir(tmp_path_factory):
    """A kernel directory: the real kernels plus synthetic Galilean moons around PJ1
    (2016-08-26 .. 29; tests/_synthetic.py), which flyplan picks up like a JPL file."""
    import spiceypy
    import _synthetic as S

    if not HAVE_SHARED:
        pytest.skip(f"the real kernels are not at {NAIF} (set FLYPLAN_SHARED)")
    d = S.kernel_dir_with_moons(NAIF, tmp_path_factory.mktemp("moons"), "2016-08-26T00:00",
                                "2016-08-29T00:00")
    spiceypy.kclear()
    return d
