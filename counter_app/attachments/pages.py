"""What the officer scans or picks at the counter, made into one compact PDF per document.

    doc = normalise([Path("to_khai.jpg"), Path("cccd.png"), Path("giay_uy_quyen.pdf")])
    doc.pdf, doc.pages, doc.sha256, doc.bytes, doc.media_type  # bytes, 3, "ab12...", ...

Sources are paths or bytes, taken in order; each gives one or more pages:

- pictures (JPEG, PNG, TIFF with all its pages, BMP, GIF, WebP: whatever Pillow reads):
  turned upright by their EXIF orientation, brought down to at most 200 dpi (an A4 page:
  longest side 2339 px; nothing is enlarged), then kept as black and white (CCITT G4), gray
  JPEG or colour JPEG, whichever the page needs (``page_mode``), and laid out by img2pdf at
  that resolution, so the PDF page has the paper's size. A picture without a believable
  resolution (a phone photo says 72 dpi) is laid out as an A4 page;
- PDF files: opened with pikepdf (qpdf), their pages kept as they are and appended.

Refused, with ``AttachmentRejected`` naming the file and the reason in Vietnamese: an empty
file, a file that is neither picture nor PDF, a source over ``max_source_bytes`` (50 MB), a
document over ``max_pages`` (200), a picture over Pillow's decompression-bomb limit
(``MAX_PIXELS``), a damaged or truncated picture, a PDF that is damaged, encrypted (even
without a password to open it) or has no page.

"PDF/A-like", not PDF/A. Done: one self-contained file, no encryption; the document
information and XMP metadata say Producer "counter-app" (and the creation date when
``created`` is given); no document-level JavaScript, open action or embedded files (only
pages are copied from a source PDF), and JavaScript, launch and form-submit actions are
taken off the copied pages and their annotations; streams compressed, object streams;
pictures in plain DeviceGray / DeviceRGB. Not done: no output intent / ICC profile, fonts of
source PDFs are not checked for embedding, transparency and optional content are not
removed, no PDF/A identification in the XMP, and no validation (veraPDF).

Deterministic: the same sources and ``created`` give the same bytes (the Pillow codecs are
deterministic, img2pdf is told not to date its file, and pikepdf derives the /ID from the
content), so ``sha256`` identifies the document. Nothing is written anywhere: the module
returns bytes.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import io
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import pikepdf
from pikepdf.models.metadata import encode_pdf_date
from PIL import Image, UnidentifiedImageError

from counter_app.attachments.page_mode import (
    MAX_LONG_SIDE,
    EncodedPage,
    encode,
    paper_long_inches,
    target_size,
    upright,
)
from counter_app.errors import CounterError

MEDIA_TYPE = "application/pdf"
PRODUCER = "counter-app"
MAX_SOURCE_BYTES = 50 * 1024 * 1024
MAX_PAGES = 200
#: Pixels of one picture frame at most: Pillow's decompression-bomb limit (about 89 million,
#: a 600-dpi A2 scan); Pillow itself refuses twice that before decoding anything.
MAX_PIXELS = Image.MAX_IMAGE_PIXELS or 89_478_485
#: Only these formats give every frame as a page (a multi-page scan); an animated GIF or
#: WebP, or a camera's MPO, gives its first picture.
MULTI_PAGE_FORMATS = {"TIFF"}
#: Actions a page or annotation may carry that run or send something: taken off.
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition"}


class AttachmentRejected(CounterError):
    """A source cannot be made into the document. ``file`` names it (its file name, or
    "tệp thứ N" for bytes), ``reason`` is a stable code: empty, unreadable, too_large,
    not_a_document, too_many_pages, too_many_pixels, damaged_image, encrypted,
    damaged_pdf, no_pages, no_sources. The message is Vietnamese, for the officer."""

    def __init__(self, message: str, *, file: str = "", reason: str = ""):
        self.file = file
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class Document:
    """One normalised document: the PDF and what identifies it."""

    pdf: builtins.bytes
    pages: int
    sha256: str
    bytes: int
    #: Per page, in order: "bilevel", "gray", "colour" (a picture) or "pdf" (kept as it was).
    page_modes: tuple[str, ...] = ()
    media_type: str = MEDIA_TYPE


@dataclass
class _Source:
    name: str
    data: builtins.bytes


def normalise(sources: Sequence[Path | str | builtins.bytes], *, max_pages: int = MAX_PAGES,
              max_source_bytes: int = MAX_SOURCE_BYTES, created: dt.datetime | None = None,
              title: str | None = None) -> Document:
    """One PDF of every page of ``sources``, in order (see the module's docstring).

    ``created`` (e.g. the counter's clock at reception) is written as the creation date;
    without it the PDF carries no date. ``title`` goes into the document information.
    """
    if not sources:
        raise AttachmentRejected("Chưa có tệp nào để số hóa.", reason="no_sources")
    kept: list[pikepdf.Pdf] = []
    out = pikepdf.new()
    modes: list[str] = []
    pictures: list[EncodedPage] = []

    def flush_pictures() -> None:
        if pictures:
            made = pikepdf.open(io.BytesIO(img2pdf.convert(
                [p.data for p in pictures], nodate=True,
                layout_fun=img2pdf.default_layout_fun)))
            kept.append(made)
            out.pages.extend(made.pages)
            modes.extend(p.mode for p in pictures)
            pictures.clear()

    try:
        for number, item in enumerate(sources, start=1):
            source = _read(item, number, max_source_bytes)
            room = max_pages - len(modes) - len(pictures)
            if _is_pdf(source.data):
                flush_pictures()
                pdf = _open_pdf(source)
                _check_pages(len(pdf.pages), room, max_pages, source.name)
                _disarm(pdf)
                kept.append(pdf)
                out.pages.extend(pdf.pages)
                modes.extend("pdf" for _ in range(len(pdf.pages)))
            else:
                pictures.extend(_picture_pages(source, room, max_pages))
        flush_pictures()
        _describe(out, created, title)
        buffer = io.BytesIO()
        out.save(buffer, compress_streams=True, deterministic_id=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate,
                 fix_metadata_version=False)
        pages = len(out.pages)
    finally:
        out.close()
        for pdf in kept:
            pdf.close()
    data = buffer.getvalue()
    return Document(pdf=data, pages=pages, sha256=hashlib.sha256(data).hexdigest(),
                    bytes=len(data), page_modes=tuple(modes))


# -- reading -------------------------------------------------------------------------------
def _read(item: Path | str | builtins.bytes, number: int, limit: int) -> _Source:
    if isinstance(item, bytes | bytearray | memoryview):
        name = f"tệp thứ {number}"
        data = builtins.bytes(item)
        _check_size(len(data), limit, name)
        return _Source(name, data)
    path = Path(os.fspath(item))
    name = path.name
    try:
        size = path.stat().st_size
        _check_size(size, limit, name)
        data = path.read_bytes()
    except FileNotFoundError:
        raise AttachmentRejected(f"Không tìm thấy tệp {name}.", file=name,
                                 reason="unreadable") from None
    except OSError as error:
        raise AttachmentRejected(f"Không đọc được tệp {name} ({error.strerror or error}).",
                                 file=name, reason="unreadable") from None
    _check_size(len(data), limit, name)
    return _Source(name, data)


def _check_size(size: int, limit: int, name: str) -> None:
    if size == 0:
        raise AttachmentRejected(f"Tệp {name} trống (0 byte), không có gì để số hóa.",
                                 file=name, reason="empty")
    if size > limit:
        raise AttachmentRejected(
            f"Tệp {name} quá lớn: {size / 1048576:.1f} MB, tối đa {limit / 1048576:.0f} MB "
            "một tệp. Hãy quét lại ở độ phân giải thấp hơn (200 dpi là đủ).",
            file=name, reason="too_large")


def _check_pages(count: int, room: int, max_pages: int, name: str) -> None:
    if count > room:
        raise AttachmentRejected(
            f"Tài liệu vượt quá {max_pages} trang (khi thêm tệp {name}). "
            "Hãy tách thành nhiều tài liệu.", file=name, reason="too_many_pages")


def _is_pdf(data: builtins.bytes) -> bool:
    return b"%PDF-" in data[:1024]


# -- pictures ------------------------------------------------------------------------------
def _damaged(name: str) -> AttachmentRejected:
    return AttachmentRejected(f"Ảnh {name} bị hỏng hoặc không đầy đủ (tệp bị cắt cụt), "
                              "không đọc được. Hãy quét hoặc chụp lại.",
                              file=name, reason="damaged_image")


def _too_many_pixels(name: str, size: tuple[int, int] | None = None) -> AttachmentRejected:
    shown = f" ({size[0]}×{size[1]} điểm ảnh)" if size else ""
    return AttachmentRejected(
        f"Ảnh {name} quá lớn{shown}: tối đa {MAX_PIXELS / 1e6:.0f} triệu điểm ảnh.",
        file=name, reason="too_many_pixels")


def _picture_pages(source: _Source, room: int, max_pages: int) -> list[EncodedPage]:
    name = source.name
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(source.data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name) from None
        except UnidentifiedImageError:
            raise AttachmentRejected(
                f"Tệp {name} không phải ảnh (JPEG, PNG, TIFF, BMP, WebP) hay PDF.",
                file=name, reason="not_a_document") from None
        except (OSError, SyntaxError, ValueError):
            raise _damaged(name) from None
        with image:
            frames = getattr(image, "n_frames", 1) if image.format in MULTI_PAGE_FORMATS else 1
            _check_pages(frames, room, max_pages, name)
            return [_picture_page(image, frame, name) for frame in range(frames)]


def _picture_page(image: Image.Image, frame: int, name: str) -> EncodedPage:
    try:
        if frame:
            image.seek(frame)
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise _too_many_pixels(name, image.size)
        dpi = image.info.get("dpi")
        long_inches = paper_long_inches(width, height, dpi)
        if image.format == "JPEG":
            # Decode a large JPEG at 1/2, 1/4 or 1/8 straight away (libjpeg's DCT scaling),
            # never below the size that is kept.
            keep_w, keep_h, _ = target_size(width, height, long_inches)
            image.draft(image.mode, (keep_w, keep_h))
        image.load()
        page = upright(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name, image.size) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise _damaged(name) from None
    return encode(page, long_inches)


# -- PDF files -----------------------------------------------------------------------------
def _open_pdf(source: _Source) -> pikepdf.Pdf:
    name = source.name
    try:
        pdf = pikepdf.open(io.BytesIO(source.data))
    except pikepdf.PasswordError:
        raise _encrypted(name) from None
    except (pikepdf.PdfError, ValueError, OSError):
        raise AttachmentRejected(f"Tệp PDF {name} bị hỏng, không đọc được.", file=name,
                                 reason="damaged_pdf") from None
    try:
        if pdf.is_encrypted:
            raise _encrypted(name)
        count = len(pdf.pages)
        for page in pdf.pages:
            page.mediabox  # noqa: B018 - a page without a size cannot be shown
    except AttachmentRejected:
        pdf.close()
        raise
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError):
        pdf.close()
        raise AttachmentRejected(f"Tệp PDF {name} bị hỏng, không đọc được các trang.",
                                 file=name, reason="damaged_pdf") from None
    if count == 0:
        pdf.close()
        raise AttachmentRejected(f"Tệp PDF {name} không có trang nào.", file=name,
                                 reason="no_pages")
    return pdf


def _encrypted(name: str) -> AttachmentRejected:
    return AttachmentRejected(
        f"Tệp PDF {name} có mật khẩu hoặc bị mã hóa; hãy dùng bản không khóa "
        "(in lại ra PDF hoặc xin bản không đặt mật khẩu).", file=name, reason="encrypted")


def _disarm(pdf: pikepdf.Pdf) -> None:
    """Take JavaScript (and other actions that run or send something) off the pages."""
    for page in pdf.pages:
        holder = page.obj
        if "/AA" in holder:
            del holder["/AA"]
        for annotation in holder.get("/Annots", pikepdf.Array()):
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            if "/AA" in annotation:
                del annotation["/AA"]
            action = annotation.get("/A")
            if isinstance(action, pikepdf.Dictionary) and str(
                    action.get("/S", "")) in ACTIVE_ACTIONS:
                del annotation["/A"]


# -- the document --------------------------------------------------------------------------
def _describe(pdf: pikepdf.Pdf, created: dt.datetime | None, title: str | None) -> None:
    pdf.docinfo["/Producer"] = PRODUCER
    pdf.docinfo["/Creator"] = PRODUCER
    if title:
        pdf.docinfo["/Title"] = title
    if created is not None:
        stamp = encode_pdf_date(created)
        pdf.docinfo["/CreationDate"] = stamp
        pdf.docinfo["/ModDate"] = stamp
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = PRODUCER
        if title:
            meta["dc:title"] = title
        if created is not None:
            meta["xmp:CreateDate"] = created.isoformat()
            meta["xmp:ModifyDate"] = created.isoformat()


__all__ = ["AttachmentRejected", "Document", "MAX_LONG_SIDE", "MAX_PAGES",
           "MAX_SOURCE_BYTES", "MEDIA_TYPE", "normalise"]
