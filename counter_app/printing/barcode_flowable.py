"""A Code128 barcode encoded by python-barcode and drawn as vector bars by reportlab."""

from __future__ import annotations

from barcode import Code128
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from counter_app.printing import fonts

QUIET_MODULES = 10  # Code128 needs at least 10 modules of white each side


def modules(value: str) -> str:
    """The bar pattern as '1' (bar) and '0' (space) modules, from python-barcode."""
    if not value.isascii():
        raise ValueError("Code128 on the slip carries only the ASCII dossier code")
    return Code128(value).build()[0]


class BarcodeFlowable(Flowable):
    """Vector bars, centred, with the human-readable code underneath."""

    def __init__(self, value: str, module_width: float = 0.3 * mm, bar_height: float = 12 * mm,
                 font_size: float = 9):
        super().__init__()
        self.value = value
        self.pattern = modules(value)
        self.module_width = module_width
        self.bar_height = bar_height
        self.font_size = font_size
        self.width = (len(self.pattern) + 2 * QUIET_MODULES) * module_width
        self.height = bar_height + font_size + 2

    def wrap(self, avail_width, avail_height):
        self._avail = avail_width
        return avail_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        x0 = (self._avail - self.width) / 2 + QUIET_MODULES * self.module_width
        y0 = self.font_size + 2
        canvas.saveState()
        canvas.setFillColorRGB(0, 0, 0)
        run_start = None
        for i, bit in enumerate(self.pattern + "0"):
            if bit == "1" and run_start is None:
                run_start = i
            elif bit == "0" and run_start is not None:
                canvas.rect(x0 + run_start * self.module_width, y0,
                            (i - run_start) * self.module_width, self.bar_height,
                            stroke=0, fill=1)
                run_start = None
        canvas.setFont(fonts.REGULAR, self.font_size)
        canvas.drawCentredString(self._avail / 2, 0, self.value)
        canvas.restoreState()
