from __future__ import annotations

import pytest

from exportscreen.matching.analyze import TokenKind, analyze
from exportscreen.matching.legal_forms import legal_forms


def _legal(name: str) -> list[str]:
    return [t.key for t in analyze(name).tokens if t.kind is TokenKind.LEGAL]


@pytest.mark.parametrize(
    ("name", "form_class"),
    [
        ("Acme Co., Ltd.", "ltd"),
        ("Acme Company Limited", "ltd"),
        ("Acme Co Ltd", "ltd"),
        ("阿克米有限公司", "ltd"),
        ("阿克米股份有限公司", "ltd"),
        ("阿克米有限责任公司", "ltd"),
        ("アクメ株式会社", "ltd"),
        ("에이크미 주식회사", "ltd"),
        ("ООО Ромашка", "ltd"),
        ("OOO Romashka", "ltd"),
        ("Obshchestvo s Ogranichennoy Otvetstvennostyu Romashka", "ltd"),
        ("Acme LLC", "ltd"),
        ("Acme GmbH", "ltd"),
        ("Acme S.A.R.L.", "ltd"),
        ("Acme Pvt. Ltd.", "ltd"),
        ("Acme Pte Ltd", "ltd"),
        ("Acme Sdn Bhd", "ltd"),
        ("Acme B.V.", "ltd"),
        ("Acme FZ-LLC", "ltd"),
        ("АО Ромашка", "jsc"),
        ("ПАО Ромашка", "jsc"),
        ("ЗАО Ромашка", "jsc"),
        ("JSC Romashka", "jsc"),
        ("PJSC Romashka", "jsc"),
        ("CJSC Romashka", "jsc"),
        ("Acme AG", "jsc"),
        ("Acme S.A.", "jsc"),
        ("Acme A.Ş.", "jsc"),
        ("Acme N.V.", "jsc"),
        ("Acme S.p.A.", "jsc"),
        ("Acme Inc.", "corp"),
        ("Acme Corporation", "corp"),
        ("Acme PLC", "plc"),
        ("Acme LLP", "llp"),
        ("Acme FZE", "fze"),
        ("Acme FZCO", "fze"),
        ("IKS Joint Stock Co", "jsc"),  # abbreviated inside the form
        ("Rostelecom Public Joint Stock Co.", "jsc"),
        ("Yitu Lim ited", "ltd"),  # one-word form split by a typist
        ("Set Petrochemicals Oy", "ltd"),
        ("Acme Kft", "ltd"),
        ("Duong Cong ty TNHH", "ltd"),
        ("Acme GmbH & Co. KG", "llp"),
        # A.S. written solid: a form at the end of a name only.
        ("Icarus Design AS", "jsc"),
        ("Panorama Invest Dis Ticaret As", "jsc"),
        ("Acme AS Holding", "jsc"),
        # s.r.o. written solid, likewise.
        ("Bonitopto SRO", "ltd"),
        ("Acme s.r.o.", "ltd"),
    ],
)
def test_legal_forms_are_canonicalised(name: str, form_class: str) -> None:
    assert _legal(name) == [form_class]


def test_legal_form_keeps_its_words_for_explanations() -> None:
    (token,) = [t for t in analyze("Acme Co., Ltd.").tokens if t.kind is TokenKind.LEGAL]
    assert token.surface == "co ltd"


def test_two_letter_forms_count_only_at_the_edges() -> None:
    # "SA" inside a name is a word, not a legal form.
    assert _legal("Banco SA Trading") == []
    assert _legal("Banco Trading SA") == ["jsc"]


@pytest.mark.parametrize(
    "name",
    [
        "أبو حسن",  # "bw" romanised is not the Dutch B.V.
        "Se Ri Pak",  # "SE" is a Korean name part before it is a Societas Europaea
        "A G Smith",  # initials, not a split "AG"
        "AS-SAFA COMPANY",  # the Arabic article, not A.S. written solid
        "As Sahab",
    ],
)
def test_no_legal_form_where_there_is_none(name: str) -> None:
    assert _legal(name) == []


@pytest.mark.parametrize(
    ("folded", "parts"),
    [
        ("alwefaqltd", ("alwefaq", "ltd")),
        ("bankjsc", ("bank", "jsc")),
        ("jscargument", ("jsc", "argument")),
        ("bogatyrilimited", ("bogatyri", "limited")),
        ("companyinterservice", ("company", "interservice")),
        ("holdingcorporation", ("holding", "corporation")),
        ("otvetstvennostyuprominvest", ("otvetstvennostyu", "prominvest")),
        ("jointstock", ("joint", "stock")),
        # Ordinary words that end or start like a form stay whole.
        ("zinc", ("zinc",)),
        ("woodstock", ("woodstock",)),
        ("livestock", ("livestock",)),
        ("intercorp", ("intercorp",)),
        ("accompany", ("accompany",)),
        ("limited", ("limited",)),
        ("xltd", ("xltd",)),  # too little left
    ],
)
def test_forms_glued_to_a_word_are_cut_off(folded: str, parts: tuple[str, ...]) -> None:
    assert legal_forms().unglue(folded) == parts


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("com", "pany", True),
        ("limi", "ted", True),
        ("obshch", "estvo", True),
        ("joint", "stock", False),  # two words of a form already
        ("a", "g", False),  # too short
        ("acme", "pany", False),
    ],
)
def test_form_words_split_by_a_typist(first: str, second: str, joined: bool) -> None:
    assert legal_forms().joined_word(first, second) is joined


@pytest.mark.parametrize(
    ("name", "same_as"),
    [
        ("AUCTION LIMI TED LIABILITY COMPANY", "AUCTION LIMITED LIABILITY COMPANY"),
        ("PUBLIC JOINT STOCK COM PANY ROSTELECOM", "PUBLIC JOINT STOCK COMPANY ROSTELECOM"),
        ("OPEN JOINTSTOCK COMPANY RUSSIAN RAILWAYS", "OPEN JOINT STOCK COMPANY RUSSIAN RAILWAYS"),
        ("ALWEFAQLTD", "ALWEFAQ LTD"),
        ("BYLINNYE BOGATYRILIMITED LIABILITY COMPANY", "BYLINNYE BOGATYRI LLC"),
        ("BM BANKJSC", "BM BANK JSC"),
        ("JSCARGUMENT", "JSC ARGUMENT"),
        ("AKTSIONERNOE OBSHCH ESTVO RT-OKHRANA", "AO RT-OKHRANA"),
    ],
)
def test_split_and_glued_forms_are_read_whole(name: str, same_as: str) -> None:
    assert [t.key for t in analyze(name).tokens] == [t.key for t in analyze(same_as).tokens]


@pytest.mark.parametrize(
    ("name", "form_class"),
    [
        ("Joint Stock Sberbank Automated Trade System", "jsc"),
        ("Joint-Stock Commercial Bank Acme", "jsc"),
        ("Joint Stock Company Acme", "jsc"),
        ("Open Joint Stock Company Acme", "jsc"),
    ],
)
def test_joint_stock_without_company(name: str, form_class: str) -> None:
    assert _legal(name) == [form_class]


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        # A two-letter form followed by generic words only (a branch, a group) ends the name.
        ("Aelcomp Oy Group", ["ltd"]),
        ("Sberbank Europe AG Holding", ["jsc"]),
        ("Airfix Aviation Oy Branch Office", ["ltd"]),
        ("Banco SA Trading", []),
        # Followed by a name part, it is a name part.
        ("Li Ao Chen", []),
        ("Acme Ag Zorblat Group", []),
    ],
)
def test_two_letter_forms_before_generic_words(name: str, forms: list[str]) -> None:
    assert _legal(name) == forms
