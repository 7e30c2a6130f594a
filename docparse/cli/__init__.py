"""The ``docparse`` command: each command is a few lines over the library.

One module per group of commands: :mod:`~docparse.cli.parse` (parse, parse-html),
:mod:`~docparse.cli.info` (models, schema, version, dev tiny-model),
:mod:`~docparse.cli.pipeline` (ingest, status, cancel, reprocess, export, worker, db upgrade),
:mod:`~docparse.cli.serve`, :mod:`~docparse.cli.eval`, :mod:`~docparse.cli.bench`,
:mod:`~docparse.cli.review` (review list / accept / flag / history / assign); the shared
options live in :mod:`~docparse.cli.app`, console rendering in :mod:`~docparse.cli.output`
and :mod:`~docparse.cli.tables`.

Exit codes: 0 the document is ``done`` or ``partial``; 1 it ``failed`` (the reason is
printed), or an unexpected internal error (one line; ``-vv`` shows the traceback); 2 bad usage
(an option over an operator limit included); 3 the requested engine cannot start (the message
says how to fix it). Input never produces a traceback.
"""

from __future__ import annotations

from docparse.cli import bench, eval, info, parse, pipeline, review, serve  # noqa: F401 - register the commands
from docparse.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point. Bad input is reported by each command with its reason; should
    anything else escape, it is one line on stderr (exit 1), never a traceback — unless ``-vv``."""
    try:
        app()
    except Exception as exc:
        from docparse.cli.app import err, verbosity

        if verbosity() >= 2:
            raise
        err.print(f"[red]internal error:[/red] {type(exc).__name__}: {exc} (run with -vv for the traceback)")
        raise SystemExit(1) from None
