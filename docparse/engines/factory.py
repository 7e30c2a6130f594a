"""Choosing and building an engine from explicit settings values.

``auto`` (the CLI's default) picks, in order: the ``openai`` engine when a server URL is
configured; the configured model in process when its weights are already local or a GPU
is present; otherwise the ``pdf-text`` engine, with a notice saying how to get the model
(a 3B model on a CPU takes minutes per page: never start that silently). Runtime modules
are imported only once chosen, so choosing costs no torch import.
"""

from __future__ import annotations

from dataclasses import dataclass

from docparse.engines import registry
from docparse.engines.base import Engine
from docparse.engines.choice import choose_engine, resolve_spec
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import ModelSpec


@dataclass(frozen=True)
class EngineChoice:
    """The engine to use and, when ``auto`` fell back, a notice for the user."""

    engine: Engine
    notice: str | None = None


def create_engine(settings: EngineSettings) -> EngineChoice:
    """Build the engine ``settings.engine`` names (resolving ``auto``); see the module docstring."""
    registry.load_plugins(settings.engine_plugins)
    spec = resolve_spec(settings)
    name: str = settings.engine
    notice = None
    if name == "auto":
        name, notice = choose_engine(settings, spec)
    if name == "openai":
        return EngineChoice(_openai(settings, spec), notice)
    if name == "transformers":
        return EngineChoice(_transformers(settings, spec), notice)
    plugin = registry.builder(name)
    if plugin is not None:
        return EngineChoice(plugin(settings, spec), notice)
    registry.check_engine_name(name)
    from docparse.engines.pdf_text import PdfTextEngine

    return EngineChoice(PdfTextEngine(min_pixels=spec.min_pixels, max_pixels=spec.max_pixels), notice)


def _openai(settings: EngineSettings, spec: ModelSpec) -> Engine:
    from docparse.engines.openai_engine import OpenAIEngine

    if not settings.openai_base_url:
        from docparse.engines.base import EngineUnavailable

        raise EngineUnavailable(
            "the openai engine needs a server URL: set DOCPARSE_OPENAI_BASE_URL (e.g. http://localhost:8000/v1) "
            "or pass --openai-url"
        )
    return OpenAIEngine(
        spec,
        base_url=settings.openai_base_url,
        served_model=settings.openai_model,
        api_key=settings.openai_api_key.get_secret_value() if settings.openai_api_key else None,
        max_in_flight=settings.openai_max_in_flight,
        timeout_s=settings.openai_timeout_s,
        image_format=settings.openai_image_format,
        max_retries=settings.openai_max_retries,
        backoff_max_s=settings.openai_backoff_max_s,
    )


def _transformers(settings: EngineSettings, spec: ModelSpec) -> Engine:
    from docparse.engines.transformers_engine import TransformersEngine

    return TransformersEngine(spec, device=settings.device, dtype=settings.dtype, batch_size=settings.batch_size)
