"""A page of Markdown (any tool's) -> the predicted blocks OmniDocBench scores (its ``md_tex_filter``).

In order, on the page text:

1. image links ``![..](..)`` are removed; lines starting a ```` ```markdown ````, ```` ```html ```` or
   ```` ```latex ```` fence and fence ends (```` ``` ```` at a line end) are removed; runs of more
   than four ``_`` or spaces become four; ``<html>``/``<body>`` tags are removed;
2. LaTeX tables (``\\begin{table}..\\end{table}``, then balanced ``tabular`` environments)
   and HTML tables (balanced ``<table ..>..</table>``) are taken out (blanked with spaces);
3. math: ``$$..$$`` and ``\\[..\\]`` become display formulas (blanked); ``$..$`` and
   ``\\(..\\)`` become *inline* formula candidates (kept in the text too);
4. with two or more pipe-table rows, pipe tables become HTML tables
   (:mod:`.markdown_tables`) and are taken out;
5. fenced code with a language tag becomes a text block;
6. ``\\title{}``, ``\\text{}``, ``\\section{}`` wrappers are dropped, and the rest is split at
   blank lines (at newlines when it has none): a piece that is an HTML table is a table,
   one wrapped in ``$`` a display formula, anything else a text block.

Blocks keep their character position, which orders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docparse.eval.odb.markdown_tables import PIPE_ROW, markdown_tables_to_html

_IMAGE = re.compile(r"!\[.*?\]\(.*?\)")
_DISPLAY = re.compile(r"\$\$(.*?)\$\$|\\\[(.*?)\\\]|\$(.*?)\$|\\\((.*?)\\\)", re.DOTALL)
_DOLLARS = re.compile(r"\$\$(.*?)\$\$|\$(.*?)\$|\\\((.*?)\\\)", re.DOTALL)
_HTML_TABLE = re.compile(r"(<table.*?</table>)", re.DOTALL)
_CODE = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)
_LATEX_WRAPPERS = (
    (re.compile(r"\\title\{(.*?)\}"), r"\1"),
    (re.compile(r"\\title\s*\{\s*(.*?)\s*\}", re.DOTALL), r"\1"),
    (re.compile(r"\\text\s*\{\s*(.*?)\s*\}", re.DOTALL), r"\1"),
    (re.compile(r"\\section\*?\{(.*?)\}"), r"\1"),
    (re.compile(r"\\section\*?\{\s*(.*?)\s*\}", re.DOTALL), r"\1"),
)


@dataclass
class PredBlock:
    """One predicted block: ``kind`` is ``text_all``, ``equation_isolated``, ``html_table`` or ``latex_table``
    (OmniDocBench's names); ``fine`` refines it (``text_block``, ``code``, ``equation_inline``,
    ``md2html_table``, or ``""``)."""

    kind: str
    start: int
    end: int
    content: str
    fine: str = ""

    @property
    def category(self) -> str:
        """The category OmniDocBench reports for it: the fine one when set."""
        return self.fine or self.kind


def clean_markdown(content: str) -> str:
    """Step 1 of the module docstring."""
    content = _IMAGE.sub("", content)
    content = re.sub(r"^```markdown\n?", "", content, flags=re.MULTILINE)
    content = re.sub(r"^```html\n?", "", content, flags=re.MULTILINE)
    content = re.sub(r"^```latex\n?", "", content, flags=re.MULTILINE)
    content = re.sub(r"```\n?$", "", content, flags=re.MULTILINE)
    content = re.sub(r"_{4,}", "____", content)
    content = re.sub(r" {4,}", "    ", content)
    for tag in ("<html>", "</html>", "<body>", "</body>"):
        content = content.replace(tag, "")
    return content


def balanced_spans(text: str, begin: str, end: str) -> list[tuple[int, int]]:
    """Outermost balanced ``begin``..``end`` regions; an unclosed start is skipped and the rest rescanned."""
    spans: list[tuple[int, int]] = []
    pos = 0
    stack: list[int] = []
    while pos < len(text):
        b = re.search(begin, text[pos:])
        e = re.search(end, text[pos:])
        if not b and not e:
            break
        if b and (not e or b.start() < e.start()):
            stack.append(pos + b.start())
            pos += b.start() + len(end)
        elif e:
            if stack:
                start = stack.pop()
                if not stack:
                    spans.append((start, pos + e.start() + len(end)))
            pos += e.start() + len(end)
    if stack:
        offset = stack[0] + len(begin)
        spans.extend((s + offset, t + offset) for s, t in balanced_spans(text[offset:], begin, end))
    return spans


def _blank(content: str, start: int, end: int) -> str:
    return content[:start] + " " * (end - start) + content[end:]


def _latex_tables(content: str) -> list[tuple[int, int]]:
    found = []
    for match in re.finditer(r"\\begin{table}(.*?)\\end{table}", content, re.DOTALL):
        found.append((match.start(), match.end()))
        content = _blank(content, match.start(), match.end())
    found.extend(balanced_spans(content, r"\\begin{tabular}", r"\\end{tabular}"))
    return sorted(found, key=lambda span: span[0])


def _formulas(content: str, blocks: list[PredBlock]) -> str:
    for match in _DISPLAY.finditer(content):
        matched = match.group(0)
        if not matched:
            continue
        line = " ".join(matched.strip().split("\n"))
        inner = _DOLLARS.search(line)
        if inner is None:
            content = _blank(content, match.start(), match.end())
            blocks.append(PredBlock("equation_isolated", match.start(), match.end(), line))
        elif inner.group(1):
            content = _blank(content, match.start(), match.end())
            blocks.append(PredBlock("equation_isolated", match.start(), match.end(), _DOLLARS.sub(r"\\[\1\\]", line)))
        else:
            line = _DOLLARS.sub(r"\\[\2\3\\]", line)
            blocks.append(PredBlock("equation_isolated", match.start(), match.end(), line, "equation_inline"))
    return content


def _pieces(content: str, blocks: list[PredBlock]) -> None:
    pieces = content.split("\n\n")
    if len(pieces) == 1:
        pieces = content.split("\n")
    position = 0
    for piece in pieces:
        start, end = position, position + len(piece)
        position += len(piece)
        text = "\n".join(line.strip() for line in piece.strip().strip("\n").split("\n") if line.strip())
        if not text:
            continue
        if text.startswith("<table") and text.endswith("</table>"):
            blocks.append(PredBlock("html_table", start, end, text))
        elif text.startswith("$") and text.endswith("$"):
            if text.replace("$", "").strip():
                blocks.append(PredBlock("equation_isolated", start, end, text.strip()))
        else:
            blocks.append(PredBlock("text_all", start, end, text, "text_block"))


def markdown_blocks(markdown: str) -> list[PredBlock]:
    """The predicted blocks of one page of Markdown, ordered by position (see the module docstring)."""
    content = clean_markdown(markdown)
    blocks: list[PredBlock] = []
    for start, end in _latex_tables(content):
        table = content[start:end]
        blocks.append(PredBlock("latex_table", start, start + len(table), table))
        content = _blank(content, start, start + len(table))
    for start, end in balanced_spans(content, r"<table(?:[^>]*)>", r"</table>"):
        table = content[start:end]
        blocks.append(PredBlock("html_table", start, start + len(table), table))
        content = _blank(content, start, start + len(table))
    content = _formulas(content, blocks)
    if len(PIPE_ROW.findall(content + "\n")) >= 2:
        content = markdown_tables_to_html(content)
        for match in _HTML_TABLE.finditer(content):
            content = _blank(content, match.start(), match.end())
            blocks.append(PredBlock("html_table", match.start(), match.end(), match.group(0).strip(), "md2html_table"))
    for match in _CODE.finditer(content):
        content = _blank(content, match.start(), match.end())
        blocks.append(PredBlock("text_all", match.start(), match.end(), match.group(2).strip(), "code"))
    for pattern, replacement in _LATEX_WRAPPERS:
        content = pattern.sub(replacement, content)
    _pieces(content, blocks)
    return sorted(blocks, key=lambda block: block.start)
