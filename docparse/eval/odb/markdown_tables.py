"""Pipe tables in Markdown -> HTML tables, the way OmniDocBench's ``convert_markdown_to_html`` does it.

Each ``| .. |`` line (shortest match up to ``|`` + newline) becomes a one-row table; runs of
such tables are then merged into one ``<table>``: rows come from every line of the run,
``th`` become ``td``, and lines that look like a delimiter row (holding ``---`` or ``:``)
are dropped, as are runs of fewer than three lines. Finally ``<table>`` gets
``border="1"`` and every plain ``<td>`` gets ``colspan="1" rowspan="1"``.
"""

from __future__ import annotations

import re

PIPE_ROW = re.compile(r"\|\s*.*?\s*\|\n", re.DOTALL)
"""A Markdown table row, as OmniDocBench finds them (two or more mean the page has a pipe table)."""
_TABLE_LINE_TAGS = re.compile(r"</?t(able|head|body)>")


def _row_table(markdown: str) -> str:
    rows = [row.strip() for row in markdown.strip().split("\n")]
    out = "<table>\n  <thead>\n    <tr>\n"
    for cell in (c.strip() for c in rows[0].split("|")[1:-1]):
        out += f"      <th>{cell}</th>\n"
    out += "    </tr>\n  </thead>\n  <tbody>\n"
    for row in rows[2:]:
        out += "    <tr>\n"
        for cell in (c.strip() for c in row.split("|")[1:-1]):
            out += f"      <td>{cell}</td>\n"
        out += "    </tr>\n"
    return out + "  </tbody>\n</table>\n"


def _is_delimiter_row(line: str) -> bool:
    return bool(re.search(r"-*?:", line) or re.search(r"---", line) or re.search(r":-*?", line))


def _merge(block: str) -> str:
    block = re.sub(r"<!--[\s\S]*?-->", "", block)
    lines: list[str] = []
    for table in re.findall(r"<table>[\s\S]*?</table>", block):
        rows = [
            line.replace("<th>", "<td>").replace("</th>", "</td>") if "<th>" in line else line
            for line in table.split("\n")
        ]
        kept = [line for line in rows if not _TABLE_LINE_TAGS.search(line)]
        if len(kept) > 2:
            lines.extend(kept)
    return "\n\n<table>\n{}\n</table>\n\n".format("\n".join(lines))


def _merge_runs(text: str) -> str:
    output: list[str] = []
    in_table = False
    block = ""
    last = ""
    for line in text.split("\n"):
        if "<table>" in line:
            in_table = True
            block += last
        elif in_table:
            if not _is_delimiter_row(last) and "</thead>" not in last:
                block += "\n" + last
            if "</table>" in last:
                in_table = False
                output.append(_merge(block))
                block = ""
        else:
            output.append(last)
        last = line
    if last:
        if in_table or "</table>" in last:
            block += "\n" + last
            output.append(_merge(block))
        else:
            output.append(last)
    return "\n".join(output)


def markdown_tables_to_html(markdown: str) -> str:
    """The page with its pipe tables turned into HTML tables (see the module docstring)."""
    markdown = markdown.replace("\r", "") + "\n"
    for row in PIPE_ROW.findall(markdown):
        markdown = markdown.replace(row, _row_table(row), 1)
    merged = _merge_runs(markdown)
    return merged.replace("<table>", '<table border="1" >').replace("<td>", '<td colspan="1" rowspan="1">')
