"""Task names, importable without importing the tasks (the enqueue client sends by name), and
the small typed face of a Celery app that senders use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

RENDER_TASK = "docparse.render_document"
"""``(document_id)`` on the render queue: open the document, create its pages, fan out inference."""

INFER_TASK = "docparse.infer_pages"
"""``(document_id, numbers)`` on the infer queue: infer, parse and persist those pages."""


class TaskApp(Protocol):
    """What intake, the API and the enqueue client use of a Celery app (``celery.Celery`` is one):
    its configuration (``conf.task_always_eager`` says embedded), its registered tasks (run in
    process in embedded mode) and ``send_task`` (by name, with a broker)."""

    @property
    def conf(self) -> Any: ...

    @property
    def tasks(self) -> Mapping[str, Any]: ...

    def finalize(self, auto: bool = False) -> None: ...

    def send_task(self, name: str, args: Sequence[Any] | None = None, **options: Any) -> Any: ...
