"""StorageSettings: env prefix, defaults, URL normalization; Database on SQLite creates its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import Database, StorageSettings, normalize_database_url


def test_defaults_derive_from_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.delenv("DOCPARSE_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOCPARSE_DATA_DIR", str(tmp_path / "data"))
    settings = StorageSettings()
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path}/data/docparse.db"
    assert settings.blob_dir == tmp_path / "data" / "blobs"


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCPARSE_DATA_DIR", raising=False)
    monkeypatch.delenv("DOCPARSE_DATABASE_URL", raising=False)
    settings = StorageSettings()
    assert settings.data_dir == Path(".docparse")
    assert settings.database_url == "sqlite:///.docparse/docparse.db"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOCPARSE_DATABASE_URL", raising=False)
    (tmp_path / ".env").write_text("DOCPARSE_DATABASE_URL=postgres://u:p@db:5432/docparse\n")
    assert StorageSettings().database_url == "postgresql+psycopg://u:p@db:5432/docparse"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_are_normalized_to_psycopg3(
    url: str, expected: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert normalize_database_url(url) == expected
    monkeypatch.setenv("DOCPARSE_DATABASE_URL", url)
    assert StorageSettings().database_url == expected


def test_sqlite_database_creates_its_folder_and_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/a/b/docparse.db")
    try:
        assert (tmp_path / "a" / "b").is_dir()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        db.dispose()


def test_postgres_database_uses_psycopg3() -> None:
    db = Database("postgres://u@127.0.0.1/none")
    try:
        assert db.engine.dialect.driver == "psycopg"
        assert db.engine.pool._pre_ping
    finally:
        db.dispose()
