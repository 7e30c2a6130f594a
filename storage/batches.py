"""Batches: a label and the settings shared by the documents of one ingestion run."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from storage.tables import BATCHES, utcnow


class BatchRepository:
    """Batches of one unit of work (see :class:`storage.UnitOfWork`)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, label: str | None, settings: dict[str, Any]) -> str:
        """Create a batch and return its new id (a random hex uuid); documents refer to it by ``batch_id``."""
        batch_id = uuid.uuid4().hex
        self._session.execute(
            BATCHES.insert(),
            {"id": batch_id, "created_at": utcnow(), "label": label, "settings": dict(settings)},
        )
        return batch_id
