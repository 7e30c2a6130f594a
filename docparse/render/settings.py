"""The operator's render limits (``DOCPARSE_`` prefix, ``.env``): what one page may cost a worker.

Entry points (the API's upload route, ``docparse parse``/``ingest``) build
:class:`~docparse.render.base.RenderLimits` from these with :meth:`RenderSettings.limits`; the
limits are stored with each document, so its workers enforce what was in force when it was
taken in. Light: pydantic-settings only.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from docparse.render.base import DEFAULT_LIMITS, RenderLimits

__all__ = ["RenderSettings"]


class RenderSettings(BaseSettings):
    """``DOCPARSE_MAX_PAGE_PIXELS``, ``DOCPARSE_MAX_MODEL_PIXELS``, ``DOCPARSE_MAX_PAGE_CONTENT_BYTES``,
    ``DOCPARSE_RENDER_TIMEOUT_S`` (``0``: draw in process, no time budget). See :class:`RenderLimits`."""

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", env_file=".env", extra="ignore")

    max_page_pixels: int = Field(default=DEFAULT_LIMITS.max_page_pixels, gt=0)
    max_model_pixels: int = Field(default=DEFAULT_LIMITS.max_model_pixels, gt=0)
    max_page_content_bytes: int = Field(default=DEFAULT_LIMITS.max_content_bytes, gt=0)
    render_timeout_s: float = Field(default=DEFAULT_LIMITS.render_timeout_s or 0.0, ge=0)

    def limits(
        self, *, max_file_bytes: int = DEFAULT_LIMITS.max_file_bytes, max_pages: int = DEFAULT_LIMITS.max_pages
    ) -> RenderLimits:
        """These settings with the entry point's file limits, as the value the renderers take."""
        return RenderLimits(
            max_file_bytes=max_file_bytes,
            max_pages=max_pages,
            max_page_pixels=self.max_page_pixels,
            max_model_pixels=self.max_model_pixels,
            max_content_bytes=self.max_page_content_bytes,
            render_timeout_s=self.render_timeout_s or None,
        )
