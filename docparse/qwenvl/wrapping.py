"""What surrounds the HTML: Markdown fences, prose before and after it, unusable characters.

Nothing is silently lost here: stripped prose is kept verbatim in the issue's ``detail``.
"""

from __future__ import annotations

import re

from docparse.qwenvl.issues import IssueLog
from schemas import Issue

_UNUSABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_FENCE_OPEN = re.compile(r"```[ \t]*([A-Za-z0-9_+.-]*)[ \t]*(?:\r?\n|$)")
_FENCE_CLOSE = re.compile(r"```[ \t]*(?=\r?\n|$)")
_FENCE_LINE = re.compile(r"^[ \t]*```[^\n]*$", re.MULTILINE)
_ANY_TAG = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9]*(?=[\s/>]|$)|!doctype)", re.IGNORECASE)
_ROOT_OPEN = re.compile(r"<(?:!doctype|html|body)(?=[\s/>]|$)", re.IGNORECASE)
_ROOT_CLOSE = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)


_UNUSABLE_BYTES = frozenset(b for b in range(0x80) if _UNUSABLE.match(chr(b)))
_USABLE_BYTES = bytes(b for b in range(0x100) if b not in _UNUSABLE_BYTES)
"""Every byte but the unusable ASCII ones: in UTF-8, bytes below 0x80 are ASCII characters only."""


def _has_unusable(text: str) -> bool:
    """Whether :data:`_UNUSABLE` matches somewhere in ``text`` (found in C, without the regex engine)."""
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return bool(data.translate(None, _USABLE_BYTES)) or "\ufffe" in text or "\uffff" in text


def sanitize(text: str) -> str:
    """Remove characters no HTML parser accepts (NUL, C0 controls but tab/newline, lone surrogates)."""
    return _UNUSABLE.sub("", text) if _has_unusable(text) else text


def _last_root_close(html: str) -> re.Match[str] | None:
    """The last ``</html>``/``</body>`` (found with ``rfind``: cheap on long outputs)."""
    position = max(html.rfind(marker) for marker in ("</html", "</body", "</HTML", "</BODY"))
    return _ROOT_CLOSE.match(html, position) if position >= 0 else None


def has_html(text: str) -> bool:
    """Whether the text holds at least one HTML tag (opening, closing or a doctype)."""
    return _ANY_TAG.search(text) is not None


def remove_fence_lines(text: str) -> str:
    """The text without its Markdown fence lines (for outputs that hold no HTML at all)."""
    return _FENCE_LINE.sub("", text)


def _unfence(text: str, log: IssueLog) -> str:
    opening = _FENCE_OPEN.search(text) if "```" in text else None
    if opening is None:
        return text
    closing = _FENCE_CLOSE.search(text, opening.end())
    inner = text[opening.end() : closing.start()] if closing else text[opening.end() :]
    if not has_html(inner):
        # A stray fence (e.g. only a closing one) around HTML that sits outside it: drop the markers only.
        log.add("fence_stripped", "stray Markdown fence markers removed")
        return remove_fence_lines(text)
    language = opening.group(1) or "none"
    if closing is None:
        log.add("fence_stripped", f"unclosed Markdown fence (language {language}) removed")
    else:
        log.add("fence_stripped", f"Markdown fence (language {language}) removed")
    before, after = text[: opening.start()], text[closing.end() :] if closing else ""
    if before.strip():
        log.add("prose_stripped", "text before the fenced HTML removed", detail=before.strip())
    if after.strip():
        log.add("prose_stripped", "text after the fenced HTML removed", detail=after.strip())
    return inner


def strip_wrapping(text: str) -> tuple[str, list[Issue]]:
    """The HTML inside a model output, and the issues recording what was removed around it.

    Removes unusable characters, a ```` ```html ```` fence (also an unclosed one), prose
    (text holding no tag) before the first ``<!DOCTYPE>``/``<html>``/``<body>`` and after
    the last ``</html>``/``</body>`` (mis-nested closings included). Without a root element
    the fragment is kept whole (``root_missing``): text before its first element is page
    text, not prose. Never raises.
    """
    log = IssueLog()
    html = _unfence(sanitize(text), log)
    root = _ROOT_OPEN.search(html)
    if root is None:
        if has_html(html):
            log.add("root_missing", "no <html>/<body> root; the fragment was parsed as a body")
        return html, log.issues
    if html[: root.start()].strip() and not has_html(html[: root.start()]):
        log.add("prose_stripped", "text before the HTML root removed", detail=html[: root.start()].strip())
        html = html[root.start() :]
    last_close = _last_root_close(html)
    tail = html[last_close.end() :] if last_close is not None else ""
    if last_close is not None and tail.strip() and not has_html(tail):
        log.add("prose_stripped", "text after the HTML root removed", detail=tail.strip())
        html = html[: last_close.end()]
    return html, log.issues
