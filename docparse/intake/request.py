"""What a caller asks for when it submits documents.

A :class:`ProcessingRequest` holds the **document-level** settings — the ones that change the
result for the same bytes (engine, model spec, model, revision, pixel budget, token limit,
PDF backend) — plus the PDF password. ``None`` means "the deployment's configured value"
(``DOCPARSE_ENGINE`` ...). Intake resolves it (:meth:`ProcessingRequest.resolve`) into the one
identity of :mod:`docparse.identity`, whose stored form the workers run. Deployment settings
(device, dtype, batch size, server URL) never enter it. Light: no torch, no storage, no Celery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from docparse.engines.registry import check_engine_name
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import get_spec
from docparse.identity import DOCUMENT_ENGINE_KEYS, ResolvedSettings, resolve
from docparse.render import Backend


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
            check_engine_name(self.engine)  # built-in, or registered by a loaded plugin
        if self.backend not in ("pymupdf", "pdf2image"):
            raise ValueError(f"unknown PDF backend {self.backend!r}: expected 'pymupdf' or 'pdf2image'")
        for name in ("min_pixels", "max_pixels", "max_new_tokens"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")

    def document_settings(self) -> dict[str, Any]:
        """The document-level engine keys that are set (the rest: the configured defaults)."""
        values = {k: getattr(self, k) for k in DOCUMENT_ENGINE_KEYS}
        return {k: v for k, v in values.items() if v is not None}

    def resolve(self, defaults: EngineSettings) -> ResolvedSettings:
        """These options over ``defaults`` (the deployment's engine settings), resolved."""
        return resolve(defaults.model_copy(update=self.document_settings()), self.backend)
