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
  instead of :func:`time.sleep` in work that must stop promptly.
- Work that sees the token set stops at its next safe point and raises :class:`Cancelled`.
  What an interrupted call produced is discarded by its caller: an interrupted page is not a
  result (not even a failed one); it is given back, unprocessed, for whoever wants it later.

Only the standard library is imported: every layer (render, engines, pipeline, workers) may
take a token.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Iterable
from typing import TypeVar

__all__ = ["POLL_S", "Cancellation", "Cancelled", "all_of", "check", "result"]

T = TypeVar("T")

POLL_S = 0.1
"""How often a wait that cannot be woken by the token itself (a ``select`` on a child's pipe, a
future) looks at the token: the longest a set token goes unnoticed there."""


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

    def set(self, reason: str = "cancelled") -> None:
        """Ask the work to stop (idempotent; the first reason is kept)."""
        with self._lock:
            if self._reason is None:
                self._reason = reason
        self._event.set()

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
    none of them wants it any more)."""

    def __init__(self, tokens: Iterable[Cancellation]) -> None:
        super().__init__()
        self._tokens = tuple(tokens)

    def is_set(self) -> bool:
        if not self._event.is_set() and self._tokens and all(t.is_set() for t in self._tokens):
            self.set("; ".join(dict.fromkeys(t.reason or "cancelled" for t in self._tokens)))
        return self._event.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not self.is_set():
            left = POLL_S if deadline is None else min(POLL_S, deadline - time.monotonic())
            if left <= 0:
                return False
            self._event.wait(left)
        return True


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


def result(future: concurrent.futures.Future[T], cancel: Cancellation | None, *, poll_s: float = POLL_S) -> T:
    """``future.result()``, abandoned once ``cancel`` is set: the future is cancelled (for a
    coroutine run with ``asyncio.run_coroutine_threadsafe`` that cancels its task) and
    :class:`Cancelled` is raised, within ``poll_s`` of the token being set."""
    if cancel is None:
        return future.result()
    while True:
        try:
            return future.result(timeout=poll_s)
        except concurrent.futures.TimeoutError:
            if cancel.is_set():
                future.cancel()
                raise Cancelled(cancel.reason or "cancelled") from None
