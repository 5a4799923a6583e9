"""`strongroom cases list | show | open | assign | note | propose | approve | reject`: compliance
cases from the command line, through the same service as the API.

Maker-checker needs to know who acts: every command acts as `--actor NAME`, an admin of
`--tenant` whose id is `cli:NAME` and whose owner is NAME, so the person who proposed cannot
approve from the CLI either. (Whoever runs the CLI can reach the database anyway; the actor is
what the case's history records.) `--json` prints what the HTTP API would answer.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from strongroom.bootstrap import Platform
from strongroom.cli.common import (
    DbOption,
    TenantOption,
    command_settings,
    console,
    on_platform,
    parse_uuid,
)
from strongroom.compliance.case_records import Case, CaseDetail
from strongroom.compliance.cases import CaseService
from strongroom.services.access import ApiKey, Principal, Role

T = TypeVar("T")

app = typer.Typer(help="Compliance cases: review, propose, approve.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who acts (recorded in the case's history).")
]
VersionOption = Annotated[
    int | None, typer.Option(help="Refuse if the case moved past this version.")
]


def actor(tenant: str, name: str) -> Principal:
    return ApiKey(id=f"cli:{name}", tenant=tenant, role=Role.ADMIN, name=name, created_at=0)


def _act(db: str | None, work: Callable[[CaseService], Awaitable[T]]) -> T:
    return on_platform(command_settings(db_url=db), Platform.cases, work)


def case_json(c: Case) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "tenant": c.tenant,
        "kind": c.kind.value,
        "subject": c.subject,
        "reference": c.reference,
        "state": c.state.value,
        "version": c.version,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "due_at": c.due_at,
        "opened_by": c.opened_by,
        "intent_id": None if c.intent_id is None else str(c.intent_id),
        "decision_id": None if c.decision_id is None else str(c.decision_id),
        "reasons": list(c.reasons),
        "hits": list(c.hits),
        "assignee": c.assignee,
        "proposal": None if c.proposal is None else c.proposal.value,
        "proposal_reason": c.proposal_reason,
        "proposed_by": c.proposed_by,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at,
    }


def _print_case(case: Case, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(case_json(case)))
        return
    console.print(f"{case.id} {case.state.value} version {case.version}", highlight=False)


@app.command("list")
def list_cases(
    state: Annotated[str | None, typer.Option(help="open, proposed, released or blocked.")] = None,
    kind: Annotated[str | None, typer.Option(help="review, dispute or break.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only this assignee's.")] = None,
    overdue: Annotated[bool, typer.Option(help="Only undecided cases past due.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Items per page (at most 500).")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the last page.")] = None,
    as_json: JsonOption = False,
    name: ActorOption = "operator",
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The tenant's cases, newest first."""

    async def work(cases: CaseService) -> tuple[list[Case], str | None]:
        return await cases.find(
            actor(tenant, name),
            state=state,
            kind=kind,
            assignee=assignee,
            overdue=overdue,
            cursor=cursor,
            limit=limit,
        )

    items, next_cursor = _act(db, work)
    if as_json:
        page = {"items": [case_json(c) for c in items], "next_cursor": next_cursor}
        console.print_json(json.dumps(page))
        return
    table = Table()
    table.add_column("id", no_wrap=True, min_width=36)
    for column in ("kind", "subject", "state", "assignee", "version", "due_at"):
        table.add_column(column)
    for c in items:
        table.add_row(
            str(c.id),
            c.kind.value,
            c.subject,
            c.state.value,
            c.assignee or "",
            str(c.version),
            str(c.due_at),
        )
    console.print(table)
    if next_cursor is not None:
        console.print(f"next_cursor: {next_cursor}", highlight=False)


@app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    as_json: JsonOption = False,
    name: ActorOption = "operator",
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """A case with its history."""

    async def work(cases: CaseService) -> CaseDetail:
        return await cases.show(actor(tenant, name), parse_uuid(case_id))

    detail = _act(db, work)
    if as_json:
        events = [
            {
                "seq": e.seq,
                "action": e.action.value,
                "actor": e.actor,
                "at": e.at,
                "from_state": None if e.from_state is None else e.from_state.value,
                "to_state": e.to_state.value,
                "detail": e.detail,
            }
            for e in detail.events
        ]
        console.print_json(json.dumps({**case_json(detail.case), "events": events}))
        return
    table = Table(show_header=False)
    for key, value in case_json(detail.case).items():
        table.add_row(key, json.dumps(value) if isinstance(value, list) else str(value))
    console.print(table)
    history = Table("seq", "action", "actor", "from", "to", "at", "detail", title="events")
    for e in detail.events:
        history.add_row(
            str(e.seq),
            e.action.value,
            e.actor,
            "" if e.from_state is None else e.from_state.value,
            e.to_state.value,
            str(e.at),
            json.dumps(e.detail),
        )
    console.print(history)


@app.command("open")
def open_case(
    kind: Annotated[str, typer.Argument(help="review, dispute or break.")],
    subject: Annotated[str, typer.Argument(help="What the case is about.")],
    reference: Annotated[str | None, typer.Option(help="Opening again returns the case.")] = None,
    reason: Annotated[list[str] | None, typer.Option(help="Why (repeatable).")] = None,
    note: Annotated[str | None, typer.Option(help="A first note.")] = None,
    as_json: JsonOption = False,
    name: ActorOption = "operator",
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Open a case."""

    async def work(cases: CaseService) -> Case:
        case, _ = await cases.open(
            actor(tenant, name),
            kind,
            subject,
            reference=reference,
            reasons=reason or (),
            note=note,
        )
        return case

    _print_case(_act(db, work), as_json)


@app.command("assign")
def assign(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    assignee: Annotated[str, typer.Argument(help="Who takes it.")],
    expected_version: VersionOption = None,
    as_json: JsonOption = False,
    name: ActorOption = "operator",
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Give the case to someone."""

    async def work(cases: CaseService) -> Case:
        return await cases.assign(
            actor(tenant, name), parse_uuid(case_id), assignee, expected_version=expected_version
        )

    _print_case(_act(db, work), as_json)


@app.command("note")
def note(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    expected_version: VersionOption = None,
    as_json: JsonOption = False,
    name: ActorOption = "operator",
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Add a note (kept for good)."""

    async def work(cases: CaseService) -> Case:
        return await cases.note(
            actor(tenant, name), parse_uuid(case_id), text, expected_version=expected_version
        )

    _print_case(_act(db, work), as_json)


@app.command("propose")
def propose(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    proposal: Annotated[str, typer.Argument(help="release or block.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    name: ActorOption,
    expected_version: VersionOption = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The maker's act: propose to release or block."""

    async def work(cases: CaseService) -> Case:
        return await cases.propose(
            actor(tenant, name),
            parse_uuid(case_id),
            proposal,
            reason,
            expected_version=expected_version,
        )

    _print_case(_act(db, work), as_json)


@app.command("approve")
def approve(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    name: ActorOption,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    expected_version: VersionOption = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The checker's act (not the maker): the proposal becomes the outcome."""

    async def work(cases: CaseService) -> Case:
        return await cases.approve(
            actor(tenant, name),
            parse_uuid(case_id),
            reason=reason,
            expected_version=expected_version,
        )

    _print_case(_act(db, work), as_json)


@app.command("reject")
def reject(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    reason: Annotated[str, typer.Option(help="Why.")],
    name: ActorOption,
    expected_version: VersionOption = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The checker's act (not the maker): the case is open again."""

    async def work(cases: CaseService) -> Case:
        return await cases.reject(
            actor(tenant, name), parse_uuid(case_id), reason, expected_version=expected_version
        )

    _print_case(_act(db, work), as_json)
