"""Product definitions: loading a YAML/JSON file into a validated, immutable `ProductDefinition`.

Owns: `ProductDefinition` (the plain frozen data every rule evaluates), `load_product`,
`parse_product` and the checks that span fields (currency known, amounts representable in its
minor unit, tiers contiguous without overlap, every referenced account declared, unique rule
ids, caps ordered). Every rejection is a ProductDefinitionError naming file, path and line.
Must not import a database, the ledger, api/ or cli/.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import pydantic

from strongroom.errors import ValidationError
from strongroom.money import is_currency
from strongroom.products.daycount import DayCount
from strongroom.products.errors import DefinitionIssue, ProductDefinitionError
from strongroom.products.events import EventKind
from strongroom.products.fees import FeeKind, FeeRule
from strongroom.products.interest import InterestRule
from strongroom.products.limits import LimitMeasure, LimitRule
from strongroom.products.rounding import percent, to_minor
from strongroom.products.schema import BandSpec, FeeSpec, ProductSpec, TiersSpec
from strongroom.products.source import (
    Document,
    PathKey,
    format_path,
    issues_from_pydantic,
    read_document,
)
from strongroom.products.source import read_file as _read_file
from strongroom.products.taxes import TaxRule
from strongroom.products.tiers import Band, Tiers

#: Ledger transfer codes used when a fee rule does not name its own.
DEFAULT_FEE_CODES: Mapping[EventKind, int] = MappingProxyType(
    {
        EventKind.TRANSFER_OUT: 1001,
        EventKind.INCOMING_PAYMENT: 1002,
        EventKind.FX_CONVERSION: 1003,
        EventKind.CARD_WITHDRAWAL: 1004,
        EventKind.ATM_WITHDRAWAL: 1005,
        EventKind.MONTHLY_MAINTENANCE: 1006,
        EventKind.DORMANCY: 1007,
        EventKind.OVERDRAFT_USAGE: 1008,
    }
)


@dataclass(frozen=True, slots=True, eq=False)
class ProductDefinition:
    """One version of a product, validated. Identity is (`product`, `version`); `digest` is a
    hash of the validated content, so the same version can never stand for two contents."""

    product: str
    version: int
    currency: str
    name: str
    accounts: Mapping[str, uuid.UUID]
    fees: tuple[FeeRule, ...]
    taxes: tuple[TaxRule, ...]
    limits: tuple[LimitRule, ...]
    interest: InterestRule | None
    dormant_after_days: int | None
    #: The arranged overdraft in minor units (0: none): the ledger account's overdraft limit.
    overdraft_limit: int
    digest: str
    source: str = "<string>"
    #: The validated content as canonical JSON (sorted keys, exact decimals): what the store
    #: keeps, and what `parse_product` reads back to the same definition and digest.
    canonical: str = ""
    #: Indexes for quote(): the rules that apply to each event kind, in file order.
    fees_by_event: Mapping[EventKind, tuple[FeeRule, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    limits_by_event: Mapping[EventKind, tuple[LimitRule, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @property
    def key(self) -> tuple[str, int]:
        return (self.product, self.version)

    @property
    def rule_count(self) -> int:
        """Fee, tax and limit rules, plus one per interest band."""
        interest = 0
        if self.interest is not None:
            for tiers in (self.interest.credit, self.interest.overdraft):
                interest += len(tiers.bands) if tiers is not None else 0
        return len(self.fees) + len(self.taxes) + len(self.limits) + interest


class _Builder:
    """Turns a structurally valid ProductSpec into domain rules, collecting every issue."""

    def __init__(self, doc: Document, spec: ProductSpec) -> None:
        self.doc = doc
        self.spec = spec
        self.currency = spec.currency
        self.issues: list[DefinitionIssue] = []

    def fail(self, path: PathKey, reason: str) -> None:
        self.issues.append(self.doc.issue(path, reason))

    def minor(self, value: Decimal, path: PathKey) -> int:
        try:
            return to_minor(value, self.currency, "amount")
        except ValidationError as exc:
            self.fail(path, exc.reason)
            return 0

    def account(self, name: str, path: PathKey, why: str) -> uuid.UUID:
        found = self.spec.accounts.get(name)
        if found is None:
            self.fail(path, f"account {name!r} ({why}) is not declared under accounts")
            return uuid.UUID(int=0)
        return found

    def tiers(self, spec: TiersSpec, path: PathKey, *, allow_flat: bool) -> Tiers:
        bands: list[Band] = []
        previous: BandSpec | None = None
        for i, b in enumerate(spec.bands):
            here = (*path, "bands", i)
            if not allow_flat and b.flat:
                self.fail((*here, "flat"), "interest bands take a percent only")
            if b.upper is not None and b.upper <= b.lower:
                self.fail((*here, "to"), f"band upper bound {b.upper} is not above {b.lower}")
            if previous is None:
                if b.lower != 0:
                    self.fail((*here, "from"), f"the first band must start at 0, not {b.lower}")
            elif previous.upper is None:
                self.fail(here, "band follows a band without an upper bound: tiers overlap")
            elif b.lower < previous.upper:
                self.fail(
                    (*here, "from"),
                    f"band from {b.lower} overlaps the previous band "
                    f"[{previous.lower}, {previous.upper})",
                )
            elif b.lower > previous.upper:
                self.fail(
                    (*here, "from"),
                    f"band from {b.lower} leaves a gap after the previous band ends at "
                    f"{previous.upper}",
                )
            upper = None if b.upper is None else self.minor(b.upper, (*here, "to"))
            bands.append(
                Band(
                    self.minor(b.lower, (*here, "from")),
                    upper,
                    self.minor(b.flat, (*here, "flat")),
                    percent(b.percent),
                )
            )
            previous = b
        return Tiers(spec.method, tuple(bands))

    def fee(self, f: FeeSpec, path: PathKey) -> FeeRule:
        needs = {FeeKind.FLAT: "amount", FeeKind.PERCENTAGE: "percent", FeeKind.TIERED: "tiers"}
        for kind, name in needs.items():
            given = getattr(f, name) is not None
            if kind is f.kind and not given:
                self.fail((*path, name), f"a {f.kind} fee needs {name}")
            elif kind is not f.kind and given:
                self.fail((*path, name), f"{name} is not used by a {f.kind} fee")
        minimum = self.minor(f.minimum, (*path, "minimum")) if f.minimum is not None else 0
        maximum = self.minor(f.maximum, (*path, "maximum")) if f.maximum is not None else None
        if maximum is not None and minimum > maximum:
            self.fail((*path, "maximum"), f"maximum {f.maximum} is below minimum {f.minimum}")
        waive = f.waive_when_balance_at_least
        return FeeRule(
            id=f.id,
            event=f.event,
            kind=f.kind,
            amount=self.minor(f.amount, (*path, "amount")) if f.amount is not None else 0,
            rate=percent(f.percent) if f.percent is not None else percent(Decimal(0)),
            tiers=(
                self.tiers(f.tiers, (*path, "tiers"), allow_flat=True)
                if f.tiers is not None
                else None
            ),
            minimum=minimum,
            maximum=maximum,
            free_per_month=f.free_per_month,
            waive_when_balance_at_least=(
                self.minor(waive, (*path, "waive_when_balance_at_least"))
                if waive is not None
                else None
            ),
            income_account=self.account(f.income_account, (*path, "income_account"), "fee income"),
            code=f.code if f.code is not None else DEFAULT_FEE_CODES[f.event],
        )

    def build(self, digest: str, canonical: str) -> ProductDefinition:
        s = self.spec
        if not is_currency(s.currency):
            self.fail(("currency",), f"unknown ISO 4217 currency code {s.currency!r}")
            raise ProductDefinitionError(self.issues)
        seen: dict[str, PathKey] = {}
        for section in ("fees", "taxes", "limits"):
            for i, rule in enumerate(getattr(s, section)):
                if rule.id in seen:
                    self.fail(
                        (section, i, "id"),
                        f"rule id {rule.id!r} is already used at {format_path(seen[rule.id])}",
                    )
                seen.setdefault(rule.id, (section, i))
        fees = tuple(self.fee(f, ("fees", i)) for i, f in enumerate(s.fees))
        fee_ids = {f.id for f in fees}
        taxes = []
        for i, t in enumerate(s.taxes):
            for j, name in enumerate(t.applies_to or ()):
                if name not in fee_ids:
                    self.fail(("taxes", i, "applies_to", j), f"no fee with id {name!r}")
            taxes.append(
                TaxRule(
                    t.id,
                    percent(t.percent),
                    frozenset(t.applies_to) if t.applies_to is not None else None,
                    self.account(t.payable_account, ("taxes", i, "payable_account"), "tax"),
                    t.code,
                )
            )
        limits = []
        for i, lim in enumerate(s.limits):
            path = ("limits", i, "maximum")
            if lim.measure is LimitMeasure.COUNT:
                if lim.maximum != lim.maximum.to_integral_value():
                    self.fail(path, f"a count limit needs a whole number, not {lim.maximum}")
                maximum = int(lim.maximum)
            else:
                maximum = self.minor(lim.maximum, path)
            limits.append(
                LimitRule(lim.id, frozenset(lim.events), lim.period, lim.measure, maximum)
            )
        interest = self.interest()
        overdraft = 0
        if s.overdraft_limit is not None:
            overdraft = self.minor(s.overdraft_limit, ("overdraft_limit",))
        if self.issues:
            raise ProductDefinitionError(sorted(self.issues, key=lambda i: i.line or 0))
        fees_by_event = {kind: tuple(f for f in fees if f.event is kind) for kind in EventKind}
        limits_by_event = {kind: tuple(x for x in limits if kind in x.events) for kind in EventKind}
        return ProductDefinition(
            product=s.product,
            version=s.version,
            currency=s.currency,
            name=s.name or s.product,
            accounts=MappingProxyType(dict(s.accounts)),
            fees=fees,
            taxes=tuple(taxes),
            limits=tuple(limits),
            interest=interest,
            dormant_after_days=s.dormant_after_days,
            overdraft_limit=overdraft,
            digest=digest,
            source=self.doc.file,
            canonical=canonical,
            fees_by_event=MappingProxyType(fees_by_event),
            limits_by_event=MappingProxyType(limits_by_event),
        )

    def interest(self) -> InterestRule | None:
        spec = self.spec.interest
        if spec is None:
            return None
        path: PathKey = ("interest",)
        if spec.credit is None and spec.overdraft is None:
            self.fail(path, "interest needs credit or overdraft bands (or both)")
        credit = overdraft = None
        expense = accrued = income = receivable = uuid.UUID(int=0)
        if spec.credit is not None:
            credit = self.tiers(spec.credit, (*path, "credit"), allow_flat=False)
            expense = self.account(
                spec.expense_account, (*path, "expense_account"), "interest expense"
            )
            accrued = self.account(
                spec.accrued_account, (*path, "accrued_account"), "accrued interest"
            )
        if spec.overdraft is not None:
            overdraft = self.tiers(spec.overdraft, (*path, "overdraft"), allow_flat=False)
            income = self.account(
                spec.income_account, (*path, "income_account"), "overdraft interest income"
            )
            receivable = self.account(
                spec.receivable_account,
                (*path, "receivable_account"),
                "accrued overdraft interest",
            )
        return InterestRule(
            DayCount(spec.day_count), credit, overdraft, expense, accrued, income, receivable
        )


#: Optional fields added to the schema after products were published with it.
_ADDED_LATER = ("overdraft_limit",)


def _canonical(value: object) -> str:
    """JSON for the digest: a number is the same number however many trailing zeros it has."""
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


def _exact(value: object) -> str:
    """JSON for storage: decimals in plain notation (no exponent), so they parse back exactly."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _canonical(value)


def definition_from_document(doc: Document) -> ProductDefinition:
    if not isinstance(doc.data, dict):
        raise ProductDefinitionError(
            [DefinitionIssue(doc.file, "", 1, "a product definition must be a mapping")]
        )
    try:
        spec = ProductSpec.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        raise ProductDefinitionError(issues_from_pydantic(doc, exc)) from None
    content = spec.model_dump(mode="python", by_alias=True)
    for name in _ADDED_LATER:
        # Absent, a field added after products were published must leave their digests as
        # they were stored.
        if content[name] is None:
            del content[name]
    digest_input = json.dumps(content, sort_keys=True, default=_canonical)
    digest = hashlib.sha256(digest_input.encode()).hexdigest()
    canonical = json.dumps(
        spec.model_dump(mode="python", by_alias=True, exclude_none=True),
        sort_keys=True,
        default=_exact,
    )
    return _Builder(doc, spec).build(digest, canonical)


def parse_product(text: str, file: str = "<string>") -> ProductDefinition:
    """Validate a product definition given as YAML or JSON text."""
    return definition_from_document(read_document(text, file))


def load_product(path: str | Path) -> ProductDefinition:
    """Validate the product definition in the file at `path` (YAML or JSON)."""
    return definition_from_document(_read_file(path))
