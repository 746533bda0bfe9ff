"""Fetching kernels through the real code path from a mirror of ../shared/naif.

An HTTP server on 127.0.0.1 (tests/_mirror.py) serves the shared kernels laid
out like NAIF's archive; the tests count the requests it answers.  Expected
digests are computed here with hashlib from the shared files themselves, not
taken from flyplan.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _mirror import Mirror, closed_port
from flyplan.kernels import fetch
from flyplan.kernels import cache as manager
from flyplan.kernels import registry
from flyplan.errors import FetchError

PJ1_SPK = "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp"
LSK = "generic_kernels/lsk/naif0012.tls"
REPO = Path(__file__).resolve().parents[1]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def leftovers(cache: Path) -> list[Path]:
    """Partial downloads or temporary files anywhere in the cache."""
    return [p for p in cache.rglob("*") if ".part-" in str(p) or ".tmp-" in p.name]


@pytest.fixture
def mirror(naif_dir, online, monkeypatch):
    m = Mirror(naif_dir)
    monkeypatch.setenv("FLYPLAN_NAIF_URL", m.url)
    yield m
    m.close()


def pj1_window():
    from flyplan.orbit import resolve_target

    t0, t1, _ = resolve_target("1")
    return t0, t1


def test_full_fetch_for_pj1_then_nothing(mirror, naif_dir, online):
    t0, t1 = pj1_window()
    out = manager.provide(t0, t1)
    assert not out.failures
    got = {f.path.name: f for f in out.fetched}
    assert set(got) == {"naif0012.tls", "pck00011.tpc", "spk_rec_160729_160923_161027.bsp"}
    for rel in (LSK, "generic_kernels/pck/pck00011.tpc", PJ1_SPK):
        cached = online / "naif" / rel
        assert sha256(cached) == sha256(naif_dir / rel)
        assert got[cached.name].sha256 == sha256(naif_dir / rel)
        assert fetch.record(cached)["url"] == mirror.url + rel
    assert not leftovers(online)
    before = mirror.count()
    assert before >= 3

    again = manager.provide(t0, t1)
    assert again.fetched == [] and not again.failures
    assert mirror.count() == before, mirror.requests[before:]


def test_404_names_file_url_and_how_to_place_it(mirror, online):
    entry = registry.lookup("jup365.bsp")
    with pytest.raises(FetchError) as info:
        fetch.fetch(entry.path, sha256=entry.sha256)
    text = str(info.value)
    url = mirror.url + entry.path
    assert "jup365.bsp" in text and url in text and "404" in text
    dest = online / "naif" / entry.path
    assert f"save it as {dest}" in text
    assert not dest.exists() and not leftovers(online)


def test_moved_kernel_found_at_its_other_path(mirror, online, naif_dir):
    # de421.bsp lives at planets/ in the mirror; a registry path that 404s first
    # must fall through to the next one.
    f = fetch.fetch("generic_kernels/spk/planets/a_old_versions/de421.bsp",
                    also=["generic_kernels/spk/planets/de421.bsp"],
                    sha256=sha256(naif_dir / "generic_kernels/spk/planets/de421.bsp"))
    assert f.downloaded and f.url.endswith("/planets/de421.bsp")
    assert mirror.count("a_old_versions/de421.bsp") == 1


def test_connection_refused(online, monkeypatch):
    base = f"http://127.0.0.1:{closed_port()}/"
    with pytest.raises(FetchError) as info:
        fetch.fetch(LSK, base=base)
    assert "connection refused" in str(info.value)
    assert base + LSK in str(info.value)
    assert not (online / "naif" / LSK).exists()
    # The host is not tried again in this process: the next file fails at once
    # with the same reason.
    with pytest.raises(FetchError, match="connection refused"):
        fetch.fetch(PJ1_SPK, base=base)


def test_body_cut_short_never_enters_cache(mirror, online):
    mirror.cut.add("/" + PJ1_SPK)
    with pytest.raises(FetchError) as info:
        fetch.fetch(PJ1_SPK, sha256=registry.lookup(Path(PJ1_SPK).name).sha256)
    assert "spk_rec_160729_160923_161027.bsp" in str(info.value)
    assert mirror.count(PJ1_SPK) == fetch.ATTEMPTS
    assert not (online / "naif" / PJ1_SPK).exists()
    assert not leftovers(online)


@pytest.fixture
def tampered_mirror(naif_dir, online, tmp_path, monkeypatch):
    """A mirror whose naif0012.tls is a valid text kernel, but not NAIF's file."""
    root = tmp_path / "mirror"
    lsk = root / LSK
    lsk.parent.mkdir(parents=True)
    text = (naif_dir / LSK).read_text()
    lsk.write_text(text.replace("KPL/LSK", "KPL/LSK\n\nEdited by a test.", 1))
    m = Mirror(root)
    monkeypatch.setenv("FLYPLAN_NAIF_URL", m.url)
    yield m
    m.close()


def test_hash_mismatch_is_rejected(tampered_mirror, online):
    entry = registry.lookup("naif0012.tls")
    with pytest.raises(FetchError) as info:
        fetch.fetch(entry.path, sha256=entry.sha256)
    assert "does not match the registry" in str(info.value)
    assert not (online / "naif" / LSK).exists() and not leftovers(online)


def test_hash_mismatch_falls_back_to_builtin_in_assemble(tampered_mirror, online, naif_dir):
    """A kernel flyplan can do without becomes a note, not an error."""
    from flyplan.kernels import select
    from flyplan.kernels.assemble import assemble

    t0, t1 = pj1_window()
    juno = [c for c in select.candidates([naif_dir]) if c.role == "juno_spk"]
    plan = assemble(t0, t1, moons=False, pj=1, cands=juno)
    names = [k.path.name for k in plan.kernels.kernels]
    assert "naif0012.tls" not in names
    assert any(k.source == "built-in" and k.kind == "lsk" for k in plan.kernels.kernels)
    assert any("naif0012.tls" in n and "does not match" in n for n in plan.notes)


def test_corrupt_cached_files_are_replaced(mirror, online, naif_dir):
    src = naif_dir / PJ1_SPK
    dest = online / "naif" / PJ1_SPK
    dest.parent.mkdir(parents=True)
    # 1. truncated: the DAF file record says it is longer
    dest.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    t0, t1 = pj1_window()
    manager.provide(t0, t1)
    assert sha256(dest) == sha256(src)
    # 2. same length, sound header, one byte changed: only the hash tells
    data = bytearray(src.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dest.write_bytes(bytes(data))
    n = mirror.count(PJ1_SPK)
    out = manager.provide(t0, t1)
    assert [p.name for p, _ in out.removed] == [dest.name]
    assert sha256(dest) == sha256(src)
    assert mirror.count(PJ1_SPK) == n + 1


def test_two_processes_fetch_one_copy(mirror, online, naif_dir):
    mirror.slow["/" + PJ1_SPK] = 2.0
    code = ("import sys; from flyplan.kernels import fetch; "
            "f = fetch.fetch(sys.argv[1], sha256=sys.argv[2]); print(f.downloaded)")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    expected = sha256(naif_dir / PJ1_SPK)
    procs = [subprocess.Popen([sys.executable, "-c", code, PJ1_SPK, expected], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    assert sorted(out.strip() for out, _ in results) == ["False", "True"]
    assert mirror.count(PJ1_SPK) == 1
    assert sha256(online / "naif" / PJ1_SPK) == expected
    assert not leftovers(online)


HOSTILE = ["../../etc/passwd", "/abs/spk_rec_160729_160923_161027.bsp",
           "spk_rec_..bsp?x=1", "%2e%2e/%2e%2e/spk_rec_160729_160923_161027.bsp",
           "..%2fspk_rec_160729_160923_161027.bsp", "spk_rec_160729_160923_161027.bsp?x=1",
           "http://evil.example/spk_rec_160729_160923_161027.bsp",
           "//evil.example/spk_rec_160729_160923_161027.bsp",
           "sub/spk_rec_160729_160923_161027.bsp", ".spk_rec_160729_160923_161027.bsp",
           "spk_rec_160729_160923_161027.bsp%00.txt", "passwd", "juno_v12.tf"]
UNLISTED = "spk_rec_160729_160923_170301.bsp"


def test_hostile_listing_names_are_rejected(mirror, online, tmp_path):
    links = "\n".join(f'<a href="{h}">{h}</a>' for h in HOSTILE)
    mirror.pages["/JUNO/kernels/spk/"] = (
        f"<html><body><pre>{links}\n<a href=\"{UNLISTED}\">{UNLISTED}</a>  2017-03-01 12:00  "
        "595K\n</pre></body></html>")
    lst = fetch.listing("JUNO/kernels/spk/", "juno_spk")
    assert lst.error is None
    assert lst.entries == [(UNLISTED, 595 * 1024)]
    assert mirror.count("/JUNO/kernels/spk/") == 1
    # Cached: asking again reads no listing.
    assert fetch.listing("JUNO/kernels/spk/", "juno_spk").entries == lst.entries
    assert mirror.count("/JUNO/kernels/spk/") == 1
    assert not (tmp_path / "etc").exists()


@pytest.fixture
def newer_mirror(naif_dir, online, tmp_path, monkeypatch):
    """A mirror listing a newer production of PJ1's file that the registry does not know,
    and an unknown file that is cut in half (sound header, truncated)."""
    root = tmp_path / "mirror"
    spk = root / "JUNO/kernels/spk"
    spk.mkdir(parents=True)
    data = (naif_dir / PJ1_SPK).read_bytes()
    (spk / UNLISTED).write_bytes(data)
    (spk / "spk_rec_160729_160923_170401.bsp").write_bytes(data[: len(data) // 2])
    for rel in (LSK, "generic_kernels/pck/pck00011.tpc"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(naif_dir / rel, root / rel)
    m = Mirror(root)
    monkeypatch.setenv("FLYPLAN_NAIF_URL", m.url)
    yield m
    m.close()


def test_listing_discovers_newer_file_and_checks_its_header(newer_mirror, online):
    t0, t1 = pj1_window()
    out = manager.provide(t0, t1, moons=False)
    names = [f.path.name for f in out.fetched]
    # The newest production (170401) is tried first: its header shows it is
    # truncated, so it is refused and the next newest (170301) is fetched.
    assert "spk_rec_160729_160923_170401.bsp" in out.failures
    assert "truncated" in str(out.failures["spk_rec_160729_160923_170401.bsp"])
    assert UNLISTED in names
    assert not (online / "naif/JUNO/kernels/spk/spk_rec_160729_160923_170401.bsp").exists()
    rec = fetch.record(online / "naif/JUNO/kernels/spk" / UNLISTED)
    assert rec["sha256"] == sha256(online / "naif/JUNO/kernels/spk" / UNLISTED)
    # Offline afterwards: the cached files and listing serve, no request.
    n = newer_mirror.count()
    p = manager.needs(t0, t1, moons=False, network=False)
    assert [i.status for i in p.of_role("juno_spk")] == ["cached"]
    assert newer_mirror.count() == n


def test_file_url_base(naif_dir, online):
    base = naif_dir.as_uri()
    f = fetch.fetch(LSK, base=base, sha256=sha256(naif_dir / LSK))
    assert f.downloaded and f.url == base + "/" + LSK
    assert fetch.record(f.path)["url"].startswith("file://")
    with pytest.raises(FetchError, match="not found"):
        fetch.fetch("generic_kernels/spk/satellites/jup365.bsp", base=base)


def test_relative_directory_as_mirror(naif_dir, online, monkeypatch, tmp_path):
    monkeypatch.chdir(naif_dir.parent)
    assert fetch.normalize_base("naif") == naif_dir.as_uri() + "/"
    assert fetch.normalize_base("file://naif") == naif_dir.as_uri() + "/"
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        fetch.normalize_base("ftp://naif.jpl.nasa.gov/pub/naif/")


def test_cache_paths_cannot_leave_the_cache(online):
    for bad in ("../x.bsp", "/etc/passwd", "a/../../x.tls", "JUNO/kernels/spk/..",
                "JUNO//x.bsp"):
        with pytest.raises(FetchError):
            fetch.cache_path(bad)


def test_offline_assemble_uses_cache_and_builtins_without_requests(mirror, online, naif_dir,
                                                                   monkeypatch):
    from flyplan.kernels import select
    from flyplan.kernels.assemble import assemble

    t0, t1 = pj1_window()
    manager.provide(t0, t1)
    n = mirror.count()
    monkeypatch.setenv("FLYPLAN_OFFLINE", "1")
    plan = assemble(t0, t1, pj=1, moons=False, cands=select.candidates(select.kernel_dirs()))
    assert plan.trajectory == "naif"
    assert mirror.count() == n
    srcs = {k.path.name: k.source for k in plan.kernels.kernels}
    assert srcs["spk_rec_160729_160923_161027.bsp"] == mirror.url + PJ1_SPK


def test_stale_partial_downloads_are_swept(mirror, online):
    lsk_dir = online / "naif" / "generic_kernels" / "lsk"
    old = lsk_dir / ".part-dead"
    young = lsk_dir / ".part-alive"
    for d in (old, young):
        d.mkdir(parents=True)
        (d / "naif0012.tls").write_text("partial")
    two_days_ago = os.stat(old).st_mtime - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    fetch.fetch(LSK)
    assert not old.exists() and young.exists()
