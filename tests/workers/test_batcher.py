"""Cross-document batches for an in-process model: concurrent callers (one per task thread, each
on its own document) share ``generate`` calls, in batches of at most ``max_batch`` pages, and
each gets its own outputs back; a caller whose document is cancelled stops waiting at once. The
engine is a recording stand-in for the GPU model."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from docparse.cancellation import Cancellation, Cancelled
from docparse.engines.base import EngineInfo, EngineOutput, GenerationOptions, PageInput
from tests.waiting import poll
from workers.batcher import BatchingEngine


class Recording:
    """Answers each page with its width; blocks the first call until released, so that the
    other callers queue up meanwhile (as task threads render while the GPU works)."""

    info = EngineInfo(name="transformers", model="m", convention="qwen2.5-absolute", min_pixels=1, max_pixels=10**7)

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.release = threading.Event()

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        self.calls.append([p.model_width for p in pages])
        if len(self.calls) == 1:
            self.release.wait(timeout=30)
        return [EngineOutput(text=str(p.model_width), stop_reason="stop") for p in pages]


def _page(n: int) -> PageInput:
    return PageInput(image=None, model_width=n, model_height=28)


def test_concurrent_pages_of_different_documents_share_batches() -> None:
    inner = Recording()
    engine = BatchingEngine(inner, max_batch=4)
    results: dict[int, list[str]] = {}

    def call(n: int) -> None:
        results[n] = [o.text for o in engine.infer([_page(n)])]

    first = threading.Thread(target=call, args=(100,))
    first.start()
    poll(lambda: inner.calls, timeout_s=30, what="the model busy with a first page")
    threads = [threading.Thread(target=call, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    poll(lambda: engine._queue.qsize() == 8, timeout_s=30, what="every caller queued while the model is busy")
    inner.release.set()
    for thread in [first, *threads]:
        thread.join(timeout=30)
    assert results == {n: [str(n)] for n in [100, *range(1, 9)]}
    assert inner.calls[0] == [100]
    assert sorted(len(c) for c in inner.calls[1:]) == [4, 4]  # 8 queued pages: two full batches
    assert sorted(n for c in inner.calls[1:] for n in c) == list(range(1, 9))


def test_different_generation_options_never_share_a_batch() -> None:
    inner = Recording()
    inner.release.set()
    engine = BatchingEngine(inner, max_batch=8)
    greedy, penalised = GenerationOptions(), GenerationOptions(repetition_penalty=1.05)
    assert [o.text for o in engine.infer([_page(1), _page(2)], greedy)] == ["1", "2"]
    assert [o.text for o in engine.infer([_page(3)], penalised)] == ["3"]
    assert inner.calls == [[1, 2], [3]]


def test_a_cancelled_caller_stops_waiting_and_its_queued_pages_never_run() -> None:
    inner = Recording()
    engine = BatchingEngine(inner, max_batch=4)
    cancelled, kept = Cancellation(), Cancellation()
    with ThreadPoolExecutor(3) as pool:
        busy = pool.submit(engine.infer, [_page(100)])
        poll(lambda: inner.calls, timeout_s=30, what="the model busy with a first page")
        gone = pool.submit(engine.infer, [_page(1)], None, cancel=cancelled)
        stays = pool.submit(engine.infer, [_page(2)], None, cancel=kept)
        poll(lambda: engine._queue.qsize() == 2, timeout_s=30, what="both callers queued while the model is busy")
        cancelled.set()
        with pytest.raises(Cancelled):
            gone.result(timeout=30)  # while the model is still busy: the caller's thread is free at once
        assert not busy.done()
        inner.release.set()
        assert [o.text for o in stays.result(timeout=30)] == ["2"]
        assert [o.text for o in busy.result(timeout=30)] == ["100"]
    assert inner.calls == [[100], [2]], "the cancelled caller's page never reached the model"


def test_a_batch_leaves_nothing_behind_on_its_requesters_tokens() -> None:
    """A batch of several requesters listens to their tokens while it runs (it stops once all of
    them cancelled) and forgets them after: a token used for many batches does not collect them."""
    inner = Recording()
    engine = BatchingEngine(inner, max_batch=4)
    tokens = [Cancellation() for _ in range(3)]
    with ThreadPoolExecutor(4) as pool:
        busy = pool.submit(engine.infer, [_page(100)])
        poll(lambda: inner.calls, timeout_s=30, what="the model busy with a first page")
        waiting = [pool.submit(engine.infer, [_page(n)], None, cancel=t) for n, t in enumerate(tokens, 1)]
        poll(lambda: engine._queue.qsize() == 3, timeout_s=30, what="three callers queued while the model is busy")
        inner.release.set()
        assert [w.result(timeout=30)[0].text for w in waiting] == ["1", "2", "3"]
        busy.result(timeout=30)
    assert inner.calls == [[100], [1, 2, 3]], "the three shared one batch"
    assert [t._listeners for t in tokens] == [[], [], []]
