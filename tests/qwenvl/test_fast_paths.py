"""Blocks built from unvalidated fields in one go are exactly what full validation gives.

The parser validates boxes, list items and table cells together with their block (one
pydantic call per block instead of one per nested model). Re-validating every block of
every output must give an equal block of the same types, so a shortcut that skipped an
invariant or produced another value or type fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, TypeAdapter

from schemas import BBox, Block, ListItem, TableCell
from tests.paths import CORPUS_DIR
from tests.qwenvl.helpers import CORPUS_GEOMETRY, parse

CORPUS = sorted(CORPUS_DIR.glob("*.html"))
CASES = sorted((Path(__file__).parent / "cases").glob("*.html"))
BLOCK = TypeAdapter(Block)


def _same_models(a: object, b: object) -> None:
    """Equal values, with the same model and value types, all the way down."""
    assert type(a) is type(b)
    if isinstance(a, BaseModel):
        assert isinstance(b, BaseModel)
        for name in type(a).model_fields:
            _same_models(getattr(a, name), getattr(b, name))
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same_models(x, y)
    else:
        assert a == b


def _check(text: str, **kwargs: object) -> None:
    result = parse(text, **kwargs)  # type: ignore[arg-type]
    for block in result.blocks:
        again = BLOCK.validate_python(block.model_dump())
        assert again == block
        _same_models(block, again)
        for name in ("bbox", "bbox_norm", "image_bbox"):
            value = getattr(block, name, None)
            assert value is None or isinstance(value, BBox)
        for item in getattr(block, "items", []):
            assert isinstance(item, ListItem)
        for cell in getattr(block, "cells", []):
            assert isinstance(cell, TableCell)


def test_corpus_present() -> None:
    assert CORPUS and CASES


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem[:3])
def test_corpus_blocks_revalidate(path: Path) -> None:
    _check(path.read_text(encoding="utf-8"), geometry=CORPUS_GEOMETRY)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
@pytest.mark.parametrize("convention", ["qwen2.5-absolute", "qwen3-relative"])
def test_case_blocks_revalidate(path: Path, convention: str) -> None:
    _check(path.read_text(encoding="utf-8"), convention=convention)


def test_nested_lists_and_spanned_tables_revalidate() -> None:
    html = (
        '<ul data-bbox="10 10 500 300">stray<li data-bbox="10 10 500 50">one<ol><li data-bbox="20 20 400 40">a</li>'
        '</ol></li><li data-bbox="600 40 10 60">swapped</li><li>no box</li></ul>'
        '<table data-bbox="0 400 600 700"><tr><td rowspan="2">x</td><td colspan="3">y</td></tr>'
        '<tr><td>z</td></tr><tr><th rowspan="9">h</th></tr></table>'
        '<div class="image" data-bbox="0 0 10 10"><img data-bbox="0 0 9 9"></div>'
    )
    _check(html)
