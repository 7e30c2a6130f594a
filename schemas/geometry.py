"""Geometry of pages and boxes.

Page space is stated explicitly on every page:

* ``pt`` — PDF points (1/72 inch) of the page **as displayed**: after ``/Rotate`` and the
  crop box, origin at the top-left corner, x to the right, y downwards.
* ``px`` — pixels of an image input after its EXIF orientation, origin top-left.

Every block box exists twice: in page space (``bbox``) and normalized to ``0..1`` of the
page width/height (``bbox_norm``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas._base import StrictModel

Unit = Literal["pt", "px"]
"""Unit of a page space: PDF points (``pt``) or image pixels (``px``)."""

CoordinateConvention = Literal["qwen2.5-absolute", "qwen3-relative"]
"""How a model writes ``data-bbox``.

* ``qwen2.5-absolute`` — integer pixels of the resized model input (after ``smart_resize``).
* ``qwen3-relative`` — integers on a 0..1000 scale of the image width/height.
"""


class BBox(StrictModel):
    """An axis-aligned box ``(x0, y0)``-``(x1, y1)`` with ``x0 <= x1`` and ``y0 <= y1``, top-left origin."""

    x0: float
    y0: float
    x1: float
    y1: float

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x0 > self.x1 or self.y0 > self.y1:
            raise ValueError("bbox corners must be ordered: x0 <= x1 and y0 <= y1")
        return self

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


class Size(StrictModel):
    """A width x height pair in the unit of its context."""

    width: float = Field(gt=0)
    height: float = Field(gt=0)


class PageGeometry(StrictModel):
    """Everything needed to map model boxes to page space, and to say what the model saw.

    ``width``/``height`` are the page in its own space (``unit``); ``model_width`` and
    ``model_height`` are the exact pixel size of the image given to the model (after
    ``smart_resize``); ``pixel_width``/``pixel_height`` the native raster (the original
    image for scans, the rendered image for PDF pages).
    """

    unit: Unit
    width: float = Field(gt=0)
    height: float = Field(gt=0)
    pixel_width: int = Field(gt=0)
    pixel_height: int = Field(gt=0)
    model_width: int = Field(gt=0)
    model_height: int = Field(gt=0)
    rotation: Literal[0, 90, 180, 270] = 0
    dpi: float | None = Field(default=None, gt=0, description="render DPI of PDF pages (mean of both axes)")
