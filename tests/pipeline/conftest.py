"""Pipeline fixtures: a scripted stand-in for the vision-language model (the one boundary we
cannot reach here: weights), and small generated documents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
import pytest

from docparse.engines.base import EngineInfo, EngineOutput, GenerationOptions, PageInput

Script = Callable[[int, PageInput, GenerationOptions], EngineOutput]


@dataclass
class ScriptedModel:
    """Answers each page with ``script(call_index, page, options)``; records every call."""

    script: Script
    calls: list[tuple[int, int, GenerationOptions]] = field(default_factory=list)
    min_pixels: int = 64 * 28 * 28
    max_pixels: int = 256 * 28 * 28

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            name="scripted",
            model="test/scripted",
            convention="qwen2.5-absolute",
            min_pixels=self.min_pixels,
            max_pixels=self.max_pixels,
            spec="scripted",
            prompt_version="v0",
        )

    def infer(self, pages: Sequence[PageInput], options: GenerationOptions | None = None) -> list[EngineOutput]:
        opts = options or GenerationOptions()
        outputs = []
        for page in pages:
            self.calls.append((page.model_width, page.model_height, opts))
            outputs.append(self.script(len(self.calls) - 1, page, opts))
        return outputs


def box_html(page: PageInput, text: str) -> str:
    """A well-formed QwenVL HTML answer with one paragraph covering the middle of the page."""
    w, h = page.model_width, page.model_height
    return f'<html><body>\n<p data-bbox="{w // 4} {h // 4} {3 * w // 4} {h // 2}">{text}</p>\n</body></html>'


@pytest.fixture
def three_page_pdf(tmp_path: Path) -> Path:
    doc = pymupdf.open()
    for n in range(3):
        page = doc.new_page(width=612, height=792)
        page.insert_text((72, 100), f"Page {n + 1} heading", fontsize=20)
        page.insert_text((72, 140), f"Body text of page {n + 1}.", fontsize=11)
    path = tmp_path / "three.pdf"
    doc.save(path)
    return path
