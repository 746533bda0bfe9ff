"""KernelSet: one owner of the pool, idempotent loading, provenance, validation."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import spiceypy

from flyplan.kernels import pool as kernelset
from flyplan.errors import CoverageError, KernelError
from flyplan.kernels.files import check_kernel_file
from flyplan.kernels.pool import KernelSet

LSK = "generic_kernels/lsk/naif0012.tls"
PCK = "generic_kernels/pck/pck00010.tpc"
PJ1_SPK = "JUNO/kernels/spk/spk_rec_160729_160923_161027.bsp"


def test_load_is_idempotent_and_uses_an_absolute_metakernel(naif_dir, monkeypatch):
    ks = KernelSet([naif_dir / LSK, naif_dir / PCK, naif_dir / PJ1_SPK])
    ks.load()
    n = spiceypy.ktotal("ALL")
    assert n == 4  # the metakernel plus three files (a fresh load goes through it)
    calls = []
    monkeypatch.setattr(spiceypy, "furnsh", lambda p: calls.append(p))
    ks.load()
    KernelSet([naif_dir / LSK, naif_dir / PCK, naif_dir / PJ1_SPK]).load()
    assert calls == [] and spiceypy.ktotal("ALL") == n
    text = ks.metakernel().read_text()
    for k in ks.kernels:
        assert k.path.is_absolute()
        assert str(k.path)[:60] in text.replace("+'\n      '", "")


def test_reload_after_someone_clears_the_pool(naif_dir):
    ks = KernelSet([naif_dir / LSK]).load()
    spiceypy.kclear()
    assert kernelset.active() is None
    ks.load()
    assert spiceypy.ktotal("ALL") == 2 and kernelset.active() is ks


def test_provenance_has_size_and_sha256(naif_dir):
    ks = KernelSet([naif_dir / LSK])
    (info,) = ks.kernels
    data = (naif_dir / LSK).read_bytes()
    assert info.size == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.kind == "lsk"


def test_adding_twice_keeps_one(naif_dir):
    ks = KernelSet([naif_dir / LSK])
    ks.add(naif_dir / LSK)
    assert len(ks) == 1


def test_coverage_per_body(naif_dir):
    ks = KernelSet([naif_dir / LSK, naif_dir / PJ1_SPK]).load()
    cov = ks.coverage(-61)
    assert len(cov) == 1
    k, a, b = cov[0]
    assert k.path.name == "spk_rec_160729_160923_161027.bsp"
    assert spiceypy.et2utc(a, "ISOC", 0).startswith("2016-07-29")
    assert spiceypy.et2utc(b, "ISOC", 0).startswith("2016-09-23")
    with pytest.raises(CoverageError) as exc:
        ks.require(-61, b + 10, b + 100, "Juno (-61)")
    assert "spk_rec_160729_160923_161027.bsp" in str(exc.value)
    assert "2016-09-23" in str(exc.value)


def test_truncated_spk_is_refused(naif_dir, tmp_path):
    data = (naif_dir / PJ1_SPK).read_bytes()
    bad = tmp_path / "spk_rec_160729_160923_161027.bsp"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(KernelError, match="truncated"):
        check_kernel_file(bad)


def test_non_kernel_with_kernel_name_is_refused(tmp_path):
    bad = tmp_path / "de440.bsp"
    bad.write_text("<html>404 Not Found</html>")
    with pytest.raises(KernelError, match="not a binary SPICE kernel"):
        check_kernel_file(bad)
    txt = tmp_path / "naif0013.tls"
    txt.write_text("hello")
    with pytest.raises(KernelError, match="not a SPICE kernel"):
        check_kernel_file(txt)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(KernelError, match="not found"):
        KernelSet([tmp_path / "nope.bsp"])


def test_long_paths_are_continued_in_the_metakernel(naif_dir, tmp_path):
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    deep.mkdir(parents=True)
    shutil.copy(naif_dir / LSK, deep / "naif0012.tls")
    ks = KernelSet([deep / "naif0012.tls"]).load()
    assert spiceypy.ktotal("TEXT") == 1
    assert spiceypy.str2et("2016-07-05T00:00:00") > 0
    assert len(str(ks.kernels[0].path)) > 80


def test_growing_and_shrinking_a_set_loads_only_the_difference(naif_dir, monkeypatch):
    base = KernelSet([naif_dir / LSK, naif_dir / PCK]).load()
    full = KernelSet([naif_dir / LSK, naif_dir / PCK, naif_dir / PJ1_SPK])
    calls = []
    real_furnsh, real_unload = spiceypy.furnsh, spiceypy.unload
    monkeypatch.setattr(spiceypy, "furnsh", lambda p: (calls.append(("furnsh", p)), real_furnsh(p)))
    monkeypatch.setattr(spiceypy, "unload", lambda p: (calls.append(("unload", p)), real_unload(p)))
    full.load()
    assert calls == [("furnsh", str(naif_dir.resolve() / PJ1_SPK))]
    assert full.covers(-61, spiceypy.str2et("2016-08-27"), spiceypy.str2et("2016-08-28"))
    spiceypy.spkezr("-61", spiceypy.str2et("2016-08-27T12:00"), "J2000", "NONE", "599")
    calls.clear()
    base.load()
    assert calls == [("unload", str(naif_dir.resolve() / PJ1_SPK))]
    assert kernelset.active() is base
    with pytest.raises(spiceypy.utils.exceptions.SpiceyError):
        spiceypy.spkezr("-61", spiceypy.str2et("2016-08-27T12:00"), "J2000", "NONE", "599")


def test_damaged_spk_segments_are_found_without_loading(naif_dir):
    """de440s_2030.bsp here has zeroed directories for 199, 299 and 399 (spkcov still lists them)."""
    import spiceypy

    from flyplan.kernels.files import damaged_spk_bodies

    bad = naif_dir / "generic_kernels/spk/planets/de440s_2030.bsp"
    assert set(damaged_spk_bodies(bad)) == {199, 299, 399}
    assert damaged_spk_bodies(naif_dir / "generic_kernels/spk/planets/de421.bsp") == {}
    assert spiceypy.ktotal("ALL") == 0
    # What the check predicts is what SPICE does with the file.
    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))
    spiceypy.furnsh(str(bad))
    et = spiceypy.str2et("2022-08-17T14:45:00")
    spiceypy.spkgps(5, et, "J2000", 0)
    with pytest.raises(spiceypy.utils.exceptions.SpiceyError, match="DAFBEGGTEND"):
        spiceypy.spkgps(399, et, "J2000", 0)


def test_a_planetary_file_with_a_damaged_earth_is_passed_over(naif_dir):
    from flyplan.kernels import select
    from flyplan.kernels.assemble import assemble

    et = 714000000.0  # 2022-08-17, PJ44: de440s_2030 covers it, de421 too
    plan = assemble(et - 3600, et + 3600, moons=False,
                    cands=select.candidates(select.kernel_dirs(naif_dir)))
    names = [k.path.name for k in plan.kernels.kernels]
    assert "de440s_2030.bsp" not in names and "de421.bsp" in names
    assert any("de440s_2030.bsp: not used" in n and "399" in n for n in plan.notes)


# -- SPICE's global state has one owner ------------------------------------------------------

def test_nested_gf_tolerances_restore_each_other(monkeypatch):
    from flyplan.kernels import pool

    calls = []
    real = spiceypy.gfstol
    monkeypatch.setattr(spiceypy, "gfstol", lambda v: (calls.append(v), real(v))[1])
    start = pool.current_gf_tolerance()
    with pool.gf_tolerance(1e-3):
        with pool.gf_tolerance(1e-4):
            assert pool.current_gf_tolerance() == 1e-4
        assert pool.current_gf_tolerance() == 1e-3 and calls[-1] == 1e-3
        with pytest.raises(RuntimeError):
            with pool.gf_tolerance(5e-2):
                raise RuntimeError("a failing search")
        assert pool.current_gf_tolerance() == 1e-3 and calls[-1] == 1e-3
    assert pool.current_gf_tolerance() == start and calls[-1] == start
    assert calls == [1e-3, 1e-4, 1e-3, 5e-2, 1e-3, start]


def test_loaded_restores_the_previous_set(naif_dir):
    from flyplan.kernels.pool import active, loaded

    base = KernelSet([naif_dir / "generic_kernels/lsk/naif0012.tls"]).load()
    more = KernelSet([naif_dir / "generic_kernels/lsk/naif0012.tls",
                      naif_dir / "generic_kernels/pck/pck00011.tpc"])
    with loaded(more):
        assert active() is more
    assert active() is base
    with pytest.raises(ValueError):
        with loaded(more):
            raise ValueError("inside")
    assert active() is base
    KernelSet.unload()
    with loaded(more):
        pass
    assert active() is None and spiceypy.ktotal("ALL") == 0


_GF = ("gfdist", "gfposc", "gfoclt", "gfuds", "gfsep", "gfilum")


def test_every_search_of_an_events_run_runs_at_its_documented_tolerance(naif_dir, monkeypatch):
    """Distance extrema of Juno from Jupiter (perijove, apojove) at PERIJOVE_TOL_S, every
    other search at GF_TOL_S, as :mod:`flyplan.domain.events` and :mod:`flyplan.orbit` state."""
    import flyplan
    from flyplan.domain.events import GF_TOL_S
    from flyplan.kernels import pool
    from flyplan.orbit import PERIJOVE_TOL_S

    last = {"tol": None}
    real_stol = spiceypy.gfstol
    monkeypatch.setattr(spiceypy, "gfstol", lambda v: (last.update(tol=v), real_stol(v))[1])
    seen = []

    def spy(name, real):
        def wrapped(*args, **kwargs):
            assert last["tol"] == pool.current_gf_tolerance()
            juno_distance = name == "gfdist" and args[0] == "JUPITER" and args[3] in (
                "LOCMIN", "LOCMAX")
            seen.append((name, juno_distance, last["tol"]))
            return real(*args, **kwargs)
        return wrapped

    for name in _GF:
        monkeypatch.setattr(spiceypy, name, spy(name, getattr(spiceypy, name)))
    flyplan.events(1, "-2h..+2h", kernels=naif_dir, moons=False)
    assert len(seen) > 20
    for name, juno_distance, tol in seen:
        assert tol == (PERIJOVE_TOL_S if juno_distance else GF_TOL_S), (name, tol)
    assert {n for n, _, _ in seen} >= {"gfdist", "gfposc", "gfuds"}


def _loaded_files(furnished: list[str]) -> list[str]:
    """Every kernel file SPICE was asked to load, metakernels opened up."""
    files = []
    for path in furnished:
        if not path.endswith(".tm"):
            files.append(path)
            continue
        text = Path(path).read_text().split("\\begindata", 1)[1]
        files += _split_kernels(text.split("(", 1)[1].rsplit(")", 1)[0])
    return files


def _split_kernels(body: str) -> list[str]:
    out, current = [], ""
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        value = line[1:-1].replace("''", "'")
        if value.endswith("+"):
            current += value[:-1]
        else:
            out.append(current + value)
            current = ""
    return out


def test_one_headline_run_loads_each_kernel_once_and_chooses_once(monkeypatch):
    import flyplan
    from flyplan.kernels import assemble, cache

    furnished, counts = [], {"assemble": 0, "needs": 0}
    real = spiceypy.furnsh
    monkeypatch.setattr(spiceypy, "furnsh", lambda p: (furnished.append(str(p)), real(p))[1])
    real_assemble, real_needs = assemble.assemble, cache.needs

    def count(key, fn):
        def wrapped(*a, **k):
            counts[key] += 1
            return fn(*a, **k)
        return wrapped

    monkeypatch.setattr(assemble, "assemble", count("assemble", real_assemble))
    monkeypatch.setattr(cache, "needs", count("needs", real_needs))
    flyplan.perijove(38)
    files = _loaded_files(furnished)
    assert files and len(files) == len(set(files)), sorted(files)
    assert counts == {"assemble": 1, "needs": 1}


def test_coverage_is_the_union_of_abutting_files(naif_dir):
    """Two reconstructed files that meet (PJ0's and PJ1's) serve a span across their seam,
    as SPICE reads across segments; a span beyond both is still refused."""
    spk = naif_dir / "JUNO/kernels/spk"
    ks = KernelSet([spk / "spk_rec_160522_160729_160909.bsp",
                    spk / "spk_rec_160729_160923_161027.bsp"])
    (_, a0, b0), (_, a1, b1) = sorted(ks.coverage(-61), key=lambda x: x[1])
    assert a1 <= b0 < b1
    assert not any(a <= b0 - 86400 and b0 + 86400 <= b for _, a, b in ks.coverage(-61))
    assert ks.covers(-61, b0 - 86400, b0 + 86400)
    assert not ks.covers(-61, a0, b1 + 60)
