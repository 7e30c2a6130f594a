"""A capacity server: a MEASURING INSTRUMENT that stands for vLLM/SGLang, not a product engine.

A loopback OpenAI-compatible server (``GET /v1/models``, ``POST /v1/chat/completions``) with
``slots`` request slots: a request holds a slot for ``latency_s`` (asyncio sleep, no CPU), so
the server completes at most ``slots / latency_s`` requests per second — its capacity, like a
model server whose batch is full. Requests beyond ``slots`` wait in a FIFO queue, as vLLM's
scheduler queues them. Each answer is realistic QwenVL HTML: two real Qwen2.5-VL pages of the
corpus (``shared/corpus/qwenvl-real``; ~40 blocks, one of them a table) stacked, their boxes
scaled into the request's image (its size read from the PNG/WebP/JPEG header), or the bench's
synthetic table and list pages when the corpus is not there.

It counts what a serving engine would see: requests in flight (arrived, not yet answered; peak
and time-weighted mean), requests waiting for a slot, completed requests. ``GET /stats`` returns
them as JSON; ``POST /stats/reset`` starts a new measurement window, and ``POST /latency`` with
``{"latency_s": L}`` changes the latency of the requests that start from then on (one server,
one worker host, several measurements).

Run: ``python -m bench.capacity_server --slots 64 --latency 2 [--port 0]``; it prints
``listening on http://127.0.0.1:PORT/v1`` once it accepts connections. HTTP/1.1 with keep-alive,
written on asyncio streams so the instrument itself costs little CPU beside the workers.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from bench.inputs import corpus_outputs, large_table_html, long_list_html

__all__ = ["CapacityServer", "Stats", "answer_html", "main"]

MODEL = "capacity-server"
_BOX = re.compile(rb'data-bbox="(\d+) (\d+) (\d+) (\d+)"')
_BODY = re.compile(rb"<body>(.*)</body>", re.S)
_PAIRS = (  # (page with a table, page stacked under it): about 40 blocks each
    ("016_qwen25vl72b-modelscope-diffcl-page08.html", "010_qwen25vl72b-modelscope-diffcl-page01.html"),
    ("014_qwen25vl72b-modelscope-diffcl-page06.html", "018_qwen25vl72b-modelscope-diffcl-page10.html"),
    ("015_qwen25vl72b-modelscope-diffcl-page07.html", "011_qwen25vl72b-modelscope-diffcl-page02.html"),
)


def _sources() -> list[tuple[bytes, bytes]]:
    """(top, bottom) page bodies of each answer: real outputs, or synthetic ones without the corpus."""
    corpus = corpus_outputs()
    if all(name in corpus for pair in _PAIRS for name in pair):
        pairs = [(corpus[top], corpus[bottom]) for top, bottom in _PAIRS]
    else:
        pairs = [(large_table_html(12, 6, seed=s), long_list_html(28, seed=s)) for s in range(3)]
    return [(_body(top), _body(bottom)) for top, bottom in pairs]


def _body(html: str) -> bytes:
    match = _BODY.search(html.encode("utf-8"))
    assert match is not None, "a QwenVL page has a <body>"
    return match.group(1)


def _scaled(body: bytes, width: int, top: int, height: int) -> bytes:
    """``body`` with its boxes mapped into the band ``top..top+height`` of a ``width``-wide image."""
    boxes = [tuple(int(v) for v in m.groups()) for m in _BOX.finditer(body)]
    src_w = max((b[2] for b in boxes), default=1) + 1
    src_h = max((b[3] for b in boxes), default=1) + 1

    def scale(m: re.Match[bytes]) -> bytes:
        x0, y0, x1, y1 = (int(v) for v in m.groups())
        sx, sy = (width - 1) / src_w, (height - 1) / src_h
        return b'data-bbox="%d %d %d %d"' % (x0 * sx, top + y0 * sy, x1 * sx, top + y1 * sy)

    return _BOX.sub(scale, body)


@functools.lru_cache(maxsize=64)
def answer_html(index: int, width: int, height: int) -> str:
    """Answer ``index`` (cycled over the pairs) for a ``width`` x ``height`` model image."""
    top, bottom = _sources()[index % len(_PAIRS)]
    half = height // 2
    body = _scaled(top, width, 0, half) + b"\n" + _scaled(bottom, width, half, height - half)
    return "```html\n<html><body>" + body.decode("utf-8") + "</body></html>\n```"


def image_size(body: bytes) -> tuple[int, int]:
    """The size of the first data-URL image in a chat request (header only, as a server's first step)."""
    start = body.index(b";base64,") + len(b";base64,")
    end = body.index(b'"', start)
    with Image.open(io.BytesIO(base64.b64decode(body[start:end]))) as image:
        return image.size


@dataclass
class Stats:
    """What the server saw in the current window (times from ``time.monotonic``)."""

    started: float = field(default_factory=time.monotonic)
    in_flight: int = 0
    waiting: int = 0
    peak_in_flight: int = 0
    peak_waiting: int = 0
    peak_serving: int = 0  # requests holding a slot at once: never more than the slots
    completed: int = 0
    _area: float = 0.0  # integral of in_flight over time
    _last: float = field(default_factory=time.monotonic)

    def change(self, in_flight: int = 0, waiting: int = 0) -> None:
        now = time.monotonic()
        self._area += self.in_flight * (now - self._last)
        self._last = now
        self.in_flight += in_flight
        self.waiting += waiting
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        self.peak_waiting = max(self.peak_waiting, self.waiting)
        self.peak_serving = max(self.peak_serving, self.in_flight - self.waiting)

    def snapshot(self) -> dict[str, Any]:
        self.change()
        elapsed = max(1e-9, self._last - self.started)
        return {
            "seconds": elapsed,
            "completed": self.completed,
            "in_flight": self.in_flight,
            "peak_in_flight": self.peak_in_flight,
            "mean_in_flight": self._area / elapsed,
            "peak_waiting": self.peak_waiting,
            "peak_serving": self.peak_serving,
        }

    def reset(self) -> None:
        """A new window; requests now in flight or waiting still count in it."""
        now = time.monotonic()
        self.started = self._last = now
        self._area = 0.0
        self.peak_in_flight, self.peak_waiting, self.completed = self.in_flight, self.waiting, 0
        self.peak_serving = self.in_flight - self.waiting


class CapacityServer:
    """``slots`` concurrent requests of ``latency_s`` each; the rest queue (see the module docstring)."""

    def __init__(self, slots: int, latency_s: float) -> None:
        if slots < 1 or latency_s < 0:
            raise ValueError("slots must be >= 1 and latency_s >= 0")
        self.slots, self.latency_s = slots, latency_s
        self.stats = Stats()
        self._semaphore = asyncio.Semaphore(slots)
        self._served = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One keep-alive connection: requests one after another until the client closes it."""
        try:
            while request := await _read_request(reader):
                method, path, body = request
                status, payload = await self._route(method, path, body)
                data = json.dumps(payload).encode()
                writer.write(
                    b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                    % (status, b"OK" if status == 200 else b"Error", len(data))
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _route(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if method == "GET" and path.endswith("/models"):
            return 200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
        if method == "GET" and path == "/stats":
            return 200, {**self.stats.snapshot(), "slots": self.slots, "latency_s": self.latency_s}
        if method == "POST" and path == "/stats/reset":
            self.stats.reset()
            return 200, self.stats.snapshot()
        if method == "POST" and path == "/latency":
            latency_s = float(json.loads(body)["latency_s"])
            if latency_s < 0:
                return 400, {"error": {"message": "latency_s must be >= 0"}}
            self.latency_s = latency_s
            return 200, {"latency_s": latency_s}
        if method == "POST" and path.endswith("/chat/completions"):
            return 200, await self._complete(body)
        return 404, {"error": {"message": f"no route {method} {path}"}}

    async def _complete(self, body: bytes) -> dict[str, Any]:
        self.stats.change(in_flight=1, waiting=1)
        try:
            async with self._semaphore:
                self.stats.change(waiting=-1)
                width, height = image_size(body)
                if self.latency_s:
                    await asyncio.sleep(self.latency_s)
            text = answer_html(self._served % len(_PAIRS), width, height)
            self._served += 1
            self.stats.completed += 1
        finally:
            self.stats.change(in_flight=-1)
        model = json.loads(body).get("model", MODEL)
        return {
            "id": f"cmpl-{self._served}",
            "object": "chat.completion",
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": width * height // 784 + 20, "completion_tokens": len(text) // 4},
        }


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes] | None:
    line = await reader.readline()
    if not line.strip():
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    length = 0
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return method, path, body


async def serve(
    slots: int, latency_s: float, ready: Callable[[str], object], host: str = "127.0.0.1", port: int = 0
) -> None:
    """Serve until cancelled; ``ready`` gets the base URL once the server listens."""
    server = CapacityServer(slots, latency_s)
    listener = await asyncio.start_server(server.handle, host, port, backlog=1024)
    bound = listener.sockets[0].getsockname()[1]
    ready(f"http://{host}:{bound}/v1")
    async with listener:
        await listener.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity_server", description=__doc__.split("\n")[0])
    parser.add_argument("--slots", type=int, default=64, help="requests served at once (default 64)")
    parser.add_argument("--latency", type=float, default=2.0, help="seconds per request (default 2)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    args = parser.parse_args(argv)
    try:
        ready = functools.partial(print, "listening on", flush=True)  # the line the bench waits for
        asyncio.run(serve(args.slots, args.latency, ready, args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
