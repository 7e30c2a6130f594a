"""The work behind the tasks, as plain functions (testable without Celery): ids in, database out.

- :func:`render_document` (:mod:`workers.render_job`): open a document, create its page rows.
- :func:`run_pages` (:mod:`workers.page_job`): one chain step — claim pages, run, save each.
- :func:`fail_pages`, :func:`is_transient` (:mod:`workers.faults`): failing with a reason,
  and which faults are worth a retry.
- :func:`reconcile` (:mod:`workers.reconciler`): re-enqueue work whose task was lost.
"""

from __future__ import annotations

from workers.faults import fail_pages, is_transient
from workers.page_job import SavedPages, StepResult, cancelled, run_pages, save_pages
from workers.reconciler import reconcile
from workers.render_job import render_document

__all__ = [
    "SavedPages",
    "StepResult",
    "cancelled",
    "fail_pages",
    "is_transient",
    "reconcile",
    "render_document",
    "run_pages",
    "save_pages",
]
