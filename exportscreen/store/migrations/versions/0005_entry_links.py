"""Party identity decisions: how each record of a version got its id (``store.identity``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "entry_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, nullable=False),
        sa.Column("list", sa.String(8), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("previous_id", sa.String(64), nullable=True),
        sa.Column("previous_name", sa.Text, nullable=False),
        sa.Column("candidates", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["list_versions.id"],
            name="fk_entry_links_version_id_list_versions",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry_links"),
    )
    op.create_index("ix_entry_links_list_source_key", "entry_links", ["list", "source_key"])
    op.create_index("ix_entry_links_version_id", "entry_links", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_entry_links_version_id", table_name="entry_links")
    op.drop_index("ix_entry_links_list_source_key", table_name="entry_links")
    op.drop_table("entry_links")
