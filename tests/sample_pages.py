"""Scan-like pages for the digitising tests and benchmark: an A4 form at 300 dpi drawn with
the bundled font on slightly tinted, noisy, blurred paper; a gray photograph; a page with a
red stamp; an ID card; a phone picture stored sideways with its EXIF orientation; a
reportlab PDF. Plain functions (tests/core/test_attachment_pages.py,
tests/bench/bench_attachment_size.py)."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from counter_app.resources import resource

A4_300 = (2480, 3508)
A4_POINTS = (595.3, 841.9)
LINES = [
    "Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Ngọc Ánh",
    "Nơi cư trú: Thôn Đông, xã Quảng Phú, tỉnh Quảng Trị",
    "Giấy tờ tùy thân: Căn cước công dân số 001303012345, cấp ngày 12/4/2021",
    "Quan hệ với người được khai sinh: mẹ đẻ; đề nghị cơ quan đăng ký khai sinh cho:",
    "Họ, chữ đệm, tên: Trần Minh Khôi   Giới tính: Nam   Dân tộc: Kinh   Quốc tịch: Việt Nam",
    "Ngày, tháng, năm sinh: 02/3/2026, ghi bằng chữ: ngày hai tháng ba năm hai nghìn",
    "Nơi sinh: Trạm Y tế xã Quảng Phú, tỉnh Quảng Trị; quê quán: xã Quảng Phú",
    "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật, được sự",
    "thỏa thuận nhất trí của các bên liên quan theo quy định pháp luật.",
]


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "LiberationSerif-Bold.ttf" if bold else "LiberationSerif-Regular.ttf"
    return ImageFont.truetype(str(resource("fonts", name)), size)


def scanned(page: Image.Image, *, seed: int = 1, tint=(247, 245, 238)) -> Image.Image:
    """A clean drawing as a flatbed scanner gives it back: tinted paper, a little blur and
    sensor noise. Pillow's noise differs from call to call: a test that needs the same page
    twice makes its bytes once."""
    rgb = page.convert("RGB")
    paper = Image.new("RGB", rgb.size, tint)
    rgb = ImageChops.multiply(rgb, paper).filter(ImageFilter.GaussianBlur(0.8))
    noise = Image.effect_noise(rgb.size, 6 + seed % 3).convert("RGB")
    return ImageChops.add(rgb, noise, scale=1.0, offset=-128)


def text_page(size=A4_300, *, title="TỜ KHAI ĐĂNG KÝ KHAI SINH", lines: int = 40,
              marker: bool = False) -> Image.Image:
    """A black and white A4 form at 300 dpi: national heading, title, lines of text."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    scale = size[0] / A4_300[0]
    body = font(round(46 * scale))
    draw.text((size[0] // 2, round(200 * scale)), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
              font=font(round(50 * scale), True), fill=0, anchor="mm")
    draw.text((size[0] // 2, round(270 * scale)), "Độc lập - Tự do - Hạnh phúc",
              font=font(round(48 * scale), True), fill=0, anchor="mm")
    draw.text((size[0] // 2, round(420 * scale)), title, font=font(round(60 * scale), True),
              fill=0, anchor="mm")
    y = round(560 * scale)
    for n in range(lines):
        draw.text((round(240 * scale), y), LINES[n % len(LINES)], font=body, fill=0)
        y += round(70 * scale)
        if y > size[1] - round(250 * scale):
            break
    if marker:  # a solid block at the top left, to see which way the page came out
        draw.rectangle((0, 0, size[0] // 5, size[1] // 10), fill=0)
    return page


def form_page(size=A4_300) -> Image.Image:
    """A form with a ruled table (rows of a register) and text in its cells."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    draw.text((size[0] // 2, 250), "SỔ THEO DÕI HỒ SƠ", font=font(64, True), fill=0,
              anchor="mm")
    left, right, top = 160, size[0] - 160, 420
    columns = [left, 330, 900, 1500, 1950, right]
    small = font(38)
    for row in range(31):
        y = top + row * 95
        draw.line((left, y, right, y), fill=0, width=4)
        if row < 30:
            cells = [str(row + 1), f"000.17.22.H56-2603{row:02d}", LINES[row % 9][:24],
                     "09/3/2026", "Đúng hạn"]
            for x, text in zip(columns, cells, strict=False):
                draw.text((x + 14, y + 24), text, font=small, fill=0)
    for x in columns:
        draw.line((x, top, x, top + 30 * 95), fill=0, width=4)
    return page


def photo(size: tuple[int, int], *, seed: int = 3) -> Image.Image:
    """A gray photograph: smooth shading, shapes and film grain (mid-tones everywhere)."""
    w, h = size
    gradient = Image.linear_gradient("L").resize(size).rotate(30, fillcolor=120)
    radial = Image.radial_gradient("L").resize((w // 2, h // 2))
    shot = gradient.copy()
    shot.paste(ImageChops.invert(radial), (w // 4, h // 5))
    draw = ImageDraw.Draw(shot)
    draw.ellipse((w // 3, h // 3, w // 3 + w // 4, h // 3 + h // 3), fill=90)
    shot = shot.filter(ImageFilter.GaussianBlur(max(2, w // 300)))
    grain = Image.effect_noise(size, 18 + seed % 5)
    return ImageChops.add(shot, grain, scale=1.0, offset=-128)


def gray_photo_page(size=A4_300) -> Image.Image:
    """An A4 page that is mostly a gray photograph (a newspaper clipping, a house)."""
    page = Image.new("L", size, 235)
    page.paste(photo((size[0] - 300, size[1] * 2 // 3)), (150, 200))
    ImageDraw.Draw(page).text((150, size[1] * 2 // 3 + 300), LINES[0], font=font(46), fill=0)
    return scanned(page).convert("L")


def id_card_photo(dpi: int = 300) -> Image.Image:
    """A gray photo of a citizen ID card (85.6 x 54 mm) on a desk, at ``dpi``."""
    card = (round(85.6 / 25.4 * dpi), round(54 / 25.4 * dpi))
    margin = dpi // 3
    page = photo((card[0] + 2 * margin, card[1] + 2 * margin), seed=5)
    face = Image.new("L", card, 205)
    draw = ImageDraw.Draw(face)
    draw.rounded_rectangle((0, 0, card[0] - 1, card[1] - 1), radius=dpi // 8, outline=60,
                           width=4)
    draw.rectangle((card[0] // 20, card[1] // 4, card[0] // 3, card[1] * 9 // 10), fill=110)
    text = font(dpi // 12)
    for n, line in enumerate(["CĂN CƯỚC CÔNG DÂN", "Số: 001303012345",
                              "Họ và tên: NGUYỄN THỊ NGỌC ÁNH", "Ngày sinh: 14/02/2003",
                              "Quê quán: Quảng Phú, Quảng Trị"]):
        draw.text((card[0] * 2 // 5, card[1] // 6 + n * dpi // 8), line, font=text, fill=20)
    page.paste(face.filter(ImageFilter.GaussianBlur(1)), (margin, margin))
    return page


def stamped_page(size=A4_300) -> Image.Image:
    """A signed decision: black text, a blue signature and a red round stamp."""
    page = scanned(text_page(size, title="QUYẾT ĐỊNH", lines=22))
    draw = ImageDraw.Draw(page)
    cx, cy, r = size[0] * 2 // 3, size[1] * 4 // 5, 230
    red = (205, 32, 40)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=14)
    draw.ellipse((cx - r + 40, cy - r + 40, cx + r - 40, cy + r - 40), outline=red, width=6)
    draw.regular_polygon((cx, cy, 70), 5, fill=red)
    draw.text((cx, cy - r + 90), "UBND XÃ QUẢNG PHÚ", font=font(34, True), fill=red,
              anchor="mm")
    draw.line([(cx - 300, cy - 60), (cx - 180, cy - 120), (cx - 60, cy - 40), (cx + 60, cy - 110)],
              fill=(30, 50, 170), width=6)
    return page


def jpeg(image: Image.Image, *, quality: int = 90, dpi: int | None = 300,
         exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    options = {"quality": quality}
    if dpi:
        options["dpi"] = (dpi, dpi)
    if exif:
        options["exif"] = exif
    image.save(out, "JPEG", **options)
    return out.getvalue()


def png(image: Image.Image, *, dpi: int | None = 300) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def sideways_phone_jpeg() -> bytes:
    """A phone picture of an upright page, stored landscape with EXIF Orientation 6 (the
    viewer turns it 90° clockwise). No resolution: laid out as A4."""
    upright = scanned(text_page((1240, 1754), marker=True))
    stored = upright.rotate(90, expand=True)  # 90° counter-clockwise: what the sensor saw
    exif = Image.Exif()
    exif[0x0112] = 6
    return jpeg(stored, dpi=None, exif=exif.tobytes())


def reportlab_pdf(pages: int = 2) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from counter_app.printing import fonts

    # The program's own registration: registering the family's name again with one file
    # would map its bold to the regular face for every form printed afterwards.
    family = fonts.register()
    out = io.BytesIO()
    drawing = canvas.Canvas(out, pagesize=A4, invariant=1)
    for n in range(pages):
        drawing.setFont(family, 12)
        for k, line in enumerate(LINES):
            drawing.drawString(72, 760 - 20 * k, f"{n + 1}. {line}")
        drawing.showPage()
    drawing.save()
    return out.getvalue()


# -- reading the result back ----------------------------------------------------------------
