"""Cross-document batches for an in-process engine (transformers on a GPU).

A worker process runs many chain steps at once (its thread pool), each rendering its own page
and asking the engine for it. :class:`BatchingEngine` sits in front of the one in-process model:
every ``infer`` call becomes a request on a queue, and one model thread takes whatever is
waiting — pages of any documents, up to ``max_batch`` pages with the same generation options —
into one ``generate``. While the model works on one batch, the task threads render (and
queue) the pages of the next, so rendering overlaps generation and many one-page uploads
still fill a GPU batch. Memory stays bounded: at most one page per task thread waits.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import structlog

from docparse.engines.base import Engine, EngineInfo, EngineOutput, GenerationOptions, PageInput

log = structlog.get_logger("docparse.workers")


@dataclass
class _Request:
    pages: list[PageInput]
    options: GenerationOptions | None
    future: Future[list[EngineOutput]] = field(default_factory=Future)


class BatchingEngine:
    """An :class:`~docparse.engines.base.Engine` that merges concurrent calls into batches of
    up to ``max_batch`` pages for ``inner`` (which it calls from one thread only)."""

    def __init__(self, inner: Engine, max_batch: int) -> None:
        self.inner = inner
        self.max_batch = max(1, max_batch)
        self.batches: list[int] = []  # sizes of the batches run (the last 1,000; for tests and logs)
        self._queue: queue.Queue[_Request] = queue.Queue()
        self._waiting: list[_Request] = []
        self._thread = threading.Thread(target=self._loop, name="docparse-model", daemon=True)
        self._thread.start()

    @property
    def info(self) -> EngineInfo:
        return self.inner.info

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        """The inner engine's outputs for ``pages``, computed in a batch with other callers' pages."""
        if not pages:
            return []
        request = _Request(list(pages), options)
        self._queue.put(request)
        return request.future.result()

    def __getattr__(self, name: str) -> object:  # check(), close() and the like reach the inner engine
        return getattr(self.inner, name)

    def _next_batch(self) -> list[_Request]:
        if not self._waiting:
            self._waiting.append(self._queue.get())
        while True:  # everything already waiting joins the choice, nothing more is awaited
            try:
                self._waiting.append(self._queue.get_nowait())
            except queue.Empty:
                break
        options = self._waiting[0].options
        batch: list[_Request] = []
        size = 0
        for request in list(self._waiting):
            if request.options != options or (batch and size + len(request.pages) > self.max_batch):
                continue
            batch.append(request)
            size += len(request.pages)
            self._waiting.remove(request)
        return batch

    def _loop(self) -> None:
        while True:
            batch = self._next_batch()
            pages = [page for request in batch for page in request.pages]
            self.batches = [*self.batches[-999:], len(pages)]
            try:
                outputs = self.inner.infer(pages, batch[0].options)
            except BaseException as exc:  # an engine must not raise; if it does, its callers see it
                for request in batch:
                    request.future.set_exception(exc)
                continue
            start = 0
            for request in batch:
                request.future.set_result(outputs[start : start + len(request.pages)])
                start += len(request.pages)
