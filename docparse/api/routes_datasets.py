"""Data-set exports over HTTP (``GET .../export?format=omnidocbench|qwenvl``): a zip of the files
:mod:`docparse.export.datasets` yields for one document, built in a spooled temporary file."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO, Literal

from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from docparse.api.auth import Principal, not_found, visible_record
from docparse.api.problems import ProblemError
from docparse.api.routes_pages import page_images
from docparse.services import Services

CHUNK = 64 * 1024


def _drain(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


async def dataset_response(
    services: Services,
    principal: Principal,
    document_id: str,
    fmt: Literal["omnidocbench", "qwenvl"],
    reviewed: bool,
    model_spec: str | None,
) -> StreamingResponse:
    """The data set of one document as a zip (see :mod:`docparse.export.datasets`)."""
    from docparse.engines.specs import get_spec
    from docparse.export.datasets import Prompt, omnidocbench_files, training_pairs_files

    try:
        spec = get_spec(model_spec or "qwen2.5-vl-3b")
    except KeyError as exc:
        raise ProblemError(422, str(exc.args[0]), kind="validation-error") from None

    def build() -> tuple[str, IO[bytes]]:
        visible_record(services, principal, document_id)
        with services.db.unit_of_work() as uow:
            document = uow.documents.load(document_id, include_raw=False)
        if document is None:
            raise not_found(document_id)
        documents = [(document, page_images(services, document_id, [p.number for p in document.pages]))]
        if fmt == "omnidocbench":
            files = omnidocbench_files(documents, reviewed_only=reviewed)
        else:
            prompt = Prompt(user=spec.user_prompt, system=spec.system_prompt, convention=spec.convention)
            files = training_pairs_files(documents, prompt, reviewed_only=reviewed)
        spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - closed by _drain
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in files:
                archive.writestr(name, data)
        spool.seek(0)
        stem = document.filename.rsplit(".", 1)[0] or document.id
        return stem, spool

    stem, spool = await run_in_threadpool(build)
    name = f"{stem}-{fmt}.zip".encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return StreamingResponse(
        _drain(spool), media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
