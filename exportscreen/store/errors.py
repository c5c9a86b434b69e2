"""Errors the store raises; their messages are meant for the person at the command line."""

from __future__ import annotations


class StoreError(Exception):
    """An unknown list, version or entry, a missing date, an impossible import..."""


class StoreBusyError(StoreError):
    """Another import held the store's write lock for longer than the lock timeout."""
