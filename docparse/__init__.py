"""docparse: PDFs and scans -> Qwen2.5-VL QwenVL HTML -> typed, validated blocks.

``docparse.parse_file(path)`` is the in-process entry point (see :mod:`docparse.pipeline`).
Imports are lazy so that ``import docparse`` stays cheap.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "parse_file"]


def __getattr__(name: str) -> Any:
    if name == "parse_file":
        from docparse.logs import library_defaults
        from docparse.pipeline import parse_file

        library_defaults()

        return parse_file
    raise AttributeError(f"module 'docparse' has no attribute {name!r}")
