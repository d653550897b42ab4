"""Digitising at the counter: scans, photos and PDF files made into one compact PDF per
document (``normalise``). Plain Python (Pillow, img2pdf, pikepdf); no Qt, writes nothing."""

from counter_app.attachments.pages import (
    MAX_PAGES,
    MAX_SOURCE_BYTES,
    MEDIA_TYPE,
    AttachmentRejected,
    Document,
    normalise,
)

__all__ = ["AttachmentRejected", "Document", "MAX_PAGES", "MAX_SOURCE_BYTES", "MEDIA_TYPE",
           "normalise"]
