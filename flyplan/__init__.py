"""flyplan: Juno perijove geometry and observation planning on SPICE kernels.

The public API is small and lazy: importing :mod:`flyplan` loads no kernel and
imports neither SPICE nor pandas; each name is imported on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "perijove": "flyplan.pj",
    "Perijove": "flyplan.pj",
    "perijoves": "flyplan.mission",
    "KernelSet": "flyplan.kernelset",
    "FlyplanError": "flyplan.errors",
    "KernelError": "flyplan.errors",
    "CoverageError": "flyplan.errors",
    "PerijoveError": "flyplan.errors",
    "observe": "flyplan.observing",
    "ScenarioError": "flyplan.errors",
    "events": "flyplan.eventfinder",
    "EventsResult": "flyplan.eventfinder",
    "plan": "flyplan.scenario",
    "PlanResult": "flyplan.scenario",
    "Scenario": "flyplan.scenario",
    "load_scenario": "flyplan.scenario",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flyplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
