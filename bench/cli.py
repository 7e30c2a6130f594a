"""``python -m bench`` / ``make bench`` / ``docparse bench``: run the scenarios, print, write JSON.

::

    python -m bench                       # every scenario, default sizes (< 10 min on 2 cores)
    python -m bench --quick               # tiny inputs (about a minute): the smoke test's mode
    python -m bench --only render,parser  # some scenarios
    python -m bench --engine transformers --model tiny   # adds the model scenario
    python -m bench --engine openai --openai-url http://localhost:8000/v1

Exit status: 0 when the run completed (missed targets are reported, not hidden, and do not fail
the run unless ``--strict``), 1 when a scenario errored, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import tempfile
import time
import traceback
from pathlib import Path

from rich.console import Console

from bench.machine import machine_info, versions
from bench.report import Report, ScenarioResult, print_report, write_json
from bench.scenarios import SCENARIOS, Context
from bench.services import postgres_version

__all__ = ["build_parser", "main", "run_bench"]

DEFAULT_JSON = Path("out/bench.json")


def build_parser() -> argparse.ArgumentParser:
    """The command line (also used by ``docparse bench``)."""
    p = argparse.ArgumentParser(prog="bench", description="docparse performance report (figures vs same-run baselines)")
    p.add_argument("--quick", action="store_true", help="tiny inputs, about a minute (smoke test)")
    p.add_argument("--only", help=f"comma-separated scenarios among {', '.join(SCENARIOS)}")
    p.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"report file (default {DEFAULT_JSON})")
    p.add_argument("--no-json", action="store_true", help="do not write the JSON report")
    p.add_argument("--strict", action="store_true", help="exit 3 when a target is missed")
    model = p.add_argument_group("model scenario")
    model.add_argument("--engine", choices=["transformers", "openai"], help="run the model scenario on this engine")
    model.add_argument("--model", help="model directory or hub id (transformers: 'tiny' builds the tiny test model)")
    model.add_argument("--model-spec", help="preset name (see `docparse models`)")
    model.add_argument("--openai-url", help="OpenAI-compatible server, e.g. http://localhost:8000/v1")
    model.add_argument("--openai-model", help="model name on that server")
    model.add_argument("--device", help="transformers: auto | cuda | mps | cpu")
    model.add_argument("--batch-size", type=int, help="transformers: pages per generate call")
    model.add_argument("--min-pixels", type=int)
    model.add_argument("--max-pixels", type=int)
    model.add_argument("--max-new-tokens", type=int)
    model.add_argument("--model-pages", type=int, help="pages to infer (default 8; quick 2)")
    sizes = p.add_argument_group("sizes (defaults depend on --quick)")
    sizes.add_argument("--render-pages", type=int, help="pages of the generated mixed document (default 200)")
    sizes.add_argument("--poppler-pages", type=int, help="pages rendered with pdf2image (default 16)")
    sizes.add_argument("--latency", type=float, help="bench-sleep seconds per page (default 0.2)")
    sizes.add_argument("--concurrency", type=int, help="worker concurrency (default 1)")
    sizes.add_argument("--orchestration-seconds", type=float, help="target length of each configuration (25)")
    sizes.add_argument("--parser-seconds", type=float, help="seconds per parser figure (default 2)")
    sizes.add_argument("--capacity-slots", type=int, help="capacity server: requests at once (default 64)")
    sizes.add_argument("--capacity-latency", type=float, help="capacity server: seconds per request (default 2)")
    sizes.add_argument("--capacity-seconds", type=float, help="capacity: target seconds per configuration (25)")
    sizes.add_argument("--persist-pages", type=int, help="pages written per database and figure (default 320)")
    sizes.add_argument("--persist-group", type=int, help="pages per transaction with group commit (default 32)")
    sizes.add_argument("--memory-pages", type=int, help="pages of the big PDF (default 500)")
    return p


def _selected(only: str | None) -> list[str]:
    if not only:
        return list(SCENARIOS)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}: choose among {', '.join(SCENARIOS)}")
    return [n for n in SCENARIOS if n in names]


def _run_one(key: str, ctx: Context, console: Console) -> ScenarioResult:
    module = importlib.import_module(f"bench.scenarios.{key}")
    console.print(f"[dim]running {key} ...[/dim]")
    start = time.perf_counter()
    try:
        result: ScenarioResult = module.run(ctx)
    except Exception as exc:  # one broken scenario must not hide the others' figures
        result = ScenarioResult(key, key, status="error", reason=f"{type(exc).__name__}: {exc}")
        console.print(f"[red]{key} failed:[/red]\n{traceback.format_exc()[-2000:]}")
    result.wall_s = time.perf_counter() - start
    return result


def run_bench(args: argparse.Namespace, console: Console | None = None) -> Report:
    """Run the selected scenarios and return the report (printing progress, not the report)."""
    console = console or Console(width=160)
    keys = _selected(args.only)
    options = {k: v for k, v in vars(args).items() if k not in ("quick", "only", "json", "no_json", "strict")}
    settings = {"quick": args.quick, "scenarios": keys, **{k: v for k, v in options.items() if v is not None}}
    report = Report(machine=machine_info(), versions=versions(postgres_version()), settings=settings)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docparse-bench-") as tmp:
        ctx = Context(quick=args.quick, tmp=Path(tmp), options=options)
        for key in keys:
            report.scenarios.append(_run_one(key, ctx, console))
    report.wall_s = time.perf_counter() - start
    return report


def _quiet_logs() -> None:
    from docparse.logs import configure_logging

    configure_logging("WARNING")
    logging.getLogger("celery").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench``, ``make bench`` and ``docparse bench``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(width=160)
    try:
        _selected(args.only)
    except ValueError as exc:
        parser.print_usage()
        console.print(f"[red]error:[/red] {exc}")
        return 2
    _quiet_logs()
    report = run_bench(args, console)
    print_report(report, console)
    if not args.no_json:
        write_json(report, args.json)
        console.print(f"JSON report: {args.json}")
    if any(s.status == "error" for s in report.scenarios):
        return 1
    if args.strict and report.targets()[1]:
        return 3
    return 0
