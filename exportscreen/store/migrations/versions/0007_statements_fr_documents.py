"""Field provenance: what each source version stated about each legal field of each entry; and
the Federal Register documents whose dates the store knows (from rule files and the FR API); the
Entity List rules the Federal Register watch staged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

TIMESTAMP = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("list", sa.String(8), nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("value_hash", sa.String(64), nullable=False),
        sa.Column("source_format", sa.String(32), nullable=False),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("first_version_id", sa.Integer, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=False),
        sa.Column("last_version_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
        sa.ForeignKeyConstraint(
            ["first_version_id"],
            ["list_versions.id"],
            name="fk_statements_first_version_id_list_versions",
        ),
        sa.ForeignKeyConstraint(
            ["last_version_id"],
            ["list_versions.id"],
            name="fk_statements_last_version_id_list_versions",
        ),
        sa.UniqueConstraint(
            "entry_id",
            "field",
            "source_format",
            "value_hash",
            name="uq_statements_entry_id_field_source_format_value_hash",
        ),
    )
    op.create_index("ix_statements_list_source_format", "statements", ["list", "source_format"])
    op.create_table(
        "fr_documents",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("document_number", sa.String(32), nullable=False),
        sa.Column("volume", sa.Integer, nullable=False),
        sa.Column("start_page", sa.Integer, nullable=False),
        sa.Column("end_page", sa.Integer, nullable=False),
        sa.Column("publication_date", sa.Date, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("xml_url", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("fetched_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_fr_documents"),
        sa.UniqueConstraint("volume", "start_page", name="uq_fr_documents_volume_start_page"),
    )

    op.create_table(
        "staged_rules",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("document_number", sa.String(32), nullable=False),
        sa.Column("citation", sa.Text, nullable=False),
        sa.Column("publication_date", sa.Date, nullable=False),
        sa.Column("effective_on", sa.Date, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("xml_url", sa.Text, nullable=False),
        sa.Column("changes", JSON, nullable=False),
        sa.Column("staged_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staged_rules"),
        sa.UniqueConstraint("document_number", name="uq_staged_rules_document_number"),
    )


def downgrade() -> None:
    op.drop_table("staged_rules")
    op.drop_table("fr_documents")
    op.drop_index("ix_statements_list_source_format", table_name="statements")
    op.drop_table("statements")
