"""Signatures: a counterparty name's tokens and the keys the index could reach words by."""

from __future__ import annotations

import json

import pytest

from exportscreen.matching.signature import Signature, signature
from exportscreen.matching.translit import arabic_consonants


@pytest.mark.parametrize(
    "name",
    [
        "Gazprom Bank",
        "浪潮软件股份有限公司",
        "KHOROSHEV, Dmitriy",
        "Acme No. 13 Ltd",
        "—",
        "علي طاهر",
    ],
)
def test_signature_json_round_trip(name: str) -> None:
    found = signature(name)
    assert Signature.from_json(json.loads(json.dumps(found.to_json()))) == found


def test_signature_keeps_the_keys_the_index_searches_by() -> None:
    found = signature("Gazprom Bank Ltd")
    assert [t.key for t in found.tokens][:2] == ["gazprom", "bank"]
    assert "gazprombank" in found.joined
    # The whole-name key ignores case and spacing, as the index's exact lookup does.
    assert found.exact_key == signature("GAZPROM  BANK LTD").exact_key
    legal = [t for t in found.tokens if t.key not in ("gazprom", "bank")]
    assert legal and all(not t.skeleton for t in legal)  # only words carry skeletons


def test_signature_reads_arabic_script_letter_by_letter() -> None:
    taher = signature("علي طاهر").tokens
    assert [t.arabic for t in taher] == [arabic_consonants("علي"), arabic_consonants("طاهر")]
    assert taher[1].arabic == "thr"  # not the "sr" of the romanised key's consonants
    assert all(not t.arabic for t in signature("Ali Taher").tokens)
