"""Streaming multipart intake: the request body -> temporary files, with limits enforced as it streams.

FastAPI's ``UploadFile`` would buffer each file entirely before a route runs, so the size limit
could only be checked afterwards. Here the body is fed chunk by chunk to ``python_multipart``'s
parser: each part named ``files`` is written to its own temporary file (named like the upload,
since intake records ``path.name`` as the filename), and a file that passes
``max_upload_bytes`` stops being written at once — it is marked too big (413) and the rest of
its bytes are discarded while the other files keep streaming. The request as a whole is cut
off (413) once it passes ``max_request_bytes`` (``DOCPARSE_MAX_REQUEST_BYTES``, default 1 GiB)
plus a small allowance for form fields — before, the only bound was ``max_files * max_upload_bytes``
(about 20 GiB). A file is sniffed as soon as its first :data:`HEAD_BYTES` arrive: one that is not
a PDF or a supported image stops being written there (its entry is a 415), so only bytes that may
become a document ever reach the disk. Text fields are capped in size and number.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from docparse.api.problems import ProblemError
from docparse.render import HEAD_BYTES, sniff_media_type

FILES_FIELD = "files"
MAX_FIELD_BYTES = 4096
MAX_FIELDS = 20
FIELD_ALLOWANCE = MAX_FIELDS * MAX_FIELD_BYTES + 64 * 1024
_UNSAFE = re.compile(r"[^\w.\- ()+,@]+")


def safe_filename(name: str) -> str:
    """The last path component of ``name`` with unusual characters replaced (at most 200 chars)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")[:200]
    return cleaned or "upload"


@dataclass
class UploadedFile:
    """One streamed file: where it lies, its original name, its size, whether it went over the limit."""

    filename: str
    path: Path
    size: int = 0
    too_big: bool = False
    handle: IO[bytes] | None = None
    head: bytes = b""
    """The first :data:`HEAD_BYTES` of the file (what its type is sniffed from)."""
    unsupported: bool = False
    """Sniffed as neither a PDF nor a supported image: nothing more of it was written."""

    def sniff(self) -> None:
        """Mark the file unsupported (and drop what was written) unless its head is a document's."""
        if sniff_media_type(self.head) is None:
            self.unsupported = True
            self.drop()

    def drop(self) -> None:
        """Stop writing and remove what was written."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.path.unlink(missing_ok=True)


@dataclass
class ParsedUpload:
    """The files and text fields of one multipart request (temporary files under ``folder``)."""

    folder: Path
    files: list[UploadedFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)

    def cleanup(self) -> None:
        for item in self.files:
            if item.handle is not None:
                item.handle.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class _Collector:
    """``python_multipart`` callbacks that route parts to files or fields."""

    def __init__(self, upload: ParsedUpload, max_file_bytes: int, max_files: int) -> None:
        self.upload = upload
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._field: str | None = None
        self._data = bytearray()
        self._file: UploadedFile | None = None
        self._ignored = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self._disposition, self._field, self._file, self._ignored = b"", None, None, False
        self._data = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name, self._header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise ProblemError(400, "a multipart part has no name in its Content-Disposition header")
        self._field = name.decode("utf-8", "replace")
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise ProblemError(400, f"too many form fields (at most {MAX_FIELDS})")
            return
        if self._field != FILES_FIELD:
            raise ProblemError(
                422, f"files go in the {FILES_FIELD!r} field, not {self._field!r}", kind="validation-error"
            )
        if len(self.upload.files) >= self.max_files:
            raise ProblemError(413, f"too many files in one request (at most {self.max_files})", kind="too-many-files")
        filename = safe_filename(options[b"filename"].decode("utf-8", "replace"))
        folder = self.upload.folder / str(len(self.upload.files))
        folder.mkdir()
        item = UploadedFile(filename=filename, path=folder / filename)
        item.handle = item.path.open("wb")
        self.upload.files.append(item)
        self._file = item

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        item = self._file
        if item is None:
            if len(self._data) + (end - start) > MAX_FIELD_BYTES:
                raise ProblemError(400, f"form field {self._field!r} is over {MAX_FIELD_BYTES} bytes")
            self._data += data[start:end]
            return
        sniffed = len(item.head) >= HEAD_BYTES
        item.size += end - start
        if item.too_big or item.unsupported:
            return
        if not sniffed:
            item.head += data[start : start + HEAD_BYTES - len(item.head)]
            if len(item.head) >= HEAD_BYTES:
                item.sniff()  # not a document: stop writing; the rest of this part is read and dropped
                if item.unsupported:
                    return
        if item.size > self.max_file_bytes:
            item.too_big = True  # stop writing; the rest of this part is read and dropped
            item.drop()
            return
        assert item.handle is not None
        item.handle.write(data[start:end])

    def on_part_end(self) -> None:
        if self._file is not None:
            if len(self._file.head) < HEAD_BYTES and not (self._file.too_big or self._file.unsupported):
                self._file.sniff()  # a file shorter than HEAD_BYTES
            if self._file.handle is not None:
                self._file.handle.close()
                self._file.handle = None
        elif self._field is not None:
            self.upload.fields[self._field] = self._data.decode("utf-8", "replace")


async def parse_upload(
    content_type: str | None,
    content_length: str | None,
    stream: AsyncIterator[bytes],
    *,
    max_file_bytes: int,
    max_files: int,
    max_request_bytes: int | None = None,
) -> ParsedUpload:
    """Stream a ``multipart/form-data`` body to temporary files. The caller calls
    :meth:`ParsedUpload.cleanup` (the folder is removed on errors here). The body may carry at
    most ``max_request_bytes`` (default ``max_files * max_file_bytes``) plus the field allowance."""
    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data":
        raise ProblemError(415, "send the files as multipart/form-data", kind="unsupported-media-type")
    boundary = params.get(b"boundary")
    if not boundary:
        raise ProblemError(400, "the multipart Content-Type has no boundary")
    files_total = max_files * max_file_bytes if max_request_bytes is None else max_request_bytes
    max_body = min(files_total, max_files * max_file_bytes) + FIELD_ALLOWANCE
    if content_length is not None and content_length.isdigit() and int(content_length) > max_body:
        raise ProblemError(413, f"the request body is over {max_body} bytes", kind="upload-too-large")
    upload = ParsedUpload(folder=Path(tempfile.mkdtemp(prefix="docparse-upload-")))
    collector = _Collector(upload, max_file_bytes, max_files)
    received = 0
    try:
        parser = MultipartParser(boundary, collector.callbacks())  # type: ignore[arg-type]
        async for chunk in stream:
            received += len(chunk)
            if received > max_body:
                raise ProblemError(413, f"the request body is over {max_body} bytes", kind="upload-too-large")
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        upload.cleanup()
        raise ProblemError(400, f"malformed multipart body: {exc}") from None
    except BaseException:
        upload.cleanup()
        raise
    return upload
