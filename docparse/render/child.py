"""The page-drawing child process: ``python -m docparse.render.child`` (started by :mod:`.isolated`).

Once its imports are done it writes ``{"ready": true}`` on a line; then it reads one JSON request
per line on stdin — ``{"path", "password", "page", "sx", "sy"}`` —
draws that page with :func:`docparse.render.raster.rasterize` and answers on its stdout with a
JSON header line, ``{"ok": true, "width", "height", "bytes"}`` followed by exactly ``bytes`` bytes
of packed RGB, or ``{"ok": false, "error"}``. The last document stays open between requests. It
exits when stdin closes, and on Linux it is killed with its parent (``PR_SET_PDEATHSIG``), so a
killed worker leaves no page being drawn behind. Anything a library prints goes to stderr: file
descriptor 1 is moved to stderr so only the protocol reaches the parent.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any, BinaryIO

PARENT_ENV = "DOCPARSE_RENDER_PARENT"
"""The parent's pid, so a child whose parent died while it started exits at once."""


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """Answer requests until ``requests`` ends."""
    from docparse.image_codec import packed_pixels
    from docparse.render.pdf import open_pdf
    from docparse.render.raster import rasterize

    answers.write(b'{"ready": true}\n')  # imports done: the parent's page deadlines start now
    answers.flush()
    opened: tuple[tuple[str, str | None], Any] | None = None
    for line in requests:
        request = json.loads(line)
        key = (str(request["path"]), request.get("password"))
        try:
            if opened is None or opened[0] != key:
                if opened is not None:
                    opened[1].close()
                    opened = None
                opened = (key, open_pdf(Path(key[0]), key[1]))
            page = opened[1].load_page(int(request["page"]))
            image = rasterize(page, float(request["sx"]), float(request["sy"]), packed=True)
            data = packed_pixels(image).tobytes()  # the pixmap's bytes as they are: one copy
            header: dict[str, Any] = {"ok": True, "width": image.width, "height": image.height, "bytes": len(data)}
        except Exception as exc:  # every failure goes back to the parent as a page error
            header, data = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}, b""
        answers.write(json.dumps(header).encode() + b"\n" + data)
        answers.flush()


def _die_with_parent() -> None:
    """Linux: SIGKILL this child when its parent goes away, even in the middle of a page (stdin
    closing is only noticed between pages). Elsewhere the end of stdin is the only signal."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main() -> None:
    _die_with_parent()
    if str(os.getppid()) != os.environ.get(PARENT_ENV, str(os.getppid())):
        return  # the parent died before the signal was armed

    protocol = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray prints (MuPDF messages) must not corrupt the protocol
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, protocol)


if __name__ == "__main__":
    main()
