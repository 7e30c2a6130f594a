"""Errors raised by :mod:`docparse.render`.

Every error carries a message written for the person who uploaded the file: what is wrong
with *their* document and, where possible, what to do about it. The pipeline stores the
message as the document's failure reason; the CLI prints it as is.
"""

from __future__ import annotations

__all__ = [
    "BackendUnavailable",
    "CorruptDocument",
    "EncryptedDocument",
    "InvalidPixelBudget",
    "LimitExceeded",
    "RenderError",
    "RenderTimeout",
    "UnsupportedFileType",
]


class RenderError(Exception):
    """Base class: the document cannot be opened or a page cannot be rendered."""


class UnsupportedFileType(RenderError):
    """The bytes are not a PDF or a supported image (PNG, JPEG, TIFF, WebP, BMP, GIF)."""


class EncryptedDocument(RenderError):
    """The PDF is password-protected and no password, or a wrong one, was given.

    ``wrong_password`` tells the two cases apart without parsing the message.
    """

    def __init__(self, message: str, *, wrong_password: bool = False) -> None:
        super().__init__(message)
        self.wrong_password = wrong_password


class CorruptDocument(RenderError):
    """The file is empty, truncated or damaged beyond what the PDF/image reader can repair."""


class LimitExceeded(RenderError):
    """A configured limit (file size, page count, pixels per source image, aspect ratio) was hit.

    ``limit`` names the limit, ``value`` and ``maximum`` are the numbers compared.
    """

    def __init__(self, message: str, *, limit: str, value: float, maximum: float) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value
        self.maximum = maximum


class RenderTimeout(LimitExceeded):
    """Drawing a page ran past ``RenderLimits.render_timeout_s`` and was stopped (``limit`` is
    ``"render_timeout_s"``, ``value`` the seconds spent)."""


class InvalidPixelBudget(RenderError, ValueError):
    """A requested pixel budget that is inconsistent (``min_pixels > max_pixels``, not positive)
    or over the operator's cap. ``option`` names the request option at fault, ``limit`` the
    limit it broke (``"max_model_pixels"``, or ``"min_pixels <= max_pixels"``)."""

    def __init__(self, message: str, *, option: str, limit: str, maximum: int | None = None) -> None:
        super().__init__(message)
        self.option = option
        self.limit = limit
        self.maximum = maximum


class BackendUnavailable(RenderError):
    """The chosen rendering backend cannot run (e.g. poppler-utils are not installed)."""
