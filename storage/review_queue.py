"""The review queue: the pages a person should look at, most urgent first.

A page is in the queue when someone flagged it (even after a review), or when it is processed,
not reviewed yet, and any of these holds. Its priority is the first that applies:

====  =====================================================================================
  0   flagged by a user (the flag's reason is shown)
  1   ``failed``
  2   ``partial``
  3   has issues of severity ``error``
  4   low agreement between its model attempts (:data:`AGREEMENT_THRESHOLD`)
  5   has issues of severity ``warning``
====  =====================================================================================

Ties: the oldest document first, then page number. Agreement is the lowest word-level
similarity (:class:`difflib.SequenceMatcher` ratio of the visible text, tags stripped) between
the chosen model attempt and every other model attempt with output; pages with one such attempt
have none. SQL narrows the candidates (flagged, failed/partial, any issue, or two model
attempts); severities, agreement and the issue-code filter are applied on those rows.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from schemas import PageStatus
from storage.records import QueueEntry
from storage.sql import dialect_name
from storage.tables import AttemptRow, DocumentRow, PageRow, ReviewAssignmentRow

AGREEMENT_THRESHOLD = 0.8
"""Below this similarity between model attempts, a page is queued for "low agreement"."""
_TAG = re.compile(r"<[^>]*>")


def visible_words(output: str) -> list[str]:
    """The words of a model output with its markup removed and entities decoded."""
    return html.unescape(_TAG.sub(" ", output)).split()


def agreement(chosen: str, others: Iterable[str]) -> float | None:
    """The lowest similarity (0..1) between the chosen output and each other output; ``None``
    when there is nothing to compare."""
    reference = visible_words(chosen)
    ratios = [
        difflib.SequenceMatcher(None, reference, visible_words(other), autojunk=False).ratio()
        for other in others
        if other.strip()
    ]
    return min(ratios) if ratios and chosen.strip() else None


def _reasons(status: str, flag: str | None, issues: list[Any], ratio: float | None) -> list[tuple[int, str]]:
    errors = sorted({str(i.get("code")) for i in issues if i.get("severity") == "error"})
    warnings = sorted({str(i.get("code")) for i in issues if i.get("severity", "warning") == "warning"})
    found: list[tuple[int, str]] = []
    if flag is not None:
        found.append((0, f"flagged: {flag}"))
    if status in ("failed", "partial"):
        found.append((1 if status == "failed" else 2, status))
    if errors:
        found.append((3, "errors: " + ", ".join(errors)))
    if ratio is not None and ratio < AGREEMENT_THRESHOLD:
        found.append((4, f"low agreement between attempts ({ratio:.2f})"))
    if warnings:
        found.append((5, "warnings: " + ", ".join(warnings)))
    return found


class ReviewQueue:
    """The queue query of one unit of work (``uow.review_queue``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def entries(
        self,
        *,
        owner: str | None = None,
        assigned_to: str | None = None,
        batch_id: str | None = None,
        document_id: str | None = None,
        issue_code: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[QueueEntry]]:
        """``(total, entries)``: the queue in priority order (see the module docstring), filtered
        by the documents' owner, a reviewer's assignments, batch, document and issue code."""
        rows = self._candidates(owner, assigned_to, batch_id, document_id)
        ratios = self._agreements([(r.document_id, r.number) for r in rows if r.model_attempts >= 2])
        entries: list[tuple[tuple[Any, ...], QueueEntry]] = []
        for r in rows:
            issues = [i for i in (r.issues or []) if isinstance(i, dict)]
            codes = sorted({str(i.get("code")) for i in issues})
            if issue_code is not None and issue_code not in codes:
                continue
            ratio = ratios.get((r.document_id, r.number))
            found = _reasons(r.status, r.flag, issues, ratio)
            if not found:
                continue
            priority = min(p for p, _ in found)
            entry = QueueEntry(
                document_id=r.document_id,
                filename=r.filename,
                owner=r.owner,
                batch_id=r.batch_id,
                number=r.number,
                status=cast(PageStatus, r.status),
                priority=priority,
                reasons=[text for _, text in found],
                issue_codes=codes,
                agreement=ratio,
                flag=r.flag,
                reviewed=r.reviewed,
            )
            entries.append(((priority, r.created_at, r.document_id, r.number), entry))
        entries.sort(key=lambda item: item[0])
        return len(entries), [e for _, e in entries[offset : offset + limit]]

    def _candidates(
        self, owner: str | None, assigned_to: str | None, batch_id: str | None, document_id: str | None
    ) -> list[Any]:
        attempts = (
            select(AttemptRow.document_id, AttemptRow.page_number, func.count().label("n"))
            .where(AttemptRow.kind == "model")
            .group_by(AttemptRow.document_id, AttemptRow.page_number)
            .subquery()
        )
        length = func.jsonb_array_length if dialect_name(self._session) == "postgresql" else func.json_array_length
        model_attempts = func.coalesce(attempts.c.n, 0)
        stmt = (
            select(
                PageRow.document_id,
                PageRow.number,
                PageRow.status,
                PageRow.issues,
                PageRow.flag,
                PageRow.reviewed,
                DocumentRow.filename,
                DocumentRow.owner,
                DocumentRow.batch_id,
                DocumentRow.created_at,
                model_attempts.label("model_attempts"),
            )
            .join(DocumentRow, DocumentRow.id == PageRow.document_id)
            .outerjoin(
                attempts, and_(attempts.c.document_id == PageRow.document_id, attempts.c.page_number == PageRow.number)
            )
            .where(
                or_(
                    PageRow.flag.is_not(None),
                    and_(
                        PageRow.reviewed.is_(False),
                        PageRow.processed.is_(True),
                        or_(
                            PageRow.status.in_(("failed", "partial")),
                            length(PageRow.issues) > 0,
                            model_attempts >= 2,
                        ),
                    ),
                )
            )
        )
        if owner is not None:
            stmt = stmt.where(DocumentRow.owner == owner)
        if batch_id is not None:
            stmt = stmt.where(DocumentRow.batch_id == batch_id)
        if document_id is not None:
            stmt = stmt.where(DocumentRow.id == document_id)
        if assigned_to is not None:
            assigned = select(ReviewAssignmentRow.document_id).where(ReviewAssignmentRow.reviewer == assigned_to)
            stmt = stmt.where(DocumentRow.id.in_(assigned))
        return list(self._session.execute(stmt).all())

    def _agreements(self, pages: list[tuple[str, int]]) -> dict[tuple[str, int], float]:
        wanted = set(pages)
        if not wanted:
            return {}
        outputs: defaultdict[tuple[str, int], list[tuple[bool, str]]] = defaultdict(list)
        stmt = (
            select(AttemptRow.document_id, AttemptRow.page_number, AttemptRow.chosen, AttemptRow.output)
            .where(AttemptRow.kind == "model", AttemptRow.document_id.in_({d for d, _ in wanted}))
            .order_by(AttemptRow.index)
        )
        for doc, number, chosen, output in self._session.execute(stmt):
            if (doc, number) in wanted:
                outputs[(doc, number)].append((bool(chosen), output or ""))
        found: dict[tuple[str, int], float] = {}
        for key, runs in outputs.items():
            chosen_index = next((i for i, (c, _) in enumerate(runs) if c), len(runs) - 1)
            others = [text for i, (_, text) in enumerate(runs) if i != chosen_index]
            ratio = agreement(runs[chosen_index][1], others)
            if ratio is not None:
                found[key] = ratio
        return found
