"""A person's decision on an undecided identity link (``exportscreen links accept|reject``).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "link_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("link_id", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("continues_id", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["entry_links.id"], name="fk_link_reviews_link_id_entry_links"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_link_reviews"),
        sa.UniqueConstraint("link_id", name="uq_link_reviews_link_id"),
    )


def downgrade() -> None:
    op.drop_table("link_reviews")
