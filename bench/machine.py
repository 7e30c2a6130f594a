"""What the figures were measured on: machine and library versions (for the JSON report)."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["machine_info", "versions"]

PACKAGES = (
    "docparse",
    "torch",
    "transformers",
    "pymupdf",
    "pdf2image",
    "pillow",
    "lxml",
    "sqlalchemy",
    "psycopg",
    "celery",
    "redis",
    "pydantic",
    "psutil",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine_info() -> dict[str, Any]:
    """CPU count and model, memory, OS, Python."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu_count": os.cpu_count(),
        "cpu_available": affinity,
        "cpu_model": _cpu_model(),
        "memory_gb": _memory_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "gpu": Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None,
    }


def _poppler() -> str | None:
    exe = shutil.which("pdftoppm")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    first = (out.stderr or out.stdout).strip().splitlines()
    return first[0].split()[-1] if first else None


def versions(postgres_version: str | None = None) -> dict[str, Any]:
    """Installed versions of the libraries that shape the figures, poppler, and the PostgreSQL server."""
    found: dict[str, Any] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    found["poppler"] = _poppler()
    found["postgres_server"] = postgres_version
    try:
        import sqlite3

        found["sqlite"] = sqlite3.sqlite_version
    except ImportError:  # pragma: no cover
        found["sqlite"] = None
    return found
