"""Tables as data: ``GET /v1/documents/{id}/tables`` and ``GET /v1/documents/{id}/tables/{n}``.

The tables are the document pass's (:mod:`docparse.document`): numbered 1.. in reading
order, a table continued across pages is one table with its merged grid. A terminal
document's stored pass result is used; a document without one (still running, or stored by
an older pass version) gets the pass run at request time on what its pages hold.

One table comes as JSON (summary + cells + ``rows``), CSV (the grid, spanned text repeated
in every slot, no header line added; formula-like cells neutralized as in ``/export`` unless
``neutralize_formulas=false``) or XLSX (one sheet, merged cells kept), chosen by
``?format=`` or else by the ``Accept`` header (JSON when it names none of them or ``*/*``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from docparse.api.auth import CurrentPrincipal, CurrentServices, visible_record
from docparse.api.problems import ProblemError
from docparse.document import PASS_VERSION, analyse
from docparse.export.csv_export import csv_rows
from docparse.export.xlsx_export import MEDIA_TYPE as XLSX
from docparse.export.xlsx_export import table_workbook
from docparse.services import Services
from schemas import TERMINAL_STATUSES, BBox, DocumentStructure, DocumentTable, PartRef, TableCell

router = APIRouter(tags=["tables"])
TableNumber = Annotated[int, Path(ge=1, le=1_000_000, description="1-based table number in reading order")]
TableFormat = Literal["json", "csv", "xlsx"]
_MEDIA: dict[str, TableFormat] = {"application/json": "json", "text/csv": "csv", XLSX: "xlsx"}


class TableSummary(BaseModel):
    """Where a table is and its shape; ``parts`` are its source blocks (one per page it spans)."""

    index: int = Field(description="1-based table number in reading order")
    block_id: str = Field(description="the block of its first part")
    logical_id: str | None = Field(description="the logical block, when it continues across pages")
    page: int = Field(description="the page it starts on")
    pages: list[int] = Field(description="every page it spans")
    bbox: BBox | None = Field(description="the box of its first part, in page space")
    bbox_norm: BBox | None
    n_rows: int
    n_cols: int
    header_rows: int
    caption: str | None
    parts: list[PartRef]
    url: str = Field(description="this table as data")


class TableList(BaseModel):
    document_id: str
    pass_version: str
    tables: list[TableSummary]


class TableDetail(TableSummary):
    """A table as data: its cells (with spans and header flags) and its grid as rows of text."""

    cells: list[TableCell]
    rows: list[list[str]] = Field(description="the grid; a spanned cell's text in every slot it covers")


def _structure(services: Services, document_id: str) -> DocumentStructure:
    with services.db.unit_of_work() as uow:
        record = uow.documents.get(document_id)
        stored = uow.structures.get(document_id) if record and record.status in TERMINAL_STATUSES else None
        if stored is not None and stored.pass_version == PASS_VERSION:
            return stored
        document = uow.documents.load(document_id, include_raw=False)
    if document is None:
        raise ProblemError(404, f"no document {document_id}", kind="not-found")
    return analyse(document)


def _summary(request: Request, document_id: str, table: DocumentTable) -> TableSummary:
    url = request.url_for("get_table", document_id=document_id, n=table.index)
    return TableSummary(
        index=table.index,
        block_id=table.block_id,
        logical_id=table.logical_id,
        page=table.page,
        pages=sorted({p.page for p in table.parts}),
        bbox=table.bbox,
        bbox_norm=table.bbox_norm,
        n_rows=table.data.n_rows,
        n_cols=table.data.n_cols,
        header_rows=table.header_rows,
        caption=table.caption,
        parts=table.parts,
        url=str(url),
    )


@router.get("/documents/{document_id}/tables", response_model=TableList, summary="A document's tables")
async def list_tables(
    document_id: str, request: Request, principal: CurrentPrincipal, services: CurrentServices
) -> TableList:
    """Every table of the document with its page, box, shape and caption (a table continued
    across pages once, with all its pages)."""

    def load() -> DocumentStructure:
        visible_record(services, principal, document_id)
        return _structure(services, document_id)

    structure = await run_in_threadpool(load)
    return TableList(
        document_id=document_id,
        pass_version=structure.pass_version,
        tables=[_summary(request, document_id, t) for t in structure.tables],
    )


def choose_format(fmt: TableFormat | None, accept: str | None) -> TableFormat:
    """``fmt`` when given; else the supported media type the ``Accept`` header prefers (JSON for
    ``*/*``, none, or a header naming none of them)."""
    if fmt is not None:
        return fmt
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept or "").split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media in _MEDIA:
            return _MEDIA[media]
        if media in ("*/*", "application/*"):
            return "json"
    return "json"


@router.get(
    "/documents/{document_id}/tables/{n}",
    response_model=TableDetail,
    summary="One table as JSON, CSV or XLSX",
    responses={200: {"description": "the table", "content": {"text/csv": {}, XLSX: {}}}},
)
async def get_table(
    document_id: str,
    n: TableNumber,
    request: Request,
    principal: CurrentPrincipal,
    services: CurrentServices,
    format: Annotated[TableFormat | None, Query(description="overrides the Accept header")] = None,
    accept: Annotated[str | None, Header()] = None,
    neutralize_formulas: Annotated[
        bool, Query(description="csv: prefix cells a spreadsheet would run as formulas with ' (as /export does)")
    ] = True,
) -> Response | TableDetail:
    """Table ``n`` of the document: JSON (summary, cells, rows), CSV (RFC 4180, one line per grid
    row) or XLSX (one sheet, merged cells kept), by ``?format=`` or ``Accept``."""

    def load() -> DocumentTable:
        visible_record(services, principal, document_id)
        tables = _structure(services, document_id).tables
        if not 1 <= n <= len(tables):
            raise ProblemError(404, f"document {document_id} has no table {n}", kind="table-not-found")
        return tables[n - 1]

    table = await run_in_threadpool(load)
    chosen = choose_format(format, accept)
    stem = f"{document_id}-table-{n}"
    if chosen == "csv":
        body = "".join(csv_rows(table.data.grid(), neutralize_formulas=neutralize_formulas))
        headers = {"Content-Disposition": f'attachment; filename="{stem}.csv"'}
        return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
    if chosen == "xlsx":
        data = await run_in_threadpool(table_workbook, table)
        return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{stem}.xlsx"'})
    summary = _summary(request, document_id, table)
    return TableDetail(**summary.model_dump(), cells=table.data.cells, rows=table.data.grid())
