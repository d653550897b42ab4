"""Digitising at the counter: bytes per page and time per page of ``normalise``, against the
same scans put into a PDF as they are, in the same run.

Five scan-like A4 pages, as a flatbed scanner in colour at 300 dpi hands them over (JPEG
quality 90; the page makers of tests/core/test_attachment_pages.py: tinted paper, blur, sensor
noise): a declaration (text), a register page (a ruled table), a photocopy of both sides of
an ID card (gray photographs), a decision with a red stamp, a page with a gray photograph.

- baseline: img2pdf of the unprocessed 300-dpi scans (the JPEG bytes embedded as they are),
  and of the same scans as lossless PNG;
- now: ``counter_app.attachments.normalise`` (200 dpi, bilevel G4 / gray / colour JPEG).

    .venv/bin/python tests/bench/bench_attachment_size.py [--runs 5]

Targets (issue "Digitising at the counter"): an A4 page at 200 dpi under 150 KB; a five-page
dossier under 1 MB. Medians of ``--runs`` runs; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import img2pdf  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from counter_app.attachments import normalise  # noqa: E402
from tests.sample_pages import (  # noqa: E402
    A4_300,
    LINES,
    font,
    form_page,
    gray_photo_page,
    id_card_photo,
    scanned,
    stamped_page,
    text_page,
)

PAGE_LIMIT_KB = 150
DOSSIER_LIMIT_KB = 1000


def id_copy_page() -> Image.Image:
    """A photocopy of an ID card, front and back, on an A4 page."""
    page = Image.new("L", A4_300, 255)
    front, back = id_card_photo(300), id_card_photo(300).rotate(180)
    page.paste(front, ((A4_300[0] - front.width) // 2, 300))
    page.paste(back, ((A4_300[0] - back.width) // 2, 400 + front.height))
    ImageDraw.Draw(page).text((300, 700 + 2 * front.height), "Bản sao: " + LINES[2],
                              font=font(40), fill=0)
    return page


def scanner_pages() -> dict[str, Image.Image]:
    return {"tờ khai (text)": scanned(text_page()),
            "sổ (table)": scanned(form_page()),
            "CCCD copy (gray)": scanned(id_copy_page()),
            "quyết định (stamp)": stamped_page(),
            "ảnh (gray photo)": gray_photo_page().convert("RGB")}


def encoded(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.save(out, "JPEG", quality=90, dpi=(300, 300))
    else:
        image.save(out, "PNG", dpi=(300, 300))
    return out.getvalue()


def timed(sources: list[bytes], runs: int):
    seconds, doc = [], None
    for _ in range(runs):
        started = time.perf_counter()
        doc = normalise(sources)
        seconds.append(time.perf_counter() - started)
    return doc, statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    pages = scanner_pages()
    scans = {name: encoded(image, "JPEG") for name, image in pages.items()}
    lossless = {name: encoded(image, "PNG") for name, image in pages.items()}

    rows, per_page, largest = [], {}, 0.0
    print(f"{'page':20} {'scan KB':>8} {'img2pdf JPEG':>13} {'img2pdf PNG':>12} "
          f"{'normalised':>11} {'mode':>8} {'ms/page':>8}")
    for name, scan in scans.items():
        baseline = len(img2pdf.convert(scan)) / 1000
        baseline_png = len(img2pdf.convert(lossless[name])) / 1000
        doc, seconds = timed([scan], runs)
        kb = doc.bytes / 1000
        largest = max(largest, kb)
        per_page[name] = {"kb": round(kb, 1), "baseline_jpeg_kb": round(baseline, 1),
                          "baseline_png_kb": round(baseline_png, 1), "mode": doc.page_modes[0],
                          "ms": round(seconds * 1000)}
        rows.append(seconds)
        print(f"{name:20} {len(scan) / 1000:8.0f} {baseline:13.0f} {baseline_png:12.0f} "
              f"{kb:11.1f} {doc.page_modes[0]:>8} {seconds * 1000:8.0f}")

    dossier, seconds = timed(list(scans.values()), runs)
    dossier_kb = dossier.bytes / 1000
    dossier_baseline = len(img2pdf.convert(list(scans.values()))) / 1000
    dossier_png = len(img2pdf.convert(list(lossless.values()))) / 1000
    ms_per_page = seconds * 1000 / dossier.pages
    print(f"{'dossier (5 pages)':20} {sum(map(len, scans.values())) / 1000:8.0f} "
          f"{dossier_baseline:13.0f} {dossier_png:12.0f} {dossier_kb:11.1f} {'':>8} "
          f"{ms_per_page:8.0f}")
    print(f"largest A4 page: {largest:.1f} KB (target: under {PAGE_LIMIT_KB}); five-page "
          f"dossier: {dossier_kb:.1f} KB (target: under {DOSSIER_LIMIT_KB}); "
          f"{dossier_baseline / dossier_kb:.1f}x smaller than the scans as they are")
    ok = largest < PAGE_LIMIT_KB and dossier_kb < DOSSIER_LIMIT_KB
    print("SUMMARY " + json.dumps({
        "bench": "attachment_size", "runs": runs, "pages": per_page,
        "largest_page_kb": round(largest, 1), "dossier_kb": round(dossier_kb, 1),
        "dossier_baseline_jpeg_kb": round(dossier_baseline, 1),
        "dossier_baseline_png_kb": round(dossier_png, 1),
        "ms_per_page_median": round(ms_per_page), "page_limit_kb": PAGE_LIMIT_KB,
        "dossier_limit_kb": DOSSIER_LIMIT_KB, "ok": ok}, ensure_ascii=False))
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
