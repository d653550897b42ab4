"""Lateness as the law counts it (docs/law.md §15): the slip's deadline stays a dossier's
deadline and an apology's date is kept beside it (``extended_due_at`` in the row). Dossiers
apologised for under the old rule had the apology's date as their deadline and were judged
against it: each is rebuilt from its applied events by today's rules.

The rows' ``updated_seq`` is left as it is: each desk rebuilds its own copies of these
dossiers from the same events when it migrates its file (desk schema version 7).

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

from counter_app.domain.lifecycle import Progress
from counter_app.sync import projection

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    conn = op.get_bind()
    dossiers = sa.table("dossiers", sa.column("id", sa.String), sa.column("row_json", sa.Text),
                        sa.column("due_at", sa.String), sa.column("verdict", sa.String))
    inbox = sa.table("inbox", sa.column("dossier_id", sa.String),
                     sa.column("event_json", sa.Text), sa.column("result", sa.String),
                     sa.column("server_seq", sa.BigInteger))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(dossiers.c.id, dossiers.c.row_json)
            .where(dossiers.c.id > last, dossiers.c.row_json.like('%"apologized": 1%'))
            .order_by(dossiers.c.id).limit(_BATCH)).all()
        if not rows:
            return
        for dossier_id, text in rows:
            events = [json.loads(e) for (e,) in conn.execute(
                sa.select(inbox.c.event_json).where(inbox.c.dossier_id == dossier_id,
                                                    inbox.c.result == "applied")
                .order_by(inbox.c.server_seq))]
            if not events or events[0].get("kind") != "received":
                continue
            row = json.loads(text)
            # A received event of desk schema 9 names its procedure version (revision
            # 0005): the dossier's own row carries that version's body.
            body = row.get("procedure_snapshot")
            own = json.loads(body) if isinstance(body, str) else body
            rebuilt = projection.replay(events, lambda _vid, own=own: own)
            row.update({k: rebuilt[k] for k in Progress.from_row(rebuilt).to_columns()})
            conn.execute(sa.update(dossiers).where(dossiers.c.id == dossier_id).values(
                due_at=row["due_at"], verdict=row["verdict"],
                row_json=json.dumps(row, ensure_ascii=False)))
        last = rows[-1][0]


def downgrade() -> None:
    """Nothing to undo in the schema; the rebuilt rows stay as the law counts them."""
