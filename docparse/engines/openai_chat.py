"""The chat-completions wire format of the ``openai`` engine: request body and answer reading.

Pure functions over plain values (no client, no loop); the request shape is described in
:mod:`docparse.engines.openai_engine`.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from docparse.engines.base import EngineOutput, GenerationOptions
from docparse.engines.openai_http import MalformedResponse, error_message
from docparse.engines.specs import ModelSpec
from docparse.image_codec import ENCODED_MEDIA_TYPES, ImageFormat
from schemas import StopReason

logger = logging.getLogger("docparse.engines.openai")

#: Finish reasons that mean the text is not a complete answer for another reason than length.
ERROR_FINISH_REASONS = frozenset({"content_filter", "abort", "error"})


def data_url(data: bytes, image_format: ImageFormat) -> str:
    """Image bytes encoded in ``image_format`` as a ``data:`` URL."""
    return f"data:{ENCODED_MEDIA_TYPES[image_format]};base64,{base64.b64encode(data).decode('ascii')}"


_IMAGE_MARK = f"docparse-image-url-{uuid.uuid4().hex}"
"""Stands for the image URL in the JSON of a request until the image is joined in."""


def request_body(
    spec: ModelSpec,
    *,
    model: str,
    image: bytes,
    image_format: ImageFormat,
    options: GenerationOptions | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> bytes:
    """The UTF-8 JSON body of :func:`build_chat_request` with ``image`` as its data URL, equal
    to ``json.dumps(build_chat_request(..., image_url=data_url(image, image_format)))``. The
    request is dumped with a marker in place of the URL and the base64 bytes are joined in, so
    ``json.dumps`` never scans them (base64 needs no escaping); should the marker occur
    elsewhere (a prompt that quotes it), the whole body is dumped instead."""
    body = build_chat_request(spec, model=model, image_url=_IMAGE_MARK, options=options, extra_body=extra_body)
    text = json.dumps(body, ensure_ascii=False)
    if text.count(_IMAGE_MARK) != 1:
        body = build_chat_request(
            spec, model=model, image_url=data_url(image, image_format), options=options, extra_body=extra_body
        )
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
    head, _, tail = text.partition(_IMAGE_MARK)
    prefix = f"{head}data:{ENCODED_MEDIA_TYPES[image_format]};base64,"
    return b"".join((prefix.encode("utf-8"), base64.b64encode(image), tail.encode("utf-8")))


def build_chat_request(
    spec: ModelSpec,
    *,
    model: str,
    image_url: str,
    options: GenerationOptions | None = None,
    extra_body: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The chat-completions body for one page (pure; see the module docstring for the shape)."""
    text_part = {"type": "text", "text": spec.user_prompt}
    image_part = {
        "type": "image_url",
        "image_url": {"url": image_url},
        "min_pixels": spec.min_pixels,
        "max_pixels": spec.max_pixels,
    }
    messages: list[dict[str, Any]] = []
    if spec.system_prompt:
        messages.append({"role": "system", "content": spec.system_prompt})
    content = [image_part, text_part] if spec.image_first else [text_part, image_part]
    messages.append({"role": "user", "content": content})
    settings = {
        "max_new_tokens": spec.max_new_tokens,
        "temperature": spec.temperature,
        "top_p": spec.top_p,
        "repetition_penalty": spec.repetition_penalty,
    }
    settings.update((options or GenerationOptions()).as_settings())
    body: dict[str, Any] = {"model": model, "messages": messages, "max_tokens": settings["max_new_tokens"]}
    for key in ("temperature", "top_p", "repetition_penalty"):
        if settings[key] is not None:
            body[key] = settings[key]
    if spec.stop:
        body["stop"] = list(spec.stop)
        body["include_stop_str_in_output"] = True
        body["no_stop_trim"] = True
    body["mm_processor_kwargs"] = {"min_pixels": spec.min_pixels, "max_pixels": spec.max_pixels}
    for key, value in (extra_body or {}).items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def _message_text(content: object) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # some servers answer with content parts
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    raise MalformedResponse(f"message content is a {type(content).__name__}")


def _token_count(usage: object, key: str) -> int | None:
    value = usage.get(key) if isinstance(usage, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_chat_response(response: httpx.Response) -> EngineOutput:
    """A 2xx chat completion -> output (``latency_s`` left at 0). Raises ``MalformedResponse``."""
    try:
        data = response.json()
    except ValueError as exc:
        raise MalformedResponse(f"not JSON ({exc.__class__.__name__}: {response.text[:80]!r})") from None
    if not isinstance(data, dict):
        raise MalformedResponse(f"expected a JSON object, got {type(data).__name__}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        detail = f": {error_message(response)}" if "error" in data else ""
        raise MalformedResponse(f"no choices in the answer{detail}")
    choice = choices[0]
    message = choice.get("message")
    if not isinstance(message, dict):
        raise MalformedResponse("the choice has no message")
    text = _message_text(message.get("content"))
    finish = choice.get("finish_reason")
    stop_reason: StopReason = "stop"
    error = None
    if finish == "length":
        stop_reason = "length"
    elif finish in ERROR_FINISH_REASONS:
        stop_reason, error = "error", f"generation ended with finish_reason={finish!r}"
    elif finish != "stop":
        logger.warning("unexpected finish_reason %r, read as 'stop'", finish, extra={"finish_reason": finish})
    usage = data.get("usage")
    return EngineOutput(
        text=text,
        stop_reason=stop_reason,
        prompt_tokens=_token_count(usage, "prompt_tokens"),
        completion_tokens=_token_count(usage, "completion_tokens"),
        error=error,
    )
