"""The Vietnamese-capable font shipped in resources/fonts (Liberation Serif, SIL OFL 1.1).

Liberation Serif has the metrics of Times New Roman, the font of official forms.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from counter_app.resources import resource

FAMILY = "LiberationSerif"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = (f"{FAMILY}", f"{FAMILY}-Bold", f"{FAMILY}-Italic",
                                      f"{FAMILY}-BoldItalic")
_FILES = {REGULAR: "LiberationSerif-Regular.ttf", BOLD: "LiberationSerif-Bold.ttf",
          ITALIC: "LiberationSerif-Italic.ttf", BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf"}
_registered = False


def register() -> str:
    """Register the family once (bold/italic mapped for <b>/<i>); return the family name."""
    global _registered
    if not _registered:
        for name, file in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(resource("fonts", file))))
        addMapping(FAMILY, 0, 0, REGULAR)
        addMapping(FAMILY, 1, 0, BOLD)
        addMapping(FAMILY, 0, 1, ITALIC)
        addMapping(FAMILY, 1, 1, BOLD_ITALIC)
        _registered = True
    return FAMILY


def file_of(name: str) -> Path | None:
    """The TTF file of one of the family's fonts by its name ("LiberationSerif-Bold"), or
    None for a font the program does not ship."""
    file = _FILES.get(name)
    return resource("fonts", file) if file else None
