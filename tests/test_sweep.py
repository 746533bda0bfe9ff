"""The sweep executors (flyplan.sweep): one interface, three back-ends, the same answers."""

from __future__ import annotations

import functools
import os

import pytest
from hypothesis import given, strategies as st

from flyplan import sweep


@given(st.lists(st.integers(), max_size=60), st.integers(min_value=1, max_value=20))
def test_split_keeps_order_and_balances(items, parts):
    runs = sweep.split(items, parts)
    assert [x for r in runs for x in r] == items
    assert all(runs) and len(runs) == min(parts, len(items))
    if runs:
        sizes = [len(r) for r in runs]
        assert max(sizes) - min(sizes) <= 1


def _square_with_pid(x):
    return x * x, os.getpid(), os.environ.get("FLYPLAN_SWEEP_PROBE")


def _fail(x):
    raise ValueError(f"task {x} failed")


@pytest.mark.parametrize("kind", ["inline", "processes"])
def test_results_in_order_with_the_callers_environment(kind, monkeypatch):
    monkeypatch.setenv("FLYPLAN_SWEEP_PROBE", f"from-{kind}")
    with sweep.open_executor(kind, workers=2) as ex:
        out = ex.map(_square_with_pid, range(7))
    assert [o[0] for o in out] == [x * x for x in range(7)]
    assert {o[2] for o in out} == {f"from-{kind}"}
    pids = {o[1] for o in out}
    assert (pids == {os.getpid()}) if kind == "inline" else (os.getpid() not in pids)


def test_a_task_that_fails_raises_in_the_caller():
    with pytest.raises(ValueError, match="task 3 failed"):
        sweep.run([functools.partial(_fail, 3)], executor="processes", workers=2)


def test_default_kind_follows_workers_and_scheduler():
    with sweep.open_executor(None, workers=1) as ex:
        assert ex.kind == "inline"
    with sweep.open_executor(None, workers=2) as ex:
        assert ex.kind == "processes" and ex.workers == min(2, os.cpu_count() or 1)


@pytest.mark.parametrize("kind, scheduler, match", [
    ("threads", None, "unknown executor"),
    ("processes", "tcp://127.0.0.1:1", "needs the dask executor"),
])
def test_bad_executor_choices_are_clear_errors(kind, scheduler, match):
    with pytest.raises(sweep.SweepError, match=match):
        sweep.open_executor(kind, 2, scheduler)


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    with pytest.raises(sweep.SweepError, match="cannot reach the Dask scheduler"):
        sweep.open_executor("dask", 1, "tcp://127.0.0.1:9", timeout_s=1.0)


def test_cli_reports_an_unreachable_scheduler_without_traceback():
    pytest.importorskip("distributed")
    from typer.testing import CliRunner

    from flyplan.cli import app

    r = CliRunner().invoke(app, ["perijoves", "--from", "0", "--to", "1", "--executor",
                                 "processes", "--scheduler", "tcp://127.0.0.1:9"])
    assert r.exit_code == 1, r.output
    assert "needs the dask executor" in r.output and "Traceback" not in r.output


@pytest.mark.shared
def test_mission_table_on_a_dask_local_cluster_equals_the_process_pool(naif_dir):
    """Two single-threaded Dask worker processes give the process pool's table, cell for cell."""
    pytest.importorskip("distributed")
    import pandas as pd

    import flyplan

    kw = dict(window="-1h..+1h", step="60s", kernels=naif_dir, workers=2)
    pool = flyplan.perijoves(0, 3, executor="processes", **kw).table
    dask = flyplan.perijoves(0, 3, executor="dask", **kw).table
    assert "error" not in pool.columns and list(pool["pj"]) == [0, 1, 2, 3]
    assert pool["io_ca_range_km"].notna().all()
    pd.testing.assert_frame_equal(dask, pool, check_exact=True)
