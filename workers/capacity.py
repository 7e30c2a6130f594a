"""How many worker processes and how many pages in flight a worker host runs by default.

``docparse worker`` runs ``processes`` Celery worker processes, each with a pool of
``threads`` task threads; each thread runs one chain step (up to ``pages_per_task`` pages of a
document). For an in-process engine a host keeps about ``processes x threads`` pages in flight;
for a remote engine, whose task sends all its pages to the server at once
(:func:`workers.page_job.infer_batch`), each process's page budget bounds the pages its threads
hold (:mod:`workers.page_budget`) and its share of the requests those at the server. The
defaults fit the engine:

- ``openai`` (a vLLM/SGLang server does the model work): ``DOCPARSE_OPENAI_MAX_IN_FLIGHT``
  (64) requests in flight per host — what one vLLM server wants — over one process per CPU core
  (at most 4), since rendering, encoding, parsing and persisting are CPU work that one Python
  process does on one core at a time. Each process caps its requests at its share
  (``requests_per_process``, the engine's semaphore) and holds ``DOCPARSE_RENDER_AHEAD`` (2,
  :data:`workers.settings.RENDER_AHEAD`) times as many pages (its page budget,
  :mod:`workers.page_budget`): while some pages wait on the server, the others render, encode,
  parse and persist, so the server's slots stay full instead of emptying every time a task's
  pages come back (the extra pages wait for a slot already rendered). It runs as many task
  threads as the budget has pages, so that one-page documents — a task each — fill it too; the
  tasks of larger documents take up to ``pages_per_task`` pages each and the threads left over
  wait for pages, so rendered images stay bounded by the budget;
- ``transformers`` (the model in process, on one GPU): one process, ``2 x batch_size``
  threads, so the next batch renders while the model generates the current one;
- anything else (``pdf-text``: CPU work only): one process per core, two threads each.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from docparse.engines.settings import EngineSettings
from workers.engines import is_remote
from workers.settings import RENDER_AHEAD

MAX_DEFAULT_PROCESSES = 4


@dataclass(frozen=True)
class Plan:
    """Worker processes on this host and task threads in each (a remote engine's process runs as
    many as its page budget has pages, and the budget bounds the pages they hold)."""

    processes: int
    threads: int
    requests_per_process: int | None = None
    """A remote engine's cap on requests in flight per process (``None``: not remote)."""
    render_ahead: float = RENDER_AHEAD
    """A remote engine's pages held per process as a multiple of its requests (its page budget)."""

    @property
    def in_flight(self) -> int:
        """Pages in flight on the host: requests at the server for a remote engine, else pages
        being processed."""
        return self.processes * (self.requests_per_process or self.threads)


def plan(
    settings: EngineSettings | None = None,
    *,
    processes: int | None = None,
    in_flight: int | None = None,
    cpus: int | None = None,
    render_ahead: float = RENDER_AHEAD,
) -> Plan:
    """The processes and threads for this host; explicit values win over the defaults above.
    ``render_ahead``: a remote engine's pages held per process (its page budget, and as many task
    threads) as a multiple of its request share (``DOCPARSE_RENDER_AHEAD``)."""
    settings = settings or EngineSettings()
    cpus = max(1, cpus or os.cpu_count() or 1)
    if is_remote(settings):
        default_processes, default_in_flight = min(cpus, MAX_DEFAULT_PROCESSES), settings.openai_max_in_flight
    elif settings.engine == "transformers":
        default_processes, default_in_flight = 1, 2 * settings.batch_size
    else:
        default_processes = cpus
        default_in_flight = 2 * (processes or default_processes)
    n = max(1, processes or default_processes)
    total = max(n, in_flight or default_in_flight)
    if not is_remote(settings):
        return Plan(processes=n, threads=max(1, -(-total // n)))
    share = -(-total // n)  # requests per process
    held = pages_held(render_ahead, share)
    return Plan(processes=n, threads=held, requests_per_process=share, render_ahead=render_ahead)


def pages_held(render_ahead: float, requests: int) -> int:
    """A remote engine's page budget per process (:mod:`workers.page_budget`), and its task threads:
    ``render_ahead`` times its share of the server's requests."""
    return max(1, math.ceil(render_ahead * requests))
