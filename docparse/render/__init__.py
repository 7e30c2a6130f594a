"""PDFs and scans -> page images at their model input size + page geometry.

The pipeline calls :func:`open_document` and renders pages one at a time::

    with open_document(path, password=pw) as doc:
        for page in doc.iter_pages(min_pixels=512 * 28 * 28, max_pixels=2048 * 28 * 28):
            ...  # page.image is RGB at exactly page.geometry.model_width x model_height

Every page image is produced at exactly Qwen's ``smart_resize`` size
(:func:`model_input_size`), so the model's processor never resamples it and a model box in
pixels maps back to page space with ``x_page = x * geometry.width / geometry.model_width``
(points of the displayed PDF page, or pixels of the EXIF-oriented scan).

This package imports nothing of docparse except :mod:`schemas` and the cancellation token
(:mod:`docparse.cancellation`, standard library only); PyMuPDF, pdf2image and the image
plugins load on first use.
"""

from docparse.render.base import DEFAULT_LIMITS, DEFAULT_PDF_DPI, OpenedDocument, RenderedPage, RenderLimits
from docparse.render.budget import check_model_pixels, check_pixel_budget
from docparse.render.document import Backend, DocumentInfo, open_document, page_count, probe
from docparse.render.encode import ENCODED_MEDIA_TYPES, IMAGE_FORMATS, ImageFormat, encode_image
from docparse.render.errors import (
    BackendUnavailable,
    CorruptDocument,
    EncryptedDocument,
    InvalidPixelBudget,
    LimitExceeded,
    RenderError,
    RenderTimeout,
    UnsupportedFileType,
)
from docparse.render.sizing import MAX_ASPECT_RATIO, model_input_size
from docparse.render.sniff import HEAD_BYTES, SUPPORTED_MEDIA_TYPES, describe_unsupported, sniff_media_type

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_PDF_DPI",
    "ENCODED_MEDIA_TYPES",
    "HEAD_BYTES",
    "IMAGE_FORMATS",
    "MAX_ASPECT_RATIO",
    "SUPPORTED_MEDIA_TYPES",
    "Backend",
    "BackendUnavailable",
    "CorruptDocument",
    "DocumentInfo",
    "EncryptedDocument",
    "ImageFormat",
    "InvalidPixelBudget",
    "LimitExceeded",
    "OpenedDocument",
    "RenderError",
    "RenderLimits",
    "RenderTimeout",
    "RenderedPage",
    "UnsupportedFileType",
    "check_model_pixels",
    "check_pixel_budget",
    "describe_unsupported",
    "encode_image",
    "model_input_size",
    "open_document",
    "page_count",
    "probe",
    "sniff_media_type",
]
