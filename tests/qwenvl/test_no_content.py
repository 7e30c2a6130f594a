"""A page never fails without a reason, and text outside <body> is never lost."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docparse.engines.base import EngineOutput
from docparse.policy import OutputPolicy
from tests.qwenvl.helpers import all_text, codes, parse

HEAD_ONLY = "<html><head><title>Quarterly report</title><style>p { color: red }</style></head><body></body></html>"


def test_text_in_the_head_is_kept_and_flagged() -> None:
    result = parse(HEAD_ONLY)
    assert "Quarterly report" in all_text(result)
    assert "color" not in all_text(result)  # a stylesheet is not text
    assert "text_outside_body" in codes(result)


@pytest.mark.parametrize(
    "output",
    [
        "<html><head><style>p { color: red }</style></head><body></body></html>",
        '<html><body><p data-bbox="1 2 3 4"> </p></body></html>',
        "<html><head></head></html>",
    ],
)
def test_an_output_without_content_fails_the_page_with_an_error_issue(output: str) -> None:
    result = parse(output)
    assert result.blocks == []
    errors = [issue for issue in result.issues if issue.severity == "error"]
    assert [issue.code for issue in errors] == ["no_content"]
    verdict = OutputPolicy().judge(EngineOutput(text=output, stop_reason="stop"), result)
    assert verdict.status == "failed"
    assert any(issue.severity == "error" for issue in verdict.issues)


@settings(deadline=None, max_examples=200)
@given(st.text(max_size=300))
def test_no_blocks_always_comes_with_an_error_issue(text: str) -> None:
    result = parse(text)
    if not result.blocks:
        assert any(issue.severity == "error" for issue in result.issues), codes(result)
