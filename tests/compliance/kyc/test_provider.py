from __future__ import annotations

from datetime import UTC, date, datetime

import msgspec
import pytest

from strongroom.clock import ManualClock
from strongroom.compliance.kyc.provider import (
    SANCTIONS_MATCH,
    SANCTIONS_POSSIBLE_MATCH,
    Applicant,
    KycProvider,
    KycResult,
    KycStatus,
    LocalKycProvider,
)
from strongroom.compliance.screening.matcher import NameScreener
from strongroom.compliance.screening.types import NameQuery
from strongroom.compliance.screening.watchlist import BirthDate, EntryKind, ListedEntry, WatchList
from strongroom.errors import ValidationError

TODAY = date(2025, 6, 30)
LISTED = ListedEntry(
    entry_id="7",
    kind=EntryKind.PERSON,
    names=("Viktor Drogomirov",),
    birth_dates=(BirthDate(1970, 3, 1),),
    countries=frozenset({"RU"}),
)
SCREENER = NameScreener([WatchList(name="test", entries=(LISTED,), digest="0")])
APPLICANT = Applicant(
    full_name="Tan Mei Ling",
    birth_date=date(1990, 5, 17),
    nationality="SG",
    national_id="S1234567D",
    national_id_kind="sg.nric",
    document_number="K1234567A",
    document_expiry=date(2030, 1, 1),
    iban="DE89370400440532013000",
)


def provider(**options: object) -> LocalKycProvider:
    start = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    clock = ManualClock(int(start.timestamp()) * 10**9)
    return LocalKycProvider(SCREENER, clock=clock, **options)  # type: ignore[arg-type]


def codes(result: KycResult) -> list[tuple[str, str]]:
    return [(f.code, f.field) for f in result.findings]


async def test_a_clean_applicant_is_verified() -> None:
    seam: KycProvider = provider()
    result = await seam.verify(APPLICANT)
    assert result == KycResult(status=KycStatus.VERIFIED)


async def test_a_listed_person_is_rejected_with_the_hit() -> None:
    listed = msgspec.structs.replace(
        APPLICANT, full_name="Viktor Drogomirov", birth_date=date(1970, 3, 1), nationality="RU"
    )
    result = await provider().verify(listed)
    assert result.status is KycStatus.REJECTED
    assert codes(result) == [(SANCTIONS_MATCH, "full_name")]
    assert [(h.entry_id, h.score) for h in result.hits] == [("7", 100.0)]


async def test_a_hit_between_the_scores_goes_to_review() -> None:
    near = msgspec.structs.replace(
        APPLICANT, full_name="Viktor Dragomirov", birth_date=date(1970, 3, 1)
    )
    (hit,) = SCREENER.screen(
        NameQuery(name=near.full_name, birth_date=near.birth_date, country="SG")
    )
    assert hit.score < 100
    result = await provider(review_score=hit.score, reject_score=hit.score + 0.5).verify(near)
    assert result.status is KycStatus.REVIEW
    assert codes(result) == [(SANCTIONS_POSSIBLE_MATCH, "full_name")]
    # Under the review score the hit is reported but decides nothing.
    quiet = await provider(review_score=hit.score + 0.5, reject_score=100).verify(near)
    assert quiet == KycResult(status=KycStatus.VERIFIED, hits=(hit,))


async def test_facts_that_fail_their_checks_do_not_break_screening_ties() -> None:
    # Used, the birth date would differ from the listed one (-10) and so would the country (-5).
    listed = msgspec.structs.replace(
        APPLICANT, full_name="Viktor Drogomirov", birth_date=date(2025, 7, 1), nationality="XX"
    )
    result = await provider().verify(listed)
    assert [h.score for h in result.hits] == [100.0]
    assert codes(result) == [
        ("invalid_birth_date", "birth_date"),
        ("invalid_identifier", "nationality"),
        (SANCTIONS_MATCH, "full_name"),
    ]


@pytest.mark.parametrize(
    ("change", "finding"),
    [
        ({"national_id": "S1234567A"}, ("invalid_nric", "national_id")),
        ({"national_id_kind": "zz.id"}, ("invalid_identifier", "national_id_kind")),
        ({"iban": "DE88370400440532013000"}, ("invalid_identifier", "iban")),
        ({"nationality": "Singapore"}, ("invalid_identifier", "nationality")),
        ({"birth_date": date(2007, 7, 1)}, ("under_minimum_age", "birth_date")),
        ({"birth_date": date(2025, 7, 1)}, ("invalid_birth_date", "birth_date")),
        ({"document_expiry": date(2025, 6, 29)}, ("document_expired", "document_expiry")),
        ({"document_number": " "}, ("required", "document_number")),
        ({"full_name": ""}, ("required", "full_name")),
    ],
)
async def test_a_failed_check_rejects(change: dict[str, object], finding: tuple[str, str]) -> None:
    result = await provider().verify(msgspec.structs.replace(APPLICANT, **change))
    assert result.status is KycStatus.REJECTED
    assert codes(result) == [finding]


async def test_minimum_age_is_the_providers() -> None:
    turns_18_today = msgspec.structs.replace(APPLICANT, birth_date=date(2007, 6, 30))
    assert (await provider().verify(turns_18_today)).status is KycStatus.VERIFIED
    result = await provider(minimum_age=21).verify(turns_18_today)
    assert codes(result) == [("under_minimum_age", "birth_date")]


async def test_a_document_expiring_too_soon_goes_to_review() -> None:
    soon = msgspec.structs.replace(APPLICANT, document_expiry=date(2025, 7, 29))
    assert (await provider(document_valid_for_days=29).verify(soon)).status is KycStatus.VERIFIED
    result = await provider(document_valid_for_days=30).verify(soon)
    assert result.status is KycStatus.REVIEW
    assert codes(result) == [("document_expires_too_soon", "document_expiry")]


async def test_every_finding_is_reported_and_rejection_outranks_review() -> None:
    bad = msgspec.structs.replace(
        APPLICANT, national_id="T1234567A", iban=None, document_expiry=date(2025, 7, 1)
    )
    result = await provider(document_valid_for_days=90).verify(bad)
    assert result.status is KycStatus.REJECTED
    assert codes(result) == [
        ("invalid_nric", "national_id"),
        ("document_expires_too_soon", "document_expiry"),
    ]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"minimum_age": -1}, "minimum_age"),
        ({"review_score": 0}, "review_score"),
        ({"review_score": 90, "reject_score": 80}, "review_score"),
        ({"reject_score": 101}, "review_score"),
        ({"document_valid_for_days": -1}, "document_valid_for_days"),
    ],
)
def test_settings_that_cannot_work_are_refused(options: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        provider(**options)
    assert raised.value.field == field


async def test_applicants_and_results_cross_the_wire_as_json() -> None:
    wire = msgspec.json.encode(APPLICANT)
    assert msgspec.json.decode(wire, type=Applicant) == APPLICANT
    result = await provider().verify(
        msgspec.structs.replace(APPLICANT, full_name="Viktor Drogomirov")
    )
    assert msgspec.json.decode(msgspec.json.encode(result), type=KycResult) == result
