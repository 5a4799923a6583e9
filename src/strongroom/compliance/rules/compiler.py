"""From a rule-set file to a `RuleSet`: validated once, compiled into closures, evaluated per call.

Every condition becomes a Python callable over the decision's flat facts when the rule set is
compiled, so a decision walks no syntax tree and looks nothing up by name but the facts
themselves. Validation is complete before anything compiles: an unknown fact, an operator that
does not fit the fact's type, an undeclared list or window is an issue naming the file, line and
path, and the whole set is refused (`RuleSetError`).

Outcome: a fired `block` rule blocks; otherwise a fired `allow` rule allows (an allow list
overrides scores and reviews, never a block); otherwise the summed score of the fired rules is
compared with the thresholds, and any fired `review` rule reviews. A condition on a fact the
payment does not have (None) is false, except `exists: false`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pydantic

from strongroom.compliance.decisions import FiredRule, Outcome
from strongroom.compliance.rules.facts import CATALOGUE, FactType
from strongroom.compliance.rules.schema import RuleSetSpec
from strongroom.compliance.rules.velocity import (
    MAX_WINDOW,
    Window,
    parse_duration,
    resolution_for,
)
from strongroom.errors import ValidationError
from strongroom.products.errors import DefinitionIssue, ProductDefinitionError
from strongroom.products.source import Document, PathKey, issues_from_pydantic, read_document

Facts = Mapping[str, Any]
Test = Callable[[Facts], bool]

_ORDER_OPS = {"gt", "gte", "lt", "lte"}
_TEXT_OPS = {"eq", "ne", "in", "not_in", "in_list", "not_in_list", "exists"}
_NUMBER_OPS = _TEXT_OPS | _ORDER_OPS


class RuleSetError(ValidationError):
    """A rule set that cannot be accepted. Nothing was stored. `issues` holds every reason, in
    file order, each with the file, the path (`rules[3].when.payment.amount.gt`) and the line."""

    code = "rule_set_error"

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        self.issues = issues
        super().__init__(*self.field_errors()[0])

    def field_errors(self) -> list[tuple[str, str]]:
        return [
            (i.path or "source", f"line {i.line}: {i.reason}" if i.line else i.reason)
            for i in self.issues
        ]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    message: str
    action: str
    score: int
    test: Test


@dataclass(frozen=True, slots=True)
class Evaluation:
    outcome: Outcome
    score: int
    fired: tuple[FiredRule, ...]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A compiled rule set. `digest` is the SHA-256 of its source: the same file, the same set."""

    source: str
    digest: str
    review_at: int
    block_at: int
    windows: tuple[Window, ...]
    rules: tuple[Rule, ...]
    #: Whether any rule reads `screening.*`: a set that does not is decided without screening.
    screens: bool
    #: The validated file, for comparing versions.
    spec: RuleSetSpec

    def evaluate(self, facts: Facts) -> Evaluation:
        fired = [rule for rule in self.rules if rule.test(facts)]
        score = sum(rule.score for rule in fired)
        actions = {rule.action for rule in fired}
        if "block" in actions:
            outcome = Outcome.BLOCK
        elif "allow" in actions:
            outcome = Outcome.ALLOW
        elif score >= self.block_at:
            outcome = Outcome.BLOCK
        elif "review" in actions or score >= self.review_at:
            outcome = Outcome.REVIEW
        else:
            outcome = Outcome.ALLOW
        return Evaluation(
            outcome,
            score,
            tuple(
                FiredRule(rule_id=r.id, message=r.message, action=r.action, score=r.score)
                for r in fired
            ),
        )


def compile_rule_set(text: str, file: str = "<rule set>") -> RuleSet:
    """Parse, validate and compile `text` (YAML or JSON); RuleSetError lists every issue."""
    try:
        doc = read_document(text, file)
    except ProductDefinitionError as exc:
        raise RuleSetError(list(exc.issues)) from None
    try:
        spec = RuleSetSpec.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        raise RuleSetError(issues_from_pydantic(doc, exc)) from None
    return _Compiler(doc, spec).compile(text)


class _Compiler:
    def __init__(self, doc: Document, spec: RuleSetSpec) -> None:
        self.doc = doc
        self.spec = spec
        self.issues: list[DefinitionIssue] = []
        self.facts = dict(CATALOGUE)
        self.screens = False

    def compile(self, text: str) -> RuleSet:
        windows = self._windows()
        rules = []
        seen: set[str] = set()
        for i, spec in enumerate(self.spec.rules):
            if spec.id in seen:
                self._issue(("rules", i, "id"), f"rule id {spec.id!r} is used twice")
            seen.add(spec.id)
            test = self._condition(spec.when, ("rules", i, "when"))
            rules.append(Rule(spec.id, spec.message, spec.action, spec.score, test))
        if self.issues:
            raise RuleSetError(sorted(self.issues, key=lambda i: (i.line or 0, i.path)))
        return RuleSet(
            source=text,
            digest=hashlib.sha256(text.encode()).hexdigest(),
            review_at=self.spec.thresholds.review,
            block_at=self.spec.thresholds.block,
            windows=windows,
            rules=tuple(rules),
            screens=self.screens,
            spec=self.spec,
        )

    def _issue(self, path: PathKey, reason: str) -> None:
        self.issues.append(self.doc.issue(path, reason))

    def _windows(self) -> tuple[Window, ...]:
        windows = []
        for i, spec in enumerate(self.spec.windows):
            path: PathKey = ("windows", i)
            if f"velocity.{spec.id}.count" in self.facts:
                self._issue((*path, "id"), f"window id {spec.id!r} is used twice")
                continue
            try:
                length = parse_duration(spec.length)
            except ValueError as exc:
                self._issue((*path, "length"), str(exc))
                continue
            if length > MAX_WINDOW:
                self._issue(
                    (*path, "length"), f"longer than the maximum of {MAX_WINDOW // 86_400}d"
                )
                continue
            windows.append(Window(spec.id, spec.scope, length, resolution_for(length)))
            self.facts[f"velocity.{spec.id}.count"] = FactType.INT
            self.facts[f"velocity.{spec.id}.sum"] = FactType.INT
        return tuple(windows)

    def _condition(self, node: Any, path: PathKey) -> Test:
        if not isinstance(node, dict) or not node:
            self._issue(path, "a condition is a non-empty mapping")
            return _never
        tests = [self._clause(key, value, (*path, key)) for key, value in node.items()]
        return tests[0] if len(tests) == 1 else _all(tests)

    def _clause(self, key: str, value: Any, path: PathKey) -> Test:
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self._issue(path, f"{key} takes a non-empty list of conditions")
                return _never
            tests = [self._condition(item, (*path, i)) for i, item in enumerate(value)]
            return _all(tests) if key == "all" else _any(tests)
        if key == "not":
            inner = self._condition(value, path)
            return lambda facts: not inner(facts)
        fact_type = self.facts.get(key)
        if fact_type is None:
            self._issue(path, f"unknown fact {key!r}")
            return _never
        if key.startswith("screening."):
            self.screens = True
        if not isinstance(value, dict) or not value:
            self._issue(path, "a fact takes a mapping of operators, e.g. {gt: 100}")
            return _never
        tests = [self._operator(key, fact_type, op, arg, (*path, op)) for op, arg in value.items()]
        return tests[0] if len(tests) == 1 else _all(tests)

    def _operator(self, fact: str, fact_type: FactType, op: str, arg: Any, path: PathKey) -> Test:
        allowed = _TEXT_OPS if fact_type is FactType.TEXT else _NUMBER_OPS
        if op not in allowed:
            self._issue(path, f"operator {op!r} does not apply to {fact_type.value} {fact!r}")
            return _never
        if op == "exists":
            if not isinstance(arg, bool):
                self._issue(path, "exists takes true or false")
                return _never
            return (lambda f: f[fact] is not None) if arg else (lambda f: f[fact] is None)
        if op in ("in_list", "not_in_list"):
            members = self._list(arg, path)
            return _membership(fact, members, negate=op == "not_in_list")
        if op in ("in", "not_in"):
            if not isinstance(arg, list) or not arg:
                self._issue(path, f"{op} takes a non-empty list")
                return _never
            values = frozenset(
                self._operand(item, fact_type, (*path, i)) for i, item in enumerate(arg)
            )
            return _membership(fact, values, negate=op == "not_in")
        return _compare(fact, op, self._operand(arg, fact_type, path))

    def _list(self, name: Any, path: PathKey) -> frozenset[str]:
        if not isinstance(name, str) or name not in self.spec.lists:
            self._issue(path, f"no list named {name!r} in lists")
            return frozenset()
        return frozenset(self.spec.lists[name])

    def _operand(self, arg: Any, fact_type: FactType, path: PathKey) -> Any:
        if fact_type is FactType.TEXT:
            if not isinstance(arg, str):
                self._issue(path, f"{arg!r} is not text")
            return arg
        if isinstance(arg, bool) or not isinstance(arg, int | Decimal):
            self._issue(path, f"{arg!r} is not a number")
            return 0
        if fact_type is FactType.INT and not isinstance(arg, int):
            self._issue(path, f"{arg!r} is not a whole number (amounts are minor units)")
            return 0
        return float(arg) if isinstance(arg, Decimal) else arg


def _never(_facts: Facts) -> bool:
    return False


#: Conditions up to which `all`/`any` chain their tests by `and`/`or` (a call each) instead of
#: a generator (whose set-up costs more than two or three tests; most rules have two).
_CHAINED = 4


def _all(tests: list[Test]) -> Test:
    return _combined(tests, all, lambda a, b: lambda facts: a(facts) and b(facts))


def _any(tests: list[Test]) -> Test:
    return _combined(tests, any, lambda a, b: lambda facts: a(facts) or b(facts))


def _combined(
    tests: list[Test],
    whole: Callable[[Iterable[bool]], bool],
    pair: Callable[[Test, Test], Test],
) -> Test:
    if len(tests) > _CHAINED:
        return lambda facts: whole(test(facts) for test in tests)
    first, *rest = tests
    return pair(first, _combined(rest, whole, pair)) if rest else first


def _membership(fact: str, values: frozenset[Any], *, negate: bool) -> Test:
    if negate:
        return lambda f: (v := f[fact]) is not None and v not in values
    return lambda f: (v := f[fact]) is not None and v in values


def _compare(fact: str, op: str, operand: Any) -> Test:
    if op == "eq":
        return lambda f: (v := f[fact]) is not None and v == operand
    if op == "ne":
        return lambda f: (v := f[fact]) is not None and v != operand
    if op == "gt":
        return lambda f: (v := f[fact]) is not None and v > operand
    if op == "gte":
        return lambda f: (v := f[fact]) is not None and v >= operand
    if op == "lt":
        return lambda f: (v := f[fact]) is not None and v < operand
    return lambda f: (v := f[fact]) is not None and v <= operand
