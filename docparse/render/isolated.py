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

A draw given a cancellation token that gets set while the child draws is stopped the same way
(the child is killed, within :data:`~docparse.cancellation.POLL_S`) and raises
:class:`~docparse.cancellation.Cancelled`: the page is not failed, its work is just no longer wanted.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from docparse.cancellation import POLL_S, Cancellation, Cancelled
from docparse.image_codec import PackedRGBImage
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
        self,
        path: Path,
        password: str | None,
        index0: int,
        scale_x: float,
        scale_y: float,
        timeout_s: float,
        cancel: Cancellation | None = None,
        packed: bool = False,
    ) -> Image.Image:
        """Page ``index0`` of ``path`` drawn at ``scale_x`` x ``scale_y`` by the child, within
        ``timeout_s``; :class:`Cancelled` (the child killed) once ``cancel`` is set. ``packed``:
        a :class:`~docparse.image_codec.PackedRGBImage` over the bytes received (no copy), else
        an image in Pillow's layout (see :mod:`docparse.render.raster`)."""
        request = {"path": str(path), "password": password, "page": index0, "sx": scale_x, "sy": scale_y}
        with self._turn(cancel):
            proc = self._child()
            deadline = time.monotonic() + timeout_s
            assert proc.stdin is not None
            try:
                proc.stdin.write(json.dumps(request).encode() + b"\n")
                proc.stdin.flush()
                header = json.loads(self._read_line(proc, deadline, cancel))
                if not header["ok"]:
                    raise CorruptDocument(f"page {index0 + 1} of {path.name} cannot be rendered: {header['error']}")
                data = self._read_exact(proc, int(header["bytes"]), deadline, cancel)
            except Cancelled:
                self.stop()  # the child may be in the middle of the page: only a kill stops it
                raise
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
        width, height = int(header["width"]), int(header["height"])
        if packed:
            return PackedRGBImage(np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3))
        return Image.frombytes("RGB", (width, height), data)

    @contextlib.contextmanager
    def _turn(self, cancel: Cancellation | None) -> Iterator[None]:
        """This thread's turn at the child (one draw at a time); a thread waiting for its turn
        leaves with :class:`Cancelled` once ``cancel`` is set."""
        while not self._lock.acquire(timeout=-1 if cancel is None else POLL_S):
            assert cancel is not None
            cancel.raise_if_set()
        try:
            if cancel is not None:
                cancel.raise_if_set()
            yield
        finally:
            self._lock.release()

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

    def _fill(self, proc: subprocess.Popen[bytes], deadline: float, cancel: Cancellation | None = None) -> None:
        """Read what the child wrote; ``TimeoutError`` past ``deadline``, :class:`Cancelled` once
        ``cancel`` is set (looked at every :data:`POLL_S` while waiting)."""
        assert proc.stdout is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if cancel is not None:
                cancel.raise_if_set()
                remaining = min(remaining, POLL_S)
            if select.select([proc.stdout], [], [], remaining)[0]:
                break
        chunk = os.read(proc.stdout.fileno(), 1 << 20)
        if not chunk:
            raise EOFError("the render child exited")
        self._buffer += chunk

    def _read_line(self, proc: subprocess.Popen[bytes], deadline: float, cancel: Cancellation | None = None) -> bytes:
        while b"\n" not in self._buffer:
            self._fill(proc, deadline, cancel)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _read_exact(
        self, proc: subprocess.Popen[bytes], size: int, deadline: float, cancel: Cancellation | None = None
    ) -> bytes:
        parts, have = [self._buffer], len(self._buffer)
        self._buffer = b""
        while have < size:
            self._fill(proc, deadline, cancel)
            parts.append(self._buffer)
            have += len(self._buffer)
            self._buffer = b""
        data = b"".join(parts)
        self._buffer = data[size:]
        return data[:size]


_DRAWER = PageDrawer()
atexit.register(_DRAWER.stop)


def draw_isolated(
    path: Path,
    password: str | None,
    index0: int,
    scale_x: float,
    scale_y: float,
    timeout_s: float,
    cancel: Cancellation | None = None,
    packed: bool = False,
) -> Image.Image:
    """Draw one page in this process's render child (see the module docstring)."""
    return _DRAWER.draw(path, password, index0, scale_x, scale_y, timeout_s, cancel, packed)
