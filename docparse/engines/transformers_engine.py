"""The in-process engine: Qwen2.5-VL (or Qwen3-VL) through ``transformers`` ``generate``.

One model per process: :func:`load_model` keeps a module-level cache keyed by
(model, revision, device, dtype, attention), so a worker process that builds several engines
loads the weights once. Pages are batched (LEFT padding) up to ``batch_size`` per ``generate``
call; on CUDA out-of-memory a batch is halved and retried, down to single pages, and a page
that still does not fit becomes an ``error`` output. Decoding is greedy when the temperature
is 0. A :class:`~docparse.engines.loop_guard.LoopGuard` ends rows whose tail repeats (stop
reason ``loop``); EOS or a stop string from ``spec.stop`` gives ``stop``; hitting
``max_new_tokens`` gives ``length``.

A cancellation token (``infer(..., cancel=token)``, :mod:`docparse.cancellation`) is read by a
stopping criterion at every decoding step: once it is set every row of the batch ends, the
batches not started are skipped and :class:`~docparse.cancellation.Cancelled` is raised, so a
cancelled page frees the model within one token instead of running to ``max_new_tokens``.

``latency_s`` is the wall time of the ``generate`` call that produced the page (input
preparation included), shared by all pages of that batch: per-page time inside a batch is not
observable. Heavy imports (torch, transformers) happen inside functions only.
"""

from __future__ import annotations

import importlib.util
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docparse.cancellation import Cancellation, Cancelled
from docparse.engines.base import EngineInfo, EngineOutput, EngineUnavailable, GenerationOptions, PageInput
from docparse.engines.loop_guard import LoopGuard, LoopGuardConfig
from docparse.engines.qwen_inputs import PageInputError, PreparedPage, QwenInputBuilder, load_image_processor
from docparse.engines.specs import ModelSpec
from docparse.engines.weights import (
    check_weights,
    hf_cache_dir,
    hub_offline,
    is_local_model,
    missing_weights_message,
    require_model_runtime,
)

_MODEL_CLASSES = {
    "qwen2_5_vl": "Qwen2_5_VLForConditionalGeneration",
    "qwen3_vl": "Qwen3VLForConditionalGeneration",
}


@dataclass
class LoadedModel:
    """A model with its tokenizer and image processor, as cached per process."""

    model: Any
    tokenizer: Any
    image_processor: Any
    device: str
    dtype: str
    attn_implementation: str
    commit_hash: str | None


_CACHE: dict[tuple[str, str | None, str, str, str, int, int], LoadedModel] = {}
_CACHE_LOCK = threading.Lock()


def resolve_device(device: str = "auto") -> str:
    """``auto`` -> ``cuda`` when available, then ``mps``, then ``cpu``; anything else is kept."""
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(dtype: str, device: str) -> str:
    """``auto`` -> ``bfloat16`` on CUDA, ``float32`` elsewhere; explicit names are kept."""
    if dtype != "auto":
        return dtype
    return "bfloat16" if device.startswith("cuda") else "float32"


def resolve_attention(attn_implementation: str, device: str) -> str:
    """``auto`` -> ``flash_attention_2`` on CUDA when ``flash_attn`` is importable, else ``sdpa``."""
    if attn_implementation != "auto":
        return attn_implementation
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def _clean_generation_config(model: Any) -> None:
    """Keep only the token ids of the checkpoint's generation config: decoding comes from the spec."""
    from transformers import GenerationConfig

    old = model.generation_config
    eos = old.eos_token_id if old.eos_token_id is not None else model.config.get_text_config().eos_token_id
    pad = old.pad_token_id
    if pad is None:
        pad = eos[0] if isinstance(eos, list) else eos
    model.generation_config = GenerationConfig(bos_token_id=old.bos_token_id, eos_token_id=eos, pad_token_id=pad)


def load_model(
    spec: ModelSpec, *, device: str, dtype: str, attn_implementation: str, local_files_only: bool
) -> LoadedModel:
    """Load (or reuse) the model, tokenizer and image processor named by ``spec``.

    Raises :class:`EngineUnavailable` with a user-facing message when the runtime or the weights
    are missing; never lets a raw loading traceback through.
    """
    check_weights(spec, local_files_only=local_files_only)
    require_model_runtime()
    key = (spec.model, spec.revision, device, dtype, attn_implementation, spec.min_pixels, spec.max_pixels)
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        import torch
        import transformers
        from transformers import AutoTokenizer

        class_name = _MODEL_CLASSES.get(spec.architecture)
        model_cls = getattr(transformers, class_name, None) if class_name else None
        if model_cls is None:
            raise EngineUnavailable(
                f"transformers {transformers.__version__} has no model class for architecture "
                f"{spec.architecture!r} ({class_name}); upgrade transformers."
            )
        source = str(Path(spec.model).expanduser()) if is_local_model(spec.model) else spec.model
        hub: dict[str, Any] = {"revision": spec.revision, "local_files_only": local_files_only}
        if not is_local_model(spec.model):
            hub["cache_dir"] = str(hf_cache_dir())
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **hub)
            image_processor = load_image_processor(source, spec, **hub)
            model = model_cls.from_pretrained(
                source, dtype=getattr(torch, dtype), attn_implementation=attn_implementation, **hub
            )
        except (OSError, ValueError) as exc:  # files missing, not downloadable, or not a checkpoint
            raise EngineUnavailable(missing_weights_message(spec, reason=_first_line(exc))) from None
        except Exception as exc:  # anything else while loading: still a message, with the cause chained
            raise EngineUnavailable(f"Could not load {spec.model!r} (spec {spec.name!r}): {_first_line(exc)}") from exc
        model = model.to(device).eval()
        _clean_generation_config(model)
        tokenizer.padding_side = "left"
        loaded = LoadedModel(
            model=model,
            tokenizer=tokenizer,
            image_processor=image_processor,
            device=device,
            dtype=dtype,
            attn_implementation=attn_implementation,
            commit_hash=getattr(model.config, "_commit_hash", None),
        )
        _CACHE[key] = loaded
        return loaded


def clear_model_cache() -> None:
    """Forget every loaded model (tests; freeing GPU memory)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


class CancelCriterion:
    """A ``generate`` stopping criterion: every row ends once ``cancel`` is set (one bool per
    row, like :class:`~docparse.engines.loop_guard.LoopGuard`)."""

    def __init__(self, cancel: Cancellation) -> None:
        self.cancel = cancel

    def __call__(self, input_ids: Any, scores: Any = None, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.cancel.is_set(), dtype=torch.bool, device=input_ids.device)


def _is_oom(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or torch.cuda.OutOfMemoryError
    return isinstance(exc, oom)


class TransformersEngine:
    """An :class:`~docparse.engines.base.Engine` running a Qwen-VL checkpoint in this process.

    ``spec.model`` is a hub id or a local checkpoint directory. ``local_files_only=None``
    follows ``HF_HUB_OFFLINE``. ``loop_guard`` tunes (or with ``enabled=False`` disables) the
    repetition stop. Construction loads the model (once per process) and raises
    :class:`EngineUnavailable` when it cannot.
    """

    def __init__(
        self,
        spec: ModelSpec,
        *,
        device: str = "auto",
        dtype: str = "auto",
        attn_implementation: str = "auto",
        batch_size: int = 1,
        local_files_only: bool | None = None,
        loop_guard: LoopGuardConfig | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if spec.architecture not in _MODEL_CLASSES:
            raise EngineUnavailable(f"the transformers engine does not support architecture {spec.architecture!r}")
        self.spec = spec
        self.batch_size = batch_size
        self._batch = batch_size  # the working batch size of the current call (halved on OOM)
        self.loop_guard = loop_guard or LoopGuardConfig()
        offline = hub_offline() if local_files_only is None else local_files_only
        check_weights(spec, local_files_only=offline)
        require_model_runtime()
        dev = resolve_device(device)
        self.loaded = load_model(
            spec,
            device=dev,
            dtype=resolve_dtype(dtype, dev),
            attn_implementation=resolve_attention(attn_implementation, dev),
            local_files_only=offline,
        )
        model = self.loaded.model
        self.inputs = QwenInputBuilder(
            self.loaded.tokenizer, self.loaded.image_processor, spec, image_token_id=int(model.config.image_token_id)
        )
        eos = model.generation_config.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self.finished_ids = self.eos_ids | {int(model.generation_config.pad_token_id)}

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(
            name="transformers",
            model=self.spec.model,
            convention=self.spec.convention,
            min_pixels=self.spec.min_pixels,
            max_pixels=self.spec.max_pixels,
            model_revision=self.loaded.commit_hash or self.spec.revision,
            spec=self.spec.name,
            prompt_version=self.spec.prompt_version,
            patch_factor=self.spec.patch_factor,
            extra={
                "device": self.loaded.device,
                "dtype": self.loaded.dtype,
                "attn_implementation": self.loaded.attn_implementation,
                "batch_size": str(self.batch_size),
            },
        )

    def generation_kwargs(self, options: GenerationOptions | None) -> dict[str, Any]:
        """``generate`` keyword arguments from the spec, overridden by ``options``."""
        opts = options or GenerationOptions()
        temperature = self.spec.temperature if opts.temperature is None else opts.temperature
        top_p = self.spec.top_p if opts.top_p is None else opts.top_p
        penalty = self.spec.repetition_penalty if opts.repetition_penalty is None else opts.repetition_penalty
        kwargs: dict[str, Any] = {
            "max_new_tokens": opts.max_new_tokens or self.spec.max_new_tokens,
            "do_sample": temperature > 0,
        }
        if temperature > 0:
            kwargs["temperature"] = temperature
            if top_p is not None:
                kwargs["top_p"] = top_p
        if penalty is not None and penalty != 1.0:
            kwargs["repetition_penalty"] = penalty
        if self.spec.stop:
            kwargs["stop_strings"] = list(self.spec.stop)
            kwargs["tokenizer"] = self.loaded.tokenizer
        return kwargs

    def infer(
        self,
        pages: Sequence[PageInput],
        options: GenerationOptions | None = None,
        *,
        cancel: Cancellation | None = None,
    ) -> list[EngineOutput]:
        """One output per page, in order; a page that fails becomes an ``error`` output.
        :class:`Cancelled` once ``cancel`` is set (generation stops at the next token)."""
        outputs: list[EngineOutput | None] = [None] * len(pages)
        ready: list[tuple[int, PreparedPage]] = []
        for i, page in enumerate(pages):
            try:
                ready.append((i, self.inputs.prepare(page)))
            except PageInputError as exc:
                outputs[i] = EngineOutput(text="", stop_reason="error", error=str(exc))
        kwargs = self.generation_kwargs(options)
        if cancel is not None:
            kwargs["stopping_criteria"] = [CancelCriterion(cancel)]
        self._batch = self.batch_size
        start = 0
        while start < len(ready):
            chunk = ready[start : start + self._batch]
            start += len(chunk)
            for i, out in self._run(chunk, kwargs, cancel):
                outputs[i] = out
            if cancel is not None and cancel.is_set():  # the rows just generated were cut short
                raise Cancelled(cancel.reason or "cancelled")
        return [o if o is not None else EngineOutput(text="", stop_reason="error", error="not run") for o in outputs]

    def _run(
        self, chunk: list[tuple[int, PreparedPage]], kwargs: dict[str, Any], cancel: Cancellation | None = None
    ) -> list[tuple[int, EngineOutput]]:
        """Generate for ``chunk``; on failure split it (halving the batch on OOM) down to single pages."""
        try:
            results = self._generate([p for _, p in chunk], kwargs)
            return [(i, out) for (i, _), out in zip(chunk, results, strict=True)]
        except Exception as exc:  # a batch failure must not fail the others
            oom = _is_oom(exc)
            if oom:
                self._free_memory()
            if len(chunk) == 1:
                what = "CUDA out of memory" if oom else "generation failed"
                error = f"{what}: {_first_line(exc)}"
                return [(chunk[0][0], EngineOutput(text="", stop_reason="error", error=error))]
            half = (len(chunk) + 1) // 2
            if oom:
                self._batch = max(1, min(self._batch, half))
            else:
                half = 1
            out: list[tuple[int, EngineOutput]] = []
            for s in range(0, len(chunk), half):
                if cancel is not None and cancel.is_set():
                    break  # the caller raises Cancelled; these rows are not wanted any more
                out.extend(self._run(chunk[s : s + half], kwargs, cancel))
            return out

    def _free_memory(self) -> None:
        import gc

        import torch

        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()

    def _generate(self, prepared: list[PreparedPage], kwargs: dict[str, Any]) -> list[EngineOutput]:
        """``generate`` over ``prepared`` with ``kwargs``; the loop guard joins the stopping
        criteria given there (the cancellation criterion)."""
        import torch

        t0 = time.perf_counter()
        model = self.loaded.model
        batch = self.inputs.collate(prepared, device=model.device)
        batch["pixel_values"] = batch["pixel_values"].to(model.dtype)
        width = batch["input_ids"].shape[1]
        guard = LoopGuard(prompt_length=width, config=self.loop_guard, finished_ids=self.finished_ids)
        options = {k: v for k, v in kwargs.items() if k != "stopping_criteria"}
        criteria = [guard, *kwargs.get("stopping_criteria", ())]
        with torch.inference_mode():
            sequences = model.generate(**batch, **options, stopping_criteria=criteria)
        latency = time.perf_counter() - t0
        generated = sequences[:, width:].tolist()
        return [
            self._output(row, tokens, guard, page.prompt_tokens, latency)
            for row, (tokens, page) in enumerate(zip(generated, prepared, strict=True))
        ]

    def _stop_string_end(self, tokens: list[int], bound: int) -> int | None:
        """The shortest prefix (in tokens, at most ``bound``) whose text contains a stop string."""
        decode = self.loaded.tokenizer.decode

        def hit(k: int) -> bool:
            text = decode(tokens[:k], skip_special_tokens=True)
            return any(s in text for s in self.spec.stop)

        if not self.spec.stop or bound == 0 or not hit(bound):
            return None
        lo, hi = 1, bound
        while lo < hi:
            mid = (lo + hi) // 2
            if hit(mid):
                hi = mid
            else:
                lo = mid + 1
        return lo

    def _output(
        self, row: int, tokens: list[int], guard: LoopGuard, prompt_tokens: int, latency: float
    ) -> EngineOutput:
        """Stop reason and counts for one row: the earliest of EOS, stop string and loop, else ``length``."""
        ends: list[tuple[int, str]] = []
        eos_at = next((k for k, t in enumerate(tokens) if t in self.eos_ids), None)
        if eos_at is not None:
            ends.append((eos_at + 1, "stop"))
        if row in guard.fired:
            ends.append((guard.fired[row], "loop"))
        bound = min([e for e, _ in ends] + [len(tokens)])
        stop_end = self._stop_string_end(tokens, bound)
        if stop_end is not None:
            ends.append((stop_end, "stop"))
        if ends:
            end, reason = min(ends, key=lambda e: (e[0], e[1] != "stop"))
        else:
            end, reason = len(tokens), "length"
        text = self.loaded.tokenizer.decode(tokens[:end], skip_special_tokens=True)
        return EngineOutput(
            text=text,
            stop_reason=reason,  # type: ignore[arg-type]
            prompt_tokens=prompt_tokens,
            completion_tokens=end,
            latency_s=latency,
        )
