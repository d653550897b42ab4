"""The digitising commands: attach, attachments, attachment --out, reusable and reuse; a bad
file exits 2 with a reason and stores nothing."""

from __future__ import annotations

import hashlib

from tests.cli.test_cli_lifecycle import receive
from tests.sample_pages import jpeg, scanned, text_page


def test_attach_list_write_out_and_reuse(ready, tmp_path):
    scan = tmp_path / "trang 1.jpg"
    scan.write_bytes(jpeg(scanned(text_page())))
    first = receive(ready)
    made = ready("attach", first, scan, "--document", "1", "--json")
    assert made.code == 0, made.err
    found = made.json()
    assert (found["pages"], found["document"], found["reused_from"]) == (1, 0, "")
    listed = ready("attachments", first, "--json").json()
    assert [a["sha256"] for a in listed] == [found["sha256"]]
    out = tmp_path / "ra.pdf"
    assert ready("attachment", first, found["id"], "--out", out).code == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == found["sha256"]

    second = receive(ready)
    offered = ready("reusable", "001303012345", "--json").json()
    assert [(r["dossier_code"], r["attachment_id"]) for r in offered] == [(first, found["id"])]
    linked = ready("reuse", second, "--document", "1", "--from", first, "--json")
    assert linked.code == 0, linked.err
    assert (linked.json()["sha256"], linked.json()["reused_from"]) == (found["sha256"], first)
    missing = ready("reuse", second, "--document", "2", "--from", first)
    assert missing.code == 2 and "has no digitised" in missing.err


def test_a_bad_file_exits_2_and_stores_nothing(ready, tmp_path):
    code = receive(ready)
    empty = tmp_path / "rong.pdf"
    empty.write_bytes(b"")
    result = ready("attach", code, empty, "--document", "1")
    assert result.code == 2 and "trống (0 byte)" in result.err
    assert ready("attachments", code, "--json").json() == []
    assert ready("attach", code, tmp_path / "khong-co.jpg", "--document", "1").code == 2
    assert ready("attach", code, empty).code == 2  # neither --document nor --result


def test_fetch_ahead_is_off_until_set(ready):
    shown = ready("fetch-ahead", "--json")
    assert shown.code == 0 and shown.json() == {"fetch_files_ahead": False}
    assert ready("fetch-ahead", "on", "--json").json() == {"fetch_files_ahead": True}
    assert "each sync round" in ready("fetch-ahead").out
    assert ready("fetch-ahead", "maybe").code == 2
