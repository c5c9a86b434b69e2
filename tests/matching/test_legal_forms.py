from __future__ import annotations

import pytest

from exportscreen.matching.analyze import TokenKind, analyze


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
    ],
)
def test_no_legal_form_where_there_is_none(name: str) -> None:
    assert _legal(name) == []
