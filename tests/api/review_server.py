"""A real API on loopback over the embedded deployment (SQLite + blob folder in a temp dir), with
sample documents parsed in process by the ``pdf-text`` engine, for the review tests (HTTP and
Chromium). Keys: an owner, another user, an admin and two reviewers. Needs no PostgreSQL,
Redis or worker process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from docparse.api import create_app
from storage import Database
from tests.api.conftest import LiveServer, api_settings
from tests.paths import REPO_ROOT

OWNER, OTHER, ADMIN = "olivia", "mallory", "root"
REVIEWERS = {"rita": "rita-key-0123456789", "ralph": "ralph-key-0123456789"}
KEYS = {OWNER: "olivia-key-0123456789", OTHER: "mallory-key-0123456789"}
ADMIN_KEYS = {ADMIN: "root-key-0123456789"}
SAMPLES = ("invoice.pdf", "report.pdf", "article.pdf")


@dataclass
class ReviewDeployment:
    server: LiveServer
    ids: dict[str, str]
    """Sample file name -> document id (all owned by :data:`OWNER`)."""

    @property
    def db(self) -> Database:
        """The deployment's database (SQLite), for SQL the way a user would write it."""
        db: Database = self.server.app.state.services.db
        return db

    def client(self, name: str = OWNER) -> httpx.Client:
        key = {**KEYS, **ADMIN_KEYS, **REVIEWERS}[name]
        return self.server.client(key)


@contextlib.contextmanager
def review_deployment(data_dir: Path, samples: tuple[str, ...] = SAMPLES) -> Iterator[ReviewDeployment]:
    """Ingest ``samples`` (sample file names) in process as :data:`OWNER` and serve the API over them."""
    from docparse.intake import ProcessingRequest, submit
    from docparse.services import Services
    from workers.engines import clear_engines

    with pytest.MonkeyPatch.context() as env:
        env.setenv("DOCPARSE_DATA_DIR", str(data_dir))
        env.setenv("DOCPARSE_ENGINE", "pdf-text")
        for name in ("DOCPARSE_BROKER_URL", "DOCPARSE_DATABASE_URL", "DOCPARSE_BLOB_URL", "DOCPARSE_API_AUTH"):
            env.delenv(name, raising=False)
        clear_engines()
        services = Services.from_env()
        services.prepare()
        assert services.embedded
        results = submit(
            [REPO_ROOT / "samples" / name for name in samples],
            db=services.db,
            blobs=services.blobs,
            app=services.app,
            request=ProcessingRequest(),
            owner=OWNER,
        )
        clear_engines()
        ids = {name: r.document_id or "" for name, r in zip(samples, results, strict=True)}
        assert all(ids.values())
        settings = api_settings(api_keys=KEYS, api_admin_keys=ADMIN_KEYS, api_reviewer_keys=REVIEWERS)
        with LiveServer(create_app(services, settings)) as server:
            yield ReviewDeployment(server=server, ids=ids)
