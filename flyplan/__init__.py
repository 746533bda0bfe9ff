"""flyplan: Juno perijove geometry and observation planning on SPICE kernels.

The public API is small and lazy: importing :mod:`flyplan` loads no kernel and
imports neither SPICE nor pandas; each name is imported on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "perijove": "flyplan.domain.perijove",
    "Perijove": "flyplan.domain.perijove",
    "perijoves": "flyplan.domain.mission",
    "MissionTable": "flyplan.domain.mission",
    "to_json": "flyplan.products.serialize",
    "to_csv": "flyplan.products.serialize",
    "KernelSet": "flyplan.kernels.pool",
    "FlyplanError": "flyplan.errors",
    "KernelError": "flyplan.errors",
    "CoverageError": "flyplan.errors",
    "PerijoveError": "flyplan.errors",
    "observe": "flyplan.domain.observe",
    "ScenarioError": "flyplan.errors",
    "events": "flyplan.domain.events",
    "EventsResult": "flyplan.domain.events",
    "plan": "flyplan.domain.plan",
    "PlanResult": "flyplan.domain.plan",
    "Scenario": "flyplan.domain.plan",
    "load_scenario": "flyplan.domain.plan",
    "image": "flyplan.domain.image",
    "Image": "flyplan.domain.image",
    "ImageError": "flyplan.errors",
    "InputError": "flyplan.errors",
    "LimitError": "flyplan.errors",
    "OutputError": "flyplan.errors",
    "coverage": "flyplan.domain.coverage",
    "CoverageResult": "flyplan.domain.coverage",
    "targets": "flyplan.domain.targets",
    "TargetsResult": "flyplan.domain.targets",
    "POI": "flyplan.domain.poi",
}

__all__ = ["__version__", *_LAZY]
_GUARDED = {"perijove", "perijoves", "observe", "events", "plan", "load_scenario", "image",
            "to_json", "to_csv"}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flyplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if name in _GUARDED:
        # Bad input to a public function arrives as a FlyplanError, whatever
        # check upstream missed it.
        from flyplan._guard import api_guard

        value = api_guard(value, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
