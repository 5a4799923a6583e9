"""The `KycProvider` seam and the provider that needs nothing outside the process.

A provider is anything with `async def verify(applicant) -> KycResult`: the composition root
picks one and hands it to whoever onboards customers, who never learns which it is.
`LocalKycProvider` runs the validators of this package and a sanctions screening. An external
provider (a document-verification or registry service) is a class beside it that sends the
applicant out, maps the answer onto `KycStatus` and `Finding`s (its own reason codes as the
codes, the `Applicant` field each is about as the field), and turns its transport failures into
a `review` result or an error, as its contract says; docs/compliance.md ("KYC") has the details.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, date, timedelta, tzinfo
from typing import Protocol

import msgspec

from strongroom.clock import Clock, SystemClock
from strongroom.compliance.kyc.errors import DocumentExpiresTooSoon, Required
from strongroom.compliance.kyc.identifiers import (
    validate_country,
    validate_iban,
    validate_national_id,
)
from strongroom.compliance.kyc.person import today, validate_birth_date, validate_document_expiry
from strongroom.compliance.screening.types import Hit, NameQuery, Screener
from strongroom.errors import ValidationError

#: Finding codes of screening hits; every other code is a validator error's `code`.
SANCTIONS_MATCH = "sanctions_match"
SANCTIONS_POSSIBLE_MATCH = "sanctions_possible_match"
#: Findings that send an applicant to review rather than reject them: fixable, or uncertain.
REVIEW_CODES = frozenset({DocumentExpiresTooSoon.code, SANCTIONS_POSSIBLE_MATCH})


class KycStatus(enum.StrEnum):
    VERIFIED = "verified"
    #: A person must look at the findings before the applicant is accepted.
    REVIEW = "review"
    REJECTED = "rejected"


class Applicant(msgspec.Struct, frozen=True, kw_only=True):
    full_name: str
    birth_date: date
    #: ISO 3166-1 alpha-2.
    nationality: str
    national_id: str
    #: `identifiers.NRIC` ("sg.nric") or a python-stdnum module name ("nl.bsn", "my.nric").
    national_id_kind: str
    #: The identity document shown (passport, identity card).
    document_number: str
    document_expiry: date
    iban: str | None = None


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    #: The `Applicant` field the finding is about.
    field: str
    message: str


class KycResult(msgspec.Struct, frozen=True, kw_only=True):
    status: KycStatus
    findings: tuple[Finding, ...] = ()
    #: Everything the screening returned, best first, including hits under the review score.
    hits: tuple[Hit, ...] = ()


class KycProvider(Protocol):
    async def verify(self, applicant: Applicant) -> KycResult:
        """The verdict on `applicant`, with every finding that led to it. Raises only when no
        verdict could be reached (a provider that is down); a bad applicant is a result."""
        ...


class LocalKycProvider:
    """Validates every field of the applicant and screens their name. A validator's error
    rejects, except a document that expires too soon, which goes to review; a screening hit
    at `reject_score` or above rejects, one at `review_score` or above goes to review."""

    def __init__(
        self,
        screener: Screener,
        *,
        minimum_age: int = 18,
        review_score: float = 80.0,
        reject_score: float = 95.0,
        document_valid_for_days: int = 0,
        clock: Clock | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        if minimum_age < 0:
            raise ValidationError("minimum_age", "must not be negative")
        if not 0 < review_score <= reject_score <= 100:
            raise ValidationError(
                "review_score", "must be more than 0 and at most reject_score, itself at most 100"
            )
        if document_valid_for_days < 0:
            raise ValidationError("document_valid_for_days", "must not be negative")
        self.screener = screener
        self.minimum_age = minimum_age
        self.review_score = review_score
        self.reject_score = reject_score
        self.document_valid_for_days = document_valid_for_days
        self.clock = clock or SystemClock()
        self.zone = zone

    async def verify(self, applicant: Applicant) -> KycResult:
        # The screening runs inline: it is in-memory CPU work well under a millisecond.
        day = today(self.clock, self.zone)
        findings: list[Finding] = []

        def check(validate: Callable[[], object]) -> bool:
            try:
                validate()
            except ValidationError as error:
                findings.extend(
                    Finding(code=error.code, field=f, message=r) for f, r in error.field_errors()
                )
                return False
            return True

        check(lambda: _required(applicant.full_name, "full_name"))
        birth_ok = check(
            lambda: validate_birth_date(
                applicant.birth_date, today=day, minimum_age=self.minimum_age
            )
        )
        country_ok = check(lambda: validate_country(applicant.nationality, field="nationality"))
        check(lambda: validate_national_id(applicant.national_id_kind, applicant.national_id))
        check(lambda: _required(applicant.document_number, "document_number"))
        check(
            lambda: validate_document_expiry(
                applicant.document_expiry,
                today=day,
                valid_until=day + timedelta(days=self.document_valid_for_days),
            )
        )
        iban = applicant.iban
        if iban is not None:
            check(lambda: validate_iban(iban))
        # A birth date or country that failed its check would only distort the tie-breakers.
        hits = self.screener.screen(
            NameQuery(
                name=applicant.full_name,
                birth_date=applicant.birth_date if birth_ok else None,
                country=applicant.nationality.strip().upper() if country_ok else None,
            )
        )
        findings.extend(self._hit_findings(hits))
        return KycResult(status=_status(findings), findings=tuple(findings), hits=hits)

    def _hit_findings(self, hits: tuple[Hit, ...]) -> list[Finding]:
        findings = []
        for hit in hits:
            if hit.score < self.review_score:
                continue
            code = SANCTIONS_MATCH if hit.score >= self.reject_score else SANCTIONS_POSSIBLE_MATCH
            message = (
                f"{hit.matched_name!r}, entry {hit.entry_id} of {hit.list_name}, "
                f"scores {hit.score:.1f}"
            )
            findings.append(Finding(code=code, field="full_name", message=message))
        return findings


def _required(value: str, field: str) -> None:
    if not value.strip():
        raise Required(field, "must not be empty")


def _status(findings: list[Finding]) -> KycStatus:
    if any(f.code not in REVIEW_CODES for f in findings):
        return KycStatus.REJECTED
    if findings:
        return KycStatus.REVIEW
    return KycStatus.VERIFIED
