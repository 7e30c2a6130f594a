"""The ``openai`` engine: page images to QwenVL HTML over an OpenAI-compatible HTTP API.

Works against vLLM, SGLang and hosted OpenAI-compatible APIs (DashScope's
``compatible-mode/v1``). One chat completion per page::

    POST {base_url}/chat/completions
    {"model": served_model,
     "messages": [{"role": "system", "content": spec.system_prompt},       # when the spec has one
                  {"role": "user", "content": [text part, image part]}],    # order per spec.image_first
     "max_tokens", "temperature", "top_p", "repetition_penalty", "stop",
     "mm_processor_kwargs": {"min_pixels", "max_pixels"},                   # vLLM
     "include_stop_str_in_output": true, "no_stop_trim": true}              # vLLM, SGLang

The image part is ``{"type": "image_url", "image_url": {"url": "data:image/png;base64,…"},
"min_pixels": …, "max_pixels": …}``: DashScope (and the Qwen cookbook's API path) read the
pixel budget from the content part, vLLM from ``mm_processor_kwargs``; both are sent and
servers ignore what they do not know. The image already has its ``smart_resize`` size, which
lies inside that budget at multiples of the patch factor, so the server's processor keeps it
as is and the boxes the model emits are in the page image's model pixels. ``extra_body``
adds top-level fields or removes them (a ``None`` value) for a strict server.

Design choices:

* **Concurrency: asyncio, not threads.** A few ``httpx.AsyncClient`` (connection pools of
  :data:`POOL_SHARD_CONNECTIONS`, each request on the least busy one) live on an event loop
  in a daemon thread owned by the engine; an ``asyncio.Semaphore`` caps requests in flight
  at ``max_in_flight`` across all concurrent ``infer`` calls. Tens of mostly idle requests
  are cheap as tasks and costly as threads, the pools are reused across batches, and because
  the loop is the engine's own, ``infer`` works the same from a worker thread without a loop
  and from a thread whose loop is running. Image encoding runs in the default executor
  (numpy and ISA-L release the GIL) once per page, *before* the page takes a request slot: a
  slot that frees is refilled at once with a body already encoded, instead of sitting idle
  while the next page encodes (the server's slots stay full). A second semaphore bounds the
  bodies encoded ahead to ``max_in_flight``, so at most ``2 x max_in_flight`` encoded bodies
  exist at once. The body is written around the image: the JSON of the request is dumped
  once with a marker where the image URL goes, and the base64 bytes are joined in (base64
  needs no JSON escaping), so the 100s of KB of image are never scanned by ``json.dumps``
  (:func:`~docparse.engines.openai_chat.request_body`).
* **Stop strings are never appended.** ``EngineOutput.text`` is the raw model output, so the
  engine asks servers to keep the matched stop string (``include_stop_str_in_output`` for
  vLLM, ``no_stop_trim`` for SGLang) and otherwise returns what it got: a server that strips
  ``</html>`` yields text without it, which the parser tolerates. Appending it would also
  be wrong whenever generation stopped on end-of-sequence rather than on the stop string.
* **Retries** (see :class:`~docparse.engines.openai_http.RetryPolicy`): connection errors,
  timeouts, dropped connections, 408/409/429 and 5xx are retried up to ``max_retries`` times
  with exponential backoff and full jitter, ``Retry-After`` honoured up to
  ``backoff_max_s``; other 4xx fail at once with the server's message; a 2xx that is not a
  chat completion (garbage JSON, no choices) is retried twice, as proxies hiccup. A page
  keeps its semaphore slot while it waits, which eases the load on a rate-limited server.
  ``timeout_s`` bounds each network phase of one attempt (connect, write, and the wait for
  the non-streamed answer), not the whole page.
* **Cancellation**: ``infer(..., cancel=token)`` sleeps until the pages are done or the token
  is set (:func:`~docparse.cancellation.result`, no polling); once it is set the call's task is cancelled on
  the engine's loop — requests in flight are abandoned (their connections closed, which lets
  vLLM and SGLang abort the generation), backoff waits end, slots are released — and
  :class:`~docparse.cancellation.Cancelled` is raised: no thread stays stuck on a page nobody wants.
* **Finish reasons**: ``stop`` -> ``stop``; ``length`` -> ``length``; ``content_filter``,
  ``abort`` and ``error`` -> ``error`` (text kept, reason in ``error``); a missing or other
  value -> ``stop``, logged at WARNING with the raw value.

The API key (argument, else ``DOCPARSE_OPENAI_API_KEY``, else ``OPENAI_API_KEY``) is sent
as a bearer token and never logged nor put in error text (server messages echoing it are
redacted).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from docparse.cancellation import Cancellation, result
from docparse.engines.base import EngineInfo, EngineOutput, EngineUnavailable, GenerationOptions, PageInput
from docparse.engines.openai_chat import parse_chat_response, request_body
from docparse.engines.openai_http import (
    LoopThread,
    RequestFailed,
    RetryPolicy,
    as_async_transport,
    error_message,
    redact,
    send_with_retries,
)
from docparse.engines.specs import ModelSpec
from docparse.image_codec import ENCODED_MEDIA_TYPES, IMAGE_FORMATS, PACKED_FORMATS, ImageFormat
from docparse.image_codec import encode_image as encode_bytes

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image

logger = logging.getLogger("docparse.engines.openai")

_CHECK_TIMEOUT_S = 10.0


POOL_SHARD_CONNECTIONS = 8
"""Connections per ``httpx.AsyncClient`` of a session; a session holds as many clients as
``max_in_flight`` needs. httpcore's pool scans every connection for every queued request each
time a request starts or ends (quadratic in the pool's size): one pool of 64 connections kept a
busy worker process's event loop so occupied that requests waited ~0.9 s for a connection
(``make bench``, capacity scenario, 1 process); pools of 8 cost 1/64 of that per scan."""


@dataclass
class _Session:
    """What lives on the engine's event loop: the clients (pools of
    :data:`POOL_SHARD_CONNECTIONS`), how many requests each has running, and the in-flight cap."""

    clients: list[httpx.AsyncClient]
    checks: httpx.AsyncClient
    """For health checks (:meth:`OpenAIEngine.check`), apart from the requests' pools."""
    loads: list[int]
    semaphore: asyncio.Semaphore
    """Requests at the server."""
    encoding: asyncio.Semaphore
    """Bodies encoded (or being encoded) that wait for a request slot."""
    pid: int

    @contextlib.contextmanager
    def lease(self) -> Iterator[httpx.AsyncClient]:
        """The least busy client, for one request and its retries. With at most ``max_in_flight``
        leases at once (the semaphore) and ``POOL_SHARD_CONNECTIONS`` per client, that client has
        a free connection: no request waits inside a pool."""
        index = min(range(len(self.loads)), key=self.loads.__getitem__)
        self.loads[index] += 1
        try:
            yield self.clients[index]
        finally:
            self.loads[index] -= 1


class _SessionBox:
    """Holds the session apart from the engine, so a finalizer can close it without the engine."""

    def __init__(self) -> None:
        self.state: _Session | None = None

    async def aclose(self) -> None:
        state, self.state = self.state, None
        if state is not None and state.pid == os.getpid():
            for client in {id(c): c for c in [*state.clients, state.checks]}.values():
                await client.aclose()


class OpenAIEngine:
    """An :class:`~docparse.engines.base.Engine` over an OpenAI-compatible chat-completions server.

    ``base_url`` ends with the API root (``http://host:8000/v1``). ``served_model`` is the
    name the server knows the model by (vLLM's ``--served-model-name``; default
    ``spec.model``). ``transport`` is the seam for tests (sync or async httpx transport; it
    is closed with the engine). ``sleep`` is awaited for each backoff delay (tests record
    delays with it). Call :meth:`close` (or use the engine as a context manager) when done.
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        base_url: str,
        api_key: str | None = None,
        served_model: str | None = None,
        max_in_flight: int = 64,
        timeout_s: float = 300,
        max_retries: int = 5,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30,
        image_format: ImageFormat = "png",
        jpeg_quality: int = 90,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        extra_body: Mapping[str, Any] | None = None,
        sleep: Callable[[float], Awaitable[object]] | None = None,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
        if max_retries < 0 or timeout_s <= 0:
            raise ValueError("max_retries must be >= 0 and timeout_s > 0")
        if image_format not in IMAGE_FORMATS:
            raise ValueError(f"image_format must be one of {', '.join(IMAGE_FORMATS)}, got {image_format!r}")
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.served_model = served_model or spec.model
        self.max_in_flight = max_in_flight
        self.timeout_s = timeout_s
        self.image_format: ImageFormat = image_format
        self.jpeg_quality = jpeg_quality
        self.extra_body = dict(extra_body or {})
        self.retry_policy = RetryPolicy(max_retries, backoff_base_s, backoff_max_s, malformed_retries=2)
        self._api_key = api_key or None  # from EngineSettings.openai_api_key; never read from os.environ here
        self._transport = as_async_transport(transport)
        self._sleep = sleep or asyncio.sleep
        self._rng = random.Random()
        self._loop = LoopThread(name="docparse-openai-engine")
        self._box = _SessionBox()
        weakref.finalize(self, self._loop.stop, self._box.aclose)  # dropped without close(): no thread left

    def __repr__(self) -> str:
        return f"OpenAIEngine(spec={self.spec.name!r}, base_url={self.base_url!r}, model={self.served_model!r})"

    @property
    def reads_packed_pixels(self) -> bool:
        """Whether the image encoding reads the rasterizer's packed pixels (``png``: no copy into Pillow)."""
        return self.image_format in PACKED_FORMATS

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            name="openai",
            model=self.served_model,
            convention=self.spec.convention,
            min_pixels=self.spec.min_pixels,
            max_pixels=self.spec.max_pixels,
            model_revision=self.spec.revision,
            spec=self.spec.name,
            prompt_version=self.spec.prompt_version,
            extra={"base_url": self.base_url},
        )

    # -- public API -------------------------------------------------------------------------

    def infer(
        self,
        pages: Sequence[PageInput],
        options: GenerationOptions | None = None,
        *,
        cancel: Cancellation | None = None,
    ) -> list[EngineOutput]:
        """One output per page, in input order; a failed page is an ``error`` output, never a raise.

        ``latency_s`` spans the request's attempts and backoff waits, not the image encoding
        nor the wait for a free slot. Once ``cancel`` is set the requests are abandoned and
        :class:`~docparse.cancellation.Cancelled` is raised (see the module docstring).
        """
        if not pages:
            return []
        return result(self._loop.submit(self._infer_all(list(pages), options)), cancel)

    def check(self) -> list[str]:
        """``GET {base_url}/models``: the served model ids, or ``EngineUnavailable`` saying what is wrong."""
        return self._loop.run(self._check())

    health = check

    def close(self) -> None:
        """Close the connection pool and stop the engine's event loop (idempotent)."""
        self._loop.stop(self._box.aclose)

    def __enter__(self) -> OpenAIEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- on the engine's loop -----------------------------------------------------------------

    def _session(self) -> _Session:
        state = self._box.state
        if state is None or state.pid != os.getpid():
            headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
            timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 30.0))

            def client(connections: int) -> httpx.AsyncClient:
                # as many kept alive as allowed: httpcore closes idle connections when the pool
                # holds more than max_keepalive_connections in all
                limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
                return httpx.AsyncClient(transport=self._transport, headers=headers, timeout=timeout, limits=limits)

            # a transport given for tests is one object: one client over it, health checks included
            shards = 1 if self._transport is not None else -(-self.max_in_flight // POOL_SHARD_CONNECTIONS)
            size = -(-self.max_in_flight // shards)
            clients = [client(size) for _ in range(shards)]
            # health checks get connections of their own: a check never waits behind busy requests
            checks = clients[0] if self._transport is not None else client(2)
            state = self._box.state = _Session(
                clients,
                checks,
                [0] * shards,
                asyncio.Semaphore(self.max_in_flight),
                asyncio.Semaphore(self.max_in_flight),
                os.getpid(),
            )
        return state

    async def _infer_all(self, pages: list[PageInput], options: GenerationOptions | None) -> list[EngineOutput]:
        start = time.perf_counter()
        outputs = await asyncio.gather(*(self._infer_guarded(i, page, options) for i, page in enumerate(pages)))
        failed = sum(output.stop_reason == "error" for output in outputs)
        logger.info(
            "openai engine: %d page(s), %d error(s) in %.2fs",
            len(pages),
            failed,
            time.perf_counter() - start,
            extra={"pages": len(pages), "errors": failed, "base_url": self.base_url, "model": self.served_model},
        )
        return list(outputs)

    async def _infer_guarded(self, index: int, page: PageInput, options: GenerationOptions | None) -> EngineOutput:
        try:
            return await self._infer_one(index, page, options)
        except Exception as exc:  # one page never fails the batch
            logger.exception("page %d: unexpected failure", index, extra={"page_index": index})
            return _error_output(f"unexpected {type(exc).__name__}: {redact(str(exc), self._api_key)}")

    async def _infer_one(self, index: int, page: PageInput, options: GenerationOptions | None) -> EngineOutput:
        if page.image is None:
            return _error_output("the openai engine needs a page image; this page has none")
        if page.image.size != (page.model_width, page.model_height):
            width, height = page.image.size
            return _error_output(
                f"page image is {width}x{height}, expected the model size {page.model_width}x{page.model_height}"
            )
        session = self._session()
        async with session.encoding:  # encoded ahead, ready for the next free request slot
            body, image = await asyncio.to_thread(self._encode_body, page.image, options)
            await session.semaphore.acquire()
        try:
            start = time.perf_counter()
            try:
                with session.lease() as client:
                    output = await send_with_retries(
                        lambda: client.post(
                            f"{self.base_url}/chat/completions",
                            content=body,
                            headers={"Content-Type": "application/json"},
                        ),
                        parse_chat_response,
                        policy=self.retry_policy,
                        sleep=self._sleep,
                        rng=self._rng,
                        secret=self._api_key,
                        label=f"page {index}",
                    )
            except RequestFailed as exc:
                failed = _error_output(exc.reason, latency_s=time.perf_counter() - start)
                failed.image = image
                return failed
            output.latency_s = time.perf_counter() - start
            output.image = image
        finally:
            session.semaphore.release()
        logger.debug(
            "page %d: %s in %.2fs (%s prompt / %s completion tokens)",
            index,
            output.stop_reason,
            output.latency_s,
            output.prompt_tokens,
            output.completion_tokens,
            extra={"page_index": index, "stop_reason": output.stop_reason, "latency_s": output.latency_s},
        )
        return output

    def _encode_body(self, image: Image.Image, options: GenerationOptions | None) -> tuple[bytes, tuple[bytes, str]]:
        """The request body, and the page image in it (bytes, media type)."""
        data = encode_bytes(image, self.image_format, self.jpeg_quality)
        body = request_body(
            self.spec,
            model=self.served_model,
            image=data,
            image_format=self.image_format,
            options=options,
            extra_body=self.extra_body,
        )
        return body, (data, ENCODED_MEDIA_TYPES[self.image_format])

    async def _check(self) -> list[str]:
        url = f"{self.base_url}/models"
        try:
            response = await self._session().checks.get(url, timeout=min(self.timeout_s, _CHECK_TIMEOUT_S))
        except httpx.TransportError as exc:
            raise EngineUnavailable(
                f"OpenAI-compatible server unreachable at {self.base_url} ({type(exc).__name__}: {exc}); "
                f"start it (e.g. `vllm serve {self.served_model}`) or fix the base URL"
            ) from None
        if response.status_code in (401, 403):
            raise EngineUnavailable(
                f"the server at {self.base_url} refused the API key (HTTP {response.status_code}: "
                f"{redact(error_message(response), self._api_key)}); set DOCPARSE_OPENAI_API_KEY (environment or .env)"
            )
        if response.status_code != 200:
            raise EngineUnavailable(
                f"GET {url} answered HTTP {response.status_code}: {redact(error_message(response), self._api_key)}"
            )
        try:
            data = response.json()
            served = [str(item["id"]) for item in data["data"]]
        except (ValueError, KeyError, TypeError):
            raise EngineUnavailable(f"GET {url} did not answer an OpenAI model list") from None
        if self.served_model not in served:
            raise EngineUnavailable(
                f"model {self.served_model!r} is not served at {self.base_url}; served: "
                f"{', '.join(served) or 'none'} (pass the served model name, e.g. vLLM's --served-model-name)"
            )
        return served


def _error_output(reason: str, latency_s: float = 0.0) -> EngineOutput:
    return EngineOutput(text="", stop_reason="error", latency_s=latency_s, error=reason)
