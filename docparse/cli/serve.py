"""``docparse serve``: the REST API (with a local worker on the embedded default)."""

from __future__ import annotations

from typing import Annotated

import typer

from docparse.cli.app import app, command, err


@command(app)
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    reload: Annotated[bool, typer.Option("--reload", help="restart on code changes (development)")] = False,
) -> None:
    """Run the REST API (uvicorn). With no broker configured it also starts a local worker process."""
    from pydantic import ValidationError

    from docparse.api import serve as run_server

    try:
        run_server(host=host, port=port, reload=reload)
    except ValidationError as exc:
        err.print(f"[red]invalid API settings:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from None
