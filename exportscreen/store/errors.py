"""Errors the store raises; their messages are meant for the person at the command line."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError


class StoreError(Exception):
    """An unknown list, version or entry, a missing date, an impossible import..."""


class StoreBusyError(StoreError):
    """Another import held the store's write lock for longer than the lock timeout."""


# The database itself failed: locked past the store's timeout, disconnected, out of disk.
# SQLAlchemy's type, named here so that code outside store/ (the API's audit writer) can tell a
# failing database from a bad record without importing SQLAlchemy.
DatabaseUnavailable = OperationalError
