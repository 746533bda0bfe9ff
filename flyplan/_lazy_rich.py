"""Keep ``flyplan --help`` from importing the parts of rich that help never uses.

typer's rich help formatter imports ``rich.markdown`` (which pulls in
``markdown_it``) and ``rich.traceback`` (``rich.syntax`` and pygments) at
the top of ``typer.rich_utils``, for markdown help text and pretty
tracebacks; flyplan uses neither (rich markup, ``pretty_exceptions_enable
=False``), and they are two thirds of the help's import time.  :func:`install`
puts stand-ins for those two modules in ``sys.modules``: each name taken from
them is a class that imports the real module when it is first used, and any
other attribute imports it at once, so nothing breaks if they are needed
after all.
"""

from __future__ import annotations

import importlib
import sys
import types

__all__ = ["install"]

_MODULES = {"rich.markdown": ("Markdown",), "rich.traceback": ("Traceback",)}


def _real(module: str):
    mod = sys.modules.get(module)
    if isinstance(mod, _Standin):
        del sys.modules[module]
        mod = importlib.import_module(module)
    return mod


class _Forward(type):
    # Class attributes (Traceback.from_exception, ...) come from the real class.
    def __getattr__(cls, name):
        return getattr(getattr(_real(cls._module), cls.__name__), name)


def _lazy_class(module: str, name: str):
    def __new__(cls, *args, **kwargs):
        return getattr(_real(module), name)(*args, **kwargs)

    return _Forward(name, (), {"__new__": __new__, "_module": module})


class _Standin(types.ModuleType):
    def __getattr__(self, name):
        # The import system probes dunders (__path__, __spec__ ...): not a use.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(_real(self.__name__), name)


def install() -> None:
    """Stand in for ``rich.markdown`` and ``rich.traceback`` unless they are already imported."""
    for module, names in _MODULES.items():
        if module in sys.modules:
            continue
        stub = _Standin(module)
        for name in names:
            setattr(stub, name, _lazy_class(module, name))
        sys.modules[module] = stub
        parent, _, child = module.rpartition(".")
        setattr(importlib.import_module(parent), child, stub)
