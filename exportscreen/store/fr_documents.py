"""The ``fr_documents`` table: Federal Register documents whose pages and dates the store knows.

A loaded rule file records its own document (``importing``); ``update`` records what the Federal
Register API says about the documents the lists cite (``sources.fr_api``). A document read from a
rule file is not replaced by the API's answer for the same pages: the file is the rule itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from exportscreen.model import FrDocument
from exportscreen.store.schema import fr_documents

_RULE_FILE = "rule file "


def save(connection: Connection, documents: Iterable[FrDocument]) -> int:
    """Insert or refresh documents (keyed by volume and first page); the number written."""
    written = 0
    now = datetime.now(UTC)
    for document in documents:
        row = {
            "document_number": document.document_number,
            "volume": document.volume,
            "start_page": document.start_page,
            "end_page": document.end_page,
            "publication_date": document.publication_date,
            "effective_on": document.effective_on,
            "title": document.title,
            "xml_url": document.xml_url,
            "source": document.source,
            "fetched_at": now,
        }
        key = (fr_documents.c.volume == document.volume) & (
            fr_documents.c.start_page == document.start_page
        )
        held = connection.execute(sa.select(fr_documents.c.source).where(key)).scalar_one_or_none()
        if held is None:
            connection.execute(sa.insert(fr_documents), row)
        elif document.source.startswith(_RULE_FILE) or not held.startswith(_RULE_FILE):
            connection.execute(sa.update(fr_documents).where(key).values(**row))
        else:
            continue
        written += 1
    return written


def all_documents(connection: Connection) -> list[FrDocument]:
    rows = connection.execute(
        sa.select(fr_documents).order_by(fr_documents.c.volume, fr_documents.c.start_page)
    )
    return [
        FrDocument(
            document_number=row.document_number,
            volume=row.volume,
            start_page=row.start_page,
            end_page=row.end_page,
            publication_date=row.publication_date,
            effective_on=row.effective_on,
            title=row.title,
            xml_url=row.xml_url,
            source=row.source,
        )
        for row in rows
    ]


__all__ = ["all_documents", "save"]
