"""What a cost configuration and a billing configuration say, checked: the two definitions of
billing's own (rule groups and tiers are strongroom.billing.aggregation's and .pricing's).

A **cost** configuration prices usage in one currency: its charges (each a rule group choosing
and aggregating the usage, and a tier pricing the result), its recurring charges (a fixed amount
per period), an optional discount, the taxes on all of it (the product factory's tax rules), and
the ledger accounts revenue and tax are posted to. A **billing configuration** puts a subject (a
customer, or the tenant itself) on a cost configuration from a date, with the day of the month
its periods start on, the ledger account its invoices are paid from and, optionally, an account
of prepaid credit drawn down first. Each new version of a subject's configuration is a change of
plan from its `starts` date.

References to other definitions are written `id` (the latest version) or `id@3`, and stored
pinned to the version they meant when written.
"""

from __future__ import annotations

import datetime
import re
import uuid
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Annotated, Any

import msgspec

from strongroom.errors import ValidationError
from strongroom.money import is_currency
from strongroom.products.rounding import percent, to_minor
from strongroom.workflows.definitions import field_error

#: A definition's id: lower case letters, digits, `.`, `_`, `-`.
DEFINITION_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_REFERENCE = re.compile(r"^([a-z0-9][a-z0-9._-]{0,99})(?:@([1-9][0-9]{0,8}))?$")
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"

LineId = Annotated[str, msgspec.Meta(pattern=DEFINITION_ID.pattern)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
DecimalText = Annotated[str, msgspec.Meta(pattern=_DECIMAL, max_length=40)]
Reference = Annotated[str, msgspec.Meta(pattern=_REFERENCE.pattern)]


class ChargeSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: LineId
    description: Text
    rule_group: Reference
    tier: Reference


class RecurringSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: LineId
    description: Text
    #: Major units, a decimal string: charged whole for a whole period, by days for a part.
    amount: DecimalText


class TaxSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: LineId
    percent: DecimalText
    #: Line ids (charges and recurring charges) it applies to; absent: all of them.
    applies_to: list[LineId] | None = None
    #: The ledger transfer code of its postings.
    code: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 2001


class CostSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    currency: Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
    revenue_account: uuid.UUID
    charges: list[ChargeSpec] = msgspec.field(default_factory=list)
    recurring: list[RecurringSpec] = msgspec.field(default_factory=list)
    #: Percent off the usage and recurring charges, before taxes.
    discount_percent: DecimalText | None = None
    taxes: list[TaxSpec] = msgspec.field(default_factory=list)
    tax_account: uuid.UUID | None = None
    #: The ledger transfer code of revenue postings.
    code: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 1201


class ConfigSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    cost: Reference
    starts: datetime.date
    #: The ledger account an invoice's total is taken from.
    account: uuid.UUID
    #: Periods run from this day of one month to the same day of the next (1 to 28).
    anchor_day: Annotated[int, msgspec.Meta(ge=1, le=28)] = 1
    #: A ledger account of prepaid credit, drawn down before `account`.
    credit_account: uuid.UUID | None = None


def decode(spec: type[Any], body: object) -> Any:
    """`body` as a `spec` Struct; ValidationError naming the field otherwise."""
    if not isinstance(body, dict):
        raise ValidationError("body", "must be a JSON object")
    try:
        return msgspec.convert(body, spec, strict=True)
    except msgspec.ValidationError as error:
        raise field_error(error) from None


def reference(text: str) -> tuple[str, int | None]:
    """`id@3` as ("id", 3); `id` as ("id", None): the latest."""
    found = _REFERENCE.match(text)
    assert found is not None, "checked by the spec's pattern"
    return found.group(1), int(found.group(2)) if found.group(2) else None


def check_cost(cost: CostSpec) -> None:
    """What a field's type cannot say: amounts exact in the currency, ids unique, taxes on
    lines that exist, a tax account when there are taxes."""
    if not is_currency(cost.currency):
        raise ValidationError("currency", f"{cost.currency!r} is not an ISO 4217 currency")
    ids: set[str] = set()
    named = [("charges", i, c.id) for i, c in enumerate(cost.charges)]
    named += [("recurring", i, r.id) for i, r in enumerate(cost.recurring)]
    for field, i, line_id in named:
        if line_id in ids:
            raise ValidationError(f"{field}[{i}].id", f"{line_id!r} is used twice")
        ids.add(line_id)
    for i, recurring in enumerate(cost.recurring):
        if to_minor(Decimal(recurring.amount), cost.currency, f"recurring[{i}].amount") < 0:
            raise ValidationError(f"recurring[{i}].amount", "must not be negative")
    if cost.discount_percent is not None and not 0 <= ratio(cost.discount_percent) <= 1:
        raise ValidationError("discount_percent", "must be between 0 and 100")
    for i, tax in enumerate(cost.taxes):
        if not 0 <= ratio(tax.percent) <= 1:
            raise ValidationError(f"taxes[{i}].percent", "must be between 0 and 100")
        for j, applied in enumerate(tax.applies_to or []):
            if applied not in ids:
                raise ValidationError(f"taxes[{i}].applies_to[{j}]", f"no line {applied!r}")
    if cost.taxes and cost.tax_account is None:
        raise ValidationError("tax_account", "is required when there are taxes")


def ratio(text: str) -> Fraction:
    """A percent written as a decimal string, as an exact ratio."""
    try:
        return percent(Decimal(text))
    except InvalidOperation:
        raise ValidationError("percent", f"{text!r} is not a decimal number") from None


def minor(text: str, currency: str) -> int:
    """A decimal string of major units, exactly in minor units."""
    return to_minor(Decimal(text), currency, "amount")
