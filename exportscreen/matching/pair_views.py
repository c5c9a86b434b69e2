"""What the rules that read an alignment see of its tokens and pairs (``evidence``, ``guesses``).

Structural types, so that those modules need not import ``score``, which calls them: ``score``'s
``QueryToken`` and ``Pair`` and ``analyze``'s ``Token`` have these attributes.
"""

from __future__ import annotations

from typing import Protocol

from exportscreen.matching.analyze import NameRole, TokenKind
from exportscreen.matching.normalize import Script
from exportscreen.model import MatchKind


class TokenView(Protocol):
    """A word of a name, either side."""

    @property
    def kind(self) -> TokenKind: ...
    @property
    def script(self) -> Script: ...
    @property
    def key(self) -> str: ...
    @property
    def surface(self) -> str: ...
    @property
    def role(self) -> NameRole: ...


class QueryTokenView(Protocol):
    """A query word as prepared for the alignment."""

    @property
    def token(self) -> TokenView: ...
    @property
    def consonants(self) -> str: ...
    @property
    def typed(self) -> bool: ...
    @property
    def weight(self) -> float: ...


class PairView(Protocol):
    """Query words aligned with listed words, how, and how alike."""

    @property
    def query(self) -> tuple[int, ...]: ...
    @property
    def listed(self) -> tuple[int, ...]: ...
    @property
    def kind(self) -> MatchKind: ...
    @property
    def similarity(self) -> float: ...
