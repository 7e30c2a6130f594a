"""Review storage on SQLite and PostgreSQL: human attempts as data, history, optimistic
concurrency, accept, flags, the review queue and assignments."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from schemas import Attempt, Document, ParagraphBlock, block_id
from storage import Database, NotReviewable, PageNotFound, ReviewConflict
from storage.review_queue import agreement
from tests.storage.factories import make_page

Queued = Callable[..., str]
REVIEWER = "rita"


def _processed(db: Database, queued: Queued, statuses: tuple[str, ...] = ("ok", "failed")) -> str:
    document_id = queued()
    with db.unit_of_work() as uow:
        uow.documents.start(document_id, len(statuses))
        for number, status in enumerate(statuses, start=1):
            uow.pages.save_result(document_id, make_page(document_id, number, status))  # type: ignore[arg-type]
        uow.commit()
    return document_id


def _load(db: Database, document_id: str) -> Document:
    with db.unit_of_work() as uow:
        document = uow.documents.load(document_id)
    assert document is not None
    return document


def _human(document_id: str, number: int, text: str) -> tuple[list[ParagraphBlock], Attempt]:
    block = ParagraphBlock(id=block_id(document_id, number, 0), page=number, order=0, text=text)
    attempt = Attempt(index=0, engine="human", model_width=1260, model_height=1624, output=f"<p>{text}</p>")
    return [block], attempt


def _correct(db: Database, document_id: str, number: int, text: str, token: str | None = None) -> str:
    blocks, attempt = _human(document_id, number, text)
    with db.unit_of_work() as uow:
        expected = token or uow.reviews.state(document_id, number).token
        state = uow.reviews.correct(
            document_id, number, blocks=list(blocks), attempt=attempt, reviewer=REVIEWER, expected=expected
        )
        uow.commit()
    return state.token


def test_a_correction_is_a_new_chosen_human_attempt_and_the_model_result_is_kept(db: Database, queued: Queued) -> None:
    document_id = _processed(db, queued)
    before = _load(db, document_id)
    assert before.status == "partial"
    model_page = before.pages[1]

    _correct(db, document_id, 2, "fixed by hand")

    after = _load(db, document_id)
    page = after.pages[1]
    assert [b.text for b in page.blocks] == ["fixed by hand"]
    assert page.status == "ok" and page.reviewed and page.reviewed_by == REVIEWER and page.reviewed_at is not None
    assert page.issues == []
    model_attempts = [a for a in page.attempts if a.kind == "model"]
    human = page.attempts[-1]
    assert [a.model_dump(exclude={"chosen", "created_at"}) for a in model_attempts] == [
        a.model_dump(exclude={"chosen", "created_at"}) for a in model_page.attempts
    ]
    assert human.kind == "human" and human.reviewer == REVIEWER and human.chosen and human.created_at is not None
    assert human.index == len(model_page.attempts)
    assert not any(a.chosen for a in model_attempts)
    assert after.status == "done"  # re-derived: every page is ok now

    with db.unit_of_work() as uow:
        history = uow.reviews.history(document_id, 2)
    assert [v.attempt.kind for v in history] == ["model"] * len(model_page.attempts) + ["human"]
    superseded = history[len(model_page.attempts) - 1]
    assert superseded.blocks == model_page.blocks and superseded.issues == model_page.issues
    assert superseded.status == "failed"
    assert history[-1].blocks == page.blocks and history[-1].status == "ok"
    assert history[0].blocks is None  # never the chosen one: only its raw output is known


def test_a_stale_token_is_a_conflict_and_writes_nothing(db: Database, queued: Queued) -> None:
    document_id = _processed(db, queued)
    with db.unit_of_work() as uow:
        stale = uow.reviews.state(document_id, 1).token
    first = _correct(db, document_id, 1, "first tab", token=stale)
    assert first != stale
    with pytest.raises(ReviewConflict) as raised:
        _correct(db, document_id, 1, "second tab", token=stale)
    assert raised.value.current.token == first  # type: ignore[attr-defined]
    assert [b.text for b in _load(db, document_id).pages[0].blocks] == ["first tab"]
    with db.unit_of_work() as uow, pytest.raises(ReviewConflict):
        uow.reviews.accept(document_id, 1, reviewer=REVIEWER, expected=stale)


def test_accept_marks_the_page_ok_and_reviewed_and_rederives_the_document(db: Database, queued: Queued) -> None:
    document_id = _processed(db, queued, ("ok", "partial"))
    blocks_before = _load(db, document_id).pages[1].blocks
    with db.unit_of_work() as uow:
        token = uow.reviews.state(document_id, 2).token
        state = uow.reviews.accept(document_id, 2, reviewer=REVIEWER, expected=token)
        uow.commit()
    assert state.reviewed and state.status == "ok" and state.version == 2 and state.token != token
    document = _load(db, document_id)
    assert document.status == "done"
    assert document.pages[1].blocks == blocks_before and document.pages[1].reviewed


def test_a_reset_page_is_no_longer_reviewed_and_an_old_token_conflicts(db: Database, queued: Queued) -> None:
    document_id = _processed(db, queued)
    token = _correct(db, document_id, 2, "fixed")
    with db.unit_of_work() as uow:
        uow.pages.reset(document_id, [2])
        uow.commit()
    with db.unit_of_work() as uow:
        assert not uow.reviews.state(document_id, 2).reviewed
        with pytest.raises(ReviewConflict):
            uow.reviews.accept(document_id, 2, reviewer=REVIEWER, expected=token)
        fresh = uow.reviews.state(document_id, 2).token
        with pytest.raises(NotReviewable):
            uow.reviews.accept(document_id, 2, reviewer=REVIEWER, expected=fresh)
        with pytest.raises(PageNotFound):
            uow.reviews.state(document_id, 9)
    assert [a.kind for a in _load(db, document_id).pages[1].attempts][-1] == "human"  # history kept


def test_the_queue_orders_by_priority_and_filters(db: Database, queued: Queued) -> None:
    first = _processed(db, queued, ("ok", "failed", "partial"))
    second = _processed(db, queued, ("ok",))
    with db.unit_of_work() as uow:
        uow.reviews.flag(second, 1, by="alice", reason="numbers look wrong")
        uow.commit()
    with db.unit_of_work() as uow:
        total, entries = uow.review_queue.entries()
        assert [(e.document_id, e.number) for e in entries] == [(second, 1), (first, 2), (first, 3), (first, 1)]
        assert total == 4
        assert [e.priority for e in entries][:3] == [0, 1, 2]
        assert entries[0].reasons[0] == "flagged: numbers look wrong"
        # make_page gives a warning (bbox_clamped) and attempts whose outputs differ a lot
        assert any("low agreement" in r for r in entries[3].reasons)
        assert "warnings: bbox_clamped" in entries[3].reasons
        assert uow.review_queue.entries(document_id=first, limit=1, offset=1)[1][0].number == 3
        assert uow.review_queue.entries(issue_code="nope") == (0, [])
        assert uow.review_queue.entries(owner="nobody") == (0, [])
        assert uow.review_queue.entries(assigned_to="rita") == (0, [])
        uow.assignments.assign(first, "rita", by="alice")
        uow.assignments.assign(first, "rita", by="alice")  # idempotent
        assert {e.document_id for e in uow.review_queue.entries(assigned_to="rita")[1]} == {first}
        assert [a.reviewer for a in uow.assignments.of_document(first)] == ["rita"]
        uow.commit()
    _correct(db, first, 2, "fixed")
    with db.unit_of_work() as uow:
        assert (first, 2) not in {(e.document_id, e.number) for e in uow.review_queue.entries()[1]}
        assert uow.assignments.unassign(first, "rita") and not uow.assignments.is_assigned(first, "rita")


def test_flags_do_not_move_the_concurrency_token(db: Database, queued: Queued) -> None:
    document_id = _processed(db, queued, ("ok",))
    with db.unit_of_work() as uow:
        token = uow.reviews.state(document_id, 1).token
        flagged = uow.reviews.flag(document_id, 1, by="alice", reason="check the totals")
        assert flagged.flag == "check the totals" and flagged.flagged_by == "alice" and flagged.token == token
        assert uow.reviews.flag(document_id, 1, by="alice", reason=None).flag is None
        uow.commit()


def test_agreement_compares_visible_words() -> None:
    same = agreement("<p data-bbox='1 2 3 4'>a b c</p>", ["<div>a b c</div>"])
    assert same == 1.0
    low = agreement("<p>alpha beta gamma delta</p>", ["<p>alpha</p>", "<p>alpha beta gamma</p>"])
    assert low is not None and low < 0.5
    assert agreement("<p>x</p>", ["", "   "]) is None


def test_issue_code_filter_keeps_pages_with_that_code(db: Database, queued: Queued) -> None:
    document_id = _processed(db, queued, ("ok",))
    with db.unit_of_work() as uow:
        _, entries = uow.review_queue.entries(issue_code="bbox_clamped")
    assert [(e.document_id, e.number) for e in entries] == [(document_id, 1)]
    assert entries[0].issue_codes == sorted({i.code for i in make_page(document_id, 1).issues})
