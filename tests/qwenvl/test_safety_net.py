"""The parser's last line of defence: an internal bug keeps the text and says so."""

from __future__ import annotations

import pytest

from docparse.qwenvl import parser
from tests.qwenvl.helpers import all_text, codes, parse


def test_an_internal_error_keeps_the_text_as_paragraphs_with_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated parser bug")

    monkeypatch.setattr(parser, "top_level_nodes", broken)
    result = parse('<p data-bbox="1 2 3 4">Kept despite the bug</p>')
    assert codes(result) == ["parse_error"]
    assert "simulated parser bug" in (result.issues[0].detail or "")
    assert "Kept despite the bug" in all_text(result)
