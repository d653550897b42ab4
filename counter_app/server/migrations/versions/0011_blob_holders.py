"""Reading a digitised file needs proof of possession (docs/security.md §7): the units that
sent a blob's whole bytes (``blob_holders``), and which unit named a blob in each reference
(``blob_refs.commune_id``). A reference lets the units of its dossier read the blob only
while the unit that made it is a holder, so a unit that only knows a hash reads nothing.

Existing rows keep the reading of every file its sending unit shared, so existing
servers keep working:

* each reference gets the unit whose desk pushed its applied ``attach`` (from the inbox;
  both units when both sides of a shared dossier attached the file), else the dossier's
  owning unit;
* the unit of the desk that stored a blob (``blobs.desk_id``) holds it: the one unit known
  to have sent its bytes. Another unit that named the same bytes before this revision (its
  desk was told "the server has it" and sent nothing) is not a holder until one of its
  desks sends them; a unit that only named a hash it had learnt loses the reading its
  reference gave it.

Revision ID: 0011
Revises: 0010
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "blob_holders",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("commune_id", sa.Integer, nullable=False),
        sa.Column("desk_id", sa.String(36)),
        sa.PrimaryKeyConstraint("sha256", "commune_id"),
    )
    _rebuild_refs(with_unit=True, fill=_refs_with_their_unit)
    _holders_from_uploads()


def downgrade() -> None:
    op.drop_table("blob_holders")
    _rebuild_refs(with_unit=False, fill=_refs_without_unit)


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rebuild_refs(with_unit: bool, fill) -> None:
    """``blob_refs`` made again with or without the unit in its key (a primary key cannot
    be changed in place on SQLite): the new table is filled from the old, which is dropped."""
    keys = ["sha256", "dossier_id", *(["commune_id"] if with_unit else [])]
    columns = [sa.Column("sha256", sa.String(64), nullable=False),
               sa.Column("dossier_id", sa.String(36), nullable=False)]
    if with_unit:
        columns.append(sa.Column("commune_id", sa.Integer, nullable=False))
    pg = _is_postgres()
    new = op.create_table("blob_refs_new", *columns, sa.PrimaryKeyConstraint(
        *keys, name="blob_refs_new_pkey" if pg else None))
    fill(op.get_bind(), new)
    op.drop_table("blob_refs")
    op.rename_table("blob_refs_new", "blob_refs")
    if pg:  # the name PostgreSQL gives a table's key (and schema.py expects)
        op.execute("ALTER TABLE blob_refs RENAME CONSTRAINT blob_refs_new_pkey "
                   "TO blob_refs_pkey")


def _insert_ignoring_duplicates(conn, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


def _refs_with_their_unit(conn, new: sa.Table) -> None:
    """Each reference with the unit that pushed its applied ``attach`` (read from the
    inbox in batches), then the references no inbox row explains with the dossier's unit."""
    insert = _insert_ignoring_duplicates(conn, new)
    rows = conn.execute(sa.text(
        "SELECT i.commune_id, i.dossier_id, i.event_json FROM inbox i "
        "WHERE i.result = 'applied' AND i.event_json LIKE '%attach%' "
        "AND i.dossier_id IN (SELECT dossier_id FROM blob_refs)"),
        execution_options={"stream_results": True})  # PostgreSQL: a server-side cursor
    while batch := rows.fetchmany(_BATCH):
        found = [ref for ref in (_attached(*row) for row in batch) if ref is not None]
        if found:
            conn.execute(insert, found)
    conn.execute(sa.text(
        "INSERT INTO blob_refs_new (sha256, dossier_id, commune_id) "
        "SELECT r.sha256, r.dossier_id, d.commune_id FROM blob_refs r "
        "JOIN dossiers d ON d.id = r.dossier_id "
        "WHERE NOT EXISTS (SELECT 1 FROM blob_refs_new n "
        "WHERE n.sha256 = r.sha256 AND n.dossier_id = r.dossier_id)"))
    # keep only what the old table named (an attach whose reference is not there is left)
    conn.execute(sa.text(
        "DELETE FROM blob_refs_new WHERE NOT EXISTS (SELECT 1 FROM blob_refs r "
        "WHERE r.sha256 = blob_refs_new.sha256 AND r.dossier_id = blob_refs_new.dossier_id)"))


def _attached(commune_id: int, dossier_id: str, event_json: str) -> dict | None:
    """(sha256, dossier, unit) of an inbox row that is an ``attach`` event; else None."""
    try:
        event = json.loads(event_json)
        sha256 = event["payload"]["sha256"] if event.get("kind") == "attach" else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(sha256, str):
        return None
    return {"sha256": sha256, "dossier_id": dossier_id, "commune_id": commune_id}


def _refs_without_unit(conn, new: sa.Table) -> None:
    conn.execute(sa.text("INSERT INTO blob_refs_new (sha256, dossier_id) "
                         "SELECT DISTINCT sha256, dossier_id FROM blob_refs"))


def _holders_from_uploads() -> None:
    """The unit of the desk that stored each blob holds it."""
    op.execute(
        "INSERT INTO blob_holders (sha256, commune_id, desk_id) "
        "SELECT b.sha256, d.commune_id, b.desk_id FROM blobs b "
        "JOIN devices d ON d.desk_id = b.desk_id")

