"""Pages, and the model attempts that produced them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas._base import StrictModel
from schemas.blocks import Block
from schemas.geometry import CoordinateConvention, PageGeometry
from schemas.issues import Issue

PageStatus = Literal["pending", "ok", "partial", "failed"]
"""``pending``: not processed yet, or waiting for a vision-language model; ``ok``; ``partial``:
usable, with recorded repairs or losses; ``failed``: nothing usable, with reasons."""

StopReason = Literal["stop", "length", "loop", "error", "unsupported"]
"""Why generation ended: natural end (``stop``), token limit (``length``), the loop guard
(``loop``), an engine failure (``error``), or the engine cannot handle this page at all
(``unsupported``, e.g. a scan given to the text-layer engine)."""


class Attempt(StrictModel):
    """One engine run on one page. The raw ``output`` is always kept, whatever happened next."""

    index: int = Field(ge=0, description="0-based attempt number on the retry ladder")
    engine: str
    model: str | None = None
    model_revision: str | None = None
    spec: str | None = None
    prompt_version: str | None = None
    convention: CoordinateConvention = "qwen2.5-absolute"
    model_width: int = Field(gt=0)
    model_height: int = Field(gt=0)
    settings: dict[str, float | int | str | bool | None] = Field(default_factory=dict)
    output: str = ""
    stop_reason: StopReason = "stop"
    error: str | None = None
    prompt_tokens: int | None = Field(default=None, ge=0)
    completion_tokens: int | None = Field(default=None, ge=0)
    latency_s: float | None = Field(default=None, ge=0)
    chosen: bool = False


class Page(StrictModel):
    """One page: geometry, status with reasons, blocks in reading order, and every attempt."""

    number: int = Field(ge=1)
    geometry: PageGeometry | None = None
    status: PageStatus = "pending"
    engine: str | None = None
    model: str | None = None
    issues: list[Issue] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
