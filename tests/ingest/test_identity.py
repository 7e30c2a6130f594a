"""One identity: the settings fingerprint over resolved settings, the same on every path."""

from __future__ import annotations

import pytest

from docparse import parse_file
from docparse.engines.settings import EngineSettings
from docparse.identity import resolve, stored_options
from docparse.intake import ProcessingRequest, intake_file
from docparse.render import RenderLimits
from schemas import document_key
from storage import Database, LocalBlobStore
from tests.paths import SAMPLES_DIR

NO_MODEL = EngineSettings.model_validate({"engine": "auto", "model": "/nonexistent/weights"})
"""A deployment without weights, GPU or server: ``auto`` resolves to the text layer."""


def test_fingerprint_is_stable_short_and_ignores_the_password() -> None:
    base = ProcessingRequest(engine="pdf-text").resolve(EngineSettings())
    assert (
        base.fingerprint()
        == ProcessingRequest(engine="pdf-text", password="pw").resolve(EngineSettings()).fingerprint()
    )
    assert len(base.fingerprint()) == 16


@pytest.mark.parametrize(
    "change",
    [
        {"model_spec": "qwen2.5-vl-7b"},
        {"model": "/models/finetuned"},
        {"max_pixels": 1000 * 28 * 28},
        {"max_new_tokens": 1024},
        {"backend": "pdf2image"},
    ],
)
def test_every_setting_that_changes_a_model_result_changes_the_fingerprint(change: dict[str, object]) -> None:
    base = ProcessingRequest(engine="transformers").resolve(EngineSettings())
    changed = ProcessingRequest(**{"engine": "transformers", **change}).resolve(EngineSettings())  # type: ignore[arg-type]
    assert ProcessingRequest(**{"engine": "transformers", **change}).resolve(EngineSettings()) == changed  # stable
    assert changed.fingerprint() != base.fingerprint()


def test_unset_options_and_the_options_the_deployment_would_choose_give_one_fingerprint() -> None:
    spec_default = resolve(EngineSettings(engine="transformers"))
    explicit = ProcessingRequest(
        engine="transformers",
        model_spec=spec_default.model_spec,
        model=spec_default.model,
        min_pixels=spec_default.min_pixels,
        max_pixels=spec_default.max_pixels,
        max_new_tokens=spec_default.max_new_tokens,
    ).resolve(EngineSettings(engine="transformers"))
    assert explicit.fingerprint() == ProcessingRequest().resolve(EngineSettings(engine="transformers")).fingerprint()


def test_the_text_layer_ignores_model_and_token_settings() -> None:
    plain = ProcessingRequest(engine="pdf-text").resolve(EngineSettings())
    with_model = ProcessingRequest(engine="pdf-text", model="/m", max_new_tokens=5).resolve(EngineSettings())
    assert with_model.fingerprint() == plain.fingerprint()


def test_auto_resolves_like_the_engine_factory() -> None:
    assert ProcessingRequest().resolve(NO_MODEL).engine == "pdf-text"
    served = NO_MODEL.model_copy(update={"openai_base_url": "http://127.0.0.1:1/v1"})
    assert ProcessingRequest().resolve(served).engine == "openai"


def test_parse_ingest_and_ingest_with_the_chosen_engine_give_one_document_id(
    db: Database, blobs: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCPARSE_MODEL", "/nonexistent/weights")
    pdf = SAMPLES_DIR / "invoice.pdf"
    parsed = parse_file(pdf, engine="pdf-text").document.id
    ingested = intake_file(pdf, db=db, blobs=blobs, request=ProcessingRequest(), defaults=NO_MODEL)
    explicit = intake_file(pdf, db=db, blobs=blobs, request=ProcessingRequest(engine="pdf-text"), defaults=NO_MODEL)
    assert ingested.outcome == "queued"
    assert explicit.outcome == "duplicate"
    assert parsed == ingested.document_id == explicit.document_id


def test_owners_never_share_a_document(db: Database, blobs: LocalBlobStore) -> None:
    pdf = SAMPLES_DIR / "invoice.pdf"
    alice = intake_file(pdf, db=db, blobs=blobs, request=ProcessingRequest(), defaults=NO_MODEL, owner="alice")
    bob = intake_file(pdf, db=db, blobs=blobs, request=ProcessingRequest(), defaults=NO_MODEL, owner="bob")
    again = intake_file(pdf, db=db, blobs=blobs, request=ProcessingRequest(), defaults=NO_MODEL, owner="alice")
    assert (alice.outcome, bob.outcome, again.outcome) == ("queued", "queued", "duplicate")
    assert alice.document_id != bob.document_id
    assert again.document_id == alice.document_id
    assert document_key("a" * 64, "f" * 16, None) != document_key("a" * 64, "f" * 16, "alice")


def test_stored_settings_carry_the_resolved_engine_limits_and_password() -> None:
    resolved = ProcessingRequest(engine="openai", max_pixels=802816).resolve(EngineSettings())
    limits = RenderLimits(max_file_bytes=10, max_pages=3)
    stored = resolved.stored(password="pw", limits=limits)
    assert stored["engine"] == "openai" and stored["max_pixels"] == 802816 and stored["password"] == "pw"
    assert stored["model"] == resolved.model and stored["min_pixels"] == resolved.min_pixels
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
