"""One scanned or photographed page: which kind of picture it is, and its compact encoding.

A page is kept in the cheapest of three modes that does not lose what the officer needs:

- ``bilevel``: black text on paper, few mid-tones -> 1 bit per pixel, CCITT Group 4 (a 1-bit
  TIFF that img2pdf embeds as it is: ``/CCITTFaxDecode``);
- ``gray``: photographs, shaded forms, pale paper, no meaningful colour -> 8-bit gray JPEG;
- ``colour``: a red stamp, a coloured photo or document -> RGB JPEG.

Resolution: 200 dpi at most (never enlarged) for black and white and gray pages; 150 dpi for
colour pages and for pages that are mostly photograph (what a JPEG pays for is detail and
grain, and a photograph or a stamp needs no more). Before a JPEG, the paper is made white:
each channel's paper level (the tint of the paper, the scanner's noise around it) is mapped
to 255, which takes about half the bytes off a scanned page.

The statistics are Pillow histograms (C code, no numpy); the codecs are Pillow's (libjpeg,
libtiff). Nothing here reads or writes files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageOps

#: Longest side of a page kept: an A4 page (11.69 in) at 200 dpi.
MAX_LONG_SIDE = 2339
#: The resolution a page is brought down to (never up)...
TARGET_DPI = 200
#: ...and a colour page or a page that is mostly photograph (PHOTO_SHARE).
PICTURE_DPI = 150
A4_LONG_INCHES = 11.69
#: Source resolutions below this are not believed (phone photos and screenshots say 72/96):
#: such a picture is laid out as an A4 page.
MIN_BELIEVED_DPI = 100

#: libjpeg quality: gray document pages, then colour pages and photographs.
JPEG_QUALITY = 65
PICTURE_JPEG_QUALITY = 60
#: Paper whitening: the level at or above which half the page's pixels lie is the paper,
#: when it is at least PAPER_LEVEL_MIN (else the page is mostly picture and left alone);
#: everything within PAPER_MARGIN below it becomes white, the rest is stretched to match.
PAPER_LEVEL_MIN = 170
PAPER_MARGIN = 12
#: A pixel is "coloured" when max(R,G,B) - min(R,G,B) reaches this (0..255), measured
#: after a box blur of COLOUR_BLUR pixels (at 100 dpi: about 1.8 mm across), which mixes the
#: red and cyan fringes that a scanner's or a phone lens's misregistration puts on either
#: side of every black letter back to gray, and leaves a stamp's ink red...
CHROMA_LEVEL = 60
COLOUR_BLUR = 3
#: ...and the page is coloured when at least this share of its pixels are (a round stamp on
#: an A4 page is about 0.5 %; black text with 2-pixel fringes measures 0.00 %).
COLOUR_SHARE = 0.001
#: Mid-tones (neither ink nor paper) away from any edge between ink and paper (the
#: anti-aliased rim of every letter is a mid-tone too, and small print is mostly rim) ...
MID_LOW, MID_HIGH = 64, 192
INK_BELOW, PAPER_ABOVE = 120, 150
#: ... above this share of the page make it a gray page rather than black and white text:
#: text pages measure under 0.6 %, a photograph filling a quarter of the page about 10 %.
FLAT_MID_SHARE = 0.015
#: A page with this share or more of such mid-tones is mostly photograph (PICTURE_DPI).
PHOTO_SHARE = 0.25


@dataclass(frozen=True)
class EncodedPage:
    """One page ready for img2pdf: the encoded picture (its dpi written in it)."""

    data: bytes
    mode: str  # "bilevel" | "gray" | "colour"
    width: int
    height: int
    dpi: int


def flatten(image: Image.Image) -> Image.Image:
    """The page as "1", "L" or "RGB": transparency put on white paper, palettes, CMYK and
    16-bit pixels converted."""
    mode = image.mode
    if mode in ("1", "L", "RGB"):
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        high = image.getextrema()[1] or 0
        scale = 1 / 256 if high > 255 else 1
        return image.convert("I").point(lambda v: v * scale).convert("L")
    if mode == "F":
        scale = 255 if (image.getextrema()[1] or 0) <= 1 else 1
        return image.point(lambda v: v * scale).convert("L")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
            mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("RGB")
    return image.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV


def colour_share(rgb: Image.Image) -> float:
    """The share of pixels whose chroma (max - min of R, G, B) reaches CHROMA_LEVEL once the
    page is blurred (COLOUR_BLUR)."""
    r, g, b = rgb.filter(ImageFilter.BoxBlur(COLOUR_BLUR)).split()
    high = ImageChops.lighter(ImageChops.lighter(r, g), b)
    low = ImageChops.darker(ImageChops.darker(r, g), b)
    histogram = ImageChops.subtract(high, low).histogram()
    return sum(histogram[CHROMA_LEVEL:]) / max(1, rgb.width * rgb.height)


def _near(mask: Image.Image, radius: int) -> Image.Image:
    """Every pixel within ``radius`` of a set pixel of ``mask`` (0/255), set."""
    return mask.filter(ImageFilter.BoxBlur(radius)).point(lambda v: 255 if v else 0)


def flat_mid_share(gray: Image.Image) -> float:
    """The share of the page in mid-tones that are not the rim of ink on paper: what a
    photograph, a shaded area or a pencil drawing has and printed text has not. A rim is a
    mid-tone pixel with both ink and paper within 2 pixels."""
    ink = _near(gray.point(lambda v: 255 if v < INK_BELOW else 0), 2)
    paper = _near(gray.point(lambda v: 255 if v > PAPER_ABOVE else 0), 2)
    mid = gray.point(lambda v: 255 if MID_LOW <= v <= MID_HIGH else 0)
    flat = ImageChops.subtract(mid, ImageChops.multiply(ink, paper))
    return flat.histogram()[255] / max(1, gray.width * gray.height)


def otsu_threshold(gray: Image.Image) -> int:
    """The gray level that best splits ink from paper (Otsu), kept within 96..208."""
    histogram = gray.histogram()
    total = sum(histogram)
    weighted_all = sum(i * n for i, n in enumerate(histogram))
    best, best_level = -1.0, 128
    weight, weighted = 0, 0
    for level in range(256):
        weight += histogram[level]
        if weight == 0 or weight == total:
            continue
        weighted += level * histogram[level]
        mean_low = weighted / weight
        mean_high = (weighted_all - weighted) / (total - weight)
        between = weight * (total - weight) * (mean_low - mean_high) ** 2
        if between > best:
            best, best_level = between, level
    return min(208, max(96, best_level))


def classify(image: Image.Image) -> tuple[str, float]:
    """("bilevel" | "gray" | "colour", share of flat mid-tones) of a flattened page ("1",
    "L" or "RGB")."""
    if image.mode == "1":
        return "bilevel", 0.0
    # Measured at half the page's resolution (about 100 dpi): enough, and four times faster.
    small = image.reduce(2) if min(image.size) >= 16 else image
    gray = small if small.mode == "L" else small.convert("L")
    flat = flat_mid_share(gray)
    if small.mode == "RGB" and colour_share(small) >= COLOUR_SHARE:
        return "colour", flat
    return ("bilevel" if flat < FLAT_MID_SHARE else "gray"), flat


def choose_mode(image: Image.Image) -> str:
    """"bilevel", "gray" or "colour" for a flattened page ("1", "L" or "RGB")."""
    return classify(image)[0]


def _paper_level(band: Image.Image) -> int:
    histogram = band.histogram()
    half, seen = band.width * band.height / 2, 0
    for level in range(255, -1, -1):
        seen += histogram[level]
        if seen >= half:
            return level
    return 0


def whiten(page: Image.Image) -> Image.Image:
    """The page ("L" or "RGB") with its paper made white, channel by channel (a tinted
    paper becomes white too); a page that is mostly picture is returned as it is."""
    bands = page.split()
    levels = [_paper_level(band) for band in bands]
    if min(levels) < PAPER_LEVEL_MIN:
        return page
    out = []
    for band, level in zip(bands, levels, strict=True):
        white = level - PAPER_MARGIN
        out.append(band.point(lambda v, w=white: 255 if v >= w else v * 255 // w))
    return out[0] if len(out) == 1 else Image.merge(page.mode, out)


def paper_long_inches(width: int, height: int, dpi: tuple[float, float] | None) -> float:
    """The paper's longest side, in inches, of a picture that says it was made at ``dpi``.

    A believable dpi keeps the paper size (an ID card stays card-sized); otherwise the
    picture is laid out as an A4 page."""
    if dpi and min(dpi) >= MIN_BELIEVED_DPI:
        return max(width, height) / float(max(dpi))
    return A4_LONG_INCHES


def target_size(width: int, height: int, long_inches: float, dpi: int = TARGET_DPI
                ) -> tuple[int, int, float]:
    """Pixel size to keep and the page's resolution (dots per inch) for a picture of
    ``width`` x ``height`` pixels whose paper's longest side is ``long_inches``: the longest
    side never exceeds MAX_LONG_SIDE, the resolution never exceeds ``dpi``, and nothing is
    enlarged."""
    long_px = max(width, height)
    scale = min(1.0, MAX_LONG_SIDE / long_px, dpi * long_inches / long_px)
    new_w = max(1, round(width * scale))
    new_h = max(1, round(height * scale))
    return new_w, new_h, max(new_w, new_h) / long_inches


def _resized(page: Image.Image, size: tuple[int, int]) -> Image.Image:
    if size == page.size:
        return page
    if page.mode == "1":
        page = page.convert("L")
    return page.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def encode(image: Image.Image, long_inches: float) -> EncodedPage:
    """Scale, classify and encode one upright page (EXIF orientation already applied) whose
    paper's longest side is ``long_inches`` (``paper_long_inches``)."""
    page = flatten(image)
    width, height, page_dpi = target_size(page.width, page.height, long_inches)
    page = _resized(page, (width, height))
    mode, flat = classify(page)
    if mode == "colour" or flat >= PHOTO_SHARE:
        width, height, page_dpi = target_size(width, height, long_inches, PICTURE_DPI)
        page = _resized(page, (width, height))
    # img2pdf reads the dpi written in the picture; a whole number is what JPEG can hold.
    dpi = max(1, round(page_dpi))
    out = io.BytesIO()
    if mode == "bilevel":
        ink = page if page.mode in ("1", "L") else page.convert("L")
        if ink.mode == "L":
            level = otsu_threshold(ink)
            ink = ink.point(lambda v: 255 if v > level else 0).convert(
                "1", dither=Image.Dither.NONE)
        ink.save(out, "TIFF", compression="group4", dpi=(dpi, dpi))
    else:
        if mode == "gray" and page.mode != "L":
            page = page.convert("L")
        picture = mode == "colour" or flat >= PHOTO_SHARE
        whiten(page).save(out, "JPEG", optimize=True, subsampling="4:2:0", dpi=(dpi, dpi),
                          quality=PICTURE_JPEG_QUALITY if picture else JPEG_QUALITY)
    return EncodedPage(out.getvalue(), mode, width, height, dpi)


def upright(image: Image.Image) -> Image.Image:
    """The frame turned as its EXIF orientation says (a phone held sideways)."""
    turned = ImageOps.exif_transpose(image)
    return turned if turned is not None else image
