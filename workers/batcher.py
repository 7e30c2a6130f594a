"""Cross-document batches for an in-process engine (transformers on a GPU).

A worker process runs many chain steps at once (its thread pool), each rendering its own page
and asking the engine for it. :class:`BatchingEngine` sits in front of the one in-process model:
every ``infer`` call becomes a request on a queue, and one model thread takes whatever is
waiting — pages of any documents, up to ``max_batch`` pages with the same generation options —
into one ``generate``. While the model works on one batch, the task threads render (and
queue) the pages of the next, so rendering overlaps generation and many one-page uploads
still fill a GPU batch. Memory stays bounded: at most one page per task thread waits.

Cancellation: a caller whose token is set stops waiting at once (:func:`docparse.cancellation.result`)
and its request, if not started, is dropped; a batch already generating stops only once every
request in it is cancelled (the inner engine gets :func:`~docparse.cancellation.all_of` their
tokens), since the other documents in the batch still want their pages.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import structlog

from docparse.cancellation import Cancellation, Cancelled, all_of, result
from docparse.engines.base import Engine, EngineInfo, EngineOutput, GenerationOptions, PageInput, infer_pages

log = structlog.get_logger("docparse.workers")


@dataclass
class _Request:
    pages: list[PageInput]
    options: GenerationOptions | None
    cancel: Cancellation | None = None
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

    def infer(
        self,
        pages: Sequence[PageInput],
        options: GenerationOptions | None = None,
        *,
        cancel: Cancellation | None = None,
    ) -> list[EngineOutput]:
        """The inner engine's outputs for ``pages``, computed in a batch with other callers' pages;
        :class:`Cancelled` as soon as ``cancel`` is set (see the module docstring)."""
        if not pages:
            return []
        request = _Request(list(pages), options, cancel)
        self._queue.put(request)
        return result(request.future, cancel)

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
            batch = []
            for request in self._next_batch():
                if request.cancel is not None and request.cancel.is_set():  # its caller left: not run
                    _settle(request.future, exc=Cancelled(request.cancel.reason or "cancelled"))
                else:
                    batch.append(request)
            if not batch:
                continue
            pages = [page for request in batch for page in request.pages]
            self.batches = [*self.batches[-999:], len(pages)]
            shared = all_of(r.cancel for r in batch)
            try:
                outputs = infer_pages(self.inner, pages, batch[0].options, shared)
            except BaseException as exc:  # an engine must not raise (Cancelled aside); if it does, its callers see it
                for request in batch:
                    _settle(request.future, exc=exc)
                continue
            finally:
                if shared is not None:
                    shared.detach()  # the requesters' tokens forget this batch
            start = 0
            for request in batch:
                _settle(request.future, outputs[start : start + len(request.pages)])
                start += len(request.pages)


def _settle(
    future: Future[list[EngineOutput]], outputs: list[EngineOutput] | None = None, exc: BaseException | None = None
) -> None:
    """Hand the caller its outputs (or the exception), unless it stopped waiting (a cancelled future)."""
    if not future.set_running_or_notify_cancel():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(outputs or [])
