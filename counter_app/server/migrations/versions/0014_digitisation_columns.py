"""Each dossier's digitisation counted into columns when the push writes its row
(reports/digitisation.py ``row_counts``), so the reports add columns instead of parsing
every row's JSON (ten months of a province took ~12 s on PostgreSQL that way).

Existing rows are counted here, in batches: documents to digitise and digitised, the result
digitised, from ``row_json``; documents reused, from the dossier's applied ``attach``
events.

Revision ID: 0014
Revises: 0013
"""

import json

import sqlalchemy as sa
from alembic import op

from counter_app.reports.digitisation import row_counts

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("docs_to_digitise", "docs_digitised", "result_digitised", "docs_reused")
BATCH = 5000


def _reused(bind) -> dict[str, int]:
    found: dict[str, set] = {}
    rows = bind.execute(sa.text(
        "SELECT dossier_id, event_json FROM inbox WHERE result = 'applied' "
        "AND event_json LIKE '%\"attach\"%' AND event_json LIKE '%reused_from%'"))
    for dossier_id, text in rows:
        event = json.loads(text)
        payload = event.get("payload") or {}
        if (event.get("kind") == "attach" and payload.get("reused_from")
                and isinstance(payload.get("document"), int)):
            found.setdefault(dossier_id, set()).add(payload["document"])
    return {dossier_id: len(documents) for dossier_id, documents in found.items()}


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("dossiers", sa.Column(name, sa.Integer, nullable=True))
    bind = op.get_bind()
    reused = _reused(bind)
    update = sa.text("UPDATE dossiers SET docs_to_digitise = :docs_to_digitise, "
                     "docs_digitised = :docs_digitised, result_digitised = :result_digitised, "
                     "docs_reused = :docs_reused WHERE id = :b_id")
    after = ""
    while True:
        rows = bind.execute(sa.text("SELECT id, row_json FROM dossiers WHERE id > :after "
                                    "ORDER BY id LIMIT :n"), {"after": after, "n": BATCH}).all()
        if not rows:
            break
        values = []
        for dossier_id, text in rows:
            try:
                row = json.loads(text)
            except ValueError:
                row = {}
            values.append({"b_id": dossier_id, **row_counts(row if isinstance(row, dict) else {}),
                           "docs_reused": reused.get(dossier_id, 0)})
        bind.execute(update, values)
        after = rows[-1][0]


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE dossiers DROP COLUMN {name}")  # SQLite 3.35+, PostgreSQL
