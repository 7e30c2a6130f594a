"""QwenVL HTML -> typed blocks in page space, with every repair recorded as an issue.

The steps, each in its own module: strip what wraps the HTML (:mod:`.wrapping`), close a
tag cut by the token limit and note truncation (:mod:`.truncation`), parse with lxml's
recovering parser (:mod:`.dom`), list the top-level elements and loose text
(:mod:`.elements`), collapse a repetition loop at the end (:mod:`.loops`), then build one
block per element (:mod:`.build_text`, :mod:`.build_figures`) with boxes mapped to the page
(:mod:`.boxes`) and tables normalized to grids (:mod:`.tables`).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from docparse.qwenvl.build_figures import build_chart, build_image, build_source_block, build_table
from docparse.qwenvl.build_text import build_code, build_key_value, build_list, build_loose, build_simple
from docparse.qwenvl.context import PageContext
from docparse.qwenvl.dom import Element, parse_document, serialize, tag_of
from docparse.qwenvl.elements import LooseText, Node, classify, has_box, top_level_nodes
from docparse.qwenvl.issues import IssueLog
from docparse.qwenvl.loops import (
    MIN_REPEATED_ELEMENTS,
    LoopKey,
    collapse_nested_loops,
    collapse_text_loop,
    element_key,
    element_kind_prefix,
    trailing_period,
    trailing_run,
)
from docparse.qwenvl.text import normalize_ws
from docparse.qwenvl.truncation import repair_truncation
from docparse.qwenvl.wrapping import has_html, remove_fence_lines, sanitize, strip_wrapping
from schemas import Block, CoordinateConvention, Issue, IssueCode, PageGeometry, ParagraphBlock, block_id

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class ParseResult:
    """Blocks in reading order (``order`` 0..n-1, ids from :func:`schemas.block_id`) and the issues found."""

    blocks: list[Block]
    issues: list[Issue]


@dataclass(frozen=True)
class _Loop:
    node: int
    dropped: int
    message: str
    detail: str | None = None


def _build(node: Node, ctx: PageContext) -> Block | None:
    if isinstance(node, LooseText):
        return build_loose(node, ctx)
    kind = classify(node)
    if kind == "list":
        return build_list(node, ctx)
    if kind == "code":
        return build_code(node, ctx)
    if kind == "key_value":
        return build_key_value(node, ctx)
    if kind == "table":
        return build_table(node, ctx)
    if kind == "chart":
        return build_chart(node, ctx)
    if kind in ("formula", "music_sheet", "chemical_formula"):
        return build_source_block(node, kind, ctx)
    if kind == "image":
        return build_image(node, ctx)
    if kind in ("container", "inline", "skip"):  # not produced by top_level_nodes; kept, never lost
        kind = "unknown"
    return build_simple(node, kind, ctx)


def _node_key(node: Node) -> LoopKey:
    return LoopKey("#text", normalize_ws(node.text)) if isinstance(node, LooseText) else element_key(node)


def _node_prefix(node: Node) -> str | None:
    return "#text" if isinstance(node, LooseText) else element_kind_prefix(node)


def _collapse_loops(nodes: list[Node], truncated: bool) -> tuple[list[Node], list[_Loop]]:
    loops: list[_Loop] = []
    run = trailing_run(len(nodes), lambda i: _node_key(nodes[i]), prefix=lambda i: _node_prefix(nodes[i]))
    if run >= MIN_REPEATED_ELEMENTS:
        nodes = nodes[: len(nodes) - run + 1]
        message = f"the last element was repeated {run} times at the end of the output; one copy kept"
        loops.append(_Loop(len(nodes) - 1, run - 1, message))
    if not nodes:
        return nodes, loops
    last = nodes[-1]
    if isinstance(last, LooseText):
        found = trailing_period(last.text.rstrip())
        if found is not None:
            text = last.text.rstrip()[: found[0]]
            nodes[-1] = LooseText(text, html_lib.escape(text, quote=False).strip())
            loops.append(_Loop(len(nodes) - 1, found[1] - 1, f"a phrase repeated {found[1]} times; one copy kept"))
        return nodes, loops
    if truncated:
        dropped = collapse_nested_loops(last)
        if dropped:
            message = f"{dropped + 1} identical rows/items at the end of a cut-off element; one copy kept"
            loops.append(_Loop(len(nodes) - 1, dropped, message))
    dropped = collapse_text_loop(last)
    if dropped:
        loops.append(_Loop(len(nodes) - 1, dropped, f"a phrase repeated {dropped + 1} times; one copy kept"))
    return nodes, loops


def _body(root: Element) -> Element | None:
    return next((child for child in root if tag_of(child) == "body"), None)


_NOT_TEXT = frozenset({"style", "script", "body"})


def _keep_text_outside_body(root: Element, ctx: PageContext) -> None:
    """Text the model put outside ``<body>`` (a ``<title>``, text in ``<head>``) as paragraphs:
    never lost, and flagged, since it has no box."""
    texts: list[str] = []
    for child in root:
        if tag_of(child) in _NOT_TEXT:
            continue
        for element in child.iter():
            if tag_of(element) in _NOT_TEXT:
                continue
            if element.text and element.text.strip():
                texts.append(element.text)
            if element is not child and element.tail and element.tail.strip():
                texts.append(element.tail)
    text = normalize_ws(" ".join(texts))
    if not text:
        return
    ctx.log.add("text_outside_body", "text outside <body> kept as a paragraph without a box", detail=text[:200])
    index = ctx.next_index
    ctx.blocks.append(
        ParagraphBlock(id=block_id(ctx.document_id, ctx.page, index), page=ctx.page, order=index, text=text)
    )


def _plain_text(
    text: str, ctx: PageContext, message: str, detail: str | None = None, code: IssueCode = "no_html"
) -> list[Block]:
    """Paragraph blocks from text without HTML (entities decoded once), split at blank lines."""
    text = text.rstrip()
    found = trailing_period(text)
    if found is not None:
        text = text[: found[0]]
        ctx.log.add("repetition_loop", f"a phrase repeated {found[1]} times at the end; one copy kept")
    ctx.log.add(code, message, detail=detail)
    for chunk in _PARAGRAPH_BREAK.split(text):
        paragraph = normalize_ws(html_lib.unescape(chunk))
        if paragraph:
            index = ctx.next_index
            ctx.blocks.append(
                ParagraphBlock(
                    id=block_id(ctx.document_id, ctx.page, index), page=ctx.page, order=index, text=paragraph
                )
            )
    return ctx.blocks


def _parse(text: str, ctx: PageContext) -> None:
    log = ctx.log
    clean = sanitize(text)
    if not clean.strip():
        log.add("empty_output", "the model output is empty")
        return
    if not has_html(clean):
        _plain_text(remove_fence_lines(clean), ctx, "no HTML in the output (trigger ignored); text kept as paragraphs")
        return
    html, issues = strip_wrapping(clean)
    log.extend(issues)
    html, truncation = repair_truncation(html)
    root = parse_document(html)
    if root is None:
        return
    _keep_text_outside_body(root, ctx)
    body = _body(root)
    if body is None:
        return
    ctx.styles = [(s.text or "", serialize(s)) for s in root.iter("style")]
    if not any(has_box(element) for element in body.iter()):
        ctx.report_missing = False
        log.add("no_boxes", "HTML without any data-bbox (ordinary web HTML?); blocks kept without boxes")
    nodes, loops = _collapse_loops(top_level_nodes(body), truncation.truncated)
    block: Block | None = None
    for position, node in enumerate(nodes):
        block = _build(node, ctx)
        if block is not None:
            ctx.blocks.append(block)
        for loop in loops:
            if loop.node == position:
                index = len(ctx.blocks) - 1 if block is not None else None
                log.add("repetition_loop", f"{loop.message} ({loop.dropped} dropped)", block=index, detail=loop.detail)
    if truncation.truncated:  # the cut element is the last one, if it made a block
        log.add("truncated", truncation.message, block=block.order if block is not None else None)


def parse_qwenvl_html(
    text: str,
    geometry: PageGeometry,
    convention: CoordinateConvention,
    *,
    page: int = 1,
    document_id: str = "doc",
) -> ParseResult:
    """Parse one page of model output (QwenVL HTML, or whatever the model wrote instead) into blocks.

    ``geometry`` gives the page size in its own unit and the model input size;
    ``convention`` says how the model wrote boxes (see :mod:`docparse.qwenvl.boxes`).
    Blocks come in reading order with ``order`` 0..n-1 and deterministic ids; every repair,
    loss or oddity is an :class:`schemas.Issue` whose ``block`` is the index it concerns.
    An output that yields no block always carries an ``error`` issue that says why.
    Pure and total: no I/O, and it never raises on any input string.
    """
    ctx = PageContext(geometry, convention, page, document_id, IssueLog())
    try:
        _parse(text, ctx)
        if not ctx.blocks and not any(issue.severity == "error" for issue in ctx.log.issues):
            ctx.log.add("no_content", "the output holds no content (no element with text, table or figure)")
    except Exception as exc:  # last line of defence: a parser bug must not lose the page
        ctx = PageContext(geometry, convention, page, document_id, IssueLog())
        message = "internal parser error; the output text was kept as plain paragraphs"
        _plain_text(re.sub(r"<[^>]*>", " ", sanitize(text)), ctx, message, detail=repr(exc), code="parse_error")
    return ParseResult(ctx.blocks, ctx.log.issues)
