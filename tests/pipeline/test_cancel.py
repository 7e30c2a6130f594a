"""A cancellation token stops the pipeline at its safe points (issue 13, in-flight cancel).

The token is set at precise moments by the scripted model or by the output policy, so each
safe point is hit deterministically: an engine call that returns with the token set has its
outputs dropped (no half attempt is recorded), no ladder step starts once the token is set,
and pages whose ladder had already ended are still handed out before :class:`Cancelled`.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.sleep_engine import BenchSleepEngine
from docparse.cancellation import Cancellation, Cancelled, all_of, result
from docparse.engines.base import EngineOutput, GenerationOptions, PageInput, accepts_cancel, infer_pages
from docparse.page_attempts import PageRun, run_ladder
from docparse.pipeline import ParseOptions, process_pages
from docparse.policy import OutputPolicy, Verdict
from docparse.qwenvl import ParseResult
from docparse.render import open_document
from schemas import Page
from tests.pipeline.conftest import ScriptedModel, box_html

TRUNCATED = '<html><body>\n<p data-bbox="10 10 200 40">Cut he'


def test_an_engine_call_that_returns_with_the_token_set_records_nothing_and_the_next_attempt_never_runs(
    three_page_pdf: Path,
) -> None:
    token = Cancellation()

    def script(call: int, page: PageInput, options: GenerationOptions) -> EngineOutput:
        token.set("the document was cancelled")  # set while attempt 1 is being answered
        return EngineOutput(text=TRUNCATED, stop_reason="length")  # would ask for attempt 2

    model = ScriptedModel(script)  # an engine written before cancellation: no ``cancel`` argument
    with open_document(three_page_pdf) as opened:
        chunk = [PageRun.start(opened, 1, model.info, "doc-1", cancel=token)]
        with pytest.raises(Cancelled, match="the document was cancelled"):
            run_ladder(chunk, model, OutputPolicy(), cancel=token)
    assert len(model.calls) == 1, "attempt 2 must never run once the token is set"
    assert chunk[0].records == [] and not chunk[0].done, "the interrupted attempt is not recorded"


def test_the_ladder_stops_between_attempts_and_finished_pages_are_still_handed_out(three_page_pdf: Path) -> None:
    """Page 1 is done after attempt 1, page 2 needs attempt 2; the token is set right after
    attempt 1 is judged: process_pages yields page 1 and raises, attempt 2 never runs."""
    token = Cancellation()

    def script(call: int, page: PageInput, options: GenerationOptions) -> EngineOutput:
        if page.pdf_page_index == 0:
            return EngineOutput(text=box_html(page, "complete"), stop_reason="stop")
        return EngineOutput(text=TRUNCATED, stop_reason="length")

    @dataclass(frozen=True)
    class CancelAfterFirstJudgement(OutputPolicy):
        def judge(self, output: EngineOutput, parsed: ParseResult | None) -> Verdict:
            verdict = super().judge(output, parsed)
            token.set()
            return verdict

    model = ScriptedModel(script)
    opts = ParseOptions(chunk_size=2, policy=CancelAfterFirstJudgement())
    out: list[Page] = []
    with open_document(three_page_pdf) as opened, pytest.raises(Cancelled):
        out.extend(page for page, _ in process_pages(opened, [1, 2, 3], model, opts, "doc-1", cancel=token))
    assert [p.number for p in out] == [1], "the finished page is handed out; the interrupted one and the rest are not"
    assert out[0].status == "ok" and len(out[0].attempts) == 1
    assert len(model.calls) == 2, "one call per page of the first attempt, none after"


def test_a_token_set_before_a_page_renders_stops_process_pages_at_once(three_page_pdf: Path) -> None:
    token = Cancellation()
    token.set()
    model = ScriptedModel(lambda c, p, o: EngineOutput(text=box_html(p, "x"), stop_reason="stop"))
    with open_document(three_page_pdf) as opened, pytest.raises(Cancelled):
        list(process_pages(opened, [1, 2], model, ParseOptions(), "doc-1", cancel=token))
    assert model.calls == []


def test_without_a_token_nothing_changes(three_page_pdf: Path) -> None:
    model = ScriptedModel(lambda c, p, o: EngineOutput(text=box_html(p, "x"), stop_reason="stop"))
    with open_document(three_page_pdf) as opened:
        pages = [p for p, _ in process_pages(opened, [1, 2, 3], model, ParseOptions(), "doc-1")]
    assert [p.status for p in pages] == ["ok"] * 3


@pytest.mark.timeout(60)
def test_an_interruptible_engine_gets_the_token_and_stops_waiting(three_page_pdf: Path) -> None:
    engine = BenchSleepEngine(600.0)  # ten minutes a page: only the token can end this call
    assert accepts_cancel(engine) and not accepts_cancel(ScriptedModel(lambda c, p, o: EngineOutput("", "stop")))
    token = Cancellation()
    threading.Timer(0.2, token.set, kwargs={"reason": "the document was deleted"}).start()
    page = PageInput(image=None, model_width=56, model_height=56)
    with pytest.raises(Cancelled, match="deleted"):
        infer_pages(engine, [page], None, token)


def test_all_of_is_set_only_once_every_requester_cancelled() -> None:
    a, b = Cancellation(), Cancellation()
    both = all_of([a, b])
    assert both is not None and not both.is_set()
    a.set("a")
    assert not both.is_set() and not both.wait(0.05)
    b.set("b")
    assert both.is_set() and both.wait(0) and both.reason == "a; b"
    assert all_of([a, None]) is None, "a requester that can never cancel keeps the shared work running"
    assert all_of([a]) is a


class _RecordingFuture(concurrent.futures.Future[str]):
    """A future that records the timeout of every ``result`` call (a poll asks with one)."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[float | None] = []

    def result(self, timeout: float | None = None) -> str:
        self.asked.append(timeout)
        return super().result(timeout)


def test_result_sleeps_until_the_future_is_done_without_polling() -> None:
    future, token = _RecordingFuture(), Cancellation()
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(result(future, token)))
    waiter.start()
    future.set_result("pages")
    waiter.join(timeout=30)
    assert got == ["pages"]
    assert future.asked == [None], "the future is asked once, when it is done: no timed polls"


class _WatchedToken(Cancellation):
    """A token that says when someone starts listening to it."""

    def __init__(self) -> None:
        super().__init__()
        self.listened = threading.Event()

    def on_set(self, listener: Callable[[], None]) -> Callable[[], None]:
        forget = super().on_set(listener)
        self.listened.set()
        return forget


def test_result_is_woken_by_the_token_and_cancels_the_future() -> None:
    future, token = _RecordingFuture(), _WatchedToken()
    raised: list[BaseException] = []

    def wait() -> None:
        try:
            result(future, token)
        except Cancelled as exc:
            raised.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    assert token.listened.wait(30), "the waiter listens to the token before it sleeps"
    token.set("document cancelled")  # the waiter is asleep (or about to be): only the token wakes it
    waiter.join(timeout=30)
    assert not waiter.is_alive()
    assert [str(e) for e in raised] == ["document cancelled"]
    assert future.cancelled() and future.asked == [], "the unfinished future is cancelled, never waited on again"


def test_a_done_future_gives_its_result_even_with_the_token_set() -> None:
    future, token = _RecordingFuture(), Cancellation()
    future.set_result("pages")
    token.set()
    assert result(future, token) == "pages"


def test_on_set_tells_a_listener_once_at_once_when_already_set_and_forgets_on_request() -> None:
    token = Cancellation()
    heard: list[str] = []
    token.on_set(lambda: heard.append("first"))
    forget = token.on_set(lambda: heard.append("forgotten"))
    forget()
    token.set("a")
    token.set("b")
    assert heard == ["first"], "told once, on the first set; a forgotten listener is not told"
    token.on_set(lambda: heard.append("late"))
    assert heard == ["first", "late"], "a listener that comes after the set is told at once"


def test_a_listener_that_fails_does_not_keep_the_others_asleep(caplog: pytest.LogCaptureFixture) -> None:
    token = Cancellation()
    heard: list[str] = []

    def fail() -> None:
        raise RuntimeError("listener bug")

    token.on_set(fail)
    token.on_set(lambda: heard.append("woken"))
    token.set()
    assert heard == ["woken"]
    assert "a cancellation listener failed" in caplog.text


def test_all_of_tokens_already_set_is_set_at_once_and_detach_forgets_the_tokens() -> None:
    a, b = Cancellation(), Cancellation()
    a.set("a")
    b.set("b")
    both = all_of([a, b])
    assert both is not None and both.is_set() and both.reason == "a; b"
    c, d = Cancellation(), Cancellation()
    shared = all_of([c, d])
    assert shared is not None
    shared.detach()  # the batch is over: its requesters' tokens forget it
    c.set()
    d.set()
    assert not shared.is_set(), "a detached combination hears nothing more"
    assert c._listeners == [] and d._listeners == []


def test_all_of_tells_its_own_listeners_when_the_last_requester_cancels() -> None:
    a, b = Cancellation(), Cancellation()
    both = all_of([a, b])
    assert both is not None
    heard: list[str | None] = []
    both.on_set(lambda: heard.append(both.reason))
    a.set("a")
    assert heard == []
    b.set("b")
    assert heard == ["a; b"], "set by the last requester's set, with no one polling it"
