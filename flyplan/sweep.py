"""One way to run many independent tasks: in-process, a process pool, or Dask.

The mission table, all-perijove plans, coverage maps over many perijoves and
Monte Carlo runs over trajectory uncertainty are all *sweeps*: a list of
independent tasks whose results are gathered in order.  This module runs
them on one of three back-ends behind one interface:

``inline``
    In this process, one after the other (no start-up cost; the default for
    one worker).
``processes``
    A local :class:`concurrent.futures.ProcessPoolExecutor` (``--workers N``).
``dask``
    Dask distributed: a scheduler at ``scheduler`` (``tcp://host:8786``), or
    a :class:`distributed.LocalCluster` of ``workers`` single-threaded worker
    processes when no address is given.  Optional: ``pip install
    flyplan[dask]``.

SPICE's kernel pool is global to a process and not thread-safe, so work is
spread over processes only, and each task loads the kernels it needs in the
process that runs it (nothing of the caller's pool travels with a task).  A
Dask worker that runs several threads still runs flyplan's tasks one at a
time: every task holds a per-process lock while it runs.

Tasks are picklable callables without arguments (a module-level function,
or a :func:`functools.partial` of one); results must be picklable too.  This
module is generic: it imports nothing from flyplan's domain layer.
"""

from __future__ import annotations

import functools
import os
import threading
from typing import Any, Callable, Iterable, Sequence

from flyplan.errors import FlyplanError

__all__ = ["EXECUTORS", "Executor", "SweepError", "open_executor", "run", "split"]

EXECUTORS = ("inline", "processes", "dask")

# Environment variables a task must see as the caller set them (cache, network
# switches, mirror), including on a remote Dask worker started elsewhere.
_ENV_PREFIX = "FLYPLAN_"

# One flyplan task at a time per process: SPICE's state is per process.
_TASK_LOCK = threading.Lock()


class SweepError(FlyplanError):
    """An executor that cannot be set up (unknown kind, Dask missing, scheduler unreachable)."""


class _Task:
    """A task wrapped for a worker: the caller's ``FLYPLAN_*`` environment, and the lock.

    Parameters
    ----------
    fn : callable
        The task, called without arguments.
    env : dict of str
        ``FLYPLAN_*`` variables to set while it runs (unset ones are removed).
    """

    __slots__ = ("fn", "env")

    def __init__(self, fn: Callable[[], Any], env: dict[str, str]):
        self.fn = fn
        self.env = env

    def __getstate__(self):
        return (self.fn, self.env)

    def __setstate__(self, state):
        self.fn, self.env = state

    def __call__(self):
        with _TASK_LOCK:
            saved = {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIX)}
            for k in saved:
                if k not in self.env:
                    del os.environ[k]
            os.environ.update(self.env)
            try:
                return self.fn()
            finally:
                for k in [k for k in os.environ if k.startswith(_ENV_PREFIX)]:
                    del os.environ[k]
                os.environ.update(saved)


def _call(task):
    # Module-level, so a process pool can pickle it.
    return task()


def split(items: Sequence, parts: int) -> list[list]:
    """``items`` cut into at most ``parts`` contiguous, nearly equal, non-empty runs.

    Contiguous runs keep neighbouring perijoves (which share kernel files)
    in one task, so a worker loads each file once.
    """
    items = list(items)
    parts = max(1, min(int(parts), len(items)))
    size, extra = divmod(len(items), parts)
    out, i = [], 0
    for k in range(parts):
        j = i + size + (1 if k < extra else 0)
        if j > i:
            out.append(items[i:j])
        i = j
    return out


class Executor:
    """Runs tasks on one back-end; use as a context manager (or call :meth:`close`).

    Attributes
    ----------
    kind : str
        ``"inline"``, ``"processes"`` or ``"dask"``.
    workers : int
        How many tasks can run at once (for Dask, the cluster's worker threads).
    address : str or None
        The Dask scheduler's address.
    """

    def __init__(self, kind: str, workers: int, address: str | None = None):
        self.kind = kind
        self.workers = workers
        self.address = address
        self._pool = None
        self._client = None
        self._cluster = None

    def describe(self) -> str:
        """One line saying where the tasks run."""
        if self.kind == "dask":
            return f"dask at {self.address} ({self.workers} worker thread(s))"
        if self.kind == "processes":
            return f"{self.workers} local process(es)"
        return "in-process"

    def run(self, tasks: Iterable[Callable[[], Any]],
            done: Callable[[int], None] | None = None) -> list:
        """Run every task and return their results in the order given.

        Parameters
        ----------
        tasks : iterable of callable
            Picklable callables without arguments.
        done : callable, optional
            Called in this process with a task's index as each one finishes
            (for a progress bar), in the order they finish.

        Returns
        -------
        list
            ``[task() for task in tasks]``, computed on this executor.  An
            exception raised by a task is raised here.
        """
        env = {k: v for k, v in os.environ.items() if k.startswith(_ENV_PREFIX)}
        wrapped = [_Task(t, env) for t in tasks]
        if not wrapped:
            return []
        if self.kind == "inline":
            out = []
            for i, t in enumerate(wrapped):
                out.append(t())
                if done:
                    done(i)
            return out
        if self.kind == "processes":
            from concurrent.futures import as_completed

            if self._pool is None:
                from concurrent.futures import ProcessPoolExecutor

                self._pool = ProcessPoolExecutor(max_workers=self.workers)
            futures = [self._pool.submit(_call, t) for t in wrapped]
        else:
            from distributed import as_completed

            futures = self._client.map(_call, wrapped, pure=False)
        if done:
            # Dask yields its futures by key; the pool's are the very objects.
            key = (lambda f: f.key) if self.kind == "dask" else id
            index = {key(f): i for i, f in enumerate(futures)}
            for f in as_completed(futures):
                done(index[key(f)])
        if self.kind == "processes":
            return [f.result() for f in futures]
        return self._client.gather(futures)

    def map(self, fn: Callable[[Any], Any], items: Iterable) -> list:
        """``[fn(item) for item in items]`` on this executor (``fn`` picklable)."""
        return self.run(functools.partial(fn, item) for item in items)

    def close(self) -> None:
        """Shut the pool or the Dask client (and a cluster this executor started) down."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dask_client(workers: int, scheduler: str | None, timeout_s: float):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SweepError("the dask executor needs Dask distributed, which is not installed",
                         hint="pip install 'flyplan[dask]' (or choose --executor processes)"
                         ) from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=timeout_s)
        except (OSError, TimeoutError) as exc:
            raise SweepError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                             hint="start one (`dask scheduler` and `dask worker ADDRESS`), "
                                  "check the address, or leave --scheduler out for a "
                                  "local cluster") from None
        return client, None
    # Processes, one thread each: SPICE is per process and not thread-safe.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=40)
    return Client(cluster), cluster


def open_executor(kind: str | None = None, workers: int = 1, scheduler: str | None = None,
                  *, timeout_s: float = 10.0) -> Executor:
    """An executor of the given kind.

    Parameters
    ----------
    kind : {"inline", "processes", "dask"}, optional
        Back-end.  Default: ``"dask"`` when ``scheduler`` is given, else
        ``"processes"`` for ``workers > 1`` and ``"inline"`` for one.
    workers : int
        Processes for ``"processes"`` and for a local Dask cluster (capped
        at the number of CPUs for ``"processes"``); ignored with a scheduler
        address, whose workers are used as they are.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``).
    timeout_s : float
        How long to wait for the scheduler, s.

    Returns
    -------
    Executor

    Raises
    ------
    SweepError
        Unknown kind, a scheduler with another kind, Dask not installed, or a
        scheduler that cannot be reached.
    """
    if kind is None:
        kind = "dask" if scheduler else ("processes" if workers > 1 else "inline")
    if kind not in EXECUTORS:
        raise SweepError(f"unknown executor {kind!r}", hint=f"use one of {', '.join(EXECUTORS)}")
    if scheduler and kind != "dask":
        raise SweepError(f"a scheduler address ({scheduler}) needs the dask executor, "
                         f"not {kind!r}", hint="add --executor dask, or leave --scheduler out")
    workers = max(1, int(workers))
    if kind == "inline":
        return Executor("inline", 1)
    if kind == "processes":
        return Executor("processes", max(1, min(workers, os.cpu_count() or 1)))
    client, cluster = _dask_client(workers, scheduler, timeout_s)
    threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
    ex = Executor("dask", max(1, threads), client.scheduler.address)
    ex._client, ex._cluster = client, cluster
    return ex


def run(tasks: Sequence[Callable[[], Any]], *, executor: str | None = None, workers: int = 1,
        scheduler: str | None = None) -> list:
    """Run ``tasks`` on a fresh executor (see :func:`open_executor`) and return the results."""
    with open_executor(executor, workers, scheduler) as ex:
        return ex.run(tasks)
