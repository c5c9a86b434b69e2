"""The database schema as SQLAlchemy Core tables, for queries.

The migrations under ``migrations/versions`` create these tables; they do not import this module
(a migration must keep describing the schema of its day after this module moves on), so a test
compares the two (``tests/store/test_schema.py``).

Entry identity lives in ``entry_states.entry_id``: a string such as ``EL-1a2b3c4d5e6f``, stable
across versions and formats. Each distinct published content of an entry is stored once, as an
entry state; a list version is the set of entry states it holds (``version_entries``), so that
unchanged entries cost one row per version, not one copy.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

# JSONB on PostgreSQL: smaller, and indexable should alerts or audit payloads ever need it.
JSONData = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

IMPORT_LOCK_NAME = "import"

VERSION_KINDS = ("snapshot", "amendment")
VERSION_REVIEWS = ("accepted", "pending", "rejected")
ALERT_STATUSES = ("open", "decided", "closed")
DISPOSITIONS = ("true_match", "false_positive", "needs_info", "escalated")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC.

    SQLite has no timezone type and returns naive datetimes; PostgreSQL returns them in the
    session's zone. Normalising here keeps ``imported_at`` comparable across both back ends.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timestamps in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# --- lists and their versions ---------------------------------------------------------------

list_versions = sa.Table(
    "list_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("list", sa.String(8), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("source_format", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("imported_at", UTCDateTime, nullable=False),
    sa.Column("entry_count", sa.Integer, nullable=False),
    sa.Column("retrieved_from", sa.Text, nullable=False),
    # 0002: the publisher's URL for the list, as stated by the file itself.
    sa.Column("source_url", sa.Text, nullable=False, server_default=""),
    # The version an amendment was applied to; NULL for snapshots.
    sa.Column("parent_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=True),
    # added/changed/removed/unchanged against the version in force before, rule change counts.
    sa.Column("counts", JSONData, nullable=False),
    # Skipped rows (--skip-bad-rows), rule instructions that did not apply, and the like.
    sa.Column("notes", JSONData, nullable=False),
    sa.CheckConstraint("kind IN ('snapshot', 'amendment')", name="kind"),
    # 0003: accepted (may be in force), pending (staged by a plausibility check until an admin
    # decides) or rejected. Only accepted versions are ever current.
    sa.Column("review", sa.String(16), nullable=False, server_default="accepted"),
    sa.CheckConstraint("review IN ('accepted', 'pending', 'rejected')", name="review"),
    # Re-importing a file is a no-op; the constraint backs up the check made under the import lock.
    sa.UniqueConstraint("list", "sha256"),
    # version_at() and lists(): the latest version of a list at a date.
    sa.Index(None, "list", "as_of", "id"),
)

entry_states = sa.Table(
    "entry_states",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("list", sa.String(8), nullable=False),
    # Entry.content_hash(): a digest of entry_to_dict(entry).
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("entry_type", sa.String(16), nullable=False),
    sa.Column("data", JSONData, nullable=False),
    # Also serves lookups by entry_id alone (history, entry()).
    sa.UniqueConstraint("entry_id", "content_hash"),
    sa.Index(None, "list"),
)

version_entries = sa.Table(
    "version_entries",
    metadata,
    sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), primary_key=True),
    sa.Column("state_id", sa.Integer, sa.ForeignKey("entry_states.id"), primary_key=True),
    # The entry's place in the published file, so that a version reads back in file order.
    sa.Column("position", sa.Integer, nullable=False),
    # history(): the versions holding one state.
    sa.Index(None, "state_id"),
)

# 0004: how each record of a version got its id when it was not simply the id it came with
# (``store.identity``): linked by name or fuzzily, merged, split, or ambiguous (to review).
entry_links = sa.Table(
    "entry_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False),
    sa.Column("list", sa.String(8), nullable=False),
    # The id the record carries in the version (MERGED: the id the old record's party continues
    # under).
    sa.Column("entry_id", sa.String(64), nullable=False),
    # The loader's provisional id ("" for MERGED, which is about an old record).
    sa.Column("source_key", sa.String(64), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("previous_id", sa.String(64), nullable=True),
    sa.Column("previous_name", sa.Text, nullable=False),
    # For AMBIGUOUS: [{"entry_id", "name", "confidence"}] the record could continue.
    sa.Column("candidates", JSONData, nullable=False),
    sa.Index(None, "list", "source_key"),
    sa.Index(None, "version_id"),
)

# 0008: a person's decision on an undecided (AMBIGUOUS) identity link: the record continues the
# candidate ``continues_id`` (accepted) or is a new party (rejected). One decision per link.
LINK_REVIEWS = ("accepted", "rejected")
link_reviews = sa.Table(
    "link_reviews",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("link_id", sa.Integer, sa.ForeignKey("entry_links.id"), nullable=False, unique=True),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("continues_id", sa.String(64), nullable=True),
    sa.Column("decided_by", sa.Text, nullable=False),
    sa.Column("decided_at", UTCDateTime, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

# 0007: what each source version stated about each legal field of each entry (the OpenSanctions
# statement model: entity, property, value, source, first and last seen). A source that does not
# carry a field states nothing about it; the entry keeps the value an older statement gave.
statements = sa.Table(
    "statements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("entry_id", sa.String(64), nullable=False),
    sa.Column("list", sa.String(8), nullable=False),
    sa.Column("field", sa.String(32), nullable=False),
    # The value as JSON text (model.to_json_data form), and its BLAKE2b-128 digest for lookups.
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("value_hash", sa.String(64), nullable=False),
    sa.Column("source_format", sa.String(32), nullable=False),
    sa.Column("first_seen", sa.Date, nullable=False),
    sa.Column("first_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False),
    sa.Column("last_seen", sa.Date, nullable=False),
    sa.Column("last_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False),
    sa.UniqueConstraint("entry_id", "field", "source_format", "value_hash"),
    sa.Index(None, "list", "source_format"),
)

# 0007: Federal Register documents whose pages and dates the store knows: from loaded rule files
# and from the Federal Register API (``update``), so that a citation of any page of a rule dates
# the entries citing it (``decisions.policy.EffectiveDates``).
fr_documents = sa.Table(
    "fr_documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_number", sa.String(32), nullable=False),
    sa.Column("volume", sa.Integer, nullable=False),
    sa.Column("start_page", sa.Integer, nullable=False),
    sa.Column("end_page", sa.Integer, nullable=False),
    sa.Column("publication_date", sa.Date, nullable=False),
    sa.Column("effective_on", sa.Date, nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("xml_url", sa.Text, nullable=False),
    # "rule file <name>" or the API URL the document was read from.
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("fetched_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("volume", "start_page"),
)

# 0007: Entity List rules the Federal Register watch of ``update`` found, published but not yet in
# a loaded consolidated list (ops.fr_watch): what each adds, revises and removes.
staged_rules = sa.Table(
    "staged_rules",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_number", sa.String(32), nullable=False, unique=True),
    sa.Column("citation", sa.Text, nullable=False),
    sa.Column("publication_date", sa.Date, nullable=False),
    sa.Column("effective_on", sa.Date, nullable=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("xml_url", sa.Text, nullable=False),
    # {"added": [names], "revised": [...], "removed": [...]}, as the rule's instructions say.
    sa.Column("changes", JSONData, nullable=False),
    sa.Column("staged_at", UTCDateTime, nullable=False),
)

import_lock = sa.Table(
    "import_lock",
    metadata,
    # One row per lock; the import transaction updates the row first and so holds a row lock
    # (PostgreSQL) or the database write lock (SQLite) until it commits or rolls back.
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("acquired_at", UTCDateTime, nullable=True),
)

update_runs = sa.Table(
    "update_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("list", sa.String(8), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=True),
    sa.Index(None, "started_at"),
)

# --- screening: counterparties, alerts, decisions ----------------------------------------------

counterparties = sa.Table(
    "counterparties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The customer's own reference (ERP id...).
    sa.Column("external_id", sa.String(200), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("data", JSONData, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # 0010: as given ("1961", "1961-04-12", "1960 to 1962"); "" when not known.
    sa.Column("date_of_birth", sa.String(40), nullable=False, server_default=""),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("counterparty_id", sa.Integer, sa.ForeignKey("counterparties.id"), nullable=False),
    # Entry ids are logical (stable across versions), hence no foreign key.
    sa.Column("entry_id", sa.String(64), nullable=False),
    # What was matched, so that a change to either side re-opens the question.
    sa.Column("entry_state_hash", sa.String(64), nullable=False),
    sa.Column("counterparty_hash", sa.String(64), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("matched_name", sa.Text, nullable=False),
    sa.Column("explanation", JSONData, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=True),
    sa.Column("closed_reason", sa.Text, nullable=True),
    # 0008: the analyst the alert is assigned to (a queue's work split; NULL = unassigned).
    sa.Column("assigned_to", sa.String(200), nullable=True),
    sa.CheckConstraint("status IN ('open', 'decided', 'closed')", name="status"),
    sa.Index(None, "counterparty_id", "entry_id"),
    sa.Index(None, "status"),
    sa.Index(None, "entry_id"),
)

DECISION_EFFECTIVE = "effective"
DECISION_PENDING = "pending_approval"
DECISION_REJECTED = "rejected"
decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
    sa.Column("disposition", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    # "user" is a reserved word in PostgreSQL; the analyst's user name.
    sa.Column("decided_by", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    # 0004: the seq of the audit record that made this decision; ``audit verify`` checks the row
    # against that record's payload. NULL for decisions made before 0004.
    sa.Column("audit_seq", sa.Integer, nullable=True),
    # 0008, four-eyes: a clearance that needs a second analyst is 'pending_approval' and has no
    # effect until another analyst approves it ('effective') or someone rejects it ('rejected').
    # The reviewer, time, reason and audit record of that approval or rejection.
    sa.Column("review_status", sa.String(24), nullable=False, server_default=DECISION_EFFECTIVE),
    sa.Column("reviewed_by", sa.String(200), nullable=True),
    sa.Column("reviewed_at", UTCDateTime, nullable=True),
    sa.Column("review_reason", sa.Text, nullable=True),
    sa.Column("review_audit_seq", sa.Integer, nullable=True),
    sa.CheckConstraint(
        "disposition IN ('true_match', 'false_positive', 'needs_info', 'escalated')",
        name="disposition",
    ),
    sa.CheckConstraint(
        "review_status IN ('effective', 'pending_approval', 'rejected')", name="review_status"
    ),
    sa.Index(None, "alert_id"),
)

suppressions = sa.Table(
    "suppressions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("counterparty_id", sa.Integer, sa.ForeignKey("counterparties.id"), nullable=False),
    sa.Column("entry_id", sa.String(64), nullable=False),
    # A suppression holds only while both sides are as they were when the analyst decided.
    sa.Column("entry_state_hash", sa.String(64), nullable=False),
    sa.Column("counterparty_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("decision_id", sa.Integer, sa.ForeignKey("decisions.id"), nullable=False),
    sa.Index(None, "counterparty_id", "entry_id"),
)

# --- audit, ownership, users --------------------------------------------------------------------

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Gap-free sequence of the hash chain; unique so that two writers cannot fork the chain.
    sa.Column("seq", sa.Integer, nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("payload", JSONData, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# 0004: signed checkpoints of the chain's head (see ``store.audit_seal``). The MAC is an HMAC
# with a key kept outside the database, so rows cut from the end of ``audit_log`` cannot be
# hidden by rewriting these rows without the key.
audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # "head": the one row moved to the newest record at every write; "periodic": one row kept
    # every CHECKPOINT_EVERY records.
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("signed_at", UTCDateTime, nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
    sa.CheckConstraint("kind IN ('head', 'periodic')", name="kind"),
    sa.Index(None, "seq"),
)

# --- jobs -------------------------------------------------------------------------------------

# 0004: a re-screen of the register is a job with a persisted cursor (``store.rescreen_jobs``):
# ``plan`` holds the counterparties to screen, in order, and ``done`` how many of them are
# screened; each part advances ``done`` in the transaction that records its alerts.
RESCREEN_STATUSES = ("running", "complete", "superseded")
rescreen_jobs = sa.Table(
    "rescreen_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("from_versions", JSONData, nullable=False),
    sa.Column("to_versions", JSONData, nullable=False),
    sa.Column("plan", JSONData, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("totals", JSONData, nullable=False),
    sa.Column("resumed", sa.Integer, nullable=False),
    sa.CheckConstraint("status IN ('running', 'complete', 'superseded')", name="status"),
    sa.Index(None, "status"),
)

# 0004: the API's batch jobs (``store.batch_jobs``); their files stay in the jobs folder. A
# running job holds a lease its worker renews; a job whose lease ran out (its worker died) is
# queued again and taken by another worker.
BATCH_JOB_STATUSES = ("queued", "running", "done", "failed")
batch_jobs = sa.Table(
    "batch_jobs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("input_name", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("lease_holder", sa.Text, nullable=True),
    sa.Column("lease_expires_at", UTCDateTime, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("rows_done", sa.Integer, nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("bad_rows", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("has_errors_file", sa.Boolean, nullable=False),
    sa.Column("threshold", sa.Float, nullable=True),
    sa.Column("best_only", sa.Boolean, nullable=False),
    # Who asked, as the audit record names them (user, interface, role, key id).
    sa.Column("caller", JSONData, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    # What happened to the job besides its run: re-queued after its worker died...
    sa.Column("notes", JSONData, nullable=False),
    # 0008: the file's columns the uploader named for each role (name, country, date of birth...);
    # empty: the columns are found by their usual names.
    sa.Column("columns", JSONData, nullable=False, server_default="{}"),
    # 0010: the audit record of the finished run (its evidence reference); None until done.
    sa.Column("audit_seq", sa.Integer, nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),
    sa.Index(None, "status"),
)

ownership = sa.Table(
    "ownership",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # Entry ids or counterparty external ids.
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("owned", sa.String(200), nullable=False),
    # Exact decimals (the 50% rules aggregate stakes); NULL = a known owner, unknown share.
    sa.Column("percent", sa.Numeric(7, 4), nullable=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Index(None, "owner"),
    sa.Index(None, "owned"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # A disabled user's keys and sessions stop working; the row stays for the audit trail.
    sa.Column("disabled_at", UTCDateTime, nullable=True),
    # Wrong passwords in a row (reset by a good one), and the lockout they led to.
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime, nullable=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("key_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

# Web UI sessions, kept here so that logging out, a new password or disabling the user ends
# them at once (a signed cookie alone would stay valid until it expires). The cookie holds the
# token; only its SHA-256 is stored.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=True),
)
