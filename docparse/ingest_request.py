"""What a caller asks for when it submits documents, and how it is stored on each document.

A :class:`ProcessingRequest` holds the **document-level** settings — the ones that change the
result for the same bytes (engine, model spec, model, revision, pixel budget, token limit,
PDF backend) — plus the PDF password. ``None`` means "the worker's configured value"
(``DOCPARSE_ENGINE`` ...), so switching the workers' engine and reprocessing the pages still
``pending`` keeps the same document. Deployment settings (device, dtype, batch size, server
URL) never enter it: they come from each worker's environment.

The stored form (:meth:`ProcessingRequest.as_settings`, kept on the document row) is read back
by the workers with :func:`stored_options`. Light: no torch, no storage, no Celery.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from pydantic import TypeAdapter

from docparse.engines.settings import EngineName
from docparse.engines.specs import DEFAULT_SPEC, get_spec
from docparse.render import RenderLimits
from schemas import SCHEMA_VERSION

PARSER_VERSION = "docparse-0.1"
"""Bump when the parser or output policy change results for the same model output."""

DOCUMENT_ENGINE_KEYS: tuple[str, ...] = (
    "engine",
    "model_spec",
    "model",
    "model_revision",
    "min_pixels",
    "max_pixels",
    "max_new_tokens",
)
"""The :class:`EngineSettings` keys a document carries; the rest come from the worker."""

Backend = Literal["pymupdf", "pdf2image"]


@dataclass(frozen=True)
class ProcessingRequest:
    """Document-level settings of a submission (``None``: the worker's configured value).

    ``password`` unlocks encrypted PDFs. It is stored with the document so workers can open
    it (callers that expose document settings must redact it) and never enters the fingerprint.
    """

    engine: str | None = None
    model_spec: str | None = None
    model: str | None = None
    model_revision: str | None = None
    min_pixels: int | None = None
    max_pixels: int | None = None
    max_new_tokens: int | None = None
    backend: Backend = "pymupdf"
    password: str | None = None

    def __post_init__(self) -> None:
        if self.model_spec is not None:
            get_spec(self.model_spec)  # KeyError listing the known presets
        if self.engine is not None:
            TypeAdapter(EngineName).validate_python(self.engine)  # rejects unknown engine names
        if self.backend not in ("pymupdf", "pdf2image"):
            raise ValueError(f"unknown PDF backend {self.backend!r}: expected 'pymupdf' or 'pdf2image'")
        for name in ("min_pixels", "max_pixels", "max_new_tokens"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")

    def document_settings(self) -> dict[str, Any]:
        """The document-level engine keys that are set (what enters the fingerprint)."""
        values = {k: getattr(self, k) for k in DOCUMENT_ENGINE_KEYS}
        return {k: v for k, v in values.items() if v is not None}

    def fingerprint(self) -> str:
        """A stable 16-hex-digit hash of the document-level settings, the backend, the prompt of
        the model spec, and docparse's parser and schema versions (never the password)."""
        spec = get_spec(self.model_spec or DEFAULT_SPEC)
        payload = {
            "settings": self.document_settings(),
            "backend": self.backend,
            "prompt": spec.prompt_version,
            "parser": PARSER_VERSION,
            "schema": SCHEMA_VERSION,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def as_settings(self, limits: RenderLimits | None = None) -> dict[str, Any]:
        """The JSON dict stored on each document: the set engine keys, ``backend``, ``password``
        when given, and the intake ``limits`` (so a re-render enforces the same ones)."""
        stored: dict[str, Any] = {**self.document_settings(), "backend": self.backend}
        if self.password is not None:
            stored["password"] = self.password
        if limits is not None:
            stored["limits"] = asdict(limits)
        return stored

    @classmethod
    def from_settings(cls, stored: Mapping[str, Any]) -> ProcessingRequest:
        """Rebuild a request from a document's stored settings (unknown keys ignored)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in names})


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
