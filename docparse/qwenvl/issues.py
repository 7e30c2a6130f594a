"""Collecting issues with one severity per code, so every repair is data with a stable shape."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas import Issue, IssueCode, Severity

SEVERITY: dict[IssueCode, Severity] = {
    "fence_stripped": "info",
    "prose_stripped": "info",
    "root_missing": "info",
    "element_empty": "info",
    "empty_output": "error",
    "no_content": "error",
}
"""Codes whose severity is not the default ``warning``: normal wrapping noise is ``info``."""


@dataclass
class IssueLog:
    """An append-only list of issues in the order the repairs happened."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, code: IssueCode, message: str, *, block: int | None = None, detail: str | None = None) -> None:
        self.issues.append(
            Issue(code=code, severity=SEVERITY.get(code, "warning"), message=message, block=block, detail=detail)
        )

    def extend(self, issues: list[Issue]) -> None:
        self.issues.extend(issues)
