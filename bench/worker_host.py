"""``docparse worker`` as an operator runs it, for the bench: one worker host in its own process
group, its log in a file, its CPU read from the whole process tree.

Only ``--processes`` and ``--queues`` are passed (the bench's queues are unique to the run);
everything else — pool, pages in flight, pages per task — is the default a user gets.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil  # type: ignore[import-untyped]

from bench.inputs import REPO_ROOT

__all__ = ["WorkerHost", "cpu_seconds"]


def cpu_seconds(procs: list[psutil.Process]) -> float:
    """User + system CPU seconds of the processes and all their descendants (reaped ones included)."""
    total = 0.0
    seen: set[int] = set()
    for root in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            for proc in [root, *root.children(recursive=True)]:
                if proc.pid in seen:
                    continue
                seen.add(proc.pid)
                with contextlib.suppress(psutil.NoSuchProcess):
                    t = proc.cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
    return total


class WorkerHost:
    """``docparse worker [--processes N] --queues Q`` started with ``env``, logging to ``log``;
    ``expected`` worker processes (``processes``, or what the default gives) must log ``ready.``."""

    def __init__(
        self, processes: int | None, expected: int, queues: tuple[str, ...], env: dict[str, str], log: Path
    ) -> None:
        self.processes, self.expected, self.queues, self.env, self.log = processes, expected, queues, env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 180.0) -> None:
        """Start and wait until every worker process logged ``ready.``."""
        docparse = Path(sys.executable).with_name("docparse")
        argv = [str(docparse), "worker", "--queues", ",".join(self.queues)]
        if self.processes is not None:
            argv += ["--processes", str(self.processes)]
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                argv, cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while self.text().count("ready.") < self.expected:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"docparse worker did not start; log:\n{self.text()[-4000:]}")
            time.sleep(0.2)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def cpu_seconds(self) -> float:
        """CPU seconds of the whole worker host so far (supervisor and every worker process)."""
        return cpu_seconds([psutil.Process(self.proc.pid)]) if self.proc is not None else 0.0

    def stop(self) -> None:
        """SIGTERM to the process group (warm shutdown), SIGKILL after 30 s."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None
