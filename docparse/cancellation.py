"""A cancellation token: how work in progress learns that nobody wants its result any more.

Whoever learns that the work is no longer wanted sets the token (a worker's heartbeat, once
the document is cancelled or deleted: :mod:`workers.leases`); the work reads it at its *safe
points* and stops there by raising :class:`Cancelled`. Safe points are places where stopping
leaves nothing half done: between retry-ladder attempts (:func:`docparse.page_attempts.run_ladder`),
between pages (:func:`docparse.pipeline.process_pages`), between generated tokens (the
transformers engine), while waiting for a server or a render child. The token is passed
explicitly (an optional ``cancel`` argument), never through a global.

Contract of :class:`Cancellation`:

- :meth:`~Cancellation.set` is thread-safe and idempotent, and a set token stays set (new
  work gets a fresh token); the first ``reason`` given is kept.
- :meth:`~Cancellation.is_set` does no I/O and never blocks: cheap enough to call per
  generated token.
- :meth:`~Cancellation.wait` sleeps until the token is set or the timeout passes: use it
  instead of :func:`time.sleep` in work that must stop promptly. :meth:`~Cancellation.on_set`
  wakes a wait on something else (a future: :func:`result`) when the token is set.
- Work that sees the token set stops at its next safe point and raises :class:`Cancelled`.
  What an interrupted call produced is discarded by its caller: an interrupted page is not a
  result (not even a failed one); it is given back, unprocessed, for whoever wants it later.

Only the standard library is imported: every layer (render, engines, pipeline, workers) may
take a token.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

__all__ = ["POLL_S", "Cancellation", "Cancelled", "all_of", "check", "result"]

T = TypeVar("T")

log = logging.getLogger("docparse.cancellation")

POLL_S = 0.1
"""How often a wait that cannot be woken by the token itself (a ``select`` on a render child's
pipe) looks at the token: the longest a set token goes unnoticed there. Waits on a future or
on another token are woken by it (:meth:`Cancellation.on_set`) and never poll."""


class Cancelled(Exception):
    """The work stopped because its :class:`Cancellation` was set (not a failure: no result).

    Deliberately not a ``RuntimeError`` (nor a render or engine error), so no ``except`` meant
    for a failed page turns an interruption into a failed page."""

    def __init__(self, reason: str = "cancelled") -> None:
        super().__init__(reason)
        self.reason = reason


class Cancellation:
    """A one-way flag read by work in progress (see the module docstring for the contract)."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._reason: str | None = None
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def set(self, reason: str = "cancelled") -> None:
        """Ask the work to stop (idempotent; the first reason is kept); tells the listeners
        (:meth:`on_set`) once, in this thread."""
        with self._lock:
            if self._reason is None:
                self._reason = reason
            self._event.set()
            listeners, self._listeners = self._listeners, []
        for listener in listeners:  # one that fails must not keep the others asleep
            try:
                listener()
            except Exception:
                log.exception("a cancellation listener failed")

    def on_set(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` (quick, must not raise) once the token is set — at once, in this
        thread, when it already is; returns a function that forgets it (for a waiter that ended
        for another reason). What lets a wait on something else end when the token is set,
        without waking up to look at it."""
        with self._lock:
            if not self._event.is_set():
                self._listeners.append(listener)
                return lambda: self._forget(listener)
        listener()
        return lambda: None

    def _forget(self, listener: Callable[[], None]) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._listeners.remove(listener)

    def detach(self) -> None:
        """Stop listening to the tokens this one combines (:func:`all_of`), once the work that
        waited on it is over; nothing for a plain token."""

    def is_set(self) -> bool:
        """Whether the work was asked to stop (no I/O, never blocks)."""
        return self._event.is_set()

    @property
    def reason(self) -> str | None:
        """Why it was set (``None`` while it is not)."""
        return self._reason if self.is_set() else None

    def wait(self, timeout_s: float | None = None) -> bool:
        """Sleep until the token is set (``True``) or ``timeout_s`` passed (``False``)."""
        return self._event.wait(timeout_s)

    def raise_if_set(self) -> None:
        """Raise :class:`Cancelled` (with the reason) when the token is set."""
        if self.is_set():
            raise Cancelled(self.reason or "cancelled")

    def __repr__(self) -> str:
        return f"<Cancellation {'set: ' + repr(self.reason) if self.is_set() else 'not set'}>"


class _AllOf(Cancellation):
    """Set once every one of ``tokens`` is (work shared by several requesters stops only when
    none of them wants it any more): each token tells it when it is set, so waiting on it is
    waiting on one event."""

    def __init__(self, tokens: Iterable[Cancellation]) -> None:
        super().__init__()
        self._tokens = tuple(tokens)
        self._forgets = [token.on_set(self._check) for token in self._tokens]

    def detach(self) -> None:
        for forget in self._forgets:
            forget()
        self._forgets = []

    def _check(self) -> None:
        if not self._event.is_set() and all(t.is_set() for t in self._tokens):
            self.set("; ".join(dict.fromkeys(t.reason or "cancelled" for t in self._tokens)))


def all_of(tokens: Iterable[Cancellation | None]) -> Cancellation | None:
    """A token set once all of ``tokens`` are; ``None`` when any of them is ``None`` (that
    requester can never cancel, so the shared work always runs to its end)."""
    given = list(tokens)
    if not given or any(t is None for t in given):
        return None
    present = [t for t in given if t is not None]
    return present[0] if len(present) == 1 else _AllOf(present)


def check(cancel: Cancellation | None) -> None:
    """A safe point: raise :class:`Cancelled` when ``cancel`` is set (``None``: never)."""
    if cancel is not None:
        cancel.raise_if_set()


def result(future: concurrent.futures.Future[T], cancel: Cancellation | None) -> T:
    """``future.result()``, abandoned once ``cancel`` is set: the future is cancelled (for a
    coroutine run with ``asyncio.run_coroutine_threadsafe`` that cancels its task) and
    :class:`Cancelled` is raised. The caller sleeps until one of the two happens (no polling:
    a host with a hundred tasks waiting on a server does not wake them ten times a second);
    a future that is done when the token is set gives its result."""
    if cancel is None:
        return future.result()
    wake = threading.Event()
    forget = cancel.on_set(wake.set)
    future.add_done_callback(lambda _: wake.set())
    try:
        wake.wait()
    finally:
        forget()
    if future.done():
        return future.result()
    future.cancel()
    raise Cancelled(cancel.reason or "cancelled")
