"""Storage settings: where the database and the blob store live (``DOCPARSE_`` prefix, ``.env``).

Light on purpose: importing this module pulls in pydantic-settings only, never SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_POSTGRES_PREFIXES = ("postgres://", "postgresql://", "postgresql+psycopg2://")


def normalize_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` URLs (as Heroku-style services hand them out) become
    ``postgresql+psycopg://`` (psycopg 3); every other URL is returned unchanged."""
    for prefix in _POSTGRES_PREFIXES:
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class StorageSettings(BaseSettings):
    """``DOCPARSE_DATA_DIR`` (default ``.docparse``) holds the embedded SQLite database and the
    blob folder; ``DOCPARSE_DATABASE_URL`` overrides the database (default
    ``sqlite:///{data_dir}/docparse.db``; PostgreSQL URLs are normalized to psycopg 3)."""

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_", env_file=".env", extra="ignore")

    data_dir: Path = Path(".docparse")
    database_url: str = ""

    @model_validator(mode="after")
    def _default_url(self) -> StorageSettings:
        url = self.database_url.strip() or f"sqlite:///{self.data_dir}/docparse.db"
        # object.__setattr__: no re-validation loop (BaseSettings validates assignment off by default anyway)
        object.__setattr__(self, "database_url", normalize_database_url(url))
        return self

    @property
    def blob_dir(self) -> Path:
        """The local blob store's root: ``data_dir / "blobs"``."""
        return self.data_dir / "blobs"
