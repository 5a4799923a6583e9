"""Rule sets: validation names the file, line and path of every issue; compiled rules decide
as documented (block wins, then allow, then score thresholds and review rules)."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strongroom.compliance.decisions import Outcome
from strongroom.compliance.rules.compiler import RuleSetError, compile_rule_set

BASE = {
    "payment.amount": 100,
    "payment.currency": "SGD",
    "payment.direction": "out",
    "payment.channel": "api",
    "payment.beneficiary": None,
    "counterparty.name": None,
    "counterparty.country": "SG",
    "counterparty.account": None,
    "customer.id": "c1",
    "customer.risk_rating": "low",
    "customer.kyc_status": "verified",
    "customer.relationship_days": 400,
    "account.id": "a1",
    "account.product": "basic",
    "account.age_days": 30,
    "screening.score": 0.0,
    "screening.hits": 0,
}

RULES = textwrap.dedent(
    """\
    thresholds: {review: 50, block: 100}
    lists:
      risky_countries: [KP, IR]
      trusted: [acct-1]
    windows:
      - {id: c1h, scope: customer, length: 1h}
    rules:
      - id: big
        message: over 10,000.00
        when: {payment.amount: {gt: 1000000}}
        score: 60
      - id: country
        message: counterparty in a sanctioned country
        when: {counterparty.country: {in_list: risky_countries}}
        action: block
      - id: new-and-big
        message: new account sending much
        when:
          all:
            - account.age_days: {lt: 7}
            - payment.amount: {gte: 500000}
        score: 50
      - id: burst
        message: many payments in an hour
        when: {velocity.c1h.count: {gt: 10}}
        action: review
      - id: trusted
        message: trusted counterparty
        when: {counterparty.account: {in_list: trusted}}
        action: allow
    """
)


def facts(**changes: object) -> dict[str, object]:
    values = dict(BASE)
    values["velocity.c1h.count"] = 1
    values["velocity.c1h.sum"] = 100
    values.update({key.replace("__", "."): value for key, value in changes.items()})
    return values


def test_an_ordinary_payment_is_allowed() -> None:
    result = compile_rule_set(RULES).evaluate(facts())
    assert (result.outcome, result.score, result.fired) == (Outcome.ALLOW, 0, ())


def test_a_score_at_the_review_threshold_reviews_and_names_the_rule() -> None:
    result = compile_rule_set(RULES).evaluate(facts(payment__amount=1_000_001))
    assert result.outcome is Outcome.REVIEW
    assert [r.rule_id for r in result.fired] == ["big"]
    assert result.score == 60


def test_scores_add_up_to_a_block() -> None:
    result = compile_rule_set(RULES).evaluate(facts(payment__amount=1_000_001, account__age_days=1))
    assert (result.outcome, result.score) == (Outcome.BLOCK, 110)


def test_a_block_rule_wins_over_an_allow_rule() -> None:
    result = compile_rule_set(RULES).evaluate(
        facts(counterparty__country="KP", counterparty__account="acct-1")
    )
    assert result.outcome is Outcome.BLOCK


def test_an_allow_rule_overrides_scores_and_reviews() -> None:
    result = compile_rule_set(RULES).evaluate(
        facts(counterparty__account="acct-1", payment__amount=2_000_000, velocity__c1h__count=50)
    )
    assert result.outcome is Outcome.ALLOW
    assert {r.rule_id for r in result.fired} == {"big", "burst", "trusted"}


def test_a_missing_fact_makes_a_condition_false() -> None:
    result = compile_rule_set(RULES).evaluate(
        facts(account__age_days=None, payment__amount=600_000)
    )
    assert result.fired == ()


@given(
    amount=st.integers(0, 10**9),
    age=st.one_of(st.none(), st.integers(0, 100)),
    country=st.sampled_from(["SG", "KP", "IR", None]),
    count=st.integers(1, 30),
)
def test_outcome_matches_the_documented_order(
    amount: int, age: int | None, country: str | None, count: int
) -> None:
    result = compile_rule_set(RULES).evaluate(
        facts(
            payment__amount=amount,
            account__age_days=age,
            counterparty__country=country,
            velocity__c1h__count=count,
        )
    )
    score = (60 if amount > 1_000_000 else 0) + (
        50 if age is not None and age < 7 and amount >= 500_000 else 0
    )
    if country in ("KP", "IR") or score >= 100:
        expected = Outcome.BLOCK
    elif count > 10 or score >= 50:
        expected = Outcome.REVIEW
    else:
        expected = Outcome.ALLOW
    assert result.outcome is expected
    assert result.score == score


def issues(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(RuleSetError) as caught:
        compile_rule_set(text, "rules.yaml")
    return [(i.path, i.line, i.reason) for i in caught.value.issues]


def test_an_unknown_fact_names_its_line_and_path() -> None:
    text = "rules:\n  - id: a\n    message: m\n    when:\n      payment.amout: {gt: 1}\n"
    assert issues(text) == [("rules[0].when.payment.amout", 5, "unknown fact 'payment.amout'")]


def test_an_operator_that_does_not_fit_the_fact_is_refused() -> None:
    text = "rules:\n  - id: a\n    message: m\n    when: {payment.currency: {gt: 1}}\n"
    (issue,) = issues(text)
    assert issue[0] == "rules[0].when.payment.currency.gt"
    assert "does not apply to text" in issue[2]


def test_amounts_must_be_whole_minor_units() -> None:
    text = "rules:\n  - id: a\n    message: m\n    when: {payment.amount: {gt: 10.5}}\n"
    (issue,) = issues(text)
    assert "not a whole number" in issue[2]


def test_undeclared_lists_and_windows_and_duplicate_ids_are_all_reported() -> None:
    text = textwrap.dedent(
        """\
        windows:
          - {id: w, scope: customer, length: 2w}
        rules:
          - id: a
            message: m
            when: {counterparty.country: {in_list: nowhere}}
          - id: a
            message: m
            when: {velocity.w.count: {gt: 1}}
        """
    )
    found = issues(text)
    reasons = [reason for _, _, reason in found]
    assert any("not a duration" in r for r in reasons)
    assert any("no list named 'nowhere'" in r for r in reasons)
    assert any("used twice" in r for r in reasons)
    assert any("unknown fact 'velocity.w.count'" in r for r in reasons)


def test_schema_errors_name_the_field() -> None:
    text = (
        "thresholds: {review: 80, block: 10}\n"
        "rules:\n  - id: a\n    message: m\n"
        "    when: {payment.amount: {gt: 1}}\n    action: shout\n"
    )
    paths = {path for path, _, _ in issues(text)}
    assert "rules[0].action" in paths
    assert "thresholds" in paths


def test_not_yaml_is_an_issue_with_a_line() -> None:
    (issue,) = issues("rules: [\n")
    assert issue[1] is not None
    assert "not valid YAML" in issue[2]


def test_any_and_not_compose() -> None:
    text = textwrap.dedent(
        """\
        rules:
          - id: odd
            message: m
            when:
              any:
                - customer.risk_rating: {eq: high}
                - not: {customer.kyc_status: {in: [verified]}}
            action: review
        """
    )
    rule_set = compile_rule_set(text)
    assert rule_set.evaluate(facts()).outcome is Outcome.ALLOW
    assert rule_set.evaluate(facts(customer__risk_rating="high")).outcome is Outcome.REVIEW
    assert rule_set.evaluate(facts(customer__kyc_status="pending")).outcome is Outcome.REVIEW


def test_the_digest_identifies_the_source() -> None:
    assert compile_rule_set(RULES).digest == compile_rule_set(RULES).digest
    assert compile_rule_set(RULES).digest != compile_rule_set(RULES + "\n# x\n").digest
    assert not compile_rule_set(RULES).screens


# A condition tree over two number facts: ("cmp", fact, op, operand) | ("all"|"any", [trees]) |
# ("not", tree); None facts make comparisons false.
_OPS = {
    "gt": lambda v, x: v > x,
    "gte": lambda v, x: v >= x,
    "lt": lambda v, x: v < x,
    "lte": lambda v, x: v <= x,
    "eq": lambda v, x: v == x,
    "ne": lambda v, x: v != x,
}
_leaf = st.tuples(
    st.just("cmp"),
    st.sampled_from(["payment.amount", "account.age_days"]),
    st.sampled_from(sorted(_OPS)),
    st.integers(0, 10),
)
_tree = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=7)),
        st.tuples(st.just("not"), inner),
    ),
    max_leaves=20,
)


def _yaml(tree: tuple[Any, ...]) -> object:
    kind = tree[0]
    if kind == "cmp":
        return {tree[1]: {tree[2]: tree[3]}}
    if kind == "not":
        return {"not": _yaml(tree[1])}
    return {kind: [_yaml(t) for t in tree[1]]}


def _reference(tree: tuple[Any, ...], values: dict[str, object]) -> bool:
    kind = tree[0]
    if kind == "cmp":
        value = values[tree[1]]
        return value is not None and bool(_OPS[tree[2]](value, tree[3]))
    if kind == "not":
        return not _reference(tree[1], values)
    results = [_reference(t, values) for t in tree[1]]
    return all(results) if kind == "all" else any(results)


@given(
    tree=_tree,
    amount=st.one_of(st.none(), st.integers(0, 10)),
    age=st.one_of(st.none(), st.integers(0, 10)),
)
def test_a_compiled_condition_is_its_tree_evaluated_directly(
    tree: tuple[Any, ...],
    amount: int | None,
    age: int | None,
) -> None:
    text = json.dumps(
        {"rules": [{"id": "r", "message": "m", "when": _yaml(tree), "action": "block"}]}
    )
    values = facts(payment__amount=amount, account__age_days=age)
    fired = compile_rule_set(text).evaluate(values).outcome is Outcome.BLOCK
    assert fired == _reference(tree, values)
