"""Storage settings: where the database and the blob store live (``DOCPARSE_`` prefix, ``.env``).

Light on purpose: importing this module pulls in pydantic-settings only, never SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_POSTGRES_PREFIXES = ("postgres://", "postgresql://", "postgresql+psycopg2://")


def normalize_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs (as Heroku-style services hand them out) become
    ``postgresql+psycopg://`` (psycopg 3); every other URL is returned unchanged."""
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class BlobLocation:
    """A parsed ``DOCPARSE_BLOB_URL``: ``scheme`` ``"file"`` with a ``path`` (``""``: the data
    folder's) or ``"s3"`` with a ``bucket`` and a ``prefix`` (``""`` or ending in ``/``)."""

    scheme: str
    path: str = ""
    bucket: str = ""
    prefix: str = ""


def parse_blob_url(url: str) -> BlobLocation:
    """``""`` (the local folder under the data dir), ``file:///abs/path`` or ``s3://bucket/prefix``;
    ``ValueError`` saying what is accepted for anything else."""
    url = url.strip()
    if not url:
        return BlobLocation("file")
    parts = urlsplit(url)
    if parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path:
        return BlobLocation("file", path=unquote(parts.path))
    if parts.scheme == "s3" and parts.netloc and not (parts.query or parts.fragment):
        prefix = parts.path.strip("/")
        return BlobLocation("s3", bucket=parts.netloc, prefix=prefix + "/" if prefix else "")
    raise ValueError(
        f"DOCPARSE_BLOB_URL must be empty (a folder under DOCPARSE_DATA_DIR), file:///absolute/path or "
        f"s3://bucket/prefix, not {url!r}"
    )


class StorageSettings(BaseSettings):
    """``DOCPARSE_DATA_DIR`` (default ``.docparse``) holds the embedded SQLite database and the
    blob folder; ``DOCPARSE_DATABASE_URL`` overrides the database (default
    ``sqlite:///{data_dir}/docparse.db``; PostgreSQL URLs are normalized to psycopg 3).
    ``DOCPARSE_BLOB_URL`` moves the blobs elsewhere: ``s3://bucket/prefix`` for S3-compatible
    object storage (endpoint and credentials from ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
    ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``), whose local copies for libraries that need
    a file are cached in ``data_dir/blob-cache`` up to ``DOCPARSE_BLOB_CACHE_BYTES``."""

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".docparse")
    database_url: str = ""
    blob_url: str = ""
    blob_cache_bytes: int = 2 * 1024**3
    raw_output_inline_bytes: int = Field(default=24 * 1024, ge=0)
    """Raw model outputs longer than this (UTF-8 bytes) go to the blob store, the row keeps their key."""

    @field_validator("blob_url")
    @classmethod
    def _check_blob_url(cls, value: str) -> str:
        parse_blob_url(value)
        return value.strip()

    @model_validator(mode="after")
    def _default_url(self) -> StorageSettings:
        url = self.database_url.strip() or f"sqlite:///{self.data_dir}/docparse.db"
        # object.__setattr__: no re-validation loop (BaseSettings validates assignment off by default anyway)
        object.__setattr__(self, "database_url", normalize_database_url(url))
        return self

    @property
    def is_embedded_database(self) -> bool:
        """Whether the database is the embedded default: the SQLite file in the data folder."""
        return self.database_url == normalize_database_url(f"sqlite:///{self.data_dir}/docparse.db")

    @property
    def blob_dir(self) -> Path:
        """The local blob store's root when ``blob_url`` is empty: ``data_dir / "blobs"``."""
        return self.data_dir / "blobs"

    @property
    def blob_cache_dir(self) -> Path:
        """Where local copies of remote blobs are cached: ``data_dir / "blob-cache"``."""
        return self.data_dir / "blob-cache"
