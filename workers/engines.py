"""Per-process engine loading: a model is loaded once per worker process and reused.

A document's engine is ``create_engine(EngineSettings().model_copy(update=<its settings>))``:
the document carries only the document-level keys (:data:`docparse.identity.DOCUMENT_ENGINE_KEYS` — what changes the
result), the deployment keys (device, dtype, batch size, OpenAI-compatible server URL, model
name, in-flight limit and timeout) come from the worker's environment. Engines are cached per
distinct document-level settings.

**Workers never fall back silently.** :func:`check_worker_engine` (called when a worker
process starts) builds the engine ``DOCPARSE_ENGINE`` names: when it names ``transformers``
or ``openai`` and the model cannot load or the server does not answer, it raises
:class:`~docparse.engines.base.EngineUnavailable` with the user-facing message and the worker
exits non-zero at start. ``auto`` falling back to ``pdf-text`` is logged as a WARNING with
the notice saying how to get the model.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

import structlog

from docparse.engines.base import EngineUnavailable
from docparse.engines.factory import EngineChoice, create_engine
from docparse.engines.settings import EngineSettings
from docparse.identity import DOCUMENT_ENGINE_KEYS

log = structlog.get_logger("docparse.workers")

_cache: dict[str, EngineChoice] = {}
_failures: dict[str, tuple[float, EngineUnavailable]] = {}
_lock = threading.Lock()

FAILURE_TTL_S = 60.0
"""How long an in-process engine that could not be built is not tried again in this process: its
error is raised at once. Loading a model that is not there can cost a minute of hub retries, and
every task of a 2,000-page document would otherwise pay it again."""


def document_engine_settings(
    document_settings: Mapping[str, Any], base: EngineSettings | None = None
) -> EngineSettings:
    """The worker's environment settings overridden by the document's document-level keys
    (keys absent or ``None`` on the document keep the worker's value)."""
    updates = {k: document_settings[k] for k in DOCUMENT_ENGINE_KEYS if document_settings.get(k) is not None}
    return (base or environment_settings()).model_copy(update=updates)


_environments: dict[tuple[tuple[str, str], ...], EngineSettings] = {}


def environment_settings() -> EngineSettings:
    """The worker's :class:`EngineSettings` from its environment, built once per distinct set of
    ``DOCPARSE_*`` variables (building them reads the environment and the ``.env`` file, a few
    milliseconds that every task would otherwise pay; a ``.env`` edited while the process runs is
    read by the next process, as with every other worker setting)."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("DOCPARSE_")))
    with _lock:
        found = _environments.get(key)
        if found is None:
            found = _environments[key] = EngineSettings()
        return found


def is_remote(settings: EngineSettings) -> bool:
    """Whether the engine is (or ``auto`` resolves to) an HTTP server: its unavailability is transient."""
    return settings.engine == "openai" or (settings.engine == "auto" and bool(settings.openai_base_url))


def _key(settings: EngineSettings) -> str:
    return json.dumps(settings.model_dump(mode="json"), sort_keys=True)


def engine_for(document_settings: Mapping[str, Any]) -> EngineChoice:
    """The engine for a document's settings, built on first use in this process and cached.

    Raises :class:`EngineUnavailable` when it cannot be built. For an in-process engine that
    failure is remembered for :data:`FAILURE_TTL_S` (the same error, at once); a remote engine's
    server is asked again every time (its outage is transient, the task retries).
    """
    settings = document_engine_settings(document_settings)
    return _cached(settings)


def _cached(settings: EngineSettings) -> EngineChoice:
    key = _key(settings)
    with _lock:
        choice = _cache.get(key)
        if choice is None:
            failed = _failures.get(key)
            if failed is not None and time.monotonic() - failed[0] < FAILURE_TTL_S:
                raise failed[1]
            try:
                choice = create_engine(settings)
            except EngineUnavailable as exc:
                if not is_remote(settings):
                    _failures[key] = (time.monotonic(), exc)
                raise
            _failures.pop(key, None)
            info = choice.engine.info
            if info.name == "transformers" and settings.batch_size > 1:
                from dataclasses import replace

                from workers.batcher import BatchingEngine

                # one model, many task threads: their pages share batches (see workers.batcher)
                choice = replace(choice, engine=BatchingEngine(choice.engine, settings.batch_size))
            log.info("engine.loaded", engine=info.name, model=info.model, spec=info.spec)
            if choice.notice:
                log.warning("engine.fallback", engine=info.name, notice=choice.notice)
            _cache[key] = choice
        return choice


def check_worker_engine(settings: EngineSettings | None = None) -> EngineChoice:
    """Build (and cache) the worker's configured engine now; raise :class:`EngineUnavailable` if it cannot run.

    ``openai`` engines are health-checked (``GET /models``) so a server that does not answer
    fails the worker at start instead of failing every page later.
    """
    settings = settings or EngineSettings()
    choice = _cached(settings)
    check = getattr(choice.engine, "check", None)
    if is_remote(settings) and callable(check):
        check()
    return choice


def preflight_worker_engine(settings: EngineSettings | None = None) -> None:
    """The cheap part of :func:`check_worker_engine`, for the worker's main process before it forks
    its pool: weights present and runtime importable (no model is loaded, no CUDA initialised),
    or the server answering. Raises :class:`EngineUnavailable` with the user-facing message."""
    settings = settings or EngineSettings()
    if settings.engine == "transformers":
        from docparse.engines.choice import resolve_spec
        from docparse.engines.weights import check_weights, hub_offline, require_model_runtime

        check_weights(resolve_spec(settings), local_files_only=hub_offline())
        require_model_runtime()
    elif is_remote(settings):
        choice = create_engine(settings)
        try:
            check = getattr(choice.engine, "check", None)
            if callable(check):
                check()
        finally:
            close = getattr(choice.engine, "close", None)
            if callable(close):
                close()


def clear_engines() -> None:
    """Forget every cached engine (tests; a worker process never needs it)."""
    with _lock:
        for choice in _cache.values():
            close = getattr(choice.engine, "close", None)
            if callable(close):
                try:
                    close()
                except Exception:  # pragma: no cover - best effort
                    log.warning("engine.close_failed", engine=choice.engine.info.name)
        _cache.clear()
        _failures.clear()


__all__ = [
    "EngineUnavailable",
    "check_worker_engine",
    "clear_engines",
    "document_engine_settings",
    "engine_for",
    "is_remote",
    "preflight_worker_engine",
]
