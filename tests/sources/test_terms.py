# ruff: noqa: E501 - the cell texts are copied verbatim from the real files and stay whole.
"""Licence requirement and review policy cells, as printed in the real list files.

Every text below is copied from a file under ../shared/data/raw (the CSL CSVs or the eCFR-derived
BIS JSON); the expected readings were worked out from the cell and domain notes §1, not from the
parser's output.
"""

from __future__ import annotations

import pytest

from exportscreen.model import LicenceScope, ReviewPolicy
from exportscreen.sources.terms import parse_licence, parse_review

ALL = LicenceScope.ALL_ITEMS
LISTED = LicenceScope.LISTED_ECCNS

LICENCE_CASES = [
    # text, scope, eccns, footnotes, regulations
    ("", LicenceScope.NONE, (), (), ()),
    ("   ", LicenceScope.NONE, (), (), ()),
    ("For all items subject to the EAR", ALL, (), (), ()),
    ("All Items Subject to the EAR", ALL, (), (), ()),
    ("For all items subject to the EAR.  (See §744.11 of the EAR)", ALL, (), (), ("744.11",)),
    ("For all items subject to the EAR. (See § 744.11of the EAR)", ALL, (), (), ("744.11",)),
    ("For all items subject to the EAR.  (See part§744.11 of the EAR).", ALL, (), (), ("744.11",)),
    ("For all items subject to the EAR. (See §744.2 (d) of the EAR)", ALL, (), (), ("744.2(d)",)),
    # Footnote 3 after a comma, glued to the next section number.
    (
        "For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)",
        ALL,
        (),
        (3,),
        ("734.9(g)", "746.8(a)(3)", "744.21(b)"),
    ),
    # Footnote 3 glued to the closing parenthesis, and "2l" misprinted for "21".
    (
        "For all items subject to the EAR (See §§ 734.9(g)3, 746.8(a)(3), and 744.2l(b) of the EAR)",
        ALL,
        (),
        (3,),
        ("734.9(g)", "746.8(a)(3)", "744.21(b)"),
    ),
    # Footnote 4 after the closing parenthesis, with and without a space.
    (
        "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR) 4",
        ALL,
        (),
        (4,),
        ("734.9(e)(2)", "744.11"),
    ),
    (
        "For all items subject to the EAR. (See §§ 734.9(e)(2) and 744.11 of the EAR)4",
        ALL,
        (),
        (4,),
        ("734.9(e)(2)", "744.11"),
    ),
    (
        "For all items subject to the EAR. (See § 734.9(e) and § 744.11 of the EAR)4",
        ALL,
        (),
        (4,),
        ("734.9(e)", "744.11"),
    ),
    # Footnote 5: the paragraph numbers (9) and (3) are not footnotes.
    (
        "For all items subject to the EAR (See §§ 734.4(a)(9), 734.9(e)(3), and 744.11 of the EAR) 5",
        ALL,
        (),
        (5,),
        ("734.4(a)(9)", "734.9(e)(3)", "744.11"),
    ),
    # Huawei: footnote 1 after the section, footnote 2 after the closing words.
    (
        "For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2",
        ALL,
        (),
        (1, 2),
        ("734.9(e)", "744.11"),
    ),
    # The CSL's Huawei text: no markers at all, and "EAR99" is not a footnote 9.
    (
        "For all items subject to the EAR, see §§ 736.2(b)(3)(vi), and 744.11 of the EAR, EXCEPT for "
        "technology subject to the EAR that is designated as EAR99, or controlled on the Commerce "
        "Control List for anti-terrorism reasons only, when released to members of a “standards "
        "organization” (see §772.1) for the purpose of contributing to the revision or development "
        "of a “standard” (see §772.1).",
        ALL,
        (),
        (),
        ("736.2(b)(3)(vi)", "744.11", "772.1"),
    ),
    # A carve-out naming ECCNs stays ALL_ITEMS and records them.
    (
        "All items subject to the EAR except for food or medicine designated as EAR99, or ECCN "
        "5A992.c and 5D992.c unless for Russian “government end users” and Russian state-owned "
        "enterprises (SoEs) to Russia.  (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR)",
        ALL,
        ("5A992.c", "5D992.c"),
        (3,),
        ("734.9(g)", "746.8(a)(3)", "744.21(b)"),
    ),
    (
        "All items subjects to the EAR except for:  -crude oil, condensates, aromatics, natural gas "
        "liquids under the following Harmonized System (HS) codes: 271111, 2711210000, 2709",
        ALL,
        (),
        (),
        (),
    ),
    (
        "For all items subject to the EAR. (See §§ 734.9(g),3 746.8(a)(3), and 744.21(b) of the EAR) "
        "This license requirement may be overcome by License Exception GOV under § 740.11(b)(2) and (e)",
        ALL,
        (),
        (3,),
        ("734.9(g)", "746.8(a)(3)", "744.21(b)", "740.11(b)(2)"),
    ),
    (
        "For all items subject to the EAR when used in projects specified in §746.5 of the EAR.",
        ALL,
        (),
        (),
        ("746.5",),
    ),
    ("For any item subject to the EAR listed in supplement no. 2 to part 744.", LISTED, (), (), ()),
    (
        "For items on the CCL and EAR 99 items listed in supplement no. 7 to part 746 of the EAR",
        LISTED,
        (),
        (),
        (),
    ),
    (
        "For items on the CCL and listed in supplement no. 7 to part 746 of the EAR",
        LISTED,
        (),
        (),
        (),
    ),
    # Not from the files: the shapes the brief names for ECCN-scoped entries.
    (
        "For items classified under ECCNs 3A001, 5A992.c and 0A521.",
        LISTED,
        ("3A001", "5A992.c", "0A521"),
        (),
        (),
    ),
    (
        "For all items subject to the EAR, see §§ 734.9(e),1 and 744.11 of the EAR, EXCEPT2 for technology",
        ALL,
        (),
        (1, 2),
        ("734.9(e)", "744.11"),
    ),
    (
        "For all items subject to the EAR, see §§ 734.9(e)¹ and 744.11 of the EAR, EXCEPT² for technology",
        ALL,
        (),
        (1, 2),
        ("734.9(e)", "744.11"),
    ),
    ("Subordinate institution of Aero-Engine Company of China", LicenceScope.OTHER, (), (), ()),
]


@pytest.mark.parametrize(("text", "scope", "eccns", "footnotes", "regulations"), LICENCE_CASES)
def test_parse_licence(
    text: str,
    scope: LicenceScope,
    eccns: tuple[str, ...],
    footnotes: tuple[int, ...],
    regulations: tuple[str, ...],
) -> None:
    licence = parse_licence(text)
    assert licence.scope is scope
    assert licence.eccns == eccns
    assert licence.footnotes == footnotes
    assert licence.regulations == regulations
    assert licence.raw == text.strip()


REVIEW_CASES = [
    ("", ReviewPolicy.NONE),
    ("Presumption of denial.", ReviewPolicy.PRESUMPTION_OF_DENIAL),
    ("Presumption of Denial", ReviewPolicy.PRESUMPTION_OF_DENIAL),
    ("Policy of denial. ", ReviewPolicy.POLICY_OF_DENIAL),
    # A policy followed by the sections that state it is still that policy.
    ("Policy of denial. See §§ 746.8(b) and 744.21(e).", ReviewPolicy.POLICY_OF_DENIAL),
    ("Case-by-case basis", ReviewPolicy.CASE_BY_CASE),
    (
        "Case-by-Case review for licenses for the safety of civil aviation of aircraft.",
        ReviewPolicy.CASE_BY_CASE,
    ),
    ("Presumption of approval for EAR99 items", ReviewPolicy.PRESUMPTION_OF_APPROVAL),
    (
        "Case-by-case for all items listed on the CCL. Presumption of approval for EAR99 items",
        ReviewPolicy.MIXED,
    ),
    (
        "Presumption of  approval for EAR99; case-by-case review for all items on the CCL",
        ReviewPolicy.MIXED,
    ),
    (
        "Policy of denial; Case-by-case basis for U.S. Government supported space programs.",
        ReviewPolicy.MIXED,
    ),
    (
        "Case-by-case review for ECCNs 1A004.c, 1A004.d, 1A995, 1A999.a, 1D003, 2A983, 2D983, and "
        "2E983, and for EAR99 items described in the Note to ECCN 1A995; casa-by-case review for items "
        "necessary to detect, identify and treat infectious disease; and presumption of denial for all "
        "other items subject to the EAR.",
        ReviewPolicy.MIXED,
    ),
    (
        "Presumption of denial for items uniquely required for production of semiconducto rs at "
        "advanced technology nodes (10 nanometers and below, including extreme ultraviolet "
        "technology); Case by case for all other items",
        ReviewPolicy.MIXED,
    ),
    ("See §§ 744.2(d), 744.3(d), and 744.4(d) of this part.", ReviewPolicy.CROSS_REFERENCE),
    ("See §746.5(b) of the EAR", ReviewPolicy.CROSS_REFERENCE),
    (
        "The license application procedure and license review policy for entities specified in "
        "supplement no. 2 to part 744 is specified in §744.21(d) and (e).",
        ReviewPolicy.CROSS_REFERENCE,
    ),
]


@pytest.mark.parametrize(("text", "policy"), REVIEW_CASES)
def test_parse_review(text: str, policy: ReviewPolicy) -> None:
    review = parse_review(text)
    assert review.policy is policy
    assert review.raw == text.strip()
