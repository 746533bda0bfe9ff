"""KernelSet: one owner of the pool, idempotent loading, provenance, validation."""

from __future__ import annotations

import hashlib
import shutil

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
