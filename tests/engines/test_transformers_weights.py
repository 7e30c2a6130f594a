"""Missing weights, missing runtime, weights_available and lazy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from docparse.engines.base import EngineUnavailable
from docparse.engines.specs import get_spec
from docparse.engines.weights import hf_cache_dir, require_model_runtime, weights_available


def test_importing_the_engine_modules_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "import docparse.engines.transformers_engine, docparse.engines.tiny_model\n"
        "import docparse.engines.qwen_inputs, docparse.engines.loop_guard, docparse.engines.weights\n"
        "heavy = [m for m in ('torch', 'transformers', 'tokenizers') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_nonexistent_local_dir_is_a_clear_engine_unavailable(tmp_path: Path) -> None:
    from docparse.engines.transformers_engine import TransformersEngine

    missing = tmp_path / "no-such-checkpoint"
    spec = get_spec("qwen2.5-vl-3b").with_model(str(missing))
    with pytest.raises(EngineUnavailable) as info:
        TransformersEngine(spec)
    message = str(info.value)
    assert str(missing) in message
    assert "--model" in message
    assert "Traceback" not in message


def test_offline_hub_id_not_in_cache_is_a_clear_engine_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docparse.engines.transformers_engine import TransformersEngine

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    spec = get_spec("qwen2.5-vl-3b")
    with pytest.raises(EngineUnavailable) as info:
        TransformersEngine(spec)
    message = str(info.value)
    assert "Qwen/Qwen2.5-VL-3B-Instruct" in message
    assert str(tmp_path / "hf" / "hub") in message
    assert "huggingface-cli download Qwen/Qwen2.5-VL-3B-Instruct" in message
    assert "HF_HOME" in message
    assert "HF_HUB_OFFLINE" in message
    assert not (tmp_path / "hf").exists()  # nothing was downloaded or created


def test_weights_available_for_local_dirs(tmp_path: Path, tiny_model_dir: Path) -> None:
    spec = get_spec("qwen2.5-vl-3b")
    assert weights_available(spec.with_model(str(tiny_model_dir)))
    assert not weights_available(spec.with_model(str(tmp_path / "missing")))
    (tmp_path / "only-config").mkdir()
    (tmp_path / "only-config" / "config.json").write_text("{}")
    assert not weights_available(spec.with_model(str(tmp_path / "only-config")))


def test_weights_available_for_hub_ids_in_the_local_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    spec = get_spec("qwen2.5-vl-3b")
    assert hf_cache_dir() == tmp_path / "cache"
    assert not weights_available(spec)
    repo = tmp_path / "cache" / "models--Qwen--Qwen2.5-VL-3B-Instruct"
    commit = "a" * 40
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    assert not weights_available(spec)  # config without weights
    (snapshot / "model.safetensors.index.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    assert weights_available(spec)
    assert weights_available(spec.with_model(spec.model, revision=commit))
    assert not weights_available(spec.with_model(spec.model, revision="b" * 40))
    assert not weights_available(get_spec("qwen2.5-vl-7b"))


def test_missing_runtime_is_a_clear_engine_unavailable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from docparse.engines.transformers_engine import TransformersEngine

    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text("{}")
    (checkpoint / "model.safetensors").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(EngineUnavailable, match=r"docparse\[model\]"):
        require_model_runtime()
    with pytest.raises(EngineUnavailable, match=r"torch.*not installed"):
        TransformersEngine(get_spec("qwen2.5-vl-3b").with_model(str(checkpoint)))
