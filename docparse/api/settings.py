"""API settings (``DOCPARSE_`` prefix, ``.env``): keys, limits, CORS, public URL.

Validated at start: ``DOCPARSE_API_AUTH=disabled`` is refused when ``DOCPARSE_ENV=production``,
and ``enabled`` auth with no key at all is refused too (every request would be a 401).
Light: pydantic-settings (and the render package's settings) only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from docparse.render import RenderLimits
from docparse.render.settings import RenderSettings

DEFAULT_MAX_REQUEST_BYTES = 1024**3
"""1 GiB: what one upload request may spool when ``DOCPARSE_MAX_REQUEST_BYTES`` is not set."""

KeyPairs = Annotated[dict[str, SecretStr], NoDecode]


def parse_key_pairs(value: object) -> dict[str, SecretStr]:
    """``"alice:key1,bob:key2"`` -> ``{"alice": key1, "bob": key2}`` (a dict passes through).

    Raises ``ValueError`` for an entry without a name or key, or a name given twice."""
    if isinstance(value, dict):
        return {str(k): v if isinstance(v, SecretStr) else SecretStr(str(v)) for k, v in value.items()}
    if value is None:
        return {}
    if not isinstance(value, str):
        raise ValueError("expected 'name:key' pairs separated by commas")
    pairs: dict[str, SecretStr] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        name, sep, key = entry.partition(":")
        name, key = name.strip(), key.strip()
        if not sep or not name or not key:
            raise ValueError("every API key entry must be 'name:key' (the name is the documents' owner)")
        if name in pairs:
            raise ValueError(f"API key name {name!r} is given twice")
        pairs[name] = SecretStr(key)
    return pairs


class ApiSettings(BaseSettings):
    """Settings of the HTTP API.

    * ``api_keys`` / ``api_admin_keys`` — ``name:key`` pairs; the name owns what its key uploads.
      Admin keys see every document.
    * ``api_reviewer_keys`` — ``name:key`` pairs of reviewers: they see and review only the
      documents assigned to them, and may not upload, reprocess, cancel or delete.
    * ``api_auth`` — ``enabled`` (default) or ``disabled`` (local use only: every request acts as
      the admin ``local``; refused when ``env`` is ``production``).
    * ``max_upload_bytes`` / ``max_pages`` — per uploaded file, enforced while streaming / at probe.
    * ``max_request_bytes`` — all files of one upload request together, enforced while streaming
      (so one request can never spool more than this to temporary files); default: 1 GiB or
      ``max_upload_bytes``, whichever is larger.
    * ``render`` — the operator's render limits (:class:`RenderSettings`: ``DOCPARSE_MAX_MODEL_PIXELS``
      ...), checked against each upload's pixel options and stored with each document.
    * ``cors_origins`` — allowed origins (comma-separated; none by default).
    * ``public_base_url`` — base of ``status_url`` links (default: from the request).
    """

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    api_auth: Literal["enabled", "disabled"] = "enabled"
    api_keys: KeyPairs = Field(default_factory=dict, repr=False)
    api_admin_keys: KeyPairs = Field(default_factory=dict, repr=False)
    api_reviewer_keys: KeyPairs = Field(default_factory=dict, repr=False)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, gt=0)
    max_pages: int = Field(default=2000, gt=0)
    max_files: int = Field(default=100, gt=0, description="files per upload request")
    max_request_bytes: int | None = Field(default=None, gt=0, description="all files of one request")
    render: RenderSettings = Field(default_factory=RenderSettings)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    api_allowed_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="models (hub ids or server paths) an upload may ask for besides the workers' configured one",
    )
    public_base_url: str | None = None

    @field_validator("api_keys", "api_admin_keys", "api_reviewer_keys", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> dict[str, SecretStr]:
        return parse_key_pairs(value)

    @field_validator("cors_origins", "api_allowed_models", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value

    @field_validator("public_base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @model_validator(mode="after")
    def _secure(self) -> ApiSettings:
        if self.api_auth == "disabled" and self.env == "production":
            raise ValueError("DOCPARSE_API_AUTH=disabled is refused when DOCPARSE_ENV=production")
        groups = (self.api_keys, self.api_admin_keys, self.api_reviewer_keys)
        shared = {name for i, a in enumerate(groups) for b in groups[i + 1 :] for name in set(a) & set(b)}
        if shared:
            raise ValueError(f"key names used in more than one of user, admin and reviewer keys: {sorted(shared)}")
        if self.api_auth == "enabled" and not (self.api_keys or self.api_admin_keys or self.api_reviewer_keys):
            raise ValueError(
                "no API keys: set DOCPARSE_API_KEYS='name:key,...' (and/or DOCPARSE_API_ADMIN_KEYS), "
                "or DOCPARSE_API_AUTH=disabled for local use"
            )
        return self

    @property
    def request_limit(self) -> int:
        """Bytes of files one upload request may carry (``max_request_bytes`` or its default)."""
        return self.max_request_bytes or max(DEFAULT_MAX_REQUEST_BYTES, self.max_upload_bytes)

    def render_limits(self) -> RenderLimits:
        """The limits an upload is checked against and stored with: file limits plus the render settings."""
        return self.render.limits(max_file_bytes=self.max_upload_bytes, max_pages=self.max_pages)

    @property
    def auth_disabled(self) -> bool:
        return self.api_auth == "disabled"
