"""Request spooling is bounded by the upload limits (issue 13): the multipart parser alone, fed
a generated body chunk by chunk, with its temporary files inspected on disk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from docparse.api.problems import ProblemError
from docparse.api.uploads import FIELD_ALLOWANCE, ParsedUpload, parse_upload
from docparse.render import HEAD_BYTES

BOUNDARY = "spool-test-boundary"
CHUNK = 64 * 1024


def _body(files: list[tuple[str, bytes]]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'.encode()
        + data
        + b"\r\n"
        for name, data in files
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _parse(body: bytes, *, seen: list[int] | None = None, **limits: int) -> ParsedUpload:
    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(body), CHUNK):
            if seen is not None:
                seen.append(start)
            yield body[start : start + CHUNK]

    async def run() -> ParsedUpload:
        return await parse_upload(
            f"multipart/form-data; boundary={BOUNDARY}", None, stream(), **{"max_files": 10, **limits}
        )

    return asyncio.run(run())


def _on_disk(upload: ParsedUpload) -> int:
    return sum(p.stat().st_size for p in Path(upload.folder).rglob("*") if p.is_file())


def test_a_file_that_is_not_a_document_is_not_written_past_its_head() -> None:
    junk = b"just text, not a document\n" * 100_000  # 2.6 MB
    pdf = b"%PDF-1.7\n" + b"0" * 300_000
    upload = _parse(_body([("notes.pdf", junk), ("real.pdf", pdf)]), max_file_bytes=10 * 2**20)
    try:
        notes, real = upload.files
        assert notes.unsupported and notes.size == len(junk) and not notes.path.exists()
        assert notes.head == junk[:HEAD_BYTES]
        assert not real.unsupported and real.path.read_bytes() == pdf
        assert _on_disk(upload) == len(pdf)  # the 2.6 MB of text never reached the disk
    finally:
        upload.cleanup()


def test_a_request_is_cut_off_at_the_request_limit_while_streaming() -> None:
    files = [(f"f{i}.pdf", b"%PDF-1.7\n" + bytes(400_000)) for i in range(5)]
    body = _body(files)
    seen: list[int] = []
    with pytest.raises(ProblemError) as caught:
        _parse(body, seen=seen, max_file_bytes=2**20, max_request_bytes=1_000_000)
    assert caught.value.status == 413
    assert max(seen) < 1_000_000 + FIELD_ALLOWANCE + CHUNK < len(body)  # stopped reading, not after the body
