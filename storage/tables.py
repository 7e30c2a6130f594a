"""The tables, as SQLAlchemy 2.0 typed declarative classes. ORM rows never leave :mod:`storage`.

Every constraint and index is named by the convention in :data:`metadata`, so migrations
can refer to them by name on every database. A change here needs a migration in
``storage/migrations/versions`` (a test compares the models with the migrated schema).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

JsonType = JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""


class RawJson(str):
    """JSON text that is already serialized (by pydantic's fast serializer): bound to a JSON
    column as is, instead of being dumped again (see :func:`json_dumps`)."""

    __slots__ = ()


def json_dumps(value: Any) -> str:
    """The engines' JSON serializer: :class:`RawJson` passes through, anything else is dumped."""
    if isinstance(value, RawJson):
        return str(value)
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


DOCUMENT_STATUSES = ("queued", "running", "done", "partial", "failed", "cancelled")
PAGE_STATUSES = ("pending", "ok", "partial", "failed")
ATTEMPT_KINDS = ("model", "human")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite stores no offset: read back as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: storage keeps timezone-aware UTC timestamps")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JsonType,
        list[Any]: JsonType,
    }


class BatchRow(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    label: Mapped[str | None] = mapped_column(String(255))
    settings: Mapped[dict[str, Any]]


class DocumentRow(Base):
    __tablename__ = "documents"
    __table_args__ = (
        Index(None, "sha256", "settings_fingerprint"),
        CheckConstraint(_in("status", DOCUMENT_STATUSES), name="status"),
        Index(None, "status", "created_at"),
        Index(None, "owner", "created_at"),
        Index(None, "batch_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer().with_variant(postgresql.BIGINT(), "postgresql"))
    page_count: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    settings_fingerprint: Mapped[str] = mapped_column(String(128))
    settings: Mapped[dict[str, Any]]
    blob_key: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("batches.id", ondelete="SET NULL"))
    owner: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    """When tasks were last sent for this document (the reconciler's clock for lost work)."""


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (
        CheckConstraint(_in("status", PAGE_STATUSES), name="status"),
        Index(None, "document_id", "status"),
    )

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    processed: Mapped[bool] = mapped_column(Boolean)
    geometry: Mapped[dict[str, Any] | None]
    engine: Mapped[str | None] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    issues: Mapped[list[Any]]
    image_key: Mapped[str | None] = mapped_column(String(64))
    attempt_base: Mapped[int] = mapped_column(default=0, server_default="0")
    """Where this run's attempt indices start: set by a reset to the number of earlier attempts."""
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Bumped by every review write and reset: with ``updated_at``, the page's concurrency token."""
    deliveries: Mapped[int] = mapped_column(default=0, server_default="0")
    """Times a worker took this page and neither finished it nor gave it back (deaths, while unprocessed)."""
    lease_until: Mapped[datetime | None]
    """A worker holds the page until then (its heartbeat renews it); ``None``: nobody."""
    leased_by: Mapped[str | None] = mapped_column(String(255))
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reviewed_by: Mapped[str | None] = mapped_column(String(255))
    reviewed_at: Mapped[datetime | None]
    flag: Mapped[str | None] = mapped_column(Text)
    """Why someone asked for this page to be reviewed (``None``: not flagged)."""
    flagged_by: Mapped[str | None] = mapped_column(String(255))
    flagged_at: Mapped[datetime | None]


_PAGE_FK = ("document_id", "page_number"), ("pages.document_id", "pages.number")


class AttemptRow(Base):
    """One engine run; the primary key (document, page, index) makes a redelivered write an upsert."""

    __tablename__ = "attempts"
    __table_args__ = (
        ForeignKeyConstraint(*_PAGE_FK, ondelete="CASCADE"),
        CheckConstraint(_in("kind", ATTEMPT_KINDS), name="kind"),
    )

    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    page_number: Mapped[int] = mapped_column(primary_key=True)
    index: Mapped[int] = mapped_column(primary_key=True)
    engine: Mapped[str] = mapped_column(String(255))
    model: Mapped[str | None] = mapped_column(String(255))
    model_revision: Mapped[str | None] = mapped_column(String(255))
    spec: Mapped[str | None] = mapped_column(String(255))
    prompt_version: Mapped[str | None] = mapped_column(String(255))
    convention: Mapped[str] = mapped_column(String(32))
    model_width: Mapped[int]
    model_height: Mapped[int]
    settings: Mapped[dict[str, Any]]
    output: Mapped[str] = mapped_column(Text)
    output_key: Mapped[str | None] = mapped_column(String(64))
    """Blob key of a raw output too large to keep inline (``output`` is then ``""``; see storage.raw_outputs)."""
    stop_reason: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int | None]
    completion_tokens: Mapped[int | None]
    latency_s: Mapped[float | None] = mapped_column(Float)
    chosen: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16), default="model", server_default="model")
    reviewer: Mapped[str | None] = mapped_column(String(255))
    snapshot: Mapped[dict[str, Any] | None]
    """The page result as it stood with this attempt chosen (status, issues, blocks): written for
    human attempts, and for the model attempt a first correction supersedes (see storage.reviews)."""


class BlockRow(Base):
    """One block. The primary key (document, page, order) is the reading order; it also serves
    lookups by (document, page). ``attributes`` is the full block JSON (the source of truth on
    load); the other columns are copies for SQL queries and row exports."""

    __tablename__ = "blocks"
    # No foreign key to pages (migration 0007): the per-row check halved COPY speed. Blocks are
    # written only right after their page row, under the document lock, and deleted explicitly
    # wherever pages are (reset, review, document delete).

    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    page_number: Mapped[int] = mapped_column(primary_key=True)
    order: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32))
    x0: Mapped[float | None] = mapped_column(Float)
    y0: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    y1: Mapped[float | None] = mapped_column(Float)
    nx0: Mapped[float | None] = mapped_column(Float)
    ny0: Mapped[float | None] = mapped_column(Float)
    nx1: Mapped[float | None] = mapped_column(Float)
    ny1: Mapped[float | None] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON())
    """Plain ``json`` on PostgreSQL too: read back whole, never indexed; cheaper to write than JSONB."""


class ReviewAssignmentRow(Base):
    """A reviewer (an API key's name) assigned to review a document."""

    __tablename__ = "review_assignments"
    __table_args__ = (Index(None, "reviewer"),)

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(255), primary_key=True)
    assigned_by: Mapped[str | None] = mapped_column(String(255))
    assigned_at: Mapped[datetime]


class DocumentPassRow(Base):
    """The stored result of the document-level pass (one per document, replaced on re-runs):
    ``structure`` is the :class:`schemas.DocumentStructure` JSON; the tables below are its
    queryable copies."""

    __tablename__ = "document_passes"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    pass_version: Mapped[str] = mapped_column(String(32))
    schema_version: Mapped[str] = mapped_column(String(16))
    computed_at: Mapped[datetime]
    structure: Mapped[dict[str, Any]]


class DocumentTableRow(Base):
    """One table of a document (a table continued across pages is one row), numbered 1.."""

    __tablename__ = "document_tables"

    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    table_index: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[str] = mapped_column(String(255))
    logical_id: Mapped[str | None] = mapped_column(String(255))
    page: Mapped[int]
    last_page: Mapped[int]
    n_rows: Mapped[int]
    n_cols: Mapped[int]
    header_rows: Mapped[int]
    caption: Mapped[str | None] = mapped_column(Text)


class TableCellRow(Base):
    """One cell of a document's table: SQL over table contents without parsing JSON. ``number``
    is the cell text read as a number (``1,204.50``, ``$1,204.50``, ``(3.4)``, ``12%``), else NULL."""

    __tablename__ = "table_cells"
    __table_args__ = (
        ForeignKeyConstraint(
            ("document_id", "table_index"),
            ("document_tables.document_id", "document_tables.table_index"),
            ondelete="CASCADE",
        ),
    )

    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    table_index: Mapped[int] = mapped_column(primary_key=True)
    row_index: Mapped[int] = mapped_column(primary_key=True)
    col_index: Mapped[int] = mapped_column(primary_key=True)
    rowspan: Mapped[int]
    colspan: Mapped[int]
    header: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    number: Mapped[float | None] = mapped_column(Float)


def _table(row: type[Base]) -> Table:
    return cast(Table, row.__table__)


BATCHES = _table(BatchRow)
DOCUMENTS = _table(DocumentRow)
PAGES = _table(PageRow)
ATTEMPTS = _table(AttemptRow)
BLOCKS = _table(BlockRow)
REVIEW_ASSIGNMENTS = _table(ReviewAssignmentRow)
DOCUMENT_PASSES = _table(DocumentPassRow)
DOCUMENT_TABLES = _table(DocumentTableRow)
TABLE_CELLS = _table(TableCellRow)
"""The Core tables, for bulk statements (no ORM unit-of-work overhead)."""
