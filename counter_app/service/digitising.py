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
from counter_app.domain.digitised import ATTACH
from counter_app.domain.roles import Action
from counter_app.domain.statuses import Status
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


class CounterDigitising:
    """Needs the Counter's db, clock, desk_id, officer checks and ``dossier``."""

    def blob_store(self) -> BlobStore:
        path = database_file(self.db)
        if path is None:
            raise ValidationError({"file": "Cơ sở dữ liệu không nằm trên đĩa nên không lưu "
                                           "được tệp số hóa."})
        return BlobStore(folder_for(path))

    def attach(self, code: str, sources: Sequence[Path | str | bytes], *,
               document: int | None = None, result: bool = False) -> Attachment:
        """Digitise one document of the dossier (its checklist index) or its result from
        scans, photos or PDF files: made into one PDF (AttachmentRejected says why a file is
        refused; nothing is stored then), stored, and recorded in the dossier's history."""
        officer = self.require(Action.DIGITISE)
        row = self.dossier(code)  # the officer must see it
        name = self._attachment_name(row, document, result)
        now = self.clock()
        # Nothing of the dossier in the file (its record says whose it is): the same pages
        # make the same file, whatever dossier they are for.
        doc = normalise(list(sources))
        store = self.blob_store()
        sha256 = store.put(doc.pdf)  # whole on the disk before anything names it

        def decide(current: DossierRow) -> dict:
            return {"at": now.replace(microsecond=0).isoformat(timespec="seconds"),
                    "sha256": sha256, "bytes": doc.bytes, "pages": doc.pages,
                    "document": None if result else document, "result": result,
                    "name": name, "reused_from": ""}

        _, event = dossier_steps.record_attach(self.db, row.code, decide, desk_id=self.desk_id,
                                               officer=officer.username, now=now)
        return self._attachment(event.id, event.payload, event.at, event.officer, store)

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
