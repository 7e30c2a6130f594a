"""The evaluation settings and the per-page scores (pydantic, JSON round-trippable)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from docparse.eval.matching import DetectionCounts, MatchedBy
from docparse.eval.text_metrics import edit_distance

PageStatus = Literal["paired", "missing_pred", "extra_pred"]
"""``paired``: the page is in both; ``missing_pred``: only in gold (scored against an empty page);
``extra_pred``: only in the prediction (scored against an empty gold page)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvalConfig(_Model):
    """How documents are compared.

    * ``iou_threshold`` — a predicted box matches a gold box of the same group when IoU >= this.
    * ``ignore_types`` — block types left out of the text and reading-order metrics
      (OmniDocBench ignores page headers, footers and page numbers). Still part of detection.
    * ``text_skip_types`` — types left out of the page *text* because they have their own metric
      (tables: TEDS; formulas: formula edit distance).
    * ``type_groups`` — block type -> group label for matching; unmapped types are their own group.
    * ``strip_markup`` — strip markdown/LaTeX delimiters from text before comparing
      (see :func:`docparse.eval.text_metrics.normalize_text`).
    * ``protocol`` — ``omnidocbench``: OmniDocBench's own end-to-end evaluation
      (:mod:`docparse.eval.odb`; the options above do not apply); ``docparse``: the box-aware
      protocol described here; ``auto`` (default): ``omnidocbench`` when GOLD is OmniDocBench
      ground truth, else ``docparse``.
    """

    iou_threshold: float = Field(default=0.5, gt=0, le=1)
    ignore_types: tuple[str, ...] = ("header", "footer", "page_number")
    text_skip_types: tuple[str, ...] = ("table", "formula")
    type_groups: dict[str, str] = Field(default_factory=dict)
    strip_markup: bool = False
    protocol: Literal["auto", "docparse", "omnidocbench"] = "auto"


class EditScore(_Model):
    """An edit distance and its normalizer: ``ned = edit / length`` with ``length = max(len(gold), len(pred))``."""

    edit: int = Field(ge=0)
    length: int = Field(ge=0)
    ned: float = Field(ge=0, le=1)

    @classmethod
    def of(cls, gold: Sequence[Hashable], pred: Sequence[Hashable]) -> EditScore:
        """Score ``pred`` against ``gold`` (strings or sequences of hashables)."""
        length = max(len(gold), len(pred))
        edit = edit_distance(gold, pred)
        return cls(edit=edit, length=length, ned=edit / length if length else 0.0)


class TableScore(_Model):
    """One gold table: its reading-order index, the matched prediction's (``None``: unmatched, scored 0)."""

    gold_order: int
    pred_order: int | None = None
    matched_by: MatchedBy | None = None
    teds: float = Field(ge=0, le=1)
    teds_struct: float = Field(ge=0, le=1)


class FormulaScore(_Model):
    """One gold formula: NED of normalized LaTeX against its match (unmatched: ``ned = 1``)."""

    gold_order: int
    pred_order: int | None = None
    matched_by: MatchedBy | None = None
    edit: int = Field(ge=0)
    length: int = Field(ge=0)
    ned: float = Field(ge=0, le=1)


class PageResult(_Model):
    """All scores of one page pair.

    ``text``: NED of the page texts; ``text_by_type``: the same restricted to one block type
    (types present on either side); ``detection``/``detection_by_type``: counts over the
    IoU-matched groups; ``detection_skipped``: blocks of groups matched by order (missing
    boxes); ``reading_order``: edit distance of index sequences over the matched blocks,
    ``None`` when no block was matched.
    """

    number: int
    status: PageStatus = "paired"
    gold_blocks: int = 0
    pred_blocks: int = 0
    matched: int = 0
    text: EditScore
    text_by_type: dict[str, EditScore] = Field(default_factory=dict)
    detection: DetectionCounts = Field(default_factory=DetectionCounts)
    detection_by_type: dict[str, DetectionCounts] = Field(default_factory=dict)
    detection_skipped: int = 0
    tables: list[TableScore] = Field(default_factory=list)
    formulas: list[FormulaScore] = Field(default_factory=list)
    reading_order: EditScore | None = None


class DocumentResult(_Model):
    """One gold document and its prediction (``pred_source`` ``None``: no prediction; scored against empty pages)."""

    key: str
    gold_source: str
    pred_source: str | None = None
    paired_by: Literal["sha256", "filename", "stem"] | None = None
    pages: list[PageResult] = Field(default_factory=list)
