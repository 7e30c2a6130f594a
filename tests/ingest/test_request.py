"""Processing requests: the fingerprint (the idempotency key's settings half) and the stored form."""

from __future__ import annotations

import pytest

from docparse.ingest import ProcessingRequest
from docparse.ingest_request import stored_options
from docparse.render import RenderLimits


def test_fingerprint_is_stable_short_and_ignores_the_password() -> None:
    base = ProcessingRequest(engine="pdf-text")
    assert base.fingerprint() == ProcessingRequest(engine="pdf-text").fingerprint()
    assert len(base.fingerprint()) == 16
    assert ProcessingRequest(engine="pdf-text", password="secret").fingerprint() == base.fingerprint()


@pytest.mark.parametrize(
    "change",
    [
        {"engine": "transformers"},
        {"model_spec": "qwen2.5-vl-7b"},
        {"model": "/models/finetuned"},
        {"max_pixels": 1000 * 28 * 28},
        {"max_new_tokens": 1024},
        {"backend": "pdf2image"},
    ],
)
def test_every_document_level_setting_changes_the_fingerprint(change: dict[str, object]) -> None:
    base = ProcessingRequest(engine="pdf-text")
    changed = ProcessingRequest(**{"engine": "pdf-text", **change})  # type: ignore[arg-type]
    assert changed.fingerprint() != base.fingerprint()


def test_stored_settings_round_trip_with_limits_and_password() -> None:
    request = ProcessingRequest(engine="openai", max_pixels=802816, password="pw")
    limits = RenderLimits(max_file_bytes=10, max_pages=3)
    stored = request.as_settings(limits)
    assert stored == {
        "engine": "openai",
        "max_pixels": 802816,
        "backend": "pymupdf",
        "password": "pw",
        "limits": {"max_file_bytes": 10, "max_pages": 3, "max_page_pixels": limits.max_page_pixels},
    }
    assert ProcessingRequest.from_settings(stored) == request
    options = stored_options(stored)
    assert (options.password, options.backend, options.limits) == ("pw", "pymupdf", limits)
    assert stored_options({}).limits == RenderLimits()


@pytest.mark.parametrize(
    "bad",
    [{"engine": "gpt-magic"}, {"model_spec": "no-such-spec"}, {"backend": "ghostscript"}, {"max_pixels": 0}],
)
def test_bad_requests_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises((ValueError, KeyError)):
        ProcessingRequest(**bad)  # type: ignore[arg-type]
