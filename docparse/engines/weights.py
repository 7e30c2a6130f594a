"""Where model weights are, whether they are there, and what to tell the user when they are not.

Light module: reads paths and environment variables only (no torch, no transformers, no network).
A spec's ``model`` is either a local directory (an absolute or ``./``/``~`` path, or any path that
exists) or a hub id (``Qwen/Qwen2.5-VL-3B-Instruct``) looked up in the local Hugging Face cache.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from docparse.engines.base import EngineUnavailable
from docparse.engines.specs import ModelSpec

_WEIGHT_PATTERNS = ("*.safetensors", "*.safetensors.index.json", "*.bin", "*.bin.index.json")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
_TRUE = {"1", "true", "yes", "on"}


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` (or the legacy ``TRANSFORMERS_OFFLINE``) forbids network access."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def hf_cache_dir() -> Path:
    """The hub cache directory the Hugging Face libraries use: ``HF_HUB_CACHE``, else ``HF_HOME/hub``."""
    if cache := os.environ.get("HF_HUB_CACHE"):
        return Path(cache).expanduser()
    if home := os.environ.get("HF_HOME"):
        return Path(home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def is_local_model(model: str) -> bool:
    """True when ``model`` names a directory rather than a hub id.

    A path that exists is local; so is one written as a path (absolute, ``./``, ``../``, ``~``)
    even when it does not exist, so that a typo gives a "not found" error instead of a download.
    """
    if model.startswith(("/", "./", "../", "~", ".\\")) or (os.sep != "/" and os.sep in model):
        return True
    return Path(model).exists()


def local_dir_has_weights(path: Path) -> bool:
    """A checkpoint directory: a ``config.json`` and at least one weights file or index."""
    if not (path / "config.json").is_file():
        return False
    return any(any(path.glob(pattern)) for pattern in _WEIGHT_PATTERNS)


def _cached_snapshot(model: str, revision: str | None, cache_dir: Path) -> Path | None:
    repo_dir = cache_dir / f"models--{model.replace('/', '--')}"
    snapshots = repo_dir / "snapshots"
    if not snapshots.is_dir():
        return None
    rev = revision or "main"
    if _COMMIT_RE.match(rev):
        candidates = [snapshots / rev]
    else:
        ref = repo_dir / "refs" / rev
        candidates = [snapshots / ref.read_text().strip()] if ref.is_file() else []
        if revision is None and not candidates:
            candidates = sorted(snapshots.iterdir())
    for snap in candidates:
        if local_dir_has_weights(snap):
            return snap
    return None


def cached_snapshot(spec: ModelSpec) -> Path | None:
    """The local cache snapshot holding ``spec.model`` at ``spec.revision``, if it is complete."""
    if is_local_model(spec.model):
        return None
    return _cached_snapshot(spec.model, spec.revision, hf_cache_dir())


def weights_available(spec: ModelSpec) -> bool:
    """True when the weights can be loaded without the network (local dir or local hub cache)."""
    if is_local_model(spec.model):
        return local_dir_has_weights(Path(spec.model).expanduser())
    return cached_snapshot(spec) is not None


def missing_weights_message(spec: ModelSpec, reason: str | None = None) -> str:
    """A user-facing explanation: which model, where it was looked for, how to fix it."""
    lines = [f"Model weights for {spec.model!r} (spec {spec.name!r}) are not available."]
    if is_local_model(spec.model):
        path = Path(spec.model).expanduser().resolve()
        lines.append(f"Looked for a checkpoint directory (config.json + *.safetensors) at: {path}")
        lines.append("Fix: pass the directory of a downloaded checkpoint with --model PATH, or a hub id.")
    else:
        rev = f" at revision {spec.revision!r}" if spec.revision else ""
        lines.append(f"Looked in the Hugging Face cache{rev}: {hf_cache_dir()} (from HF_HUB_CACHE / HF_HOME).")
        if hub_offline():
            lines.append("HF_HUB_OFFLINE=1 is set, so no download was attempted.")
        lines.append(
            f"Fix: download it with `huggingface-cli download {spec.model}` (or `hf download {spec.model}`), "
            "set HF_HOME to the cache that holds it, or pass a local checkpoint directory with --model PATH."
        )
    if reason:
        lines.append(f"Cause: {reason}")
    return "\n".join(lines)


def check_weights(spec: ModelSpec, *, local_files_only: bool) -> None:
    """Raise :class:`EngineUnavailable` now when loading cannot succeed without a download we may not make."""
    if is_local_model(spec.model):
        if not local_dir_has_weights(Path(spec.model).expanduser()):
            raise EngineUnavailable(missing_weights_message(spec))
    elif local_files_only and cached_snapshot(spec) is None:
        raise EngineUnavailable(missing_weights_message(spec))


def require_model_runtime() -> None:
    """Raise :class:`EngineUnavailable` when torch or transformers cannot be imported."""
    missing = []
    for name in ("torch", "transformers"):
        try:
            __import__(name)
        except ImportError as exc:
            missing.append(f"{name} ({exc})")
    if missing:
        raise EngineUnavailable(
            "The in-process transformers engine needs torch and transformers, which are not installed: "
            + ", ".join(missing)
            + ". Install the model extra: pip install 'docparse[model]' (GPU users: install a CUDA build "
            "of torch first), or use an OpenAI-compatible server engine instead."
        )
