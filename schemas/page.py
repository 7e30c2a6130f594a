"""Pages, and the model attempts that produced them."""

from __future__ import annotations

from datetime import datetime
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

AttemptKind = Literal["model", "human"]
"""Who produced an attempt: an engine run (``model``) or a reviewer's correction (``human``)."""


class Attempt(StrictModel):
    """One engine run on one page, or one correction by a reviewer (``kind="human"``).

    The raw ``output`` is always kept, whatever happened next. A human attempt's ``output`` is
    the corrected page written as QwenVL HTML in the attempt's ``convention`` (the model's own
    format, so it can serve as a fine-tuning target); ``reviewer`` names who made it."""

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
    kind: AttemptKind = "model"
    reviewer: str | None = Field(default=None, description="human attempts: who corrected the page")
    created_at: datetime | None = Field(default=None, description="when the attempt was stored")


class Page(StrictModel):
    """One page: geometry, status with reasons, blocks in reading order, and every attempt.

    ``reviewed`` is set when a person accepted the page or corrected it (``reviewed_by`` /
    ``reviewed_at`` say who and when); the blocks are then the latest human attempt's."""

    number: int = Field(ge=1)
    geometry: PageGeometry | None = None
    status: PageStatus = "pending"
    engine: str | None = None
    model: str | None = None
    issues: list[Issue] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    attempts: list[Attempt] = Field(default_factory=list)
    reviewed: bool = False
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
