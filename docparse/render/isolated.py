"""A per-page time budget for MuPDF: pages are drawn in a child process that is killed when a
page runs past :attr:`RenderLimits.render_timeout_s`.

MuPDF holds the GIL while it interprets a page and offers no interrupt reachable from Python (a
``fz_cookie`` abort would need another Python thread to run), so an in-process budget is not
possible. One long-lived child per process (:mod:`docparse.render.child`) draws pages on
request; the parent sizes and checks each page itself, sends the page and its scale, and waits
for the pixels with a deadline (which starts once the child has said it is ready, so its start-up
is never charged to a page). Past the deadline the child is killed (SIGKILL) and the page
fails with :class:`RenderTimeout`; the next page starts a fresh child. The child is started on
first use (about half a second), keeps the last document open, and exits on its own when its
parent goes away (its stdin closes). The pixels it returns are identical to an in-process draw.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from PIL import Image

from docparse.render.child import PARENT_ENV
from docparse.render.errors import BackendUnavailable, CorruptDocument, RenderTimeout

__all__ = ["STARTUP_TIMEOUT_S", "PageDrawer", "draw_isolated"]

STARTUP_TIMEOUT_S = 120.0
"""How long a new child may take to import its modules; not counted in any page's budget."""


class PageDrawer:
    """The child process of this process (thread-safe; one draw at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._buffer = b""

    def draw(
        self, path: Path, password: str | None, index0: int, scale_x: float, scale_y: float, timeout_s: float
    ) -> Image.Image:
        """Page ``index0`` of ``path`` drawn at ``scale_x`` x ``scale_y`` by the child, within ``timeout_s``."""
        request = {"path": str(path), "password": password, "page": index0, "sx": scale_x, "sy": scale_y}
        with self._lock:
            proc = self._child()
            deadline = time.monotonic() + timeout_s
            assert proc.stdin is not None
            try:
                proc.stdin.write(json.dumps(request).encode() + b"\n")
                proc.stdin.flush()
                header = json.loads(self._read_line(proc, deadline))
                if not header["ok"]:
                    raise CorruptDocument(f"page {index0 + 1} of {path.name} cannot be rendered: {header['error']}")
                data = self._read_exact(proc, int(header["bytes"]), deadline)
            except TimeoutError:
                self.stop()
                raise RenderTimeout(
                    f"page {index0 + 1} of {path.name} was still being drawn after {timeout_s:g} s, the limit per "
                    "page (render_timeout_s, DOCPARSE_RENDER_TIMEOUT_S): stopped (a content-stream bomb, or a "
                    "page too complex to process)",
                    limit="render_timeout_s",
                    value=timeout_s,
                    maximum=timeout_s,
                ) from None
            except (BrokenPipeError, EOFError) as exc:
                self.stop()
                raise CorruptDocument(f"drawing page {index0 + 1} of {path.name} crashed the renderer") from exc
        return Image.frombytes("RGB", (int(header["width"]), int(header["height"])), data)

    def stop(self) -> None:
        """Kill the child (if this process started one); the next draw starts another."""
        proc, self._proc, self._buffer = self._proc, None, b""
        if proc is not None and self._owner == os.getpid():
            proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()

    def _child(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._owner != os.getpid():
            self._proc, self._buffer = None, b""  # inherited through a fork: the parent's child, not ours
        if self._proc is not None and self._proc.poll() is not None:
            self.stop()
        if self._proc is None:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "docparse.render.child"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                env={**os.environ, PARENT_ENV: str(os.getpid())},
            )
            self._owner, self._buffer = os.getpid(), b""
            try:
                ready = json.loads(self._read_line(self._proc, time.monotonic() + STARTUP_TIMEOUT_S))
            except (TimeoutError, EOFError, ValueError) as exc:
                self.stop()
                raise BackendUnavailable(f"the page renderer process did not start: {exc!r}") from exc
            if ready != {"ready": True}:
                self.stop()
                raise BackendUnavailable(f"the page renderer process answered {ready!r} instead of starting")
        return self._proc

    def _fill(self, proc: subprocess.Popen[bytes], deadline: float) -> None:
        assert proc.stdout is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([proc.stdout], [], [], remaining)[0]:
            raise TimeoutError
        chunk = os.read(proc.stdout.fileno(), 1 << 20)
        if not chunk:
            raise EOFError("the render child exited")
        self._buffer += chunk

    def _read_line(self, proc: subprocess.Popen[bytes], deadline: float) -> bytes:
        while b"\n" not in self._buffer:
            self._fill(proc, deadline)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _read_exact(self, proc: subprocess.Popen[bytes], size: int, deadline: float) -> bytes:
        parts, have = [self._buffer], len(self._buffer)
        self._buffer = b""
        while have < size:
            self._fill(proc, deadline)
            parts.append(self._buffer)
            have += len(self._buffer)
            self._buffer = b""
        data = b"".join(parts)
        self._buffer = data[size:]
        return data[:size]


_DRAWER = PageDrawer()
atexit.register(_DRAWER.stop)


def draw_isolated(
    path: Path, password: str | None, index0: int, scale_x: float, scale_y: float, timeout_s: float
) -> Image.Image:
    """Draw one page in this process's render child (see the module docstring)."""
    return _DRAWER.draw(path, password, index0, scale_x, scale_y, timeout_s)
