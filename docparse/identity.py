"""The one identity of a document's settings: resolution and the settings fingerprint.

A document is its bytes plus the settings that change its result. Whatever the path — ``docparse
parse``, ``docparse ingest``, an API upload — the same file with the same *effective* settings
gets the same fingerprint, and so the same document id:

1. :func:`resolve` turns engine settings (``auto`` and unset options included) into
   :class:`ResolvedSettings`: the engine that will run, its model spec and model, the pixel
   budget and token limit in force, the coordinate convention, the PDF backend.
2. :meth:`ResolvedSettings.fingerprint` hashes them with docparse's parser and schema
   versions (and a custom retry ladder when one is used).

``auto`` is resolved where the document is taken in (the API or CLI process) with the same rule
the engine factory uses; a deployment whose API runs apart from its GPU workers therefore sets
``DOCPARSE_ENGINE`` explicitly (the compose stack does). The resolved engine keys are stored on
the document (:meth:`ResolvedSettings.stored`) and are what its workers run.

Light: no torch, no PyMuPDF, no storage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from docparse.engines.base import EngineInfo
from docparse.engines.choice import choose_engine, resolve_spec
from docparse.engines.registry import load_plugins
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import PDF_TEXT_VERSION
from docparse.render import Backend, RenderLimits
from schemas import SCHEMA_VERSION

PARSER_VERSION = "docparse-0.2"
"""Bump when the parser or the default output policy change results for the same model output."""

DOCUMENT_ENGINE_KEYS: tuple[str, ...] = (
    "engine",
    "model_spec",
    "model",
    "model_revision",
    "min_pixels",
    "max_pixels",
    "max_new_tokens",
)
"""The :class:`EngineSettings` keys a document carries; the rest (device, server URL ...) come from the worker."""


@dataclass(frozen=True)
class ResolvedSettings:
    """The settings that decide a document's result, with nothing left to chance."""

    engine: str
    model_spec: str
    model: str | None
    model_revision: str | None
    prompt_version: str
    convention: str
    min_pixels: int
    max_pixels: int
    patch_factor: int
    max_new_tokens: int | None
    backend: Backend = "pymupdf"

    def fingerprint(self, ladder: Sequence[str] | None = None) -> str:
        """A stable 16-hex-digit hash of these settings, the parser and schema versions, and
        ``ladder`` (the repr of each step of a non-default retry ladder; ``None``: the default)."""
        payload: dict[str, Any] = {**asdict(self), "parser": PARSER_VERSION, "schema": SCHEMA_VERSION}
        if ladder is not None:
            payload["ladder"] = list(ladder)
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def engine_settings(self) -> dict[str, Any]:
        """The document-level :class:`EngineSettings` keys (what a worker overrides its own with)."""
        return {
            "engine": self.engine,
            "model_spec": self.model_spec,
            "model": self.model,
            "model_revision": self.model_revision,
            "min_pixels": self.min_pixels,
            "max_pixels": self.max_pixels,
            "max_new_tokens": self.max_new_tokens,
        }

    def stored(self, *, password: str | None = None, limits: RenderLimits | None = None) -> dict[str, Any]:
        """The JSON dict kept on the document row: engine keys, ``backend``, the ``password``
        when given (never shown; never in the fingerprint) and the intake ``limits``."""
        stored: dict[str, Any] = {**self.engine_settings(), "backend": self.backend}
        if password is not None:
            stored["password"] = password
        if limits is not None:
            stored["limits"] = asdict(limits)
        return stored


def resolve(settings: EngineSettings, backend: Backend = "pymupdf") -> ResolvedSettings:
    """What ``settings`` amount to: ``auto`` chosen as the engine factory would choose it, the
    spec's defaults filled in. The text-layer engine ignores the model, so its settings name none."""
    load_plugins(settings.engine_plugins)
    spec = resolve_spec(settings)
    engine = settings.engine if settings.engine != "auto" else choose_engine(settings, spec)[0]
    if engine == "pdf-text":
        return ResolvedSettings(
            engine=engine,
            model_spec=spec.name,
            model=None,
            model_revision=None,
            prompt_version=PDF_TEXT_VERSION,
            convention="qwen2.5-absolute",
            min_pixels=spec.min_pixels,
            max_pixels=spec.max_pixels,
            patch_factor=28,
            max_new_tokens=None,
            backend=backend,
        )
    return ResolvedSettings(
        engine=engine,
        model_spec=spec.name,
        model=spec.model,
        model_revision=spec.revision,
        prompt_version=spec.prompt_version,
        convention=spec.convention,
        min_pixels=spec.min_pixels,
        max_pixels=spec.max_pixels,
        patch_factor=spec.patch_factor,
        max_new_tokens=spec.max_new_tokens,
        backend=backend,
    )


def identity_of(info: EngineInfo, backend: Backend = "pymupdf") -> ResolvedSettings:
    """The settings an engine instance reports about itself (for callers that built the engine
    themselves rather than from settings)."""
    return ResolvedSettings(
        engine=info.name,
        model_spec=info.spec or "",
        model=info.model,
        model_revision=info.model_revision,
        prompt_version=info.prompt_version or "",
        convention=info.convention,
        min_pixels=info.min_pixels,
        max_pixels=info.max_pixels,
        patch_factor=info.patch_factor,
        max_new_tokens=None,
        backend=backend,
    )


@dataclass(frozen=True)
class StoredOptions:
    """How a worker opens a document, from its stored settings."""

    password: str | None
    backend: Backend
    limits: RenderLimits


def stored_options(stored: Mapping[str, Any]) -> StoredOptions:
    """Password, PDF backend and render limits from a document's stored settings (defaults when absent)."""
    limits = stored.get("limits")
    backend: Backend = "pdf2image" if stored.get("backend") == "pdf2image" else "pymupdf"
    password = stored.get("password")
    return StoredOptions(
        password=password if isinstance(password, str) else None,
        backend=backend,
        limits=RenderLimits(**limits) if isinstance(limits, Mapping) else RenderLimits(),
    )
