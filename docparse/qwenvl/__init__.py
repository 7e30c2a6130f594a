"""QwenVL HTML -> typed blocks: a pure function of (model output, page geometry, coordinate convention).

Usage::

    from docparse.qwenvl import parse_qwenvl_html

    result = parse_qwenvl_html(text, geometry, "qwen2.5-absolute", page=1, document_id="doc")
    result.blocks, result.issues

Also exported: :func:`strip_wrapping` (fences and prose around the HTML), :func:`map_box`
and :func:`read_box` (model-space boxes to page space), :func:`repair_truncation`, and the
loop thresholds in :mod:`docparse.qwenvl.loops`.
"""

from docparse.qwenvl.boxes import BoxFix, MappedBox, map_box, read_box
from docparse.qwenvl.parser import ParseResult, parse_qwenvl_html
from docparse.qwenvl.truncation import Truncation, repair_truncation
from docparse.qwenvl.wrapping import strip_wrapping

__all__ = [
    "BoxFix",
    "MappedBox",
    "ParseResult",
    "Truncation",
    "map_box",
    "parse_qwenvl_html",
    "read_box",
    "repair_truncation",
    "strip_wrapping",
]
