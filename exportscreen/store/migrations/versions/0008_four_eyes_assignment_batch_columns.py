"""Case work: four-eyes review of decisions, alert assignment, batch column mapping (issue 17).

``decisions.review_status`` (with who reviewed it, when, why, and the audit record): a clearance
that needs a second analyst waits as 'pending_approval'; every decision made before this
revision took effect when it was made, hence the default 'effective'. ``alerts.assigned_to``:
the analyst working the alert. ``batch_jobs.columns``: the columns the uploader mapped.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs with their CHECK inline: on SQLite a batch "move and copy" of decisions
    # and alerts would trip the foreign keys that point at them.
    op.add_column(
        "decisions",
        sa.Column(
            "review_status",
            sa.String(24),
            sa.CheckConstraint(
                "review_status IN ('effective', 'pending_approval', 'rejected')",
                name="ck_decisions_review_status",
            ),
            nullable=False,
            server_default="effective",
        ),
    )
    op.add_column("decisions", sa.Column("reviewed_by", sa.String(200), nullable=True))
    op.add_column("decisions", sa.Column("reviewed_at", TIMESTAMP, nullable=True))
    op.add_column("decisions", sa.Column("review_reason", sa.Text, nullable=True))
    op.add_column("decisions", sa.Column("review_audit_seq", sa.Integer, nullable=True))
    op.add_column("alerts", sa.Column("assigned_to", sa.String(200), nullable=True))
    op.add_column("batch_jobs", sa.Column("columns", JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("batch_jobs") as batch:
        batch.drop_column("columns")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("assigned_to")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint("ck_decisions_review_status", type_="check")
        for column in (
            "review_audit_seq",
            "review_reason",
            "reviewed_at",
            "reviewed_by",
            "review_status",
        ):
            batch.drop_column(column)
