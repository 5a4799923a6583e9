"""`strongroom compliance rules publish | list | show | status | diff | backtest`,
`strongroom compliance decide | decisions | screen | lists | kyc`: an operator's tool on the
rule engine, the sanctions lists and KYC, through the same service as the API, acting as an
admin of `--tenant` (see `common.operator`).

`--json` prints what the HTTP API would answer, for scripts.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec
import typer
from rich.table import Table

from strongroom.bootstrap import Platform
from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    fail,
    on_platform,
    operator,
    read_json,
)
from strongroom.compliance.decisions import Decision
from strongroom.compliance.kyc.provider import Applicant, KycResult
from strongroom.compliance.ports import RuleSetStatus, StoredRuleSet
from strongroom.compliance.rules.facts import Payment
from strongroom.compliance.screening.types import Hit, NameQuery
from strongroom.compliance.service import ComplianceService
from strongroom.errors import ValidationError
from strongroom.settings import Settings

T = TypeVar("T")
NS = 10**9

app = typer.Typer(help="Pre-transaction rules and decisions.", no_args_is_help=True)
rules_app = typer.Typer(help="Rule-set versions: publish, compare, backtest.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _act(settings: Settings, work: Callable[[ComplianceService], Awaitable[T]]) -> T:
    return on_platform(settings, Platform.compliance, work)


def _print_json(value: object) -> None:
    console.print_json(json.dumps(value))


def _rule_set_json(s: StoredRuleSet, *, source: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(s)
    data.pop("tenant")
    if not source:
        data.pop("source")
    return data


def _decision_json(d: Decision) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(d)
    data.pop("tenant")
    return data


def parse_time(text: str, field: str) -> int:
    """Nanoseconds since the epoch, from an ISO 8601 date or time (UTC when no offset is given)
    or from a whole number of nanoseconds."""
    if text.isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, f"{text!r} is not an ISO 8601 time or nanoseconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp()) * NS + moment.microsecond * 1000


def _status(text: str) -> RuleSetStatus:
    try:
        return RuleSetStatus(text)
    except ValueError:
        allowed = ", ".join(s.value for s in RuleSetStatus)
        raise ValidationError("status", f"must be one of {allowed}") from None


@rules_app.command("publish")
def publish(
    file: Annotated[Path, typer.Argument(help="The rule set, YAML or JSON.")],
    status: Annotated[str, typer.Option(help="draft, shadow or enforce.")] = "draft",
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Validate FILE and store it as the tenant's next version."""
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as error:
        fail(ValidationError("file", f"cannot read {file}: {error.strerror}"))
    settings = command_settings(db_url=db)
    stored = _act(settings, lambda c: c.publish(operator(tenant), source, _status(status)))
    if as_json:
        _print_json(_rule_set_json(stored))
        return
    console.print(f"version {stored.version} {stored.status.value}", highlight=False)


@rules_app.command("list")
def list_rule_sets(
    as_json: JsonOption = False, tenant: TenantOption = "default", db: DbOption = None
) -> None:
    """Every version, newest first."""
    found = _act(command_settings(db_url=db), lambda c: c.list_rule_sets(operator(tenant)))
    if as_json:
        _print_json([_rule_set_json(s) for s in found])
        return
    table = Table("version", "status", "published_at", "published_by", "digest")
    for s in found:
        table.add_row(
            str(s.version), s.status.value, str(s.published_at), s.published_by or "", s.digest[:16]
        )
    console.print(table)


@rules_app.command("show")
def show_rule_set(
    version: int,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """A version's source (with --json, its record too)."""
    found = _act(command_settings(db_url=db), lambda c: c.show_rule_set(operator(tenant), version))
    if as_json:
        _print_json(_rule_set_json(found, source=True))
        return
    console.out(found.source, end="")


@rules_app.command("status")
def set_status(
    version: int,
    status: Annotated[str, typer.Argument(help="draft, shadow, enforce or retired.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Put VERSION in force, in shadow, back to draft, or retire it."""
    settings = command_settings(db_url=db)
    stored = _act(settings, lambda c: c.set_status(operator(tenant), version, _status(status)))
    console.print(f"version {stored.version} {stored.status.value}", highlight=False)


@rules_app.command("diff")
def diff(
    old: int,
    new: int,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """What changed from OLD to NEW: rules added, removed and changed, and the source diff."""
    found = _act(command_settings(db_url=db), lambda c: c.diff(operator(tenant), old, new))
    summary = {
        "added": list(found.added),
        "removed": list(found.removed),
        "changed": list(found.changed),
        "sections": list(found.sections),
    }
    if as_json:
        _print_json({"old": old, "new": new, "text": found.text, **summary})
        return
    for name, items in summary.items():
        console.print(f"{name}: {', '.join(items) or '-'}", highlight=False)
    console.out(found.text, end="")


@rules_app.command("backtest")
def backtest(
    version: int,
    since: Annotated[str, typer.Option(help="ISO 8601 time (UTC unless given) or ns.")],
    until: Annotated[str, typer.Option(help="ISO 8601 time (UTC unless given) or ns.")],
    against: Annotated[
        int | None, typer.Option(help="Compare with this version (default: the one in force).")
    ] = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """What VERSION would have decided on the payments of [SINCE, UNTIL)."""
    report = _act(
        command_settings(db_url=db),
        lambda c: c.backtest(
            operator(tenant),
            version,
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            against=against,
        ),
    )
    if as_json:
        _print_json(msgspec.to_builtins(report))
        return
    table = Table("outcome", f"v{version}", f"v{report.baseline_version}", "recorded")
    for outcome in ("allow", "review", "block"):
        table.add_row(
            outcome,
            str(report.candidate[outcome]),
            str(report.baseline[outcome]) if report.baseline_version else "-",
            str(report.recorded[outcome]),
        )
    console.print(table)
    console.print(
        f"{report.payments} payments, {report.changed} decided differently", highlight=False
    )


@app.command("decide")
def decide(
    payment: Annotated[str, typer.Argument(help="The payment as JSON, or @FILE.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Decide on a payment as the payment path would (one decision per subject)."""
    try:
        facts = msgspec.convert(read_json(payment, "payment"), Payment, strict=False)
    except msgspec.ValidationError as error:
        fail(ValidationError("payment", str(error)))
    found = _act(command_settings(db_url=db), lambda c: c.screen(operator(tenant), facts))
    if as_json:
        _print_json(_decision_json(found))
        return
    console.print(f"{found.outcome.value} (score {found.score})", highlight=False)
    for reason in found.reasons:
        console.print(f"  {reason}", highlight=False)
    if found.failure:
        console.print(f"  failure: {found.failure}", highlight=False)


@app.command("decisions")
def decisions(
    subject: Annotated[str | None, typer.Option(help="Only the decisions on this payment.")] = None,
    outcome: Annotated[str | None, typer.Option(help="allow, review or block.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Decisions, newest first."""
    who = operator(tenant)

    async def work(c: ComplianceService) -> list[Decision]:
        if subject is not None:
            return await c.decisions_on(who, subject)
        return (await c.find_decisions(who, outcome=outcome, limit=limit))[0]

    found = _act(command_settings(db_url=db), work)
    if as_json:
        _print_json([_decision_json(d) for d in found])
        return
    table = Table("subject", "mode", "outcome", "score", "version", "rules", "decided_at")
    for d in found:
        table.add_row(
            d.subject,
            d.mode.value,
            d.outcome.value,
            str(d.score),
            str(d.rule_set_version or "-"),
            ", ".join(r.rule_id for r in d.fired),
            str(d.decided_at),
        )
    console.print(table)


@app.command("screen")
def screen(
    name: Annotated[str, typer.Argument(help="The name to screen.")],
    birth_date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD: a listed date that agrees scores higher.")
    ] = None,
    country: Annotated[
        str | None,
        typer.Option(help="ISO 3166 alpha-2: a listed country that agrees scores higher."),
    ] = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Screen NAME against the configured sanctions lists (screening_ofac, screening_eu)."""

    async def work(c: ComplianceService) -> tuple[Hit, ...]:
        born = None
        if birth_date is not None:
            try:
                born = dt.date.fromisoformat(birth_date)
            except ValueError:
                raise ValidationError("birth_date", "must be YYYY-MM-DD") from None
        query = NameQuery(name=name, birth_date=born, country=country)
        return await c.screen_name(operator(tenant), query)

    hits = _act(command_settings(db_url=db), work)
    if as_json:
        _print_json(msgspec.to_builtins(hits))
        return
    if not hits:
        console.print("no hit", highlight=False)
        return
    table = Table("score", "list", "entry", "matched name", "why")
    for hit in hits:
        table.add_row(
            f"{hit.score:.1f}",
            hit.list_name,
            hit.entry_id,
            hit.matched_name,
            "; ".join(hit.reasons),
        )
    console.print(table)


@app.command("lists")
def lists(as_json: JsonOption = False, db: DbOption = None) -> None:
    """The sanctions lists the settings configure, as loaded: entries and digest."""
    found = _act(command_settings(db_url=db), lambda c: c.list_status(operator("default")))
    if as_json:
        _print_json(msgspec.to_builtins(found))
        return
    table = Table("list", "entries", "loaded_at", "sha256")
    for item in found:
        table.add_row(item.name, f"{item.entries:,}", str(item.loaded_at), item.digest[:16])
    console.print(table)


@app.command("kyc")
def kyc(
    applicant: Annotated[str, typer.Argument(help="The applicant as JSON, or @FILE.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The local KYC provider's verdict on an applicant: every field checked, the name
    screened. Exit code 0 whatever the verdict."""

    async def work(c: ComplianceService) -> KycResult:
        try:
            facts = msgspec.convert(read_json(applicant, "applicant"), Applicant, strict=False)
        except msgspec.ValidationError as error:
            raise ValidationError("applicant", str(error)) from None
        return await c.verify_applicant(operator(tenant), facts)

    result = _act(command_settings(db_url=db), work)
    if as_json:
        _print_json(msgspec.to_builtins(result))
        return
    console.print(result.status.value, highlight=False)
    for finding in result.findings:
        console.print(f"  {finding.field}: {finding.message} ({finding.code})", highlight=False)
    for hit in result.hits:
        console.print(
            f"  hit {hit.score:.1f} {hit.list_name} {hit.entry_id}: {hit.matched_name}",
            highlight=False,
        )
