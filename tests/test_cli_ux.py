"""The command line teaches itself: examples, version, --offline everywhere, checked
kinds and bodies, plan overrides, default page names, notes on stderr."""

from __future__ import annotations

import json

import pytest
from _cli import run_flyplan
from typer.testing import CliRunner

from flyplan.cli import app, kernels_app

runner = CliRunner()

COMMANDS = [[c.name or c.callback.__name__] for c in app.registered_commands] + \
    [["kernels", c.name] for c in kernels_app.registered_commands]


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_every_help_has_an_example_and_offline(cmd):
    res = runner.invoke(app, [*cmd, "--help"])
    assert res.exit_code == 0, res.output
    assert "Examples:" in res.output and "$ flyplan" in res.output
    assert "--offline" in res.output


def test_version_flag_and_command():
    from flyplan import __version__

    for args in (["-V"], ["--version"], ["version"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0 and f"flyplan {__version__}" in res.output, (args, res.output)


def test_completion_is_on():
    res = runner.invoke(app, ["--help"])
    assert "--install-completion" in res.output


def test_offline_after_the_command_sets_it(monkeypatch):
    monkeypatch.delenv("FLYPLAN_OFFLINE")
    import os

    res = runner.invoke(app, ["kernels", "status", "--offline", "--no-verify", "-f", "json"])
    assert res.exit_code == 0, res.output
    assert os.environ.get("FLYPLAN_OFFLINE") == "1"


def test_unknown_kind_names_the_kinds_and_a_suggestion():
    res = runner.invoke(app, ["events", "38", "--kind", "closet_aproach"])
    assert res.exit_code == 2
    assert "closest_approach" in res.output and "did you mean" in res.output


def test_unknown_body_is_a_usage_error():
    res = runner.invoke(app, ["events", "38", "--body", "pluto"])
    assert res.exit_code == 2 and "CALLISTO" in res.output


def test_kind_prefix_and_body_filter():
    """`--kind closest` selects closest_approach (it used to give 0 events)."""
    res = runner.invoke(app, ["events", "38", "-w", "6h", "--kind", "closest", "--body", "io",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["events"] and {e["kind"] for e in doc["events"]} == {"closest_approach"}
    assert {e["body"] for e in doc["events"]} == {"IO"}


def test_plan_overrides_window_step_source(tmp_path):
    res = runner.invoke(app, ["plan", "scenarios/pj38_io_callisto.toml", "--window", "-30m..0h",
                              "--step", "30s", "--source", "model", "-f", "json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    sc = doc["metadata"]["scenario"]
    assert (sc["window"], sc["step"], sc["source"]) == ("-30m..0h", "30s", "model")
    for w in doc["windows"]:
        assert w["start_utc"] >= "2021-11-29T13:43"


def test_plan_override_that_does_not_validate(tmp_path):
    sc = tmp_path / "abs.toml"
    sc.write_text('window = "2021-11-29T13:00Z..2021-11-29T14:00Z"\ntargets = ["Io"]\n')
    res = runner.invoke(app, ["plan", str(sc), "--window", "-1h..+1h"])
    assert res.exit_code == 1
    assert "--window" in res.output and "absolute" in res.output


def test_html_default_name_and_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from flyplan.cli_support import pick_html

    assert str(pick_html(None, True, "pj", 38)) == "flyplan_pj38.html"
    assert pick_html(tmp_path, False, "pj", 38) == tmp_path / "flyplan_pj38.html"
    assert pick_html(None, False, "pj", 38) is None


def test_perijove_notes_only_on_stderr_and_once():
    """`flyplan perijove 38 2>/dev/null` prints no note: line."""
    proc = run_flyplan("perijove", "38", "--no-moons", "-w", "1h", "--step", "10m")
    assert proc.returncode == 0, proc.stderr
    assert "note:" not in proc.stdout
    notes = [ln for ln in proc.stderr.splitlines() if ln.startswith("note:")]
    assert notes and len(notes) == len(set(notes))
    assert sum("not fetched" in n for n in notes) <= 1


def test_kernels_status_lists_built_kernels():
    run = runner.invoke(app, ["perijove", "38", "--no-moons", "-w", "10m", "-f", "json"])
    assert run.exit_code == 0, run.output
    res = runner.invoke(app, ["kernels", "status", "--no-verify", "-f", "json"])
    doc = json.loads(res.stdout)
    roles = {r["role"] for r in doc["built"]}
    assert "Juno model" in roles
    assert all(r["size"] > 0 for r in doc["built"])


@pytest.mark.slow
def test_perijove_page_has_highlights_and_no_download_noise(tmp_path, monkeypatch):
    """Into a directory under its default name; the sources box lists no failed download
    even when the archive was tried and could not be reached."""
    monkeypatch.delenv("FLYPLAN_OFFLINE")  # try the (unreachable) archive
    res = runner.invoke(app, ["perijove", "38", "-w", "-1h..+30m", "--step", "2m",
                              "--html", str(tmp_path)])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "flyplan_pj38.html").read_text()
    assert 'id="flyplan-highlights"' in page and "Io and Callisto" in page
    assert "not fetched" not in page and "127.0.0.1:9" not in page


@pytest.mark.shared
def test_mission_table_reports_progress_per_perijove(naif_dir):
    import flyplan

    ticks = []
    mt = flyplan.perijoves(0, 1, window="10m", step="60s", kernels=naif_dir, moons=False,
                           progress=ticks.append)
    assert sum(ticks) == 2 == len(mt.table)
    assert str(mt.table["utc"].dtype) == "datetime64[ns, UTC]"


def test_progress_bar_draws_nothing_off_a_terminal(capsys):
    from flyplan.cli_support import progress_bar

    with progress_bar(10, "work") as advance:
        for _ in range(10):
            advance()
    assert capsys.readouterr().err == ""
