"""Issues: every repair, loss or failure recorded as data, with a stable code."""

from __future__ import annotations

from typing import Literal

from schemas._base import StrictModel

Severity = Literal["info", "warning", "error"]

IssueCode = Literal[
    # wrapping and structure of the model output
    "fence_stripped",  # a ```html fence was removed
    "prose_stripped",  # text before/after the HTML was removed (kept in the issue detail)
    "root_missing",  # no <html>/<body>; the fragment was wrapped
    "no_html",  # the output holds no HTML elements at all (trigger ignored); text kept as paragraphs
    "no_boxes",  # HTML without any data-bbox (ordinary web HTML)
    "truncated",  # unclosed tags / cut-off attribute at the end of the output
    "repetition_loop",  # a tail of repeated elements/text was collapsed to one copy
    # boxes
    "bbox_missing",  # element kept without a box
    "bbox_malformed",  # non-numeric or wrong number of values; box dropped
    "bbox_swapped",  # inverted corners swapped
    "bbox_clamped",  # box outside the image clamped to it
    "bbox_degenerate",  # zero-area box after clamping
    # elements
    "element_unknown",  # unrecognised element kept as an `unknown` block
    "element_empty",  # an empty element (separator) dropped
    "text_unwrapped",  # loose text outside any element kept as a paragraph
    "table_normalized",  # ragged rows / spans normalized to a rectangular grid
    "mixed_content",  # extra content inside a special block kept in its text
    "parse_error",  # a parser bug: the output text was kept as plain paragraphs (please report it)
    "text_outside_body",  # text the model wrote outside <body> (a <title>, say) kept as paragraphs
    "no_content",  # the output holds no content at all (e.g. only <head>/<style>): why the page failed
    # engine and page level
    "stop_length",  # generation hit the token limit
    "stop_loop",  # generation stopped by the loop guard
    "engine_error",  # the engine failed on this page
    "empty_output",  # the engine returned nothing
    "needs_vlm",  # no text layer: the page waits for a vision-language model
    "render_error",  # the page could not be rendered
    "retry",  # the page was attempted again (detail says why)
]


class Issue(StrictModel):
    """One recorded repair, loss or failure. ``block`` is the reading-order index it concerns, if any."""

    code: IssueCode
    severity: Severity = "warning"
    message: str
    block: int | None = None
    detail: str | None = None
