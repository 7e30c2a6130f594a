"""Options and fixtures of the QwenVL parser tests.

Regenerate the golden files with ``pytest tests/qwenvl --update-goldens`` (or the
environment variable ``DOCPARSE_UPDATE_GOLDENS=1``), then review the diff before committing.
"""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/qwenvl/goldens/*.json from the current parser output",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether golden files are to be rewritten instead of compared."""
    return (
        bool(request.config.getoption("--update-goldens", default=False))
        or os.environ.get("DOCPARSE_UPDATE_GOLDENS") == "1"
    )
