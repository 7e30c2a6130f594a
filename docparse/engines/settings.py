"""Engine and model settings, from the environment (``DOCPARSE_`` prefix) and a ``.env`` file.

The core never reads these: entrypoints (CLI, workers) read them once and pass explicit
values down.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EngineName = Literal["auto", "transformers", "openai", "pdf-text"]
"""The built-in engine names (plugins may register more: :mod:`docparse.engines.registry`)."""


class EngineSettings(BaseSettings):
    """Which engine runs, on which model, with which pixel budget."""

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", env_file=".env", extra="ignore")

    engine: str = Field(
        default="auto", description="auto | transformers | openai | pdf-text, or one an engine plugin registers"
    )
    engine_plugins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated modules that register extra engines (docparse.engines.registry)",
    )
    model_spec: str = Field(default="qwen2.5-vl-3b", description="preset name (see `docparse models`)")
    model: str | None = Field(default=None, description="hub id or local directory overriding the preset's model")
    model_revision: str | None = None
    min_pixels: int | None = Field(default=None, gt=0, description="override the preset's min_pixels")
    max_pixels: int | None = Field(default=None, gt=0, description="override the preset's max_pixels")
    max_new_tokens: int | None = Field(default=None, gt=0, description="override the preset's token limit")
    device: str = Field(default="auto", description="transformers engine: auto | cuda | mps | cpu")
    dtype: str = Field(default="auto", description="transformers engine: auto | bfloat16 | float16 | float32")
    batch_size: int = Field(default=1, ge=1, description="transformers engine: pages per generate call")
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server, e.g. http://localhost:8000/v1"
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DOCPARSE_OPENAI_API_KEY", "OPENAI_API_KEY", "openai_api_key"),
        description="bearer token for the OpenAI-compatible server (DOCPARSE_OPENAI_API_KEY or OPENAI_API_KEY)",
    )
    openai_model: str | None = Field(default=None, description="model name on that server (default: the preset's)")
    openai_max_in_flight: int = Field(default=64, ge=1)
    openai_timeout_s: float = Field(default=300.0, gt=0)
    openai_max_retries: int = Field(
        default=5, ge=0, description="retries of one request after a timeout, a dropped connection, 429 or 5xx"
    )
    openai_backoff_max_s: float = Field(
        default=30.0, gt=0, description="longest wait between retries (exponential backoff with full jitter)"
    )
    openai_image_format: Literal["png", "png-small", "webp", "jpeg"] = Field(
        default="png",
        description="how page images travel to the server: png (lossless, fast: the default), png-small "
        "(lossless, smallest, slow), webp (lossless) or jpeg (lossy); see docparse/image_codec.py",
    )

    @field_validator("engine_plugins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value
