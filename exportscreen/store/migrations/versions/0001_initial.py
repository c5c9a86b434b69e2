"""The initial schema: versioned lists, and the tables screening, decisions and audit need.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_format", sa.String(32), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("imported_at", TIMESTAMP, nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("retrieved_from", sa.Text, nullable=False),
        sa.Column("parent_version_id", sa.Integer, nullable=True),
        sa.Column("counts", JSON_DATA, nullable=False),
        sa.Column("notes", JSON_DATA, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_list_versions"),
        sa.ForeignKeyConstraint(
            ["parent_version_id"],
            ["list_versions.id"],
            name="fk_list_versions_parent_version_id_list_versions",
        ),
        sa.CheckConstraint("kind IN ('snapshot', 'amendment')", name="ck_list_versions_kind"),
        sa.UniqueConstraint("list", "sha256", name="uq_list_versions_list_sha256"),
    )
    op.create_index("ix_list_versions_list_as_of_id", "list_versions", ["list", "as_of", "id"])

    op.create_table(
        "entry_states",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("list", sa.String(8), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("entry_type", sa.String(16), nullable=False),
        sa.Column("data", JSON_DATA, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_entry_states"),
        sa.UniqueConstraint(
            "entry_id", "content_hash", name="uq_entry_states_entry_id_content_hash"
        ),
    )
    op.create_index("ix_entry_states_list", "entry_states", ["list"])

    op.create_table(
        "version_entries",
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("state_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("version_id", "state_id", name="pk_version_entries"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name="fk_version_entries_version_id_list_versions"
        ),
        sa.ForeignKeyConstraint(
            ["state_id"], ["entry_states.id"], name="fk_version_entries_state_id_entry_states"
        ),
    )
    op.create_index("ix_version_entries_state_id", "version_entries", ["state_id"])

    import_lock = op.create_table(
        "import_lock",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("acquired_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_import_lock"),
    )
    # The row every import locks; it must exist before the first import.
    op.bulk_insert(import_lock, [{"name": "import", "holder": "", "acquired_at": None}])

    op.create_table(
        "update_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("list", sa.String(8), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_update_runs"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["list_versions.id"], name="fk_update_runs_version_id_list_versions"
        ),
    )
    op.create_index("ix_update_runs_started_at", "update_runs", ["started_at"])

    op.create_table(
        "counterparties",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("data", JSON_DATA, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_counterparties"),
        sa.UniqueConstraint("external_id", name="uq_counterparties_external_id"),
    )

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("counterparty_id", sa.Integer, nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("entry_state_hash", sa.String(64), nullable=False),
        sa.Column("counterparty_hash", sa.String(64), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("matched_name", sa.Text, nullable=False),
        sa.Column("explanation", JSON_DATA, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP, nullable=True),
        sa.Column("closed_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.ForeignKeyConstraint(
            ["counterparty_id"],
            ["counterparties.id"],
            name="fk_alerts_counterparty_id_counterparties",
        ),
        sa.CheckConstraint("status IN ('open', 'decided', 'closed')", name="ck_alerts_status"),
    )
    op.create_index("ix_alerts_counterparty_id_entry_id", "alerts", ["counterparty_id", "entry_id"])
    op.create_index("ix_alerts_status", "alerts", ["status"])
    op.create_index("ix_alerts_entry_id", "alerts", ["entry_id"])

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("disposition", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_decisions_alert_id_alerts"),
        sa.CheckConstraint(
            "disposition IN ('true_match', 'false_positive', 'needs_info', 'escalated')",
            name="ck_decisions_disposition",
        ),
    )
    op.create_index("ix_decisions_alert_id", "decisions", ["alert_id"])

    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("counterparty_id", sa.Integer, nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("entry_state_hash", sa.String(64), nullable=False),
        sa.Column("counterparty_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=True),
        sa.Column("decision_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_suppressions"),
        sa.ForeignKeyConstraint(
            ["counterparty_id"],
            ["counterparties.id"],
            name="fk_suppressions_counterparty_id_counterparties",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name="fk_suppressions_decision_id_decisions"
        ),
    )
    op.create_index(
        "ix_suppressions_counterparty_id_entry_id", "suppressions", ["counterparty_id", "entry_id"]
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", JSON_DATA, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.UniqueConstraint("seq", name="uq_audit_log_seq"),
    )

    op.create_table(
        "ownership",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("owned", sa.String(200), nullable=False),
        sa.Column("percent", sa.Numeric(7, 4), nullable=True),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ownership"),
    )
    op.create_index("ix_ownership_owner", "ownership", ["owner"])
    op.create_index("ix_ownership_owned", "ownership", ["owned"])

    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_api_keys_user_id_users"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )


def downgrade() -> None:
    for table in (
        "api_keys",
        "users",
        "ownership",
        "audit_log",
        "suppressions",
        "decisions",
        "alerts",
        "counterparties",
        "update_runs",
        "import_lock",
        "version_entries",
        "entry_states",
        "list_versions",
    ):
        op.drop_table(table)
