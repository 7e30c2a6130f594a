"""The bench scenarios, each a ``run(ctx) -> ScenarioResult`` in its own module, in report order."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SCENARIOS", "Context"]

SCENARIOS: tuple[str, ...] = ("render", "orchestration", "capacity", "parser", "persistence", "memory", "model")
"""Scenario keys in the order they run and print (modules of this package)."""


@dataclass
class Context:
    """What every scenario gets: the mode, a scratch folder and the command-line options."""

    quick: bool
    tmp: Path
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, name: str, default: Any = None) -> Any:
        value = self.options.get(name)
        return default if value is None else value
