"""The server's tables (SQLAlchemy Core). Alembic's versions/ create them; keep both in step
(tests/server/test_migrations.py compares the migrated database with this metadata)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

communes = Table(
    "communes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),  # the agency code (mã định danh)
    Column("name", Text, nullable=False),
    # "commune", or "provincial" for a provincial body (sở, ban, ngành) (revision 0008);
    # every unit goes to every desk as reference data ("units"), versioned by server_seq.
    Column("kind", String(16), nullable=False, server_default="commune"),
    Column("updated_seq", BigInteger, nullable=False, server_default="0"),
)
Index("communes_updated", communes.c.updated_seq)  # reference versions (revision 0015)

enroll_codes = Table(
    "enroll_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("commune_id", Integer, ForeignKey("communes.id"), nullable=False),
    Column("desk_number", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
    Column("used_at", String(40)),
    Column("used_by_desk", String(36)),
)

devices = Table(
    "devices", metadata,
    Column("desk_id", String(36), primary_key=True),
    Column("commune_id", Integer, ForeignKey("communes.id"), nullable=False),
    Column("desk_number", Integer, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("enrolled_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("last_hash", String(64), nullable=False),
    Column("last_audit_seq", BigInteger, nullable=False, server_default="0"),
    Column("last_audit_hash", String(64), nullable=False),
    Column("last_seen", String(40)),
    Column("clock_offset_s", Float),
    Column("waiting", Integer),
    Column("app_version", String(40), nullable=False, server_default=""),
    Column("last_pull_cursor", BigInteger, nullable=False, server_default="0"),
    # A restored backup enrols as a new desk and takes over the chains of the desk ids it
    # was before: their rows name it here, and it may push their events (revision 0002).
    Column("successor", String(36)),
)
Index("devices_commune", devices.c.commune_id)
#: One active desk per commune and desk number (revision 0006): the desk number is the first
#: digit of the desk's dossier codes, so two active desks of one number would issue the same
#: codes. Enrolment checks first; this index settles two enrolments at the same moment.
ACTIVE_DESK_NUMBER = "devices_active_desk_number"
Index(ACTIVE_DESK_NUMBER, devices.c.commune_id, devices.c.desk_number, unique=True,
      sqlite_where=devices.c.revoked_at.is_(None),
      postgresql_where=devices.c.revoked_at.is_(None))

viewers = Table(
    "viewers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
)

#: The district leaders who sign in to the web dashboard (read-only; revision 0003).
leaders = Table(
    "leaders", metadata,
    Column("username", String(64), primary_key=True),
    Column("full_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),   # argon2, as the desks' accounts
    Column("created_at", String(40), nullable=False),
    Column("disabled_at", String(40)),
    Column("failed_sign_ins", Integer, nullable=False, server_default="0"),
    Column("locked_until", String(40)),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's value
    Column("username", String(64), ForeignKey("leaders.username"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

inbox = Table(
    "inbox", metadata,
    Column("desk_id", String(36), nullable=False),
    Column("desk_seq", BigInteger, nullable=False),
    # NULL when the same event id was already stored under another desk/seq (a duplicate).
    Column("event_id", String(36), unique=True),
    Column("commune_id", Integer, nullable=False),
    Column("dossier_id", String(36), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("event_json", Text, nullable=False),
    Column("result", String(16), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("server_seq", BigInteger, nullable=False, unique=True),
    Column("received_at", String(40), nullable=False),
    PrimaryKeyConstraint("desk_id", "desk_seq"),
)
Index("inbox_dossier", inbox.c.dossier_id, inbox.c.server_seq)

audit_inbox = Table(
    "audit_inbox", metadata,
    Column("desk_id", String(36), nullable=False),
    Column("desk_seq", BigInteger, nullable=False),
    Column("id", String(36), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("entry_json", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
    PrimaryKeyConstraint("desk_id", "desk_seq"),
)

dossiers = Table(
    "dossiers", metadata,
    Column("id", String(36), primary_key=True),
    Column("commune_id", Integer, nullable=False),
    Column("code", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("received_at", String(40), nullable=False),
    Column("due_at", String(40)),
    Column("finished_at", String(40)),
    Column("returned_at", String(40)),
    Column("verdict", String(16)),
    Column("search", Text, nullable=False),
    Column("row_json", Text, nullable=False),
    Column("updated_seq", BigInteger, nullable=False),
    # Copies of row_json fields that the reports count by (revision 0003).
    Column("procedure_code", String(32)),
    Column("channel", Integer),
    Column("status_at", String(40)),
    Column("paused_at", String(40)),
    Column("rating", String(16)),
    # The unit (a commune or a provincial body) that decides a dossier received for it by
    # another commune; NULL when the receiving commune decides it (revision 0009).
    Column("competent_id", Integer),
    # Its digitisation, counted when the push writes the row (reports/digitisation.py
    # row_counts; revision 0014): documents to digitise, of them digitised, the result
    # digitised (0/1), documents linked from an earlier dossier.
    Column("docs_to_digitise", Integer),
    Column("docs_digitised", Integer),
    Column("result_digitised", Integer),
    Column("docs_reused", Integer),
    UniqueConstraint("commune_id", "code", name="dossiers_commune_code"),
)
Index("dossiers_competent_received", dossiers.c.competent_id, dossiers.c.received_at)
Index("dossiers_commune_received", dossiers.c.commune_id, dossiers.c.received_at)
Index("dossiers_status_due", dossiers.c.status, dossiers.c.due_at)
Index("dossiers_commune_procedure", dossiers.c.commune_id, dossiers.c.procedure_code)
#: The columns above that the push fills from the dossier's row, as the row names them.
REPORT_COLUMNS = ("procedure_code", "channel", "status_at", "paused_at", "rating")
#: The digitisation counts the push computes for each row it writes (all but docs_reused
#: from the row itself).
DIGITISATION_COLUMNS = ("docs_to_digitise", "docs_digitised", "result_digitised",
                        "docs_reused")

conflicts = Table(
    "conflicts", metadata,
    Column("id", String(36), primary_key=True),
    Column("commune_id", Integer, nullable=False),
    Column("dossier_id", String(36), nullable=False),
    Column("code", String(64), nullable=False, server_default=""),
    Column("event_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail_json", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_seq", BigInteger, nullable=False),
    Column("resolved_at", String(40)),
    Column("resolved_by", Text, nullable=False, server_default=""),
    Column("resolution", Text, nullable=False, server_default=""),
)
Index("conflicts_commune", conflicts.c.commune_id, conflicts.c.resolved_at)

officers = Table(
    "officers", metadata,
    Column("commune_id", Integer, nullable=False),
    Column("username", String(100), nullable=False),
    Column("record_json", Text, nullable=False),
    Column("updated_seq", BigInteger, nullable=False),
    PrimaryKeyConstraint("commune_id", "username"),
)
Index("officers_commune_updated", officers.c.commune_id, officers.c.updated_seq)

#: The commune's keys bound to an administrator by an enrolment code (revision 0007): the
#: anchor a desk sent with its code (counter_app/domain/account_signing.py: check_anchor). An
#: account change is valid only when signed by an administrator of the commune; these keys
#: may sign for their username while the server holds no other key for it.
commune_anchors = Table(
    "commune_anchors", metadata,
    Column("commune_id", Integer, ForeignKey("communes.id"), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("username", Text, nullable=False),
    Column("desk_id", String(36), nullable=False),  # the desk that enrolled with it
    Column("created_at", String(40), nullable=False),
    PrimaryKeyConstraint("commune_id", "public_key"),  # a key is bound once per commune
)

procedures = Table(
    "procedures", metadata,
    Column("code", String(32), primary_key=True),
    Column("record_json", Text, nullable=False),
    Column("updated_seq", BigInteger, nullable=False),
)
Index("procedures_updated", procedures.c.updated_seq)

#: Procedure versions (revision 0005): each stored once, by the id that is the hash of its
#: content; received events name them, the dossier rows carry the body.
procedure_versions = Table(
    "procedure_versions", metadata,
    Column("id", String(80), primary_key=True),
    Column("body", Text, nullable=False),
)

#: The desks' files (revision 0010): bytes in the blob backend (server/blob_backends.py)
#: under ``key``; ``desk_id`` is the desk whose upload completed it first.
blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("backend", String(16), nullable=False),
    Column("key", Text, nullable=False),
    Column("desk_id", String(36)),
)

#: Which dossiers name a blob, and which unit named it: one row per applied ``attach``
#: event's (file, dossier, pushing unit), written by the push (revision 0010; the unit since
#: 0011). A row lets the units that hold the dossier download the blob only while the unit
#: that named it is one of the blob's holders (server/blobs.py: may_read).
blob_refs = Table(
    "blob_refs", metadata,
    Column("sha256", String(64), nullable=False),
    Column("dossier_id", String(36), nullable=False),
    Column("commune_id", Integer, nullable=False),  # the unit whose desk pushed the attach
    PrimaryKeyConstraint("sha256", "dossier_id", "commune_id"),
)

#: The units that proved they have a blob's bytes (revision 0011): one of their desks sent
#: the whole file and the server checked its SHA-256, even when it stored the file already.
#: Knowing a hash is not enough to read a file (docs/security.md §7).
blob_holders = Table(
    "blob_holders", metadata,
    Column("sha256", String(64), nullable=False),
    Column("commune_id", Integer, nullable=False),
    Column("desk_id", String(36)),  # the desk whose upload proved it; NULL: from before 0011
    PrimaryKeyConstraint("sha256", "commune_id"),
)

calendar_overrides = Table(
    "calendar_overrides", metadata,
    Column("day", String(10), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
    Column("deleted", Boolean, nullable=False, server_default="0"),
    Column("updated_seq", BigInteger, nullable=False),
)
Index("calendar_overrides_updated", calendar_overrides.c.updated_seq)

change_log = Table(
    "change_log", metadata,
    Column("server_seq", BigInteger, primary_key=True, autoincrement=False),
    Column("commune_id", Integer, nullable=False),
    Column("type", String(16), nullable=False),  # 'event' (see inbox.server_seq) | 'conflict'
    Column("ref_id", String(36)),                # the conflict id for 'conflict'
    # The other unit of a dossier received for another body: its desks pull this change
    # too (revision 0009; server/shared_dossiers.py).
    Column("party_id", Integer),
)
Index("change_log_commune", change_log.c.commune_id, change_log.c.server_seq)
Index("change_log_party", change_log.c.party_id, change_log.c.server_seq)

# server/sign_in_throttle.py: the dashboard's failed sign-ins per client address ("client")
# and per unknown username ("name"), shared by every server process (revision 0013).
sign_in_backoff = Table(
    "sign_in_backoff", metadata,
    Column("kind", String(8), primary_key=True),
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("until_at", String(40)),
)
Index("sign_in_backoff_until", sign_in_backoff.c.kind, sign_in_backoff.c.until_at)

# server/feeds.py: the last number committed in each unit's feed (0: reference data); a
# writer locks the rows of the feeds it writes into until it commits (revision 0012).
feeds = Table(
    "feeds", metadata,
    Column("unit_id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
)

counters = Table(
    "counters", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
