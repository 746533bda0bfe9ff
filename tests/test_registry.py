"""The registry of known kernels: its data file, names, listings and choices."""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib import resources
from pathlib import Path

import pytest

from flyplan.kernels import registry, select

REPO = Path(__file__).resolve().parents[1]


def test_registry_ships_inside_the_package():
    # Found through importlib.resources, as in an installed wheel: not through
    # the checkout's kernels/ folder.
    text = resources.files("flyplan.data").joinpath("registry.toml").read_text()
    assert "naif0012.tls" in text
    link = REPO / "kernels" / "registry.toml"
    if link.exists():
        assert link.read_text() == text


def test_registry_entries_are_consistent():
    entries = registry.known()
    roles = {e.role for e in entries}
    assert {"lsk", "pck", "gm", "planets", "satellites", "fk", "ik", "sclk", "struct",
            "juno_spk"} <= roles
    assert len({e.name for e in entries}) == len(entries)
    for e in entries:
        assert registry.classify(e.name)[0] == e.role
        assert e.sha256 is None or (len(e.sha256) == 64 and int(e.sha256, 16) >= 0)
        assert not e.path.startswith("/") and ".." not in e.path
    assert registry.default_base_url() == "https://naif.jpl.nasa.gov/pub/naif/"
    assert registry.listings() == {"juno_spk": "JUNO/kernels/spk/"}


def test_registry_facts_match_the_shared_files(naif_dir):
    """Every registry entry the mirror holds has the registry's size and sha256."""
    checked = 0
    for e in registry.known():
        path = naif_dir / e.path
        if not path.exists():
            continue
        data = path.read_bytes()
        assert e.size == len(data), e.name
        assert e.sha256 == hashlib.sha256(data).hexdigest(), e.name
        checked += 1
    assert checked >= 14


def test_skyfield_data_de421_is_naifs(naif_dir):
    """flyplan's built-in planets are byte for byte NAIF's de421.bsp."""
    from flyplan.kernels import builtin

    entry = registry.lookup("de421.bsp")
    data = Path(builtin.planetary_spk()).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry.sha256


def test_name_coverage_brackets_the_real_coverage(naif_dir):
    import spiceypy

    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))
    files = sorted((naif_dir / "JUNO/kernels/spk").glob("spk_*.bsp"))
    assert len(files) == 4
    for f in files:
        a, b = registry.name_interval(f.name)
        cover = spiceypy.spkcov(str(f), -61)
        lo, hi = spiceypy.wnfetd(cover, 0)[0], spiceypy.wnfetd(cover, spiceypy.wncard(cover) - 1)[1]
        # The name's days hold the file's coverage ...
        assert a <= lo and hi <= b, f.name
        # ... and the coverage reaches into the first and last named day.
        assert lo - a < 86400.0 and b - hi < 86400.0, f.name


def test_date_to_et_agrees_with_spice(naif_dir):
    import spiceypy

    spiceypy.furnsh(str(naif_dir / "generic_kernels/lsk/naif0012.tls"))
    for day in ("2011-08-05", "2016-08-27", "2022-09-29"):
        exact = spiceypy.str2et(day + "T00:00:00")
        # SPICE's own formula and leap seconds: to the microsecond.
        assert abs(registry.date_to_et(dt.date.fromisoformat(day)) - exact) <= 1e-6


APACHE = """<html><head><title>Index of /pub/naif/JUNO/kernels/spk</title></head><body>
<h1>Index of /pub/naif/JUNO/kernels/spk</h1><pre><img src="/icons/blank.gif" alt="Icon ">
<a href="?C=N;O=D">Name</a>                    <a href="?C=M;O=A">Last modified</a>
<hr><a href="/pub/naif/JUNO/kernels/">Parent Directory</a>                             -
<a href="a_old_versions/">a_old_versions/</a>          2020-01-01 10:00    -
<a href="juno_struct_v04.bsp">juno_struct_v04.bsp</a>   2014-02-10 11:02   11K
<a href="spk_rec_160729_160923_161027.bsp">spk_rec_160729_160923_161027.bsp</a>  2016-10-27 10:12  581K
<a href="spk_rec_160729_160923_161027.bsp.lbl">spk_rec_160729_160923_161027.bsp.lbl</a>  2016-10-27 10:12  2.6K
<a href="spk_pre_220614_221109_220810_jm0450.bsp">spk_pre_220614_221109_220810_jm0450.bsp</a>  2022-08-10 16:02  1.3M
</pre></body></html>"""

APACHE_TABLE = """<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td>
<td><a href="spk_rec_160522_160729_160909.bsp">spk_rec_160522_160729_160909.bsp</a></td>
<td align="right">2016-09-09 12:00  </td><td align="right">574K</td><td>&nbsp;</td></tr>
</table>"""


def test_parse_apache_listing():
    got = registry.parse_listing(APACHE, roles={"juno_spk"})
    assert got == [("spk_rec_160729_160923_161027.bsp", 581 * 1024),
                   ("spk_pre_220614_221109_220810_jm0450.bsp", int(1.3 * 1024 ** 2))]
    assert registry.parse_listing(APACHE_TABLE) == [("spk_rec_160522_160729_160909.bsp",
                                                      574 * 1024)]
    assert ("juno_struct_v04.bsp", 11 * 1024) in registry.parse_listing(APACHE)


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "/abs.bsp", "spk_rec_..bsp", "spk_rec_160729_160923_161027.bsp?x=1",
    "a/spk_rec_160729_160923_161027.bsp", "..", ".", "", "spk_rec_160729_160923_161027.bsp\x00",
    "spk_rec_160729_160923_161027.bsp/", "~/naif0012.tls", "naif0012.tls\n",
    "spk_rec_161399_160923_161027.bsp",  # not a date
])
def test_unsafe_names_are_refused(name):
    assert not registry.safe_name(name)


def test_safe_names():
    assert registry.safe_name("spk_rec_160729_160923_161027.bsp", {"juno_spk"})
    assert registry.safe_name("spk_pre_220614_221109_220810_jm0450.bsp")
    assert not registry.safe_name("naif0012.tls", {"juno_spk"})


def _opt(name, start, stop, local=False):
    j = registry.parse_juno_spk(name)
    return ((j.reconstructed, j.produced, local, name), [(start, stop)], name)


def test_choose_prefers_reconstructed_then_newer():
    opts = [_opt("spk_pre_160701_161001_160801.bsp", 0, 100),
            _opt("spk_rec_160701_161001_161101.bsp", 0, 100),
            _opt("spk_rec_160701_161001_161201.bsp", 0, 100)]
    assert select.choose(opts, 10, 20) == ["spk_rec_160701_161001_161201.bsp"]
    assert select.choose(opts[:1] + opts[1:2], 10, 20) == ["spk_rec_160701_161001_161101.bsp"]


def test_choose_unions_when_no_single_file_covers():
    opts = [_opt("spk_rec_160701_160801_160901.bsp", 0, 50),
            _opt("spk_rec_160801_160901_161001.bsp", 45, 100),
            _opt("spk_pre_160601_161201_160601.bsp", 0, 30)]
    # Least preferred first (SPICE: the last file loaded wins).
    assert select.choose(opts, 40, 60) == ["spk_rec_160701_160801_160901.bsp",
                                            "spk_rec_160801_160901_161001.bsp"]
    assert select.choose(opts, 40, 200) == []
    # Reconstructed files together beat a predicted one that covers alone ...
    opts.append(_opt("spk_pre_160601_161201_160701.bsp", 0, 200))
    assert select.choose(opts, 40, 60) == ["spk_rec_160701_160801_160901.bsp",
                                            "spk_rec_160801_160901_161001.bsp"]
    # ... and where they leave a gap, predicted fills it under them.
    assert select.choose(opts, 40, 150) == ["spk_pre_160601_161201_160701.bsp",
                                             "spk_rec_160701_160801_160901.bsp",
                                             "spk_rec_160801_160901_161001.bsp"]
    # Among predicted files alone, the newest production comes first.
    pre = [o for o in opts if not o[0][0]]
    assert select.choose(pre, 10, 20) == ["spk_pre_160601_161201_160701.bsp"]


from hypothesis import given, settings, strategies as st  # noqa: E402

_PIECES = st.sampled_from(["spk_rec_160729_160923_161027.bsp", "..", "/", "%2e", "%2f", "?",
                           "#", "\\", "a_old_versions/", "http://x/", "./", "%00", "\n", "~"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=6).map("".join),
                max_size=12))
def test_listing_yields_only_plain_kernel_names(hrefs):
    import html as _html

    page = "".join(f'<a href="{_html.escape(h, quote=True)}">x</a> 1K\n' for h in hrefs)
    for name, _size in registry.parse_listing(page):
        assert registry.safe_name(name)
        assert "/" not in name and "\\" not in name and ".." not in name
        assert name == Path(name).name and not name.startswith(".")
