from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.compliance.kyc.errors import InvalidNric, NricProblem
from strongroom.compliance.kyc.nric import SERIES, is_valid_nric, nric_check_letter, validate_nric
from strongroom.errors import ValidationError
from tests.compliance.kyc.strategies import nrics, serial_numbers

#: Characters a position may hold: a series letter, a digit, a letter.
ALLOWED = [sorted(SERIES), *[string.digits] * 7, string.ascii_uppercase]

PUBLISHED = [
    # The common worked example (S1234567D, remainder 7 of the S table).
    "S1234567D",
    # Test vectors of open-source validators, one set per series.
    "S0000001I",
    "S6099517F",
    "T3784091I",
    "T1145794G",
    "F3418905Q",
    "F3151357W",
    "G4553558X",
    "G2821461N",
    # GovTech FormSG's M-series test vector, and one from python-idnumbers' M-series issue.
    "M1234567K",
    "M3960741N",
]


@pytest.mark.parametrize("number", PUBLISHED)
def test_published_numbers_pass(number: str) -> None:
    assert validate_nric(number) == number
    assert is_valid_nric(number)


@pytest.mark.parametrize(
    "number",
    # The same numbers' published counter-examples; M1234567N is M1234567 checked without
    # the M series' offset of 3.
    ["S1234567A", "T3784091A", "F3418905Z", "G4553558Y", "M1234567N"],
)
def test_published_wrong_check_letters_fail(number: str) -> None:
    with pytest.raises(InvalidNric) as raised:
        validate_nric(number)
    assert raised.value.problem is NricProblem.CHECK_LETTER


def published_check_letter(series: str, digits: str) -> str:
    """The check letter as the sources write it, not as nric.py arranges it: T and G as the S
    and F tables rotated by the offset, without one (mjallday/nric-lib); M as FormSG computes
    it, from the left of "KLJNPQRTUWX" by 11 less the remainder."""
    weighted = sum(w * int(d) for w, d in zip((2, 7, 6, 5, 4, 3, 2), digits, strict=True))
    if series == "M":
        return "KLJNPQRTUWX"[11 - (weighted + 3) % 11 - 1]
    rotated = {"S": "JZIHGFEDCBA", "T": "GFEDCBAJZIH", "F": "XWUTRQPNMLK", "G": "RQPNMLKXWUT"}
    return rotated[series][weighted % 11]


@given(st.sampled_from(sorted(SERIES)), serial_numbers)
def test_check_letters_agree_with_the_published_formulations(series: str, digits: str) -> None:
    assert nric_check_letter(series, digits) == published_check_letter(series, digits)


@given(nrics())
def test_every_generated_number_passes(number: str) -> None:
    assert validate_nric(number) == number


@given(nrics())
def test_every_single_substitution_fails(number: str) -> None:
    for position, allowed in enumerate(ALLOWED):
        for character in allowed:
            if character != number[position]:
                changed = number[:position] + character + number[position + 1 :]
                assert not is_valid_nric(changed), changed


@given(nrics(), st.sampled_from(["", " ", "\t"]), st.sampled_from(["", " ", "\n"]))
def test_case_and_surrounding_blanks_are_normalised(number: str, before: str, after: str) -> None:
    assert validate_nric(before + number.lower() + after) == number


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", NricProblem.LENGTH),
        ("S123456D", NricProblem.LENGTH),
        ("S12345678D", NricProblem.LENGTH),
        ("A1234567D", NricProblem.SERIES),
        # The long s upper-cases to S; only ASCII letters are folded.
        ("\u017f1234567D", NricProblem.SERIES),
        ("S12345A7D", NricProblem.DIGITS),
        # A full-width digit: str.isdigit alone would take it.
        ("S1234\uff1567D", NricProblem.DIGITS),
        ("S1234567E", NricProblem.CHECK_LETTER),
    ],
)
def test_errors_name_the_field_and_the_problem(value: str, problem: NricProblem) -> None:
    with pytest.raises(InvalidNric) as raised:
        validate_nric(value, field="national_id")
    assert isinstance(raised.value, ValidationError)
    assert raised.value.field == "national_id"
    assert raised.value.problem is problem
    assert not is_valid_nric(value)


def test_check_letter_refuses_what_is_not_a_number() -> None:
    with pytest.raises(InvalidNric) as raised:
        nric_check_letter("X", "1234567")
    assert raised.value.problem is NricProblem.SERIES
    with pytest.raises(InvalidNric) as raised:
        nric_check_letter("S", "123456")
    assert raised.value.problem is NricProblem.DIGITS
