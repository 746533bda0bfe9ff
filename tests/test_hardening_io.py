"""Hardening: metakernel paths, the output policy, work limits, generated-kernel
integrity, and one clear error (no traceback) for every bad input.

None of these needs the real kernels: flyplan's built-in leapseconds kernel, a
small SPK written here and the Juno model serve.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import flyplan
from flyplan.cli import app
from flyplan.errors import FlyplanError, InputError, LimitError, OutputError, ScenarioError
from flyplan.products.outputs import OutputSet

runner = CliRunner()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    c = tmp_path / "cache"
    monkeypatch.setenv("FLYPLAN_CACHE", str(c))
    monkeypatch.delenv("FLYPLAN_KERNELS", raising=False)
    return c


def _cli(*args, env=None):
    res = runner.invoke(app, [str(a) for a in args], env=env)
    # A traceback in CliRunner is an exception other than SystemExit.
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exc_info
    return res


# -- metakernels -----------------------------------------------------------------------------

def _small_spk(path: Path) -> Path:
    from flyplan.ephemeris.spkwrite import Segment, write_spk13

    et = np.linspace(-1e8, 1e8, 8)
    states = np.tile([1000.0, 2000.0, 3000.0, 0.0, 0.0, 0.0], (8, 1))
    return write_spk13(path, [Segment(-999, 599, "J2000", et, states, degree=3,
                                      segid="metakernel test")], comment="test")


@pytest.mark.parametrize("odd", ["o'brien", "two  spaces", "ünïcødé", "a'b'c d ü"])
def test_metakernel_survives_quotes_spaces_non_ascii_and_400_characters(tmp_path, odd,
                                                                          monkeypatch):
    import spiceypy

    from flyplan.kernels.builtin import leapseconds_kernel
    from flyplan.kernels.pool import KernelSet, _metakernel_text

    deep = tmp_path / odd
    while len(str(deep)) < 400:
        deep = deep / (odd + "_" + "x" * 40)
    deep.mkdir(parents=True)
    assert len(str(deep)) >= 400
    monkeypatch.setenv("FLYPLAN_CACHE", str(deep / "cache"))
    lsk = leapseconds_kernel()
    spk = _small_spk(deep / "k.bsp")
    ks = KernelSet([lsk, spk])
    text = _metakernel_text(ks.kernels)
    # Every quoted value is short enough for SPICE, and the text kernel is sound.
    assert all(len(line.encode()) <= 132 for line in text.splitlines())
    ks.load()
    assert spiceypy.ktotal("ALL") == 3  # the metakernel and its two files
    pos, _ = spiceypy.spkpos("-999", 0.0, "J2000", "NONE", "599")
    assert np.allclose(pos, [1000.0, 2000.0, 3000.0])
    # A short path with a quote goes into the metakernel as it is, quote doubled.
    short = tmp_path / odd / "k.bsp"
    _small_spk(short)
    assert len(str(short).encode()) <= 255
    assert _kernels_to_load(_metakernel_text(KernelSet([short]).kernels)) == [str(short)]


def _kernels_to_load(text: str) -> list[str]:
    """KERNELS_TO_LOAD of a metakernel, read as SPICE reads it ('' is a quote, + continues)."""
    import re

    data = text.split("\\begindata", 1)[1].split("\\begintext", 1)[0]
    out, cur = [], ""
    for piece in re.findall(r"'((?:[^']|'')*)'", data):
        piece = piece.replace("''", "'")
        if piece.endswith("+"):
            cur += piece[:-1]
        else:
            out.append(cur + piece)
            cur = ""
    return out


def test_split_path_never_cuts_a_doubled_quote():
    from flyplan.kernels.pool import _split_path

    text = "/" + "'" * 200
    parts = _split_path(text)
    assert all(len(p.rstrip("+").encode()) <= 78 for p in parts)
    assert all(p.rstrip("+").count("'") % 2 == 0 for p in parts[1:])
    assert "".join(p.rstrip("+") for p in parts).replace("''", "'") == text


def test_daf_file_with_a_text_kernel_name_is_named(tmp_path):
    from flyplan.errors import KernelError
    from flyplan.kernels.files import check_kernel_file

    bogus = _small_spk(tmp_path / "k.bsp").rename(tmp_path / "naif0012.tls")
    with pytest.raises(KernelError, match="naif0012.tls is a binary"):
        check_kernel_file(bogus)


# -- the output policy -------------------------------------------------------------------------

def test_outputs_may_not_collide_or_replace_inputs(tmp_path):
    scen = tmp_path / "s.toml"
    scen.write_text("x")
    outs = OutputSet(inputs=[scen])
    with pytest.raises(OutputError, match="overwrite the input"):
        outs.add(scen, label="--output")
    outs.add(tmp_path / "a.csv", label="--output")
    with pytest.raises(OutputError, match="same file"):
        outs.add(tmp_path / "." / "a.csv", label="--html")
    with pytest.raises(OutputError, match="is a directory"):
        outs.add(tmp_path, label="--html")
    with pytest.raises(OutputError, match="does not exist"):
        outs.add(tmp_path / "nodir" / "x.html", label="--html")
    with pytest.raises(OutputError, match="empty"):
        outs.add("", label="--html")
    with pytest.raises(OutputError, match="control character"):
        outs.add(str(tmp_path / "a\nb.csv"), label="--html")


@pytest.mark.parametrize("name", ["/etc/evil.csv", "../evil.csv", "sub/../../evil.csv",
                                  "~/evil.csv", "link/evil.csv"])
def test_scenario_named_outputs_stay_in_the_scenario_directory(tmp_path, name):
    d = tmp_path / "scen"
    d.mkdir()
    (d / "link").symlink_to(tmp_path)  # a link pointing out of the directory
    with pytest.raises(OutputError):
        OutputSet().add(name, label="[outputs] file", scenario=d / "s.toml")
    # From the command line the user may name any of them.
    if not name.startswith(("/", "~")):
        (tmp_path / "sub").mkdir(exist_ok=True)
        OutputSet().add(str(d / name), label="--output")


def test_scenario_named_output_inside_is_resolved_against_the_scenario(tmp_path):
    d = tmp_path / "scen"
    (d / "out").mkdir(parents=True)
    path = OutputSet().add("out/x.csv", label="[outputs] file", scenario=d / "s.toml")
    assert path == (d / "out" / "x.csv").resolve()


def test_a_failed_write_leaves_no_output_of_the_set(tmp_path, monkeypatch):
    import flyplan.products.outputs as outputs

    outs = OutputSet()
    a = outs.add(tmp_path / "a.csv", label="--output")
    b = outs.add(tmp_path / "b.html", label="--html")
    outs.set(a, "csv")
    outs.set(b, "html")
    real_open = open

    def full(file, *args, **kwargs):
        if "b.html" in str(file):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(outputs, "open", full, raising=False)
    with pytest.raises(OutputError, match="disk is full"):
        outs.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_cli_enospc_on_output_is_one_message(cache, tmp_path, monkeypatch):
    import flyplan.products.outputs as outputs

    def full(file, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(file))

    monkeypatch.setattr(outputs, "open", full, raising=False)
    monkeypatch.chdir(tmp_path)
    res = _cli("perijove", "5", "-w", "20m", "-s", "10m", "--source", "model", "--no-moons",
               "-f", "csv", "-o", "x.csv", "--html", "x.html")
    assert res.exit_code == 1 and "disk is full" in res.output
    assert not list(tmp_path.glob("x.*")) and not list(tmp_path.glob(".x.*"))


SCENARIO = """name = "{name}"
perijove = 5
window = "-30m..+30m"
step = "10m"
source = "model"
targets = ["Io"]
[outputs]
{outputs}
"""


def test_plan_with_hostile_outputs_writes_nothing_outside(cache, tmp_path, monkeypatch):
    d = tmp_path / "scen"
    d.mkdir()
    monkeypatch.chdir(tmp_path)
    for outputs in ('file = "/tmp/flyplan-evil.csv"', 'html = "../evil.html"',
                    'file = "x.csv"\nhtml = "x.csv"'):
        (d / "s.toml").write_text(SCENARIO.format(name="x", outputs=outputs))
        res = _cli("plan", d / "s.toml")
        assert res.exit_code == 1, res.output
    assert not Path("/tmp/flyplan-evil.csv").exists() and not (tmp_path / "evil.html").exists()
    (d / "s.toml").write_text(SCENARIO.format(name="x\\n#!/bin/sh", outputs=""))
    res = _cli("plan", d / "s.toml", "-f", "csv")
    assert res.exit_code == 1 and "control character" in res.output
    (d / "s.toml").write_text(SCENARIO.format(name="x", outputs="") + "# #!/bin/sh\n")
    res = _cli("plan", d / "s.toml", "-o", d / "s.toml")
    assert res.exit_code == 1 and "overwrite the input" in res.output
    assert "#!/bin/sh" in (d / "s.toml").read_text()  # not overwritten


def test_plan_scenario_outputs_land_beside_the_scenario(cache, tmp_path, monkeypatch):
    d = tmp_path / "scen"
    d.mkdir()
    monkeypatch.chdir(tmp_path)
    (d / "s.toml").write_text(SCENARIO.format(
        name="[bold]x[/] <b>&", outputs='format = "csv"\nfile = "w.csv"\nhtml = "w.html"'))
    res = _cli("plan", d / "s.toml")
    assert res.exit_code == 0, res.output
    assert (d / "w.csv").read_text().startswith("# flyplan")
    page = (d / "w.html").read_text()
    assert "<b>&" not in page and "&lt;b&gt;&amp;" in page
    assert not (tmp_path / "w.csv").exists()


# -- scenario parsing ----------------------------------------------------------------------------

@pytest.mark.parametrize("body, match", [
    ('x = ' + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ('step = nan', "finite"),
    ('step = inf', "finite"),
    ('perijoves = "0..99999999999"', "goes past perijove"),
    ('perijoves = [1, 99999999999]', "stop at"),
])
def test_scenario_values_that_used_to_crash(body, match):
    base = 'name = "x"\ntargets = ["Io"]\n'
    if "perijoves" not in body:
        base += "perijove = 1\n"
    from flyplan.domain.plan import parse_scenario

    with pytest.raises(ScenarioError, match=match):
        parse_scenario(base + body + "\n")


def test_scenario_sample_limit_and_encoding(tmp_path):
    from flyplan.domain.plan import load_scenario, parse_scenario

    with pytest.raises(LimitError, match="samples"):
        parse_scenario('targets = ["Io"]\nperijoves = "all"\nstep = "0.01s"\n')
    p = tmp_path / "latin1.toml"
    p.write_bytes('name = "café"\nperijove = 1\ntargets = ["Io"]\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match="line 1: not UTF-8"):
        load_scenario(p)


# -- work limits ---------------------------------------------------------------------------------

def test_sample_limit_is_checked_before_allocating(monkeypatch):
    from flyplan.timeutil import DEFAULT_MAX_SAMPLES, max_samples, sample_times

    assert max_samples() == DEFAULT_MAX_SAMPLES
    with pytest.raises(LimitError, match=r"86,400,001 samples.*1,000,000") as info:
        sample_times(0.0, 86400.0, 0.001)
    assert "FLYPLAN_MAX_SAMPLES" in info.value.hint
    monkeypatch.setenv("FLYPLAN_MAX_SAMPLES", "100")
    assert len(sample_times(0.0, 99.0, 1.0)) == 100
    with pytest.raises(LimitError):
        sample_times(0.0, 100.0, 1.0)


def test_perijove_api_limit_fails_before_any_kernel(cache):
    with pytest.raises(LimitError):
        flyplan.perijove(1, window="12h", step="0.001s")
    with pytest.raises(LimitError, match="5,260,322 samples"):  # 10 years of minutes
        flyplan.perijove(1, window="2016-01-01T00:00Z..2026-01-01T00:00Z", step="60s")
    assert not cache.exists()  # nothing was loaded, built or fetched


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "99999999999999999999h", "1e400",
                                  "", "..", "5x"])
def test_bad_durations_are_input_errors(text):
    from flyplan.timeutil import parse_duration, parse_window

    with pytest.raises(InputError):
        parse_duration(text)
    with pytest.raises(InputError):
        parse_window(text if ".." in text else f"-1h..{text}")


# -- generated kernels ---------------------------------------------------------------------------

def test_generated_kernel_changed_after_build_is_rebuilt(cache):
    from flyplan.ephemeris.juno_model import model_spk
    from flyplan.ephemeris import manifest

    path = model_spk(5)
    good = path.read_bytes()
    entry = manifest.read()[path.name]
    assert entry["size"] == len(good)
    data = bytearray(good)
    data[len(data) // 2] ^= 0x10  # one coefficient
    path.write_bytes(bytes(data))
    os.utime(path, ns=(1, 1))  # a different mtime: the hash memo does not hide the change
    assert manifest.check(path).startswith("sha256")
    rows = {r["name"]: r["state"] for r in manifest.entries()}
    assert rows[path.name].startswith("CHANGED")
    assert model_spk(5).read_bytes() == good  # rebuilt, identical
    assert manifest.verified(path)


def test_unrecorded_generated_kernel_is_rebuilt(cache):
    from flyplan.ephemeris import manifest
    from flyplan.kernels.builtin import jupiter_at_barycentre_spk

    path = jupiter_at_barycentre_spk()
    assert manifest.verified(path)
    manifest.manifest_path().unlink()
    assert not manifest.verified(path)
    jupiter_at_barycentre_spk()
    assert manifest.verified(path)


def test_status_lists_generated_kernels(cache):
    from flyplan.kernels.builtin import leapseconds_kernel

    leapseconds_kernel()
    res = _cli("kernels", "status", "-f", "json")
    built = json.loads(res.stdout)["built"]
    assert [r["state"] for r in built] == ["verified (manifest)"]


# -- one clear message, never a traceback ----------------------------------------------------------

@pytest.mark.parametrize("args, code", [
    (["perijove", "1", "-w", "2016-08-27T13:00Z..2016-08-27T12:00Z", "--source", "model"], 1),
    (["perijove", "1", "-w", "2016-08-27T13:00Z..2016-08-27T13:00Z", "--source", "model"], 1),
    (["perijove", "1", "-w", "99999999999999999999h"], 2),
    (["perijove", "1", "-w", "12h", "-s", "0.001s"], 1),
    (["perijove", "1", "-o", ""], 1),
    (["perijove", "1", "-o", "/"], 1),
    (["perijove", "1", "--html", "/nonexistent-dir/x.html"], 1),
    (["observe", "1", "--site", "greenwich", "--days", "1e9"], 1),
    (["observe", "1", "--site", "greenwich", "--longitude", "nan"], 1),
    (["observe", "1", "--site", "greenwich", "--step", "0.001s"], 1),
    (["--naif-url", "http://[::1", "perijove", "1"], 1),
    (["--naif-url", "http://[::1", "kernels", "plan", "1"], 1),
    (["events", "1", "--lat", "200"], 1),
    (["events", "1", "--lat", "nan"], 1),
])
def test_cli_bad_input_is_one_message(cache, args, code):
    res = _cli(*args)
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("call", [
    lambda: flyplan.perijove("1"),
    lambda: flyplan.perijove(1, window=[1, 2, 3]),
    lambda: flyplan.perijove(1, step="nan"),
    lambda: flyplan.perijove(1, step=float("inf")),
    lambda: flyplan.perijove(1, window="2016-08-27T13:00Z..2016-08-27T12:00Z", source="model"),
    lambda: flyplan.observe(1, "greenwich", days=float("nan")),
    lambda: flyplan.observe(1, "greenwich", days=1e9),
    lambda: flyplan.observe(1, "greenwich", longitude_w_deg=float("nan")),
    lambda: flyplan.observe(1, 42),
    lambda: flyplan.observe(1, "100,0"),
    lambda: flyplan.events(1, latitudes=[200]),
    lambda: flyplan.events(1, latitudes=["x"]),
    lambda: flyplan.events(1, window="1h", altitudes_km=[float("nan")]),
    lambda: flyplan.load_scenario(None),
    lambda: flyplan.load_scenario("/nonexistent.toml"),
    lambda: flyplan.plan(42),
    lambda: flyplan.perijoves(0, 99999999999),
    lambda: flyplan.perijoves("a", 3),
    lambda: flyplan.to_json(42),
    lambda: flyplan.to_csv("x"),
    lambda: flyplan.image("/nonexistent-Metadata.json"),
    lambda: flyplan.events(5, "1h", source="model", kinds=["bogus"]),
    lambda: flyplan.KernelSet([42]),
])
def test_public_api_raises_only_flyplan_errors(cache, call):
    with pytest.raises(FlyplanError):
        call()
