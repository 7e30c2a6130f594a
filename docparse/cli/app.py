"""The ``docparse`` Typer application and what every command shares: options, logging, consoles.

Every command takes ``-v``/``-vv`` (structured logs on stderr at INFO/DEBUG) and
``--log-json`` (the same logs as JSON lines), before the command (``docparse -v ingest ...``)
or after it (``docparse ingest -v ...``); :func:`command` adds them to each command.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar, get_type_hints

import typer
from rich.console import Console

from docparse.cli.output import ExportFormat

app = typer.Typer(
    name="docparse",
    help="Document intelligence: PDFs and scans -> Qwen2.5-VL QwenVL HTML -> typed, validated blocks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dev_app = typer.Typer(help="Developer tools.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(dev_app, name="dev")
app.add_typer(db_app, name="db")
err = Console(stderr=True)

EngineOpt = Annotated[
    str | None, typer.Option("--engine", "-e", help="auto | transformers | openai | pdf-text [env DOCPARSE_ENGINE]")
]
ModelOpt = Annotated[str | None, typer.Option(help="hub id or local directory of the model")]
ModelSpecOpt = Annotated[str | None, typer.Option(help="model preset (see `docparse models`)")]
FormatOpt = Annotated[ExportFormat, typer.Option("--format", "-f", help="output format")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="file, directory (csv) or .zip; default stdout")]
OverlayOpt = Annotated[bool, typer.Option("--overlay", help="html: draw every box on the page image")]
MinPixOpt = Annotated[int | None, typer.Option("--min-pixels", help="model input pixel budget, lower bound")]
MaxPixOpt = Annotated[int | None, typer.Option("--max-pixels", help="model input pixel budget, upper bound")]
VerboseOpt = Annotated[int, typer.Option("--verbose", "-v", count=True, help="-v info logs, -vv debug (stderr)")]
LogJsonOpt = Annotated[bool, typer.Option("--log-json", help="logs as JSON lines (stderr)")]

F = TypeVar("F", bound=Callable[..., Any])
_flags = {"verbose": 0, "log_json": False}


def verbosity() -> int:
    """How many ``-v`` this invocation was given (before and after the command)."""
    return int(_flags["verbose"])


def configure_logs(verbose: int, log_json: bool) -> None:
    """Logging for this invocation (flags before and after the command add up)."""
    from docparse.logs import configure_logging

    _flags["verbose"] = max(_flags["verbose"], verbose)
    _flags["log_json"] = _flags["log_json"] or log_json
    configure_logging(["WARNING", "INFO", "DEBUG"][min(int(_flags["verbose"]), 2)], json_lines=bool(_flags["log_json"]))


def command(group: typer.Typer, name: str | None = None, **settings: Any) -> Callable[[F], F]:
    """Register ``fn`` as a command of ``group`` with the shared ``-v``/``--log-json`` options."""

    def decorate(fn: F) -> F:
        hints = get_type_hints(fn, include_extras=True)  # Typer reads options from evaluated annotations
        signature = inspect.signature(fn)
        params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
        extra = [
            inspect.Parameter("verbose", inspect.Parameter.KEYWORD_ONLY, default=0, annotation=VerboseOpt),
            inspect.Parameter("log_json", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=LogJsonOpt),
        ]

        @functools.wraps(fn)
        def wrapper(*args: Any, verbose: int = 0, log_json: bool = False, **kwargs: Any) -> Any:
            configure_logs(verbose, log_json)
            return fn(*args, **kwargs)

        wrapper.__signature__ = signature.replace(parameters=[*params, *extra])  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**hints, "verbose": VerboseOpt, "log_json": LogJsonOpt}
        group.command(name, **settings)(wrapper)
        return fn

    return decorate


@app.callback()
def _root(verbose: VerboseOpt = 0, log_json: LogJsonOpt = False) -> None:
    """Document intelligence: PDFs and scans -> Qwen2.5-VL QwenVL HTML -> typed, validated blocks."""
    from docparse.engines.registry import UnknownEngine, load_plugins
    from docparse.engines.settings import EngineSettings

    configure_logs(verbose, log_json)
    try:
        load_plugins(EngineSettings().engine_plugins)  # engine names that plugins register become valid
    except UnknownEngine as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
