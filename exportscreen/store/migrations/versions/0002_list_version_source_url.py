"""Record the publisher's URL of each list version (``ParsedSource.source_url``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A server default fills the rows of versions imported before this column existed.
    with op.batch_alter_table("list_versions") as batch:
        batch.add_column(sa.Column("source_url", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("list_versions") as batch:
        batch.drop_column("source_url")
