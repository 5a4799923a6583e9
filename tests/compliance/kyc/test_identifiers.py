from __future__ import annotations

import pytest

from strongroom.compliance.kyc.errors import InvalidIdentifier, InvalidNric
from strongroom.compliance.kyc.identifiers import (
    NRIC,
    validate_bic,
    validate_country,
    validate_iban,
    validate_national_id,
)


@pytest.mark.parametrize(
    ("value", "compact"),
    [
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("NL91ABNA0417164300", "NL91ABNA0417164300"),
        ("BE68539007547034", "BE68539007547034"),
        ("FR1420041010050500013M02606", "FR1420041010050500013M02606"),
    ],
)
def test_valid_ibans_are_compacted(value: str, compact: str) -> None:
    assert validate_iban(value) == compact


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("DE88370400440532013000", "Invalid checksum digits"),
        # Correct IBAN check digits around a Belgian account number whose own check fails.
        ("BE41539007547035", "Invalid national checksum"),
        ("DE8937040044053201300", "Invalid IBAN length"),
        ("XX89370400440532013000", "Unknown country-code"),
    ],
)
def test_invalid_ibans_name_the_field_and_schwiftys_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        validate_iban(value, field="payout_iban")
    assert raised.value.field == "payout_iban"
    assert raised.value.reason.startswith(reason)


@pytest.mark.parametrize(
    ("value", "compact"),
    [("DEUTDEFF", "DEUTDEFF"), ("deutdeff500", "DEUTDEFF500"), ("MARK DE F1 100", "MARKDEF1100")],
)
def test_valid_bics_are_compacted(value: str, compact: str) -> None:
    assert validate_bic(value) == compact


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("DEUTXXFF", "Invalid country code"),
        ("DEUTDEF", "Invalid length"),
        ("DEUTDEFF5", "Invalid length"),
        ("DEUTDE!F", "Invalid structure"),
    ],
)
def test_invalid_bics_name_the_field_and_schwiftys_reason(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        validate_bic(value)
    assert raised.value.field == "bic"
    assert raised.value.reason.startswith(reason)


def test_countries_are_iso_alpha_2() -> None:
    assert validate_country(" sg") == "SG"
    for value in ("XX", "SGP", "Singapore", ""):
        with pytest.raises(InvalidIdentifier) as raised:
            validate_country(value, field="nationality")
        assert raised.value.field == "nationality"


def test_nric_kind_is_checked_here() -> None:
    assert validate_national_id(NRIC, "s1234567d") == "S1234567D"
    with pytest.raises(InvalidNric) as raised:
        validate_national_id(NRIC, "S1234567A")
    assert raised.value.field == "national_id"


def test_other_kinds_are_python_stdnums() -> None:
    assert validate_national_id("nl.bsn", "1112.22.333") == "111222333"
    assert validate_national_id("my.nric", "770305-02-1234") == "770305021234"
    with pytest.raises(InvalidIdentifier) as raised:
        validate_national_id("nl.bsn", "111222334")
    assert raised.value.field == "national_id"
    assert "checksum" in raised.value.reason


@pytest.mark.parametrize("kind", ["nric", "xx.bsn", "nl.nothing", "os.path", "nl.__init__", ""])
def test_unknown_kinds_are_refused(kind: str) -> None:
    with pytest.raises(InvalidIdentifier) as raised:
        validate_national_id(kind, "111222333")
    assert raised.value.field == "national_id_kind"
