"""A counterparty's date of birth, and a batch job's audit record (issue 17).

``counterparties.date_of_birth``: as given ("1961", "1961-04-12"), screened as the batch's date
of birth qualifier; every party registered before this revision has none, hence the default "".
``batch_jobs.audit_seq``: the audit record of a finished job, whose reference is its evidence;
jobs finished before this revision have none.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: on SQLite a batch "move and copy" of counterparties would trip the
    # foreign keys of the alerts that point at them.
    op.add_column(
        "counterparties",
        sa.Column("date_of_birth", sa.String(40), nullable=False, server_default=""),
    )
    op.add_column("batch_jobs", sa.Column("audit_seq", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batch_jobs") as batch:
        batch.drop_column("audit_seq")
    with op.batch_alter_table("counterparties") as batch:
        batch.drop_column("date_of_birth")
