"""Downloads against a hostile server, and a cache that is read-only or full.

The server (tests/_hostile.py) trickles, stalls, sends far more than
announced, flips a bit, redirects to another port and lists over-long names.
The kernel served is a small SPK written here with flyplan's SPK writer, so
no real kernel is needed; its sha256 is computed here with hashlib.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from _hostile import Hostile
from flyplan.errors import FetchError
from flyplan.kernels import fetch, registry

REL = "JUNO/kernels/spk/spk_rec_250101_250201_250301.bsp"  # not in the registry
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def spk_bytes(tmp_path_factory) -> bytes:
    """A small, sound SPK (Jupiter at its barycentre, one segment)."""
    from flyplan.ephemeris.spkwrite import Segment, write_spk13

    path = tmp_path_factory.mktemp("spk") / "k.bsp"
    et = np.linspace(-1e8, 1e8, 8)
    write_spk13(path, [Segment(599, 5, "J2000", et, np.zeros((8, 6)), degree=3,
                               segid="hostile test")], comment="test kernel")
    return path.read_bytes()


@pytest.fixture
def online(online, monkeypatch):
    """The suite's ``online`` with short limits, so hostile servers fail fast."""
    monkeypatch.setattr(fetch, "RATE_WINDOW_S", 0.5)
    monkeypatch.setenv("FLYPLAN_FETCH_STALL_S", "1")
    return online


@pytest.fixture
def server(online, spk_bytes, monkeypatch):
    with Hostile({REL: spk_bytes}) as h:
        monkeypatch.setenv("FLYPLAN_NAIF_URL", h.url)
        yield h


def _nothing_kept(cache: Path) -> bool:
    dest = cache / "naif" / REL
    return not dest.exists() and not [p for p in cache.rglob("*")
                                      if ".part-" in str(p) or ".tmp-" in p.name]


def test_a_sound_download_is_recorded_unverified_without_a_registry_hash(server, online,
                                                                        spk_bytes):
    got = fetch.fetch(REL)
    assert got.downloaded and got.sha256 == hashlib.sha256(spk_bytes).hexdigest()
    rec = fetch.record(got.path)
    assert rec["verified"].startswith("none") and rec["size"] == len(spk_bytes)
    from flyplan.kernels.cache import cache_status

    (row,) = cache_status()
    assert row["state"].startswith("unverified"), row


def test_trickle_fails_on_throughput_not_a_hang(server, online, monkeypatch):
    monkeypatch.setenv("FLYPLAN_FETCH_MIN_RATE", "1000")
    server.behave[REL] = ("trickle", 0.01)  # ~100 bytes/s, never a silent second
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="bytes/s, below the minimum"):
        fetch.fetch(REL)
    assert time.monotonic() - t0 < 60  # bounded: the 0.5 s window, not the file's length
    assert server.count(REL) == 1  # a slow server is not asked again
    assert _nothing_kept(online)


def test_total_deadline(server, online, monkeypatch):
    monkeypatch.setenv("FLYPLAN_FETCH_MIN_RATE", "0")
    monkeypatch.setenv("FLYPLAN_FETCH_TIMEOUT", "1")
    server.behave[REL] = ("trickle", 0.01)
    with pytest.raises(FetchError, match="did not finish within 1 s"):
        fetch.fetch(REL)
    assert _nothing_kept(online)


def test_stall_mid_body_is_one_short_failure(server, online):
    server.behave[REL] = ("stall", 30.0)
    with pytest.raises(FetchError, match="stalled"):
        fetch.fetch(REL)
    assert server.count(REL) == 1
    # The host is remembered: the next file fails at once, no new wait.
    t0 = time.monotonic()
    with pytest.raises(FetchError, match="not retried"):
        fetch.fetch("generic_kernels/lsk/naif0012.tls")
    assert time.monotonic() - t0 < 1.0
    assert _nothing_kept(online)


@pytest.mark.parametrize("announce", [True, False])
def test_a_body_far_larger_than_announced_is_refused(server, online, spk_bytes, announce):
    server.behave[REL] = ("oversize", 40 << 20, announce)
    with pytest.raises(FetchError, match="refused"):
        fetch.fetch(REL, size_hint=len(spk_bytes))
    assert _nothing_kept(online)


def test_bit_flip_is_caught_by_the_registry_hash(server, online, spk_bytes):
    server.behave[REL] = ("flip", len(spk_bytes) // 2)
    with pytest.raises(FetchError, match="does not match the registry"):
        fetch.fetch(REL, sha256=hashlib.sha256(spk_bytes).hexdigest())
    assert _nothing_kept(online)


def test_daf_header_then_zeros_is_not_a_kernel(server, online, spk_bytes):
    server.files[REL] = spk_bytes[:1024] + b"\0" * (len(spk_bytes) - 1024)
    with pytest.raises(FetchError, match="not a sound"):
        fetch.fetch(REL)
    assert _nothing_kept(online)


def test_cross_port_redirect_records_where_the_bytes_came_from(server, online, spk_bytes):
    with Hostile({REL: spk_bytes}) as other:
        server.behave[REL] = ("redirect", other.url + REL)
        got = fetch.fetch(REL)
        rec = fetch.record(got.path)
        assert rec["url"] == other.url + REL == got.url
        assert rec["requested_url"] == server.url + REL


def test_a_listing_with_an_overlong_name_is_discarded_never_cached(server, online):
    long_name = "spk_rec_160729_160923_161027_" + "x" * 220 + ".bsp"
    assert registry.classify(long_name) is not None  # it does match the pattern
    assert len(long_name) > registry.MAX_NAME_LEN
    good = "spk_rec_160729_160923_161027.bsp"
    page = "".join(f'<a href="{n}">{n}</a>\n' for n in (long_name, good))
    server.behave["JUNO/kernels/spk/"] = ("page", page)
    lst = fetch.listing("JUNO/kernels/spk/", "juno_spk", refresh=True)
    assert lst.entries == [] and "cannot store safely" in lst.error
    assert not (online / "naif" / ".listings").exists()
    # The next listing without it is used and cached.
    server.behave["JUNO/kernels/spk/"] = ("page", f'<a href="{good}">{good}</a>')
    lst = fetch.listing("JUNO/kernels/spk/", "juno_spk", refresh=True)
    assert [n for n, _ in lst.entries] == [good] and lst.error is None
    cached = next((online / "naif" / ".listings").glob("*.json"))
    assert long_name not in cached.read_text()
    # A name that long reaching fetch() directly is a FetchError, not an OSError.
    with pytest.raises(FetchError):
        fetch.fetch("JUNO/kernels/spk/" + long_name)


def test_enospc_during_download_is_a_fetch_error(server, online, monkeypatch):
    real_open = open

    class _Full:
        def __init__(self, f):
            self._f = f

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device", self._f.name)

        def __getattr__(self, name):
            return getattr(self._f, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()
            return False

    def full_open(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        return _Full(f) if "w" in mode and ".part-" in str(file) else f

    monkeypatch.setattr("builtins.open", full_open)
    with pytest.raises(FetchError, match="disk is full") as info:
        fetch.fetch(REL)
    assert "FLYPLAN_CACHE" in str(info.value)
    monkeypatch.undo()
    assert _nothing_kept(online)


# -- a read-only cache --------------------------------------------------------------------

def _bind_ro(src: Path, dst: Path) -> bool:
    dst.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "--bind", "-o", "ro", str(src), str(dst)],
                       capture_output=True)
    if r.returncode != 0:
        return False
    probe = dst / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return True
    probe.unlink()
    subprocess.run(["umount", str(dst)], capture_output=True)
    return False


@pytest.fixture
def read_only(tmp_path):
    """``make(dir) -> read-only view of dir``: a bind mount when allowed (root), else chmod."""
    mounted = []

    def make(src: Path) -> Path:
        dst = tmp_path / f"ro{len(mounted)}"
        if os.geteuid() == 0 and _bind_ro(src, dst):
            mounted.append(dst)
            return dst
        if os.geteuid() == 0:
            pytest.skip("running as root without permission to bind-mount read-only")
        for d, _, files in os.walk(src):
            os.chmod(d, 0o555)
        return src

    yield make
    for d in mounted:
        subprocess.run(["umount", str(d)], capture_output=True)


def test_read_only_cache_serves_what_it_holds(server, online, spk_bytes, read_only,
                                              monkeypatch):
    fetch.fetch(REL)
    for lock in online.rglob("*.lock"):
        lock.unlink()  # a cache copied or mounted elsewhere carries no locks
    ro = read_only(online)
    monkeypatch.setenv("FLYPLAN_CACHE", str(ro))
    server.behave[REL] = ("stall", 30.0)  # any download attempt would fail
    got = fetch.fetch(REL)
    assert not got.downloaded and got.path == ro / "naif" / REL
    assert server.count(REL) == 1


def test_read_only_cache_without_the_file_is_one_clear_error(server, online, read_only,
                                                             monkeypatch):
    (online / "naif").mkdir(parents=True)
    ro = read_only(online)
    monkeypatch.setenv("FLYPLAN_CACHE", str(ro))
    with pytest.raises(FetchError, match="not writable|cannot create") as info:
        fetch.fetch(REL)
    assert "FLYPLAN_CACHE" in str(info.value)


def test_read_only_cache_cli_runs_and_clean_names_the_reason(online, read_only, tmp_path):
    """perijove on a complete read-only cache (model source: no download), then clean."""
    env = {**os.environ, "FLYPLAN_CACHE": str(online), "PYTHONPATH": str(REPO),
           "FLYPLAN_OFFLINE": "1"}
    env.pop("FLYPLAN_KERNELS", None)
    cmd = [sys.executable, "-m", "flyplan", "perijove", "5", "-w", "30m", "-s", "10m",
           "--source", "model", "--no-moons", "-f", "csv"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    ro = read_only(online)
    env["FLYPLAN_CACHE"] = str(ro)
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    clean = subprocess.run([sys.executable, "-m", "flyplan", "kernels", "clean", "--yes",
                            "--all"], env=env, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0 and "Traceback" not in clean.stderr
    assert "not flyplan's" not in clean.stderr
    assert "cannot be deleted" in clean.stderr


def test_empty_read_only_cache_is_one_message(online, read_only):
    online.mkdir(parents=True)
    ro = read_only(online)
    env = {**os.environ, "FLYPLAN_CACHE": str(ro), "PYTHONPATH": str(REPO),
           "FLYPLAN_OFFLINE": "1"}
    env.pop("FLYPLAN_KERNELS", None)
    r = subprocess.run([sys.executable, "-m", "flyplan", "perijove", "5", "-w", "30m", "-s",
                        "10m", "--source", "model"], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "FLYPLAN_CACHE" in r.stderr and str(ro) in r.stderr


def test_naif_url_that_is_not_a_url():
    with pytest.raises(FetchError, match="not a valid kernel archive URL"):
        fetch.naif_url("http://[::1")


def test_record_json_is_plain(server, online):
    got = fetch.fetch(REL)
    assert json.loads((got.path.parent / f".{got.path.name}.json").read_text())["sha256"]


def test_corrupt_file_in_a_read_only_cache_is_reported_not_a_crash(server, online, read_only,
                                                                    monkeypatch):
    got = fetch.fetch(REL)
    data = bytearray(got.path.read_bytes())
    data[2000] ^= 1
    got.path.write_bytes(bytes(data))
    ro = read_only(online)
    problem = fetch.discard_if_corrupt(ro / "naif" / REL)
    assert problem and "cannot be removed" in problem
    assert (ro / "naif" / REL).exists()


def test_perijove_falls_back_to_the_model_when_the_server_stalls(online, monkeypatch):
    """A listing offers PJ1's trajectory; its download stalls; perijove answers anyway."""
    from typer.testing import CliRunner

    from flyplan.cli import app

    name = "spk_rec_160729_160923_161027.bsp"
    with Hostile({f"JUNO/kernels/spk/{name}": b"DAF/SPK " + b"\0" * 400_000}) as h:
        h.behave[f"JUNO/kernels/spk/{name}"] = ("stall", 60.0)
        h.behave["JUNO/kernels/spk/"] = ("page", f'<a href="{name}">{name}</a> 1M')
        monkeypatch.setenv("FLYPLAN_NAIF_URL", h.url)
        monkeypatch.delenv("FLYPLAN_KERNELS", raising=False)
        res = CliRunner().invoke(app, ["perijove", "1", "-w", "20m", "-s", "10m",
                                       "--no-moons", "-f", "json"])
        assert res.exit_code == 0, res.output
        assert h.count(name) == 1  # tried once, not three times
    out = json.loads(res.stdout)
    assert out["approximate"] is True and "model" in out["trajectory_source"]
    assert "stalled" in json.dumps(out["metadata"])


# -- a real full disk: a small tmpfs (root only) -------------------------------------------

@pytest.fixture
def small_tmpfs(tmp_path):
    """``make(kib) -> directory`` on a tmpfs that small (skips where mounting is not allowed)."""
    mounted = []

    def make(kib: int) -> Path:
        d = tmp_path / f"tmpfs{len(mounted)}"
        d.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(d)],
                           capture_output=True)
        if os.geteuid() != 0 or r.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (the injected ENOSPC tests cover this)")
        mounted.append(d)
        return d

    yield make
    for d in mounted:
        subprocess.run(["umount", str(d)], capture_output=True)


def test_download_into_a_full_disk(server, online, small_tmpfs, monkeypatch, spk_bytes):
    full = small_tmpfs(8)
    (full / "filler").write_bytes(b"\0" * 4096)
    monkeypatch.setenv("FLYPLAN_CACHE", str(full / "cache"))
    with pytest.raises(FetchError, match="disk is full"):
        fetch.fetch(REL)
    assert not (full / "cache" / "naif" / REL).exists()
    assert not [p for p in full.rglob("*") if ".part-" in str(p) or ".tmp-" in p.name]


def test_outputs_onto_a_full_disk_leave_nothing(online, small_tmpfs, monkeypatch):
    from typer.testing import CliRunner

    from flyplan.cli import app

    full = small_tmpfs(8)
    (full / "filler").write_bytes(b"\0" * 4096)
    monkeypatch.delenv("FLYPLAN_KERNELS", raising=False)
    monkeypatch.setenv("FLYPLAN_OFFLINE", "1")
    res = CliRunner().invoke(app, ["perijove", "5", "-w", "20m", "-s", "10m", "--source",
                                   "model", "--no-moons", "-f", "csv", "-o", str(full / "x.csv"),
                                   "--html", str(full / "x.html")])
    assert res.exit_code == 1 and "disk is full" in res.output, res.output
    assert sorted(p.name for p in full.iterdir()) == ["filler"]


def test_a_cached_listing_from_before_is_filtered_when_read(online, monkeypatch):
    """A listing cached by an older flyplan with an over-long name cannot block perijove."""
    base = fetch.naif_url("http://127.0.0.1:9/naif/")
    path = fetch._listing_cache(base, "JUNO/kernels/spk/")
    path.parent.mkdir(parents=True)
    long_name = "spk_rec_160729_160923_161027_" + "x" * 220 + ".bsp"
    good = "spk_rec_160729_160923_161027.bsp"
    path.write_text(json.dumps({"base": base, "dir": "JUNO/kernels/spk/", "fetched": time.time(),
                                "entries": [[long_name, 1], [good, 2]]}))
    lst = fetch.listing("JUNO/kernels/spk/", "juno_spk", base=base, network=False)
    assert lst.entries == [(good, 2)]
