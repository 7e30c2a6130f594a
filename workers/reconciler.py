"""Recovery without a person: the database is the truth, the broker only a delivery mechanism.

Every worker process runs :class:`Reconciler` (a daemon thread, every ``heartbeat_s``). A pass
looks at the ``queued``/``running`` documents whose tasks were last sent more than
``recover_after_s`` ago (:meth:`storage.claims.PageClaims.stalled`) and, per document:

- never rendered (its render task was lost: the broker restarted empty, the worker died) —
  sends the render task again;
- every page processed but no status (cannot normally happen) — derives the status;
- pages whose lease ran out (the worker holding them died, or was ended by the page time
  limit) — starts chains again; the next claim counts the death on those pages;
- nobody holds its pages and no page changed for ``recover_after_s`` while the broker's
  queues are empty — its tasks were lost: starts chains again;
- a live worker holds pages — nothing.

Several reconcilers may run (one per worker process): a compare-and-set on the document's
``dispatched_at`` lets exactly one re-enqueue a document per period. Re-enqueued work is safe
because every write is idempotent and pages are claimed: a duplicate task finds nothing to
claim and ends. So documents never stay non-terminal with nothing queued, without waiting
for the broker's visibility timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from workers import dispatch
from workers.runtime import WorkerRuntime

log = structlog.get_logger("docparse.workers")


def reconcile(rt: WorkerRuntime, app: Any, queues_idle: Callable[[], bool] | None = None) -> dict[str, int]:
    """One pass (see the module docstring); returns how many documents got each action."""
    recover_s = rt.settings.recover_after_s
    with rt.db.unit_of_work() as uow:
        stalled = uow.claims.stalled(recover_s)
    counts: dict[str, int] = {}
    idle: bool | None = None
    horizon = datetime.now(UTC) - timedelta(seconds=recover_s)
    for doc in stalled:
        action = doc.action
        if action == "busy":
            continue
        if action == "idle":
            if doc.last_progress is not None and doc.last_progress > horizon:
                continue
            if idle is None:
                idle = queues_idle() if queues_idle is not None else True
            if not idle:
                continue
        with rt.db.unit_of_work() as uow:
            if not uow.claims.take_dispatch(doc.id, recover_s):
                continue  # another reconciler took it this period
            if action == "derive":
                uow.pages.derive(doc.id)
            uow.commit()
        if action == "render":
            dispatch.send_render(app, doc.id)
        elif action in ("resume", "idle"):
            dispatch.start_chains(app, doc.id, doc.unprocessed - doc.live_leases)
        counts[action] = counts.get(action, 0) + 1
        log.warning("recovery.requeued", document=doc.id, action=action, unprocessed=doc.unprocessed)
    return counts


def broker_queues_idle(app: Any, queues: list[str]) -> bool:
    """Whether the broker holds no ready message on ``queues`` (a queue that does not exist is
    empty). Unknown (the broker does not say): ``True`` — a duplicate task is harmless."""
    try:
        with app.connection_for_write() as connection:
            for queue in queues:
                channel = connection.channel()
                try:
                    _, count, _ = channel.queue_declare(queue=queue, passive=True)
                except Exception:  # NOT_FOUND: no queue, no message
                    count = 0
                finally:
                    try:
                        channel.close()
                    except Exception:  # the broker closed it after NOT_FOUND
                        log.debug("recovery.channel_closed", queue=queue)
                if count:
                    return False
    except Exception as exc:
        log.warning("recovery.broker_unreachable", error=repr(exc))
        return False  # the broker is away: nothing can be sent anyway
    return True


class Reconciler:
    """The periodic pass, in a daemon thread of a worker process."""

    def __init__(self, rt: WorkerRuntime, app: Any) -> None:
        self.rt, self.app = rt, app
        settings = rt.settings
        self._queues = [settings.render_queue, settings.infer_queue]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="docparse-reconciler", daemon=True)

    def start(self) -> Reconciler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.rt.settings.heartbeat_s):
            try:
                reconcile(self.rt, self.app, lambda: broker_queues_idle(self.app, self._queues))
            except Exception as exc:  # the database or the broker may be away: next period
                log.warning("recovery.failed", error=repr(exc))
