"""Re-screens as jobs with a cursor; signed checkpoints of the audit chain; decisions linked to
the audit record that made them; the API's batch jobs in the store, with leases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

JSON_DATA = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Decisions made before this revision keep NULL: verify says they are not covered.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("audit_seq", sa.Integer, nullable=True))
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("signed_at", TIMESTAMP, nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_checkpoints"),
        sa.CheckConstraint("kind IN ('head', 'periodic')", name="ck_audit_checkpoints_kind"),
    )
    op.create_index("ix_audit_checkpoints_seq", "audit_checkpoints", ["seq"])
    op.create_table(
        "rescreen_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("from_versions", JSON_DATA, nullable=False),
        sa.Column("to_versions", JSON_DATA, nullable=False),
        sa.Column("plan", JSON_DATA, nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("totals", JSON_DATA, nullable=False),
        sa.Column("resumed", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rescreen_jobs"),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'superseded')", name="ck_rescreen_jobs_status"
        ),
    )
    op.create_index("ix_rescreen_jobs_status", "rescreen_jobs", ["status"])
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("input_name", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=True),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("lease_holder", sa.Text, nullable=True),
        sa.Column("lease_expires_at", TIMESTAMP, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("rows_done", sa.Integer, nullable=False),
        sa.Column("rows_total", sa.Integer, nullable=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("bad_rows", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("has_errors_file", sa.Boolean, nullable=False),
        sa.Column("threshold", sa.Float, nullable=True),
        sa.Column("best_only", sa.Boolean, nullable=False),
        sa.Column("caller", JSON_DATA, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("notes", JSON_DATA, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_batch_jobs"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_batch_jobs_status"
        ),
    )
    op.create_index("ix_batch_jobs_status", "batch_jobs", ["status"])


def downgrade() -> None:
    op.drop_table("batch_jobs")
    op.drop_table("rescreen_jobs")
    op.drop_table("audit_checkpoints")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("audit_seq")
