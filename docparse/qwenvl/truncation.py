"""Output cut at the token limit: detect it, and repair a tag cut in the middle.

lxml's recovering parser drops a start tag that never reaches its ``>`` — the element and
its box vanish. :func:`repair_truncation` therefore closes a cut start tag before parsing,
keeping every attribute that was complete and dropping the one that was cut (a cut
``data-bbox`` leaves the element without a box). Unclosed elements need no repair (the
parser closes them) but are reported: a model that stops normally closes what it opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""<!--.*?(?:-->|\Z)|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)([^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*)>""",
    re.DOTALL,
)
_ENDS_WITH_ROOT = re.compile(r"</(?:html|body)\s*>\s*\Z", re.IGNORECASE)
_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9:-]*)")
_ATTRIBUTE = re.compile(r"""\s*([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|([^\s"'>]+)))?""")

VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_ROOTS = frozenset({"html", "body", "head"})
_RAW_TEXT = frozenset({"style", "script", "textarea", "title"})
_BLOCKS_CLOSING_P = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "address", "pre", "figure", "header",
     "footer", "section", "article", "aside", "blockquote", "dl", "hr", "form", "nav", "main"}
)  # fmt: skip
_IMPLIED_END: dict[str, frozenset[str]] = {
    "li": frozenset({"li"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "tr": frozenset({"tr", "td", "th"}),
    "thead": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tbody": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "tfoot": frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
}


@dataclass(frozen=True)
class Truncation:
    """What the end of the output says about truncation."""

    truncated: bool
    open_tags: tuple[str, ...] = ()
    cut_tag: str | None = None
    cut_attribute: str | None = None

    @property
    def message(self) -> str:
        parts = []
        if self.cut_tag is not None:
            where = f"the attribute {self.cut_attribute} of " if self.cut_attribute else "the start tag "
            parts.append(f"output cut inside {where}<{self.cut_tag}>")
        elif self.truncated and not self.open_tags:
            parts.append("output cut inside a tag or comment")
        if self.open_tags:
            parts.append("unclosed at the end: " + " > ".join(f"<{t}>" for t in self.open_tags))
        return "; ".join(parts) or "output complete"


def _push(stack: list[str], tag: str) -> None:
    implied = _IMPLIED_END.get(tag)
    if implied is not None:
        while stack and stack[-1] in implied:
            stack.pop()
    if tag in _BLOCKS_CLOSING_P and stack and stack[-1] == "p":
        stack.pop()
    stack.append(tag)


def open_elements(html: str) -> list[str]:
    """The elements still open at the end of ``html``, outermost first (html/head/body excluded)."""
    stack: list[str] = []
    position = 0
    while True:
        match = _TOKEN.search(html, position)
        if match is None:
            break
        position = match.end()
        name = match.group(2)
        if name is None:  # a comment
            continue
        tag = name.lower()
        if match.group(1):  # an end tag: close up to the matching open element, if any
            if tag in stack:
                while stack.pop() != tag:
                    pass
            continue
        if tag in VOID_TAGS or match.group(3).rstrip().endswith("/"):
            continue
        _push(stack, tag)
        if tag in _RAW_TEXT:
            closing = re.compile(rf"</{tag}\s*>", re.IGNORECASE).search(html, position)
            if closing is not None:
                stack.pop()
                position = closing.end()
    return [t for t in stack if t not in _ROOTS]


def _close_cut_tag(fragment: str) -> tuple[str, str | None, str | None]:
    """Rebuild a start tag cut before its ``>``: (new source, tag name, cut attribute)."""
    name_match = _TAG_NAME.match(fragment)
    if name_match is None or name_match.end() == len(fragment):
        return "", None, None  # an end tag, a comment, or a tag name that may itself be cut
    if not (fragment[name_match.end()].isspace() or fragment[name_match.end()] == "/"):
        return "&lt;" + fragment[1:], None, None  # text such as ``$a<b$``, not a tag
    name = name_match.group(1).lower()
    complete: list[str] = []
    cut: str | None = None
    position = name_match.end()
    while position < len(fragment):
        attribute = _ATTRIBUTE.match(fragment, position)
        if attribute is None or attribute.end() == position:
            break
        at_end = attribute.end() == len(fragment)
        unquoted = attribute.group(2) is not None or "=" not in attribute.group(0)
        if at_end and unquoted:
            cut = attribute.group(1)  # a bare name or unquoted value running into the cut
        else:
            complete.append(attribute.group(0).strip())
        position = attribute.end()
    rest = fragment[position:].strip()
    if rest and rest != "/":
        cut = complete.pop().split("=", 1)[0] if complete and rest.startswith("=") else cut
    attributes = "".join(" " + a for a in complete)
    return f"<{name}{attributes}>", name, cut


def repair_truncation(html: str) -> tuple[str, Truncation]:
    """Close a start tag cut at the very end of ``html`` and report whether the output is truncated."""
    cut_tag: str | None = None
    cut_attribute: str | None = None
    cut_anything = False
    last_lt = html.rfind("<")
    if last_lt >= 0 and ">" not in html[last_lt:] and re.match(r"<(?:[a-zA-Z/!]|\s*\Z)", html[last_lt:]):
        rebuilt, cut_tag, cut_attribute = _close_cut_tag(html[last_lt:])
        html = html[:last_lt] + rebuilt
        cut_anything = not rebuilt.startswith("&lt;")
    elif re.search(r"<!--(?:(?!-->).)*\Z", html, re.DOTALL):
        cut_anything = True
    # A model that wrote its closing </body> or </html> last finished normally: skip the scan.
    still_open = [] if _ENDS_WITH_ROOT.search(html[-64:]) else open_elements(html)
    truncated = cut_anything or bool(still_open)
    return html, Truncation(truncated, tuple(still_open), cut_tag, cut_attribute)
