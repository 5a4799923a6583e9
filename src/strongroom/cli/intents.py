"""`strongroom intents submit | show | list | fire | cancel | retry | graph | types | schedules`:
an operator's tool on the intent engine, through the same service as the API, acting as an
admin of `--tenant` (see `common.operator`).

A command runs no engine: what it submits or changes is run by `serve` or `worker intents`.
`--json` prints what the HTTP API would answer, for scripts.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
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
    on_platform,
    operator,
    parse_uuid,
    read_json,
)
from strongroom.services.access import Principal
from strongroom.settings import Settings
from strongroom.workflows.ports import Schedule
from strongroom.workflows.service import IntentService
from strongroom.workflows.types import Intent, IntentDetail

T = TypeVar("T")

app = typer.Typer(help="Submit, inspect and act on intents.", no_args_is_help=True)
schedules_app = typer.Typer(help="Schedules that submit intents.", no_args_is_help=True)
app.add_typer(schedules_app, name="schedules")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PayloadOption = Annotated[
    str, typer.Option(help="A JSON object, or @FILE to read one from a file.")
]


def _act(settings: Settings, work: Callable[[IntentService], Awaitable[T]]) -> T:
    return on_platform(settings, Platform.intents, work)


def intent_json(i: Intent) -> dict[str, Any]:
    return {
        "id": str(i.id),
        "tenant": i.tenant,
        "type": i.type,
        "reference": i.reference,
        "payload": i.payload,
        "state": i.state,
        "status": i.status.value,
        "version": i.version,
        "created_at": i.created_at,
        "updated_at": i.updated_at,
        "mutex_key": i.mutex_key,
        "parent_id": str(i.parent_id) if i.parent_id else None,
        "customer": i.customer,
        "account": i.account,
        "actor": i.actor,
        "trace_id": i.trace_id,
        "run_at": i.run_at,
        "position": i.position,
        "results": i.results,
        "attempts": i.attempts,
        "run": i.run,
        "error": i.error,
        "cancel_requested": i.cancel_requested,
        "lease_owner": i.lease_owner,
    }


def _print_json(value: object) -> None:
    console.print_json(json.dumps(value))


def _print_intent(intent: Intent, as_json: bool) -> None:
    if as_json:
        _print_json(intent_json(intent))
        return
    table = Table(show_header=False)
    for name, value in intent_json(intent).items():
        shown = json.dumps(value) if isinstance(value, dict) else str(value)
        table.add_row(name, shown)
    console.print(table)


def _intent_rows(intents: list[Intent]) -> Table:
    table = Table()
    # A cut id cannot be pasted into `show`.
    table.add_column("id", no_wrap=True, min_width=36)
    for column in ("type", "reference", "state", "status", "version", "created_at"):
        table.add_column(column)
    for i in intents:
        table.add_row(
            str(i.id),
            i.type,
            i.reference,
            i.state,
            i.status.value,
            str(i.version),
            str(i.created_at),
        )
    return table


@app.command("submit")
def submit(
    type: Annotated[str, typer.Argument(help="The intent type (see `intents types`).")],
    reference: Annotated[str, typer.Argument(help="Your reference: the idempotency key.")],
    payload: PayloadOption = "{}",
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Submit an intent; the same reference and payload again prints the stored one."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> tuple[Intent, bool]:
        submitted = await service.submit(
            operator(tenant), type, reference, read_json(payload, "payload")
        )
        return submitted.intent, submitted.created

    intent, created = _act(settings, work)
    if as_json:
        _print_json({"created": created, "intent": intent_json(intent)})
        return
    console.print(f"{intent.id} {'submitted' if created else 'exists'}", highlight=False)


@app.command("show")
def show(
    intent_id: Annotated[str, typer.Argument(help="The intent id.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Show an intent with its transitions, step runs and children."""
    settings = command_settings(db_url=db)
    who = operator(tenant)

    async def work(service: IntentService) -> IntentDetail:
        return await service.show(who, parse_uuid(intent_id))

    detail = _act(settings, work)
    if as_json:
        _print_json(
            {
                **intent_json(detail.intent),
                # The records are Structs: every field as JSON, the intent's id too.
                "transitions": msgspec.to_builtins(detail.transitions),
                "steps": msgspec.to_builtins(detail.steps),
                "children": [intent_json(c) for c in detail.children],
            }
        )
        return
    _print_intent(detail.intent, False)
    moves = Table("seq", "event", "from", "to", "at", "actor", "reason", title="transitions")
    for t in detail.transitions:
        moves.add_row(
            str(t.seq),
            t.event,
            t.from_state or "",
            t.to_state,
            str(t.at),
            t.actor or "",
            t.reason or "",
        )
    console.print(moves)
    if detail.steps:
        steps = Table("step", "run", "attempt", "outcome", "error", title="steps")
        for s in detail.steps:
            steps.add_row(s.step, str(s.run), str(s.attempt), s.outcome.value, s.error or "")
        console.print(steps)
    if detail.children:
        console.print(_intent_rows(detail.children))


@app.command("list")
def list_intents(
    type: Annotated[str | None, typer.Option(help="Only this type.")] = None,
    state: Annotated[str | None, typer.Option(help="Only in this state.")] = None,
    status: Annotated[str | None, typer.Option(help="ready, waiting or done.")] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer's.")] = None,
    account: Annotated[str | None, typer.Option(help="Only this account's.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Items per page (at most 500).")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the last page.")] = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """The tenant's intents, newest first."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> tuple[list[Intent], str | None]:
        return await service.find(
            operator(tenant),
            type=type,
            state=state,
            status=status,
            customer=customer,
            account=account,
            cursor=cursor,
            limit=limit,
        )

    items, next_cursor = _act(settings, work)
    if as_json:
        _print_json({"items": [intent_json(i) for i in items], "next_cursor": next_cursor})
        return
    console.print(_intent_rows(items))
    if next_cursor is not None:
        console.print(f"next page: --cursor {next_cursor}", highlight=False)


def _one(
    settings: Settings,
    as_json: bool,
    work: Callable[[IntentService, Principal], Awaitable[Intent]],
    tenant: str,
) -> None:
    async def act(service: IntentService) -> Intent:
        return await work(service, operator(tenant))

    _print_intent(_act(settings, act), as_json)


@app.command("fire")
def fire(
    intent_id: Annotated[str, typer.Argument(help="The intent id.")],
    event: Annotated[str, typer.Argument(help="An event its state accepts.")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Send an event to an intent's state machine."""
    settings = command_settings(db_url=db)
    _one(
        settings,
        as_json,
        lambda s, who: s.fire(who, parse_uuid(intent_id), event, reason=reason),
        tenant,
    )


@app.command("cancel")
def cancel(
    intent_id: Annotated[str, typer.Argument(help="The intent id.")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Cancel an intent (at once, or after the engine undoes what its workflow did)."""
    settings = command_settings(db_url=db)
    _one(
        settings,
        as_json,
        lambda s, who: s.cancel(who, parse_uuid(intent_id), reason=reason),
        tenant,
    )


@app.command("retry")
def retry(
    intent_id: Annotated[str, typer.Argument(help="The intent id.")],
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Run a failed intent again, as a new run."""
    settings = command_settings(db_url=db)
    _one(settings, as_json, lambda s, who: s.retry(who, parse_uuid(intent_id)), tenant)


@app.command("graph")
def graph(
    type: Annotated[str, typer.Argument(help="The intent type.")],
    format: Annotated[str, typer.Option(help="mermaid or dot.")] = "mermaid",
    db: DbOption = None,
) -> None:
    """Print an intent type's lifecycle as Mermaid or Graphviz text."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> str:
        return service.graph(type, format)

    console.print(_act(settings, work), highlight=False, markup=False, soft_wrap=True)


@app.command("types")
def types(as_json: JsonOption = False, db: DbOption = None) -> None:
    """The intent types this deployment runs."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> list[dict[str, Any]]:
        registry = service.registry
        return [
            {
                "name": kind.name,
                "description": kind.description,
                "states": list(kind.machine.states),
                "initial": kind.machine.initial,
                "terminal": sorted(kind.machine.terminal),
            }
            for kind in map(registry.get, registry.names())
        ]

    found = _act(settings, work)
    if as_json:
        _print_json(found)
        return
    table = Table("name", "initial", "terminal", "description")
    for t in found:
        table.add_row(t["name"], t["initial"], ", ".join(t["terminal"]), t["description"])
    console.print(table)


def schedule_json(s: Schedule) -> dict[str, Any]:
    return {
        "name": s.name,
        "type": s.type,
        "spec": s.spec,
        "payload": s.payload,
        "next_at": s.next_at,
        "last_at": s.last_at,
        "fired": s.fired,
        "created_at": s.created_at,
    }


@schedules_app.command("list")
def list_schedules(
    as_json: JsonOption = False, tenant: TenantOption = "default", db: DbOption = None
) -> None:
    """The tenant's schedules."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> list[Schedule]:
        return await service.schedules(operator(tenant))

    found = _act(settings, work)
    if as_json:
        _print_json([schedule_json(s) for s in found])
        return
    table = Table("name", "type", "spec", "next_at", "fired")
    for s in found:
        table.add_row(s.name, s.type, s.spec, str(s.next_at or ""), str(s.fired))
    console.print(table)


@schedules_app.command("put")
def put_schedule(
    name: Annotated[str, typer.Argument(help="The schedule's name (unique per tenant).")],
    type: Annotated[str, typer.Argument(help="The intent type it submits.")],
    spec: Annotated[str, typer.Argument(help="`at ...`, `every ...` or `cron ...`.")],
    payload: PayloadOption = "{}",
    as_json: JsonOption = False,
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Create or replace a schedule."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> Schedule:
        return await service.put_schedule(
            operator(tenant), name, type, spec, read_json(payload, "payload")
        )

    schedule = _act(settings, work)
    if as_json:
        _print_json(schedule_json(schedule))
        return
    console.print(f"{schedule.name} next at {schedule.next_at}", highlight=False)


@schedules_app.command("delete")
def delete_schedule(
    name: Annotated[str, typer.Argument(help="The schedule's name.")],
    tenant: TenantOption = "default",
    db: DbOption = None,
) -> None:
    """Delete a schedule."""
    settings = command_settings(db_url=db)

    async def work(service: IntentService) -> None:
        await service.delete_schedule(operator(tenant), name)

    _act(settings, work)
    console.print(f"deleted {name}", highlight=False)
