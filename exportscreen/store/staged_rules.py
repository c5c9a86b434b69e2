"""The ``staged_rules`` table: Entity List rules published in the Federal Register that the
watch of ``update`` found (``ops.fr_watch``), with what each adds, revises and removes.

A rule is *pending* while no loaded Entity List version has data as new as its publication: a
team sees the addition the day it is published, before the consolidated list carries it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.model import FrDocument
from exportscreen.store.schema import staged_rules


@dataclass(frozen=True, slots=True)
class StagedRule:
    document_number: str
    citation: str
    publication_date: date
    effective_on: date | None
    title: str
    xml_url: str
    changes: dict[str, list[str]] = field(default_factory=dict)
    staged_at: datetime | None = None

    def summary(self) -> str:
        counts = ", ".join(f"{len(v)} {k}" for k, v in self.changes.items() if v) or "no entries"
        when = f", effective {self.effective_on.isoformat()}" if self.effective_on else ""
        return (
            f"FR Doc {self.document_number} ({self.citation}, published "
            f"{self.publication_date.isoformat()}{when}): {counts}"
        )


def stage(connection: Connection, document: FrDocument, changes: dict[str, list[str]]) -> bool:
    """Stage a rule once (False: it was staged before)."""
    held = connection.execute(
        sa.select(staged_rules.c.id).where(
            staged_rules.c.document_number == document.document_number
        )
    ).first()
    if held is not None:
        return False
    connection.execute(
        sa.insert(staged_rules),
        {
            "document_number": document.document_number,
            "citation": f"{document.volume} FR {document.start_page}",
            "publication_date": document.publication_date,
            "effective_on": document.effective_on,
            "title": document.title,
            "xml_url": document.xml_url,
            "changes": changes,
            "staged_at": datetime.now(UTC),
        },
    )
    return True


def staged(connection: Connection, after: date | None = None) -> list[StagedRule]:
    """Staged rules, oldest first; with ``after``, only those published after that date."""
    query = sa.select(staged_rules).order_by(
        staged_rules.c.publication_date, staged_rules.c.document_number
    )
    if after is not None:
        query = query.where(staged_rules.c.publication_date > after)
    return [
        StagedRule(
            document_number=row.document_number,
            citation=row.citation,
            publication_date=row.publication_date,
            effective_on=row.effective_on,
            title=row.title,
            xml_url=row.xml_url,
            changes={str(k): list(v) for k, v in dict(row.changes).items()},
            staged_at=row.staged_at,
        )
        for row in connection.execute(query)
    ]


__all__ = ["StagedRule", "stage", "staged"]
