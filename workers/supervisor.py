"""``docparse worker``: several Celery worker processes on one host, restarted when they die.

Each child is ``celery -A workers.worker worker --pool threads --concurrency THREADS`` (or
``--pool prefork``); the supervisor forwards SIGTERM/SIGINT (warm shutdown: running pages
finish), and starts a fresh process when one dies — killed by the kernel's OOM killer, by a
segfault in a native library, or ending itself after a page ran over the time limit — after
a backoff that grows while a child keeps dying young. A child that refuses to start (status 3:
the engine cannot run; 4: the blob store is unusable) stops the whole worker with that status:
workers never fall back silently.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType

import structlog

from workers.capacity import Plan

log = structlog.get_logger("docparse.workers")

FATAL_EXITS = frozenset({3, 4})
"""A child that refuses to start (3: the engine cannot run; 4: the blob store is unusable) stops
the whole worker with its status: restarting it would only fail again."""
MAX_BACKOFF_S = 30.0
POLL_S = 0.2


@dataclass
class _Child:
    index: int
    argv: list[str]
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff_s: float = 0.0
    restart_at: float = 0.0
    restarts: int = field(default=0)

    def start(self) -> None:
        self.proc = subprocess.Popen(self.argv, env=self.env)
        self.started = time.monotonic()


def child_argv(index: int, plan: Plan, queues: str, loglevel: str, pool: str, tag: str) -> list[str]:
    """The command line of worker process ``index``."""
    concurrency = plan.threads if pool == "threads" else plan.processes
    return [
        *(sys.executable, "-m", "celery", "-A", "workers.worker", "worker"),
        *(f"--pool={pool}", f"--concurrency={concurrency}", f"--queues={queues}", f"--loglevel={loglevel}"),
        *("--without-mingle", "--without-gossip", "-n", f"docparse{index}-{tag}@%h"),
    ]


def child_env(plan: Plan, pool: str) -> dict[str, str] | None:
    """The environment of a worker process: this one's, plus its share of a remote engine's
    requests in flight (``DOCPARSE_OPENAI_MAX_IN_FLIGHT``, the engine's semaphore) and the
    render-ahead its page budget is sized by (``DOCPARSE_RENDER_AHEAD``, which ``--render-ahead``
    may have set) for a remote engine on a thread pool; ``None``: inherited as is."""
    if plan.requests_per_process is None or pool != "threads":
        return None
    return {
        **os.environ,
        "DOCPARSE_OPENAI_MAX_IN_FLIGHT": str(plan.requests_per_process),
        "DOCPARSE_RENDER_AHEAD": repr(plan.render_ahead),
    }


def children_of(plan: Plan, queues: str, loglevel: str, pool: str, extra: Sequence[str] = ()) -> list[_Child]:
    """The worker processes ``plan`` asks for (not started): command lines and environments."""
    tag = secrets.token_hex(3)
    count = plan.processes if pool == "threads" else 1  # prefork: one Celery worker forks the processes
    env = child_env(plan, pool)
    return [_Child(i, [*child_argv(i, plan, queues, loglevel, pool, tag), *extra], env) for i in range(count)]


def run(plan: Plan, *, queues: str, loglevel: str = "INFO", pool: str = "threads", extra: Sequence[str] = ()) -> int:
    """Run the worker processes until told to stop; returns the exit status."""
    children = children_of(plan, queues, loglevel, pool, extra)
    stopping: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)
        for child in children:
            if child.proc is not None and child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for child in children:
        child.start()
    log.info("supervisor.started", processes=len(children), threads=plan.threads, pool=pool, queues=queues)
    while True:
        if stopping:
            for child in children:
                if child.proc is not None:
                    child.proc.wait()
            return 0
        now = time.monotonic()
        for child in children:
            code = child.proc.poll() if child.proc is not None else None
            if child.proc is not None and code is not None:
                if code in FATAL_EXITS:
                    stop(signal.SIGTERM, None)
                    for other in children:
                        if other.proc is not None:
                            other.proc.wait()
                    return code
                young = now - child.started < 60
                child.backoff_s = min(MAX_BACKOFF_S, max(0.5, child.backoff_s * 2)) if young else 0.0
                child.restart_at = now + child.backoff_s
                child.proc = None
                log.warning("supervisor.child_died", index=child.index, exit=code, restart_in_s=child.backoff_s)
            if child.proc is None and now >= child.restart_at and not stopping:
                child.restarts += 1
                child.start()
        time.sleep(POLL_S)
