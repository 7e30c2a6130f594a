"""The OmniDocBench protocol's result as a rich table: the headline figures, then what was missing."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

HEADLINES = (
    (("text_block", "Edit_dist", "ALL_page_avg"), "text edit distance, page average ↓ (leaderboard)"),
    (("text_block", "Edit_dist", "edit_whole"), "text edit distance, whole ↓"),
    (("display_formula", "Edit_dist", "edit_sample_avg"), "display formula edit distance, sample average ↓"),
    (("display_formula", "Edit_dist", "ALL_page_avg"), "display formula edit distance, page average ↓"),
    (("table", "TEDS", "all"), "table TEDS, over tables ↑"),
    (("table", "page", "TEDS", "ALL"), "table TEDS, page average ↑ (leaderboard)"),
    (("table", "TEDS_structure_only", "all"), "table TEDS-structure, over tables ↑"),
    (("table", "page", "TEDS_structure_only", "ALL"), "table TEDS-structure, page average ↑ (leaderboard)"),
    (("table", "Edit_dist", "ALL_page_avg"), "table edit distance, page average ↓"),
    (("reading_order", "Edit_dist", "ALL_page_avg"), "reading order edit distance, page average ↓ (leaderboard)"),
)
"""(path in the result, label) of the headline figures; "leaderboard" marks those OmniDocBench's tables show."""


def headline(result: dict[str, Any], *path: str) -> float | None:
    """One figure of an OmniDocBench result by its path of keys (``None``: nothing to score)."""
    value: Any = result
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, float | int) else None


def render_omnidocbench(result: dict[str, Any], title: str, console: Console) -> None:
    """Print the headline figures, the number of samples behind each element, and missing predictions."""
    table = Table(title=escape(title))
    table.add_column("metric (OmniDocBench end-to-end, quick_match)")
    table.add_column("value", justify="right")
    table.add_column("pages", justify="right")
    for path, label in HEADLINES:
        value = headline(result, *path)
        pages = sum(v is not None for v in result.get(path[0], {}).get("per_page", {}).values())
        table.add_row(label, "n/a" if value is None else f"{value:.4f}", str(pages))
    console.print(table)
    missing = result.get("missing_predictions") or []
    line = f"{result.get('pages', 0)} page(s); {len(missing)} without a prediction (scored as empty)"
    console.print(line + (": " + ", ".join(missing) if missing else ""), markup=False, highlight=False)
    unused = result.get("unused_predictions") or []
    if unused:
        console.print(f"{len(unused)} prediction file(s) matched no page: " + ", ".join(unused), markup=False)
