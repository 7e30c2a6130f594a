"""``serve(host, port)``: run the API with uvicorn — and, with no broker configured, a local worker.

Embedded mode (no ``DOCPARSE_BROKER_URL``): the API process must neither load a model nor run
page inference inside a request, so Celery's eager mode (what the CLI uses) is not an option.
Instead :func:`serve` points the broker at kombu's SQLAlchemy transport on a SQLite file in
the data directory (``sqla+sqlite:///<data_dir>/broker.db``) — still no service to install —
and starts one child ``celery -A workers.worker worker -Q render,infer -c 1`` (the workers'
app sets Redis transport options for Redis brokers only) in its own process group, with
the same environment (so it shares the SQLite database and blob folder). The
database is migrated before the child starts, so the two never race on migrations. The child
is stopped (SIGTERM, then SIGKILL to its group after a grace period; on Linux it also gets
SIGTERM if the server dies without stopping it) when the server stops. If it
exits early (say its engine is unavailable) the API keeps serving reads and logs why; uploads
stay ``queued`` until a worker runs. With a broker configured, :func:`serve` starts only the
API and workers are run separately (``docparse worker``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI

from docparse.api.app import create_app
from docparse.api.settings import ApiSettings
from docparse.services import Services
from storage import StorageSettings
from workers.settings import WorkerSettings

log = logging.getLogger("docparse.api")
STOP_GRACE_S = 20.0


def embedded_broker_url(data_dir: Path) -> str:
    """The SQLite broker URL of embedded mode, inside ``data_dir``."""
    return f"sqla+sqlite:///{data_dir.resolve() / 'broker.db'}"


def start_local_worker(settings: WorkerSettings, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """One ``celery worker`` child on the render and infer queues (its own process group)."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "workers.worker", "worker"),
        *("-Q", f"{settings.render_queue},{settings.infer_queue}", "-c", "1", "-l", "INFO"),
        *("--without-mingle", "--without-gossip", "--without-heartbeat"),
    ]
    return subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the server dies without stopping it (SIGKILL). Best effort."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """``os.environ`` as ``values`` for the block (for a child process that reads it), then restored."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def stop_local_worker(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the worker (warm shutdown); SIGKILL its whole process group after :data:`STOP_GRACE_S`."""
    if proc.poll() is not None:
        return
    proc.terminate()  # warm shutdown: the main process stops its pool itself
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _watch(proc: subprocess.Popen[bytes], stopping: threading.Event) -> None:
    code = proc.wait()
    if not stopping.is_set():
        log.error("the local worker exited with status %s: uploads stay queued until a worker runs", code)


def serve(host: str = "127.0.0.1", port: int = 8000, reload: bool = False) -> None:
    """Run the API with uvicorn until interrupted (see the module docstring for embedded mode).

    ``reload`` restarts the server on code changes (development; the app is then built from the
    environment by :func:`app_from_env` in each reloaded process)."""
    import uvicorn

    settings = ApiSettings()  # validate first: refuse insecure settings before anything starts
    storage = StorageSettings()
    workers = WorkerSettings()
    worker: subprocess.Popen[bytes] | None = None
    stopping = threading.Event()
    embedded = workers.embedded
    if embedded:
        storage.data_dir.mkdir(parents=True, exist_ok=True)
        workers = workers.model_copy(update={"broker_url": embedded_broker_url(storage.data_dir)})
        log.warning("no DOCPARSE_BROKER_URL: embedded mode, starting a local worker (SQLite broker)")
    # The child processes (the local worker, uvicorn's reloader) read their settings from their
    # environment: they get these values in theirs; this process's own environment is never changed.
    child_env = {
        **os.environ,
        "DOCPARSE_DATA_DIR": str(storage.data_dir.resolve()),
        **({"DOCPARSE_BROKER_URL": workers.broker_url or ""} if embedded else {}),
    }
    services = Services(storage=storage, workers=workers)
    services.prepare()  # the one start-up migration (embedded default) before the worker starts
    if embedded:
        worker = start_local_worker(workers, child_env)
        threading.Thread(target=_watch, args=(worker, stopping), daemon=True).start()
    # uvicorn re-raises the signal that stopped it; make SIGTERM an exception so `finally` stops the worker
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if reload:
            with _environment(child_env):  # uvicorn's reloaded server process builds its app from these
                uvicorn.run("docparse.api.server:app_from_env", host=host, port=port, reload=True, factory=True)
        else:
            uvicorn.run(create_app(services, settings), host=host, port=port)
    finally:
        stopping.set()
        if worker is not None:
            stop_local_worker(worker)
        signal.signal(signal.SIGTERM, previous)


def app_from_env() -> FastAPI:
    """The app built from the environment (uvicorn's ``--factory`` target, used with reload)."""
    return create_app()
