"""A small OpenAI-compatible server on loopback for the ``openai`` engine tests.

Real HTTP (stdlib ``ThreadingHTTPServer``, one thread per connection, HTTP/1.1 keep-alive)
with behaviour programmed per test:

* ``script``: replies consumed in arrival order by ``POST /v1/chat/completions`` (a status
  with a JSON or raw body and headers, a dropped connection, a hang); when it is empty,
  ``default`` answers (a completion echoing what the server decoded from the data URL).
* ``gate``: hold every chat request until that many are in flight at once (a bounded wait:
  on timeout the request gets a 500 and ``gate_timed_out`` is set, so a test fails instead
  of hanging); ``answer_order`` then releases them in descending order of a key.
* accounting: every request recorded (headers, JSON body, decoded image), current and
  maximum requests in flight, order of completion.

Hung requests wait on ``release``, which :meth:`FakeOpenAIServer.stop` sets.
"""

from __future__ import annotations

import base64
import io
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image


@dataclass
class Reply:
    """How to answer one chat request. Defaults: 200 with a completion echoing the request."""

    status: int = 200
    json_body: Any = None
    raw_body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None
    finish_reason: str | None = "stop"
    usage: dict[str, int] | None = field(default_factory=lambda: {"prompt_tokens": 321, "completion_tokens": 17})
    drop: bool = False
    hang: bool = False


@dataclass
class Seen:
    """One request as the server received it; the image fields are filled for chat requests."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    image_format: str | None = None
    image_size: tuple[int, int] | None = None
    image: Image.Image | None = None
    image_part: dict[str, Any] | None = None


def _image_part(body: Any) -> dict[str, Any] | None:
    try:
        for part in body["messages"][-1]["content"]:
            if isinstance(part, dict) and part.get("type") == "image_url":
                return part
    except (KeyError, TypeError, IndexError):
        return None
    return None


class FakeOpenAIServer:
    def __init__(self, models: list[str]) -> None:
        self.models = models
        self.models_reply: Reply | None = None
        self.script: deque[Reply] = deque()
        self.default = Reply()
        self.requests: list[Seen] = []
        self.gate: int | None = None
        self.gate_timeout_s = 20.0
        self.gate_timed_out = False
        self.answer_order: Callable[[Seen], int] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self.completed: list[Seen] = []
        self.release = threading.Event()
        self._cond = threading.Condition()
        self._pending: list[tuple[int, int]] = []
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-openai", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def chat_requests(self) -> list[Seen]:
        with self._cond:
            return [seen for seen in self.requests if seen.path.endswith("/chat/completions")]

    def push(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def start(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        with self._cond:
            self._cond.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    # -- called from handler threads -------------------------------------------------------------

    def record(self, seen: Seen) -> None:
        part = _image_part(seen.body)
        if part is not None:
            seen.image_part = part
            header, _, data = part["image_url"]["url"].partition(",")
            seen.image_format = header.removeprefix("data:").removesuffix(";base64")
            image = Image.open(io.BytesIO(base64.b64decode(data)))
            image.load()
            seen.image, seen.image_size = image, image.size
        with self._cond:
            self.requests.append(seen)

    def next_reply(self) -> Reply:
        with self._cond:
            return self.script.popleft() if self.script else self.default

    def enter(self, seen: Seen) -> bool:
        """Count the request in flight and wait at the gate; False when the gate timed out."""
        with self._cond:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            key = (self.answer_order(seen) if self.answer_order else 0, id(seen))
            self._pending.append(key)
            self._cond.notify_all()
            gate = self.gate
            if gate is not None:
                opened = not self.gate_timed_out and self._cond.wait_for(
                    lambda: self.max_in_flight >= gate or self.release.is_set(), timeout=self.gate_timeout_s
                )
                if not opened:  # once timed out, every later request fails fast
                    self.gate_timed_out = True
                    return False
            if self.answer_order is not None:
                self._cond.wait_for(lambda: max(self._pending) == key or self.release.is_set(), self.gate_timeout_s)
            return True

    def wait_completed(self, count: int, timeout_s: float = 30.0) -> list[Seen]:
        """The requests completed once there are ``count`` of them: the server books a request
        after sending its answer, so a client may hold the last answer before it is booked.
        ``AssertionError`` after ``timeout_s``."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.completed) >= count, timeout_s):
                raise AssertionError(f"{len(self.completed)} requests completed after {timeout_s} s, not {count}")
            return list(self.completed)

    def leave(self, seen: Seen) -> None:
        with self._cond:
            self.in_flight -= 1
            self._pending = [key for key in self._pending if key[1] != id(seen)]
            self.completed.append(seen)
            self._cond.notify_all()

    def completion(self, reply: Reply, seen: Seen) -> dict[str, Any]:
        width, height = seen.image_size or (0, 0)
        part = seen.image_part or {}
        content = reply.content
        if content is None:
            content = (
                f'<html><body><p data-bbox="0 0 {width} {height}">{seen.image_format} {width}x{height} '
                f"min={part.get('min_pixels')} max={part.get('max_pixels')}</p></body></html>"
            )
        answer: dict[str, Any] = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": seen.body.get("model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        if reply.usage is not None:
            answer["usage"] = reply.usage
        return answer


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    fake: FakeOpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that gave up (timeouts) make writes fail: expected here, not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the recorded requests instead."""

    def _headers(self) -> dict[str, str]:
        return {key.lower(): value for key, value in self.headers.items()}

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        merged = {"Content-Type": "application/json", **(headers or {})}
        for key, value in merged.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_reply(self, reply: Reply, default_json: Any) -> None:
        if reply.raw_body is not None:
            self._send(reply.status, reply.raw_body, {"Content-Type": "text/html", **reply.headers})
            return
        payload = reply.json_body if reply.json_body is not None else default_json
        self._send(reply.status, json.dumps(payload).encode(), reply.headers)

    def do_GET(self) -> None:
        fake = self.server.fake
        fake.record(Seen("GET", self.path, self._headers()))
        if self.path != "/v1/models":
            self._send(404, b'{"detail": "Not Found"}')
            return
        listing = {"object": "list", "data": [{"id": name, "object": "model"} for name in fake.models]}
        self._send_reply(fake.models_reply or Reply(), listing)

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        seen = Seen("POST", self.path, self._headers(), json.loads(raw) if raw else None)
        fake.record(seen)
        if self.path != "/v1/chat/completions":
            self._send(404, b'{"detail": "Not Found"}')
            return
        reply = fake.next_reply()
        if not fake.enter(seen):
            fake.leave(seen)
            self._send(500, b'{"message": "gate timed out"}')
            return
        try:
            if reply.hang:
                fake.release.wait(60)
                self.close_connection = True
                return
            if reply.drop:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.write(b'{"choices": [')
                self.wfile.flush()
                self.close_connection = True
                return
            self._send_reply(reply, fake.completion(reply, seen))
        finally:
            fake.leave(seen)
