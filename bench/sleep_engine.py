"""``bench-sleep``: a MEASURING INSTRUMENT, not a product engine (a plugin of tests and bench).

Importing this module registers it (``DOCPARSE_ENGINE_PLUGINS=bench.sleep_engine``); the
latency comes from ``DOCPARSE_BENCH_LATENCY_S`` (:class:`SleepSettings`).

It reads nothing and recognizes nothing. Each page costs a fixed latency (default 0.2 s,
``DOCPARSE_BENCH_LATENCY_S``) and comes back as valid QwenVL HTML — one heading and one
paragraph whose boxes lie inside the page — with stop reason ``stop``. The latency is a wait on
the caller's cancellation token (a plain sleep without one), so a cancelled page stops at once,
like an interruptible model would: the in-flight cancellation tests use a long latency. It
stands in for a vision-language model where the cost of a page must be known and steady: the
worker crash test (a slow page to kill a worker in the middle of) and ``make bench`` (queue and
database throughput without a GPU). With ``DOCPARSE_BENCH_EXCLUSIVE=1`` it stands for one device: the
pages of one process take turns (as one GPU's ``generate`` does), so a process can finish at
most one page per latency however many threads feed it. Never use it to parse real documents.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Sequence

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from docparse.cancellation import Cancellation, Cancelled
from docparse.engines import registry
from docparse.engines.base import Engine, EngineInfo, EngineOutput, GenerationOptions, PageInput
from docparse.engines.settings import EngineSettings
from docparse.engines.specs import COOKBOOK_MAX_PIXELS, COOKBOOK_MIN_PIXELS, ModelSpec

ENGINE_NAME = "bench-sleep"
PROMPT_VERSION = "bench-sleep-v1"
DEFAULT_LATENCY_S = 0.2

_DEVICE = threading.Lock()
"""The one device of this process, taken per page by an exclusive instrument."""


def bench_html(width: int, height: int, label: str = "Benchmark page") -> str:
    """QwenVL HTML for a ``width`` x ``height`` model image: a heading and a paragraph, boxed inside it."""
    heading = f"{width // 10} {height // 10} {width * 9 // 10} {height // 5}"
    paragraph = f"{width // 10} {height // 4} {width * 9 // 10} {height // 2}"
    return (
        "<html><body>\n"
        f'<h1 data-bbox="{heading}">{label}</h1>\n'
        f'<p data-bbox="{paragraph}">Fixed text written by the bench-sleep measuring engine.</p>\n'
        "</body></html>"
    )


class BenchSleepEngine:
    """Sleeps ``latency_s`` per page, then answers :func:`bench_html` (see the module docstring)."""

    def __init__(
        self,
        latency_s: float = DEFAULT_LATENCY_S,
        *,
        min_pixels: int = COOKBOOK_MIN_PIXELS,
        max_pixels: int = COOKBOOK_MAX_PIXELS,
        exclusive: bool = False,
    ) -> None:
        if latency_s < 0:
            raise ValueError("latency_s must be >= 0")
        self.latency_s = latency_s
        self.exclusive = exclusive
        self._info = EngineInfo(
            name=ENGINE_NAME,
            model=None,
            convention="qwen2.5-absolute",
            min_pixels=min_pixels,
            max_pixels=max_pixels,
            prompt_version=PROMPT_VERSION,
            deterministic=True,
            extra={"latency_s": f"{latency_s:g}", "purpose": "measuring instrument", "exclusive": str(exclusive)},
        )

    @property
    def info(self) -> EngineInfo:
        return self._info

    def infer(
        self,
        pages: Sequence[PageInput],
        options: GenerationOptions | None = None,
        *,
        cancel: Cancellation | None = None,
    ) -> list[EngineOutput]:
        """:func:`bench_html` per page after ``latency_s``; :class:`Cancelled` as soon as ``cancel`` is set."""
        outputs = []
        for page in pages:
            start = time.perf_counter()
            with _DEVICE if self.exclusive else contextlib.nullcontext():
                if cancel is None:
                    time.sleep(self.latency_s)
                elif cancel.wait(self.latency_s):
                    raise Cancelled(cancel.reason or "cancelled")
            text = bench_html(page.model_width, page.model_height)
            outputs.append(
                EngineOutput(
                    text=text,
                    stop_reason="stop",
                    prompt_tokens=0,
                    completion_tokens=len(text.split()),
                    latency_s=time.perf_counter() - start,
                )
            )
        return outputs


class SleepSettings(BaseSettings):
    """The instrument's own setting: seconds per page."""

    model_config = SettingsConfigDict(env_prefix="DOCPARSE_BENCH_", extra="ignore")

    latency_s: float = Field(default=DEFAULT_LATENCY_S, ge=0)
    exclusive: bool = Field(default=False, description="pages of one process take turns, like one GPU")


def build(settings: EngineSettings, spec: ModelSpec) -> Engine:
    """The registry's builder: the spec's pixel budget, the latency from :class:`SleepSettings`."""
    own = SleepSettings()
    return BenchSleepEngine(
        own.latency_s, min_pixels=spec.min_pixels, max_pixels=spec.max_pixels, exclusive=own.exclusive
    )


PLUGIN = "bench.sleep_engine"
"""What to put in ``DOCPARSE_ENGINE_PLUGINS`` to make ``bench-sleep`` available."""

registry.register(ENGINE_NAME, build)
