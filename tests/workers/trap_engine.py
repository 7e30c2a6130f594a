"""``test-trap``: a test engine plugin (``DOCPARSE_ENGINE_PLUGINS=tests.workers.trap_engine``)
that answers like ``bench-sleep`` except on one page, where it does what a poison page does to
a real worker: ``DOCPARSE_TRAP_MODE=kill`` kills its own process (``SIGKILL``, as the OOM killer or a
segfault would), ``DOCPARSE_TRAP_MODE=hang`` never returns (a content-stream bomb). The page is
``DOCPARSE_TRAP_PAGE`` (1-based) of any PDF.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence

from pydantic_settings import BaseSettings, SettingsConfigDict

from bench.sleep_engine import BenchSleepEngine
from docparse.engines import registry
from docparse.engines.base import Engine, EngineInfo, EngineOutput, GenerationOptions, PageInput
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import ModelSpec

ENGINE_NAME = "test-trap"
PLUGIN = "tests.workers.trap_engine"


class TrapSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPARSE_TRAP_", extra="ignore")

    page: int = 0
    mode: str = "kill"


class TrapEngine:
    """``bench-sleep`` with a trap on one page (see the module docstring)."""

    def __init__(self, inner: BenchSleepEngine, page: int, mode: str) -> None:
        self.inner, self.page, self.mode = inner, page, mode

    @property
    def info(self) -> EngineInfo:
        return self.inner.info

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        for page in pages:
            if page.pdf_page_index is not None and page.pdf_page_index + 1 == self.page:
                if self.mode == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                threading.Event().wait()  # hang: never returns
        return self.inner.infer(pages, options)


def build(settings: EngineSettings, spec: ModelSpec) -> Engine:
    trap = TrapSettings()
    inner = BenchSleepEngine(0.05, min_pixels=spec.min_pixels, max_pixels=spec.max_pixels)
    return TrapEngine(inner, trap.page, trap.mode)


registry.register(ENGINE_NAME, build)
