"""A review state per list version: a version that fails the plausibility checks is written but
staged (``pending``) until an admin accepts or rejects it; only ``accepted`` versions are ever in
force.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Every version imported before this column existed was made current: accepted. A plain
    # ADD COLUMN with its CHECK inline: on SQLite a batch "move and copy" of list_versions would
    # trip the foreign keys that point at it.
    op.add_column(
        "list_versions",
        sa.Column(
            "review",
            sa.String(16),
            sa.CheckConstraint(
                "review IN ('accepted', 'pending', 'rejected')", name="ck_list_versions_review"
            ),
            nullable=False,
            server_default="accepted",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("list_versions") as batch:
        batch.drop_constraint("ck_list_versions_review", type_="check")
        batch.drop_column("review")
