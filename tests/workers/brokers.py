"""Private brokers for the tests that restart one: a ``redis-server`` or a RabbitMQ node of the
test's own, on a free loopback port, with its data in the test's folder — never the shared
Redis or RabbitMQ, which other sessions use.

A restarted Redis comes back **empty** (no persistence: the queue is gone, as after a crash of
a Redis without AOF); a restarted RabbitMQ node comes back with its durable queues and
persistent messages (a graceful stop, then a start on the same data directory).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.waiting import poll


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class PrivateBroker:
    """A broker process of this test: :attr:`url`, :meth:`start`, :meth:`kill`, :meth:`stop`."""

    url: str
    port: int

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen[bytes] | None = None

    def command(self) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def start(self, timeout_s: float = 120) -> None:
        argv, env = self.command()
        with (self.folder / "broker.log").open("ab") as log:
            self.proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        poll(lambda: _accepts(self.port) or self._died(), timeout_s=timeout_s, what=f"{self.url} to accept")
        if self._died():
            pytest.fail(f"broker did not start:\n{(self.folder / 'broker.log').read_text()[-3000:]}", False)

    def _died(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def signal(self, sig: int, timeout_s: float = 60) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=timeout_s)
        self.proc = None
        poll(lambda: not _accepts(self.port), timeout_s=timeout_s, what=f"{self.url} to close")

    def kill(self) -> None:
        """``kill -9``: nothing is saved."""
        self.signal(signal.SIGKILL)

    def stop(self) -> None:
        """A graceful stop."""
        self.signal(signal.SIGTERM)


class PrivateRedis(PrivateBroker):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> tuple[list[str], dict[str, str]]:
        argv = [
            shutil.which("redis-server") or "redis-server",
            *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
            *("--dir", str(self.folder)),
        ]
        return argv, dict(os.environ)


class PrivateRabbitMQ(PrivateBroker):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.port = free_port()
        self.node = f"dp{uuid.uuid4().hex[:8]}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n")
        (folder / "enabled_plugins").write_text("[].\n")

    def command(self) -> tuple[list[str], dict[str, str]]:
        env = dict(os.environ)
        env.update(
            HOME=str(self.folder),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(free_port()),
            RABBITMQ_BASE=str(self.folder),
            RABBITMQ_MNESIA_BASE=str(self.folder / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.folder / "log"),
            RABBITMQ_CONFIG_FILE=str(self.folder / "rabbitmq"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.folder / "enabled_plugins"),
            RABBITMQ_PID_FILE=str(self.folder / "pid"),
        )
        return ["/usr/lib/rabbitmq/bin/rabbitmq-server"], env  # not the wrapper in sbin: it switches user
