"""Process state read from ``/proc`` (Linux), for tests that watch workers and render children."""

from __future__ import annotations

import os
from pathlib import Path

RENDER_CHILD = b"docparse.render.child"


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name (state first); ``None`` once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` in clock ticks (0 once it is gone)."""
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12]) if fields else 0


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited (a zombie counts as gone)."""
    fields = _stat(pid)
    return fields is None or fields[0] in ("Z", "X")


def descends_from(pid: int, ancestor: int) -> bool:
    """Whether ``ancestor`` is ``pid``'s parent, grandparent, ..."""
    while pid > 1:
        fields = _stat(pid)
        if fields is None:
            return False
        pid = int(fields[1])
        if pid == ancestor:
            return True
    return False


def render_children(of: int | None = None) -> list[int]:
    """The render children (``python -m docparse.render.child``) descending from ``of`` (this process)."""
    ancestor = os.getpid() if of is None else of
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if RENDER_CHILD not in (entry / "cmdline").read_bytes():
                continue
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if descends_from(int(entry.name), ancestor):
            found.append(int(entry.name))
    return found
