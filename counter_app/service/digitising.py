"""The desk's digitising part (issue "Digitising at the counter"), mixed into ``Counter``:
pages of a dossier's documents and of its result made into one PDF each
(counter_app/attachments), stored as content-addressed files beside the database, and
recorded in the dossier's hash-chained history (an ``attach`` event carrying the hash).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from counter_app.attachments import normalise
from counter_app.attachments.blob_store import BlobStore, folder_for
from counter_app.attachments.pages import Document
from counter_app.domain.citizen_id import normalise_id
from counter_app.domain.digitised import ATTACH
from counter_app.domain.roles import Action
from counter_app.domain.statuses import Status
from counter_app.domain.text import fold
from counter_app.errors import NotFound, ValidationError
from counter_app.store import dossier_steps
from counter_app.store.database import database_file
from counter_app.store.dossier_store import DossierRow
from counter_app.sync.errors import SyncError
from counter_app.sync.sync_round import fetch_file

#: A result exists (status 9 "Đã xử lý xong", 10 "Đã trả kết quả").
HAS_RESULT = frozenset({Status.FINISHED, Status.RETURNED})


@dataclass(frozen=True)
class Attachment:
    """One digitised document or result of a dossier, as its history records it."""
    id: str            # the attach event's id
    sha256: str
    bytes: int
    pages: int
    document: int | None   # the document's index in the dossier's checklist; None: result
    name: str
    at: str
    officer: str
    reused_from: str       # the dossier code it was first digitised for, if reused
    here: bool             # its file is on this desk
    record_synced: bool    # the server holds the record (its event)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Reusable:
    """A document digitised for an earlier dossier of the same citizen, offered when they
    come back: "đã có bản số hóa từ hồ sơ …". Taking it links the same file."""
    dossier_code: str
    attachment_id: str
    name: str
    sha256: str
    bytes: int
    pages: int
    at: str

    def fits(self, document_name: str) -> bool:
        """Is it the same kind of document as ``document_name`` (the names, folded)?"""
        return fold(self.name) == fold(document_name)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class CounterDigitising:
    """Needs the Counter's db, clock, desk_id, officer checks and ``dossier``."""

    def blob_store(self) -> BlobStore:
        path = database_file(self.db)
        if path is None:
            raise ValidationError({"file": "Cơ sở dữ liệu không nằm trên đĩa nên không lưu "
                                           "được tệp số hóa."})
        return BlobStore(folder_for(path))

    def prepare_pages(self, sources: Sequence[Path | str | bytes]) -> Document:
        """Scans, photos or PDF files made into one PDF, not yet stored: the window does
        this when the officer adds the pages, so a refused file is said at once
        (AttachmentRejected), before the dossier is saved."""
        self.require(Action.DIGITISE)
        return normalise(list(sources))

    def attach(self, code: str, sources: Sequence[Path | str | bytes] | Document, *,
               document: int | None = None, result: bool = False) -> Attachment:
        """Digitise one document of the dossier (its checklist index) or its result from
        scans, photos or PDF files (or pages already prepared): made into one PDF
        (AttachmentRejected says why a file is refused; nothing is stored then), stored,
        and recorded in the dossier's history."""
        self.require(Action.DIGITISE)
        row = self.dossier(code)  # the officer must see it
        self._attachment_name(row, document, result)
        # Nothing of the dossier in the file (its record says whose it is): the same pages
        # make the same file, whatever dossier they are for.
        doc = sources if isinstance(sources, Document) else normalise(list(sources))
        store = self.blob_store()
        sha256 = store.put(doc.pdf)  # whole on the disk before anything names it
        return self._record_attach(row, sha256, doc.bytes, doc.pages, document, result, "")

    def reusable_documents(self, id_number: str, *, besides: str = "") -> list[Reusable]:
        """The citizen's documents digitised for their earlier dossiers on this desk (not
        results, not dossier ``besides``), newest first, one per kind of document."""
        self.require(Action.DIGITISE)
        number = normalise_id(id_number)
        if not number:
            return []
        rows = self.db.execute(
            "SELECT d.code, e.id, e.payload, e.at FROM dossiers d "
            "JOIN events e ON e.dossier_id = d.id AND e.kind = ? "
            "WHERE d.applicant_id_number = ? AND d.code <> ? "
            "ORDER BY e.at DESC, e.rowid DESC", [ATTACH, number, besides.strip()]).fetchall()
        found: dict[str, Reusable] = {}
        for code, event_id, payload, at in rows:
            p = json.loads(payload)
            if p.get("result") or not p.get("name"):
                continue
            found.setdefault(fold(p["name"]), Reusable(
                code, event_id, p["name"], p["sha256"], p["bytes"], p["pages"], at))
        return list(found.values())

    def reuse(self, code: str, document: int, source_code: str,
              attachment_id: str) -> Attachment:
        """Link a document digitised for the citizen's earlier dossier ``source_code`` to
        document ``document`` of dossier ``code``: the same file, not a copy, recorded as
        reused (``reused_from``, counted in the reports)."""
        self.require(Action.DIGITISE)
        row = self.dossier(code)
        self._attachment_name(row, document, False)
        source = self.dossier(source_code)
        if (source.code == row.code or not row["applicant_id_number"]
                or source["applicant_id_number"] != row["applicant_id_number"]):
            raise ValidationError({"document": "Chỉ dùng lại được bản số hóa từ hồ sơ khác "
                                               "của chính người nộp này."})
        found = [a for a in self.attachments(source.code)
                 if a.id == attachment_id and a.document is not None]
        if not found:
            raise NotFound(f"Hồ sơ {source.code} không có giấy tờ số hóa mã "
                           f"'{attachment_id}'.")
        was = found[0]
        return self._record_attach(row, was.sha256, was.bytes, was.pages, document, False,
                                   source.code)

    def _record_attach(self, row: DossierRow, sha256: str, size: int, pages: int,
                       document: int | None, result: bool, reused_from: str) -> Attachment:
        officer = self.require(Action.DIGITISE)
        name = self._attachment_name(row, document, result)
        now = self.clock()

        def decide(current: DossierRow) -> dict:
            return {"at": now.replace(microsecond=0).isoformat(timespec="seconds"),
                    "sha256": sha256, "bytes": size, "pages": pages,
                    "document": None if result else document, "result": result,
                    "name": name, "reused_from": reused_from}

        _, event = dossier_steps.record_attach(self.db, row.code, decide, desk_id=self.desk_id,
                                               officer=officer.username, now=now)
        return self._attachment(event.id, event.payload, event.at, event.officer,
                                self.blob_store())

    def attachments(self, code: str) -> list[Attachment]:
        """The dossier's digitised documents and result, oldest first."""
        row = self.dossier(code)
        store = self.blob_store()
        rows = self.db.execute(
            "SELECT e.id, e.payload, e.at, e.officer FROM events e WHERE e.dossier_id = ? "
            "AND e.kind = ? ORDER BY e.at, e.rowid", [row["id"], ATTACH]).fetchall()
        return [self._attachment(i, json.loads(p), at, who, store) for i, p, at, who in rows]

    def attachment_pdf(self, code: str, attachment_id: str, http=None) -> bytes:
        """The PDF of one attachment, checked against its hash; a file another desk
        digitised is fetched from the server first (``http``: a client, for tests)."""
        self.require(Action.DIGITISE)
        found = [a for a in self.attachments(code) if a.id == attachment_id]
        if not found:
            raise NotFound(f"Hồ sơ {code.strip()} không có tệp số hóa mã '{attachment_id}'.")
        if not found[0].here:
            try:
                fetch_file(self.db, found[0].sha256, found[0].bytes, http=http)
            except SyncError as exc:
                raise NotFound(f"Tệp số hóa này chưa có trên máy này và chưa tải được từ máy "
                               f"chủ: {exc}") from None
        return self.blob_store().read(found[0].sha256)

    def _attachment(self, event_id: str, payload: dict, at: str, officer: str,
                    store: BlobStore) -> Attachment:
        synced = self.db.execute("SELECT 1 FROM event_outcomes WHERE event_id = ?",
                                 [event_id]).fetchone() is not None
        return Attachment(event_id, payload["sha256"], payload["bytes"], payload["pages"],
                          payload.get("document"), payload.get("name", ""), at, officer,
                          payload.get("reused_from", ""), store.has(payload["sha256"]),
                          synced)

    @staticmethod
    def _attachment_name(row: DossierRow, document: int | None, result: bool) -> str:
        if result == (document is not None):
            raise ValidationError({"document": "Chọn một giấy tờ của hồ sơ hoặc kết quả "
                                               "giải quyết (chỉ một trong hai)."})
        if result:
            if row.status not in HAS_RESULT:
                raise ValidationError({"result": "Hồ sơ chưa có kết quả giải quyết để số "
                                                 "hóa."})
            return "Kết quả giải quyết"
        documents = row.documents
        if not 0 <= document < len(documents):
            raise ValidationError({"document": f"Hồ sơ có {len(documents)} giấy tờ; số thứ "
                                               f"tự phải từ 1 đến {len(documents)}."})
        return documents[document]["name"]
