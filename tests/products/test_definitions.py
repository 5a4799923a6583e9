from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from strongroom.errors import ValidationError
from strongroom.products.daycount import DayCount
from strongroom.products.definitions import load_product, parse_product
from strongroom.products.errors import ProductDefinitionError
from strongroom.products.events import EventKind
from strongroom.products.fees import FeeKind
from strongroom.products.tiers import TierMethod

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "products"

GOOD = """\
product: basic
version: 1
currency: SGD
accounts:
  fee_income: 0192f5a0-0000-7000-8000-000000000001
  tax_payable: 0192f5a0-0000-7000-8000-000000000002
fees:
  - id: out
    event: transfer_out
    kind: percentage
    percent: 0.25
    minimum: 0.50
    maximum: 10
taxes:
  - id: gst
    percent: 9
"""


def test_parses_a_good_definition_exactly() -> None:
    p = parse_product(GOOD, "basic.yaml")
    assert (p.product, p.version, p.currency, p.source) == ("basic", 1, "SGD", "basic.yaml")
    (fee,) = p.fees
    assert fee.kind is FeeKind.PERCENTAGE
    assert fee.rate == Fraction(1, 400)  # 0.25% exactly; YAML's float never got involved
    assert (fee.minimum, fee.maximum, fee.code) == (50, 1_000, 1001)
    assert fee.income_account == p.accounts["fee_income"]
    assert p.taxes[0].rate == Fraction(9, 100)
    assert p.fees_by_event[EventKind.TRANSFER_OUT] == (fee,)
    assert p.fees_by_event[EventKind.ATM_WITHDRAWAL] == ()


def test_json_is_accepted_with_the_same_meaning(tmp_path: Path) -> None:
    as_json = tmp_path / "basic.json"
    as_json.write_text(json.dumps(yaml.safe_load(GOOD), indent=2))
    from_json = load_product(as_json)
    from_yaml = parse_product(GOOD)
    assert from_json.digest == from_yaml.digest
    assert from_json.fees == from_yaml.fees


def test_digest_ignores_formatting_but_not_content() -> None:
    reformatted = "# a comment\n" + GOOD.replace("percent: 0.25", "percent: 0.250")
    assert parse_product(reformatted).digest == parse_product(GOOD).digest
    changed = GOOD.replace("percent: 0.25", "percent: 0.26")
    assert parse_product(changed).digest != parse_product(GOOD).digest


def test_examples_are_valid() -> None:
    v1 = load_product(EXAMPLES / "everyday-v1.yaml")
    v2 = load_product(EXAMPLES / "everyday-v2.yaml")
    assert (v1.product, v1.version, v2.version) == ("everyday", 1, 2)
    assert v1.interest is not None
    assert v1.interest.day_count is DayCount.ACT_365
    assert v1.interest.credit is not None
    assert v1.interest.credit.method is TierMethod.GRADUATED
    assert len(v1.interest.credit.bands) == 3
    assert v1.digest != v2.digest


def rejected(text: str) -> ProductDefinitionError:
    with pytest.raises(ProductDefinitionError) as info:
        parse_product(text, "bad.yaml")
    assert isinstance(info.value, ValidationError)
    return info.value


def test_unknown_currency_names_its_line() -> None:
    error = rejected(GOOD.replace("currency: SGD", "currency: XYZ"))
    assert (error.file, error.path, error.line) == ("bad.yaml", "currency", 3)
    assert "unknown ISO 4217 currency code 'XYZ'" in error.reason
    assert str(error).startswith("bad.yaml:3: currency: unknown ISO 4217")


def test_negative_rate_names_its_line() -> None:
    error = rejected(GOOD.replace("percent: 0.25", "percent: -0.25"))
    assert (error.path, error.line) == ("fees[0].percent", 11)
    assert "greater than or equal to 0" in error.reason


def test_missing_account_names_its_line() -> None:
    error = rejected(GOOD.replace("  tax_payable: 0192f5a0-0000-7000-8000-000000000002\n", ""))
    # The account name is the default (not written in the file): the tax rule's line is given.
    assert (error.path, error.line) == ("taxes[0].payable_account", 14)
    assert "account 'tax_payable'" in error.reason
    assert "not declared under accounts" in error.reason


OVERLAPPING = """\
product: fx
version: 1
currency: USD
accounts: {fee_income: 0192f5a0-0000-7000-8000-000000000001}
fees:
  - id: fx
    event: fx_conversion
    kind: tiered
    tiers:
      bands:
        - {from: 0, to: 1000, percent: 0.5}
        - {from: 900, to: 5000, percent: 0.4}
        - {from: 6000, percent: 0.3}
"""


def test_overlapping_and_gapped_tiers_name_their_lines() -> None:
    error = rejected(OVERLAPPING)
    assert [(i.path, i.line) for i in error.issues] == [
        ("fees[0].tiers.bands[1].from", 12),
        ("fees[0].tiers.bands[2].from", 13),
    ]
    assert "overlaps the previous band [0, 1000)" in error.issues[0].reason
    assert "leaves a gap after the previous band ends at 5000" in error.issues[1].reason


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "reason"),
    [
        ("minimum: 0.50", "minimum: 0.505", "fees[0].minimum", 12, "more decimal places"),
        ("maximum: 10", "maximum: 0.10", "fees[0].maximum", 13, "below minimum"),
        ("kind: percentage", "kind: flat", "fees[0].amount", 8, "a flat fee needs amount"),
        ("event: transfer_out", "event: teleport", "fees[0].event", 9, "Input should be"),
        ("  - id: gst", "  - id: out", "taxes[0].id", 15, "already used at fees[0]"),
        ("version: 1", "version: 0", "version", 2, "greater than or equal to 1"),
        (
            "    maximum: 10\n",
            "    maximum: 10\n    colour: red\n",
            "fees[0].colour",
            14,
            "unknown",
        ),
        ("percent: 9", "percent: 109", "taxes[0].percent", 16, "less than or equal to 100"),
        ("percent: 9", "percent: .inf", "taxes[0].percent", 16, "not a finite decimal"),
    ],
)
def test_bad_definitions_are_rejected_with_their_line(
    old: str, new: str, path: str, line: int, reason: str
) -> None:
    assert old in GOOD  # the edit must really change the file
    error = rejected(GOOD.replace(old, new, 1))
    assert any(i.path == path and i.line == line and reason in i.reason for i in error.issues), (
        error.issues
    )


def test_duplicate_keys_and_syntax_errors_are_rejected_with_their_line() -> None:
    error = rejected(GOOD.replace("version: 1\n", "version: 1\nversion: 2\n"))
    assert (error.path, error.line, error.reason) == ("version", 3, "duplicate key")
    error = rejected("product: x\nfees: [\n")
    assert error.line == 3
    assert "not valid YAML/JSON" in error.reason


def test_missing_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(ProductDefinitionError, match="cannot read"):
        load_product(tmp_path / "absent.yaml")


def test_interest_needs_declared_accounts_and_no_flat() -> None:
    text = GOOD + (
        "interest:\n"
        "  day_count: ACT/360\n"
        "  credit:\n"
        "    bands:\n"
        "      - {from: 0, percent: 1, flat: 1}\n"
    )
    error = rejected(text)
    reasons = {(i.path, i.line): i.reason for i in error.issues}
    assert "interest bands take a percent only" in reasons[("interest.credit.bands[0].flat", 21)]
    assert "'interest_expense'" in reasons[("interest.expense_account", 17)]
    assert "'interest_payable'" in reasons[("interest.accrued_account", 17)]


def test_the_arranged_overdraft_is_read_in_minor_units_and_absent_keeps_old_digests() -> None:
    text = (EXAMPLES / "everyday-v1.yaml").read_text()
    without = parse_product(text)
    # The digest everyday v1 was published with before the field existed.
    assert without.digest == "a4930ac090f8ddfccedac57bab76abfe73a51f586043f356a9290160625542b3"
    assert without.overdraft_limit == 0
    arranged = parse_product(text + "\noverdraft_limit: 500.00\n")
    assert (arranged.overdraft_limit, arranged.digest != without.digest) == (50_000, True)
    with pytest.raises(ProductDefinitionError, match="overdraft_limit"):
        parse_product(text + "\noverdraft_limit: 500.005\n")
