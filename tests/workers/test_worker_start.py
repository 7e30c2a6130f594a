"""A worker whose engine cannot run refuses to start, loudly; workers never fall back silently."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import psutil
import pytest

from tests.waiting import poll
from tests.workers.conftest import Stack
from workers.collector import THRESHOLDS

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "threads"),
    [((), 40), (("--render-ahead", "3"), 48)],  # DOCPARSE_RENDER_AHEAD, then the option over it
)
def test_an_openai_worker_runs_as_many_threads_as_its_render_ahead_asks(
    stack: Stack, args: tuple[str, ...], threads: int
) -> None:
    """16 requests in flight: a page budget of render-ahead x 16 pages, and as many threads, so
    that one-page documents fill it too (workers.page_budget)."""
    stack.configure()
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    proc = stack.start_worker(
        "openai", in_flight=16, args=args, DOCPARSE_OPENAI_BASE_URL=url, DOCPARSE_RENDER_AHEAD="2.5"
    )
    assert proc.wait(timeout=90) == 3  # no server: it plans, then refuses to start
    assert f"docparse worker: 1 process(es) x {threads} thread(s), 16 pages in flight" in stack.logs()


def test_a_render_ahead_outside_the_settings_bounds_is_refused(stack: Stack) -> None:
    stack.configure()
    proc = stack.start_worker("bench-sleep", args=("--render-ahead", "0.5"))
    assert proc.wait(timeout=90) == 2
    assert "--render-ahead" in stack.logs() and "greater than or equal to 1" in stack.logs()


def test_worker_with_missing_model_directory_exits_nonzero_with_the_message(stack: Stack) -> None:
    stack.configure()
    missing = stack.tmp / "no-such-model"
    proc = stack.start_worker("transformers", DOCPARSE_MODEL=str(missing))
    code = proc.wait(timeout=90)
    log = stack.logs()
    assert code == 3, log
    assert "docparse worker: engine unavailable" in log
    assert f"Looked for a checkpoint directory (config.json + *.safetensors) at: {missing}" in log
    assert "ready." not in log  # it never consumed anything


def test_worker_whose_server_does_not_answer_exits_nonzero_with_the_message(stack: Stack) -> None:
    stack.configure()
    url = f"http://127.0.0.1:{_closed_port()}/v1"
    proc = stack.start_worker("openai", DOCPARSE_OPENAI_BASE_URL=url, DOCPARSE_OPENAI_TIMEOUT_S="5")
    code = proc.wait(timeout=90)
    log = stack.logs()
    assert code == 3, log
    assert "docparse worker: engine unavailable" in log
    assert "127.0.0.1" in log
    assert "ready." not in log


def _mapped_libraries(pid: int) -> str:
    return "\n".join(line.rsplit(None, 1)[-1] for line in Path(f"/proc/{pid}/maps").read_text().splitlines())


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs /proc")
def test_a_ready_worker_has_loaded_the_pdf_backend_but_no_layout_models(stack: Stack) -> None:
    """What the first page would import is imported before the worker consumes (not by the first
    tasks' threads), and PyMuPDF comes without its ONNX layout add-on (docparse/mupdf.py)."""
    stack.configure()
    proc = stack.start_worker("bench-sleep")
    poll(lambda: "ready." in stack.logs() or None, timeout_s=90, what="the worker to be ready")
    (child,) = psutil.Process(proc.pid).children()  # the supervisor's one worker process
    libraries = _mapped_libraries(child.pid)
    assert "libmupdf" in libraries, libraries
    assert "onnxruntime" not in libraries


def test_a_ready_worker_has_tuned_its_garbage_collector(stack: Stack) -> None:
    """Each worker process freezes what it loaded at start and sets workers.collector's thresholds."""
    stack.configure()
    stack.start_worker("bench-sleep")
    tuned = poll(
        lambda: re.search(r"worker\.collector_tuned\s+frozen=(\d+).*thresholds=\[([\d, ]+)\]", stack.logs()),
        timeout_s=90,
        what="the tuning",
    )
    assert int(tuned.group(1)) > 10_000  # the engine, Celery, SQLAlchemy: out of the collector's reach
    assert tuple(int(n) for n in tuned.group(2).split(",")) == THRESHOLDS
