"""HTTP plumbing of the ``openai`` engine: retry policy, error text, the engine's event loop.

Kept apart from :mod:`docparse.engines.openai_engine` so the engine module holds only
what is specific to chat completions (request body, response reading). Nothing here knows
about pages or prompts.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import os
import random
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx

logger = logging.getLogger("docparse.engines.openai")

T = TypeVar("T")

#: Statuses worth another attempt: timeout, conflict, rate limit, and every 5xx.
RETRY_STATUSES = frozenset({408, 409, 429})

_MAX_ERROR_CHARS = 500


class MalformedResponse(ValueError):
    """A 2xx answer that is not a usable chat completion (garbage JSON, no choices)."""


class RequestFailed(Exception):
    """A request that failed for good; ``reason`` is user-facing and free of secrets."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before the next attempt.

    Backoff is exponential with full jitter (a uniform draw in ``[0, min(max, base·2^n)]``
    before retry ``n``, counted from 0). A server's ``Retry-After`` replaces the draw and is
    capped at ``backoff_max_s``. Malformed 2xx answers are retried at most
    ``malformed_retries`` times (a proxy hiccup is worth one more try; a server that
    always answers garbage is not worth ``max_retries``).
    """

    max_retries: int = 5
    backoff_base_s: float = 0.5
    backoff_max_s: float = 30.0
    malformed_retries: int = 2

    def delay(self, retry_index: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max_s)
        return rng.uniform(0.0, min(self.backoff_max_s, self.backoff_base_s * 2**retry_index))


def parse_retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (delta-seconds or an HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def error_message(response: httpx.Response) -> str:
    """The server's own explanation: OpenAI ``error.message``, vLLM ``message``, FastAPI ``detail``, or the body."""
    text = response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    message: object = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
        elif isinstance(error, str):
            message = error
        message = message or body.get("message") or body.get("detail")
    if not message:
        message = text.strip() or response.reason_phrase
    message = str(message)
    return message if len(message) <= _MAX_ERROR_CHARS else message[:_MAX_ERROR_CHARS] + "…"


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced (a 401 body may echo the key back)."""
    return text.replace(secret, "***") if secret else text


async def send_with_retries(
    send: Callable[[], Awaitable[httpx.Response]],
    parse: Callable[[httpx.Response], T],
    *,
    policy: RetryPolicy,
    sleep: Callable[[float], Awaitable[object]],
    rng: random.Random,
    secret: str | None,
    label: str,
) -> T:
    """Run ``send`` until ``parse`` accepts the answer, retrying what is worth retrying.

    Retried: connection errors, timeouts and dropped connections (any ``httpx.TransportError``),
    408/409/429 and 5xx (honouring ``Retry-After``), and malformed 2xx answers (``parse``
    raising ``ValueError``) up to ``policy.malformed_retries`` times. Any other status fails
    at once with the server's message. Raises :class:`RequestFailed` when giving up.
    """
    malformed = 0
    attempts = policy.max_retries + 1
    for attempt in range(attempts):
        retry_after: float | None = None
        retryable = True
        try:
            response = await send()
        except httpx.TimeoutException as exc:
            reason = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            reason = f"connection error ({type(exc).__name__}: {exc})"
        else:
            status = response.status_code
            if 200 <= status < 300:
                try:
                    return parse(response)
                except ValueError as exc:
                    malformed += 1
                    reason = f"malformed response: {exc}"
                    retryable = malformed <= policy.malformed_retries
            else:
                reason = f"HTTP {status}: {error_message(response)}"
                retryable = status in RETRY_STATUSES or status >= 500
                retry_after = parse_retry_after(response.headers) if retryable else None
        reason = redact(reason, secret)
        if not retryable or attempt + 1 == attempts:
            logger.warning(
                "%s failed after %d attempt(s): %s",
                label,
                attempt + 1,
                reason,
                extra={"request": label, "attempts": attempt + 1, "reason": reason},
            )
            raise RequestFailed(f"{reason} (after {attempt + 1} attempt(s))", attempt + 1)
        delay = policy.delay(attempt, retry_after, rng)
        logger.info(
            "%s attempt %d failed (%s); retrying in %.2fs",
            label,
            attempt + 1,
            reason,
            delay,
            extra={"request": label, "attempt": attempt + 1, "reason": reason, "delay_s": delay},
        )
        await sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class SyncTransportAdapter(httpx.AsyncBaseTransport):
    """Lets the async client use a synchronous ``httpx.BaseTransport`` (each call in a worker thread)."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self._transport = transport

    def _handle(self, request: httpx.Request) -> httpx.Response:
        response = self._transport.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return httpx.Response(
            response.status_code, headers=response.headers, content=content, extensions=response.extensions
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await asyncio.to_thread(self._handle, request)

    async def aclose(self) -> None:
        await asyncio.to_thread(self._transport.close)


def as_async_transport(
    transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
) -> httpx.AsyncBaseTransport | None:
    if transport is None or isinstance(transport, httpx.AsyncBaseTransport):
        return transport
    return SyncTransportAdapter(transport)


class LoopThread:
    """An asyncio event loop in a daemon thread, for running coroutines from synchronous code.

    Coroutines never run on the caller's loop, so :meth:`run` works from worker threads
    without a loop and from threads whose loop is already running (it then blocks that loop
    until the result is in: call it from a thread, not from a coroutine, to keep the loop
    responsive). After a fork the child starts a fresh thread on first use.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0

    def _ensure(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def main() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                thread = threading.Thread(target=main, name=self._name, daemon=True)
                thread.start()
                ready.wait()
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self._ensure())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.submit(coro).result()

    def stop(self, final: Callable[[], Coroutine[Any, Any, object]] | None = None, timeout_s: float = 10.0) -> None:
        """Run ``final()`` (cleanup) on the loop, then stop and close it. A no-op when not started."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
            if loop is None or thread is None or self._pid != os.getpid():
                return
        if threading.current_thread() is thread:  # a finalizer running on the loop itself
            loop.call_soon(loop.stop)
            return
        try:
            if final is not None:
                asyncio.run_coroutine_threadsafe(final(), loop).result(timeout_s)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout_s)
            if not thread.is_alive():
                loop.close()


__all__ = [
    "LoopThread",
    "MalformedResponse",
    "RequestFailed",
    "RetryPolicy",
    "as_async_transport",
    "error_message",
    "parse_retry_after",
    "redact",
    "send_with_retries",
]
