"""Digitising a dossier's documents and result at the desk (Counter.attach): one PDF per
document, stored by its hash beside the database, recorded in the hash-chained history;
bad files refused with nothing stored; who may do it."""

from __future__ import annotations

import pytest

from counter_app.accounts import audit_trail
from counter_app.attachments import AttachmentRejected
from counter_app.domain.lifecycle import Step
from counter_app.errors import PermissionDenied, ValidationError
from tests.core.conftest import sign_in_as
from tests.sample_pages import jpeg, reportlab_pdf, scanned, text_page


@pytest.fixture(scope="module")
def scan() -> bytes:
    return jpeg(scanned(text_page()))


def files(desk) -> list:
    return list(desk.blob_store().all())


def test_a_document_is_digitised_into_the_dossier(desk, make_request, scan):
    code = desk.receive(make_request("1.001193")).code
    found = desk.attach(code, [scan, reportlab_pdf(2)], document=0)
    assert (found.pages, found.document, found.here, found.record_synced) == (3, 0, True, False)
    assert found.name == desk.dossier(code).documents[0]["name"]
    assert files(desk) == [found.sha256]
    pdf = desk.attachment_pdf(code, found.id)
    assert pdf.startswith(b"%PDF") and len(pdf) == found.bytes
    row = desk.dossier(code)
    assert row["digitised"] == "[0]" and not row["result_digitised"]
    event = desk.events(row)[-1]
    assert event.kind == "attach" and event.payload["sha256"] == found.sha256
    assert "pdf" not in event.payload  # the hash, never the bytes
    assert audit_trail.verify(desk.db).ok  # the event is in the desk's hash chain
    assert desk.attachments(code) == [found]


def test_the_same_pages_twice_are_one_file(desk, make_request, scan):
    first = desk.receive(make_request("1.001193")).code
    second = desk.receive(make_request("1.001193")).code
    a = desk.attach(first, [scan], document=0)
    b = desk.attach(second, [scan], document=0)
    assert a.sha256 == b.sha256 and files(desk) == [a.sha256]
    assert len(desk.attachments(first)) == len(desk.attachments(second)) == 1


def test_the_result_once_there_is_one(desk, make_request, scan):
    code = desk.receive(make_request("1.001193")).code
    with pytest.raises(ValidationError, match="chưa có kết quả"):
        desk.attach(code, [scan], result=True)
    desk.step(code, Step.FINISH, {"result": "Giấy khai sinh"})
    found = desk.attach(code, [scan], result=True)
    assert found.document is None and found.name == "Kết quả giải quyết"
    assert desk.dossier(code)["result_digitised"] == 1


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"), (b"hello", "not_a_document"), (b"%PDF-1.4 broken", "damaged_pdf")])
def test_a_bad_file_is_refused_and_nothing_is_stored(desk, make_request, content, reason):
    code = desk.receive(make_request("1.001193")).code
    events = desk.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(AttachmentRejected) as refused:
        desk.attach(code, [content], document=0)
    assert refused.value.reason == reason and str(refused.value)
    assert files(desk) == [] and desk.attachments(code) == []
    assert desk.db.execute("SELECT count(*) FROM events").fetchone()[0] == events


def test_a_wrong_document_number_says_how_many_there_are(desk, make_request, scan):
    code = desk.receive(make_request("1.001193")).code
    with pytest.raises(ValidationError, match="từ 1 đến"):
        desk.attach(code, [scan], document=99)
    with pytest.raises(ValidationError, match="chỉ một trong hai"):
        desk.attach(code, [scan], document=0, result=True)
    assert files(desk) == []


def test_a_processing_officer_digitises_only_what_is_handed_to_them(desk, make_request, scan):
    mine = desk.receive(make_request("1.001193")).code
    other = desk.receive(make_request("1.001193")).code
    desk.step(mine, Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": "Trần Văn Xử"})
    sign_in_as(desk, "Trần Văn Xử", ("processing",), username="xuly")
    assert desk.attach(mine, [scan], document=0).here
    with pytest.raises(PermissionDenied):
        desk.attach(other, [scan], document=0)


# -- reuse: a returning citizen's documents digitised before ------------------------------
OTHER_CITIZEN = "001099012345"


def test_a_returning_citizens_document_is_offered_and_linked_not_copied(
        desk, make_request, scan):
    first = desk.receive(make_request("1.001193")).code
    was = desk.attach(first, [scan, reportlab_pdf(1)], document=0)
    new = desk.receive(make_request("1.001193"))
    offered = desk.reusable_documents(new["applicant_id_number"], besides=new.code)
    assert [(r.dossier_code, r.attachment_id, r.pages) for r in offered] == [
        (first, was.id, 2)]
    assert offered[0].fits(new.documents[0]["name"].upper())  # the same kind, however written
    assert not offered[0].fits(new.documents[1]["name"])
    linked = desk.reuse(new.code, 0, first, was.id)
    assert (linked.sha256, linked.reused_from, linked.document) == (was.sha256, first, 0)
    assert files(desk) == [was.sha256]  # one file serves both dossiers
    assert desk.dossier(new.code)["digitised"] == "[0]"
    assert desk.attachment_pdf(new.code, linked.id) == desk.attachment_pdf(first, was.id)
    event = desk.events(desk.dossier(new.code))[-1]
    assert event.payload["reused_from"] == first
    assert audit_trail.verify(desk.db).ok
    # Once linked, the new dossier's own copy is the newest of its kind.
    assert [r.dossier_code for r in desk.reusable_documents(new["applicant_id_number"])] == [
        new.code]


def test_only_the_same_citizens_documents_are_reused(desk, make_request, scan):
    theirs = desk.receive(make_request("1.001193", applicant={
        "id_number": OTHER_CITIZEN, "full_name": "Lê Văn Khác"})).code
    was = desk.attach(theirs, [scan], document=0)
    mine = desk.receive(make_request("1.001193"))
    assert desk.reusable_documents(mine["applicant_id_number"]) == []
    events = desk.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(ValidationError, match="chính người nộp"):
        desk.reuse(mine.code, 0, theirs, was.id)
    with pytest.raises(ValidationError, match="chính người nộp"):
        desk.reuse(theirs, 0, theirs, was.id)  # not from itself either
    assert desk.db.execute("SELECT count(*) FROM events").fetchone()[0] == events


def test_results_are_not_offered_for_reuse(desk, make_request, scan):
    first = desk.receive(make_request("1.001193")).code
    desk.step(first, Step.FINISH, {"result": "Giấy khai sinh"})
    desk.attach(first, [scan], result=True)
    assert desk.reusable_documents(desk.dossier(first)["applicant_id_number"]) == []


def test_a_digitised_dossier_still_gives_its_control_slip_and_forms(desk, make_request, scan):
    """An ``attach`` is no step: the hand-over log and the forms read past it."""
    from counter_app.domain import handover_log
    code = desk.receive(make_request("1.001193")).code
    desk.attach(code, [scan], document=0)
    desk.step(code, Step.HANDOVER, {"to_unit": "Công chức Tư pháp", "to_person": "Trần Văn Xử"})
    desk.attach(code, [scan], document=1)
    rows = handover_log.transfers(desk.events(desk.dossier(code)))
    assert [r.to_unit for r in rows] == ["Công chức Tư pháp"]
    from counter_app.printing import forms
    row = desk.dossier(code)
    printable = forms.printable(row, desk.events(row))
    assert len(printable) >= 2  # the slip and the control slip at least
    for number in printable:
        assert desk.form_pdf(code, number).startswith(b"%PDF")
