"""Extra engines: registered by plugin modules, never shipped as product engines.

The built-in engines are ``transformers``, ``openai`` and ``pdf-text`` (``auto`` chooses among
them). A plugin module registers more with :func:`register` when it is imported; a deployment
names its plugin modules in ``DOCPARSE_ENGINE_PLUGINS`` (comma-separated import paths) and
:func:`load_plugins` imports them. docparse's own tests and benchmarks register their
measuring instruments this way (``bench.sleep_engine``), so no test double is reachable from
the product's CLI or API unless a deployment asks for it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from docparse.engines.base import Engine
    from docparse.engines.settings import EngineSettings
    from docparse.engines.specs import ModelSpec

BUILTIN_ENGINES: frozenset[str] = frozenset({"auto", "transformers", "openai", "pdf-text"})

EngineBuilder = Callable[["EngineSettings", "ModelSpec"], "Engine"]

_builders: dict[str, EngineBuilder] = {}
_loaded: set[str] = set()
_lock = threading.Lock()


class UnknownEngine(ValueError):
    """An engine name that is neither built in nor registered by a loaded plugin."""


def register(name: str, builder: EngineBuilder) -> None:
    """Make ``name`` an engine built by ``builder(settings, spec)``; a built-in name is refused."""
    if name in BUILTIN_ENGINES:
        raise ValueError(f"{name!r} is a built-in engine")
    with _lock:
        _builders[name] = builder


def builder(name: str) -> EngineBuilder | None:
    """The builder of a registered (non-built-in) engine, if any."""
    return _builders.get(name)


def load_plugins(modules: Iterable[str]) -> None:
    """Import each plugin module once (they call :func:`register`); a module that cannot be
    imported is an :class:`UnknownEngine` error naming it."""
    for module in modules:
        if module in _loaded:
            continue
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise UnknownEngine(f"engine plugin {module!r} cannot be imported: {exc}") from None
        _loaded.add(module)


def known_engines() -> frozenset[str]:
    """Built-in names plus those registered so far."""
    return BUILTIN_ENGINES | frozenset(_builders)


def check_engine_name(name: str) -> str:
    """``name`` if it is known, else :class:`UnknownEngine` listing the known names."""
    if name not in known_engines():
        raise UnknownEngine(f"unknown engine {name!r}; expected one of {', '.join(sorted(known_engines()))}")
    return name
