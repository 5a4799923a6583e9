"""Options and helpers shared by CLI commands: the `--db` option and the settings a command's
options override, running a command's coroutine, parsing ids, flags and metadata the way the
ledger names their errors, and the operator a command acts as.

An option that overrides a setting defaults to None ("not given") and reads no environment
variable itself: `command_settings` hands it to strongroom.settings, which reads the environment
and strongroom.toml (docs/configuration.md). Commands get their components from a
`strongroom.bootstrap.Platform` over those settings; never from strongroom.store.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
import uvloop
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from strongroom.bootstrap import Platform
from strongroom.errors import ConfigurationError, StrongroomError, ValidationError
from strongroom.ledger import Account, AccountFlags, Transfer, TransferFlags
from strongroom.services.access import ApiKey, Principal, Role
from strongroom.services.ledger import LedgerService
from strongroom.settings import Settings, load_settings

T = TypeVar("T")
S = TypeVar("S")

console = Console()
# Soft wrap: an error stays one line whatever the terminal's width, for logs and scripts.
err_console = Console(stderr=True, soft_wrap=True)


def configured(setting: str, unset: str = "") -> str:
    """The end of an option's help: where its value comes from when the option is not given."""
    default = Settings.model_fields[setting].default
    fallback = unset if default is None else str(default)
    return (
        f"(default: STRONGROOM_{setting.upper()}, else {setting} in strongroom.toml,"
        f" else {fallback})"
    )


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL: sqlite:///file.db or postgresql://user@host/db " + configured("db_url"),
        show_default=False,
    ),
]
TenantOption = Annotated[str, typer.Option(help="The tenant to act for.")]


def command_settings(**options: object) -> Settings:
    """The settings a command runs with: its options (None: not given) over the environment,
    strongroom.toml and the defaults. An invalid setting ends the command like `run()` does."""
    try:
        return load_settings(**options)
    except ConfigurationError as error:
        fail(error)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a StrongroomError becomes a one-line message and exit code 1."""
    try:
        return asyncio.run(coroutine)
    except StrongroomError as error:
        fail(error)


def on_platform(
    settings: Settings,
    service: Callable[[Platform], Awaitable[S]],
    work: Callable[[S], Awaitable[T]],
) -> T:
    """Run `work` on one service of a Platform open for the command (`Platform.intents`,
    `Platform.compliance`, ...), as `run()` runs a coroutine."""

    async def main() -> T:
        async with Platform(settings) as platform:
            return await work(await service(platform))

    return run(main())


def fail(error: StrongroomError) -> NoReturn:
    """Print `error` as the one-line message (and each field it names) and exit with code 1."""
    # Escaped: a message quotes what it refuses, which may look like markup.
    err_console.print(f"[red]error:[/red] {escape(str(error))}")
    if isinstance(error, ValidationError) and len(errors := error.field_errors()) > 1:
        for field, reason in errors:
            err_console.print(f"  {escape(field)}: {escape(reason)}")
    raise typer.Exit(1) from None


def run_on_uvloop(coroutine: Coroutine[Any, Any, T]) -> T:
    """`run()` on uvloop: how the servers run and are measured."""
    policy = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    try:
        return run(coroutine)
    finally:
        asyncio.set_event_loop_policy(policy)


def operator(tenant: str) -> Principal:
    """Who `accounts` and `transfers` act as: an admin of `tenant`, whom ledger events name
    `cli`. Whoever runs them can reach the database anyway."""
    return ApiKey(id="cli", tenant=tenant, role=Role.ADMIN, name="cli", created_at=0)


def parse_flags(names: list[str], kind: type[AccountFlags] | type[TransferFlags]) -> int:
    value = 0
    for name in names:
        try:
            value |= kind[name.upper().replace("-", "_")].value
        except KeyError:
            known = ", ".join(m.name.lower() for m in kind if m.name and m.value)
            raise ValidationError("flag", f"unknown flag {name!r}; known: {known}") from None
    return value


def parse_metadata(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        raise ValidationError("metadata", "not valid JSON") from None
    if not isinstance(value, dict):
        raise ValidationError("metadata", "must be a JSON object")
    return value


def read_json(text: str, field: str) -> Any:
    """JSON given inline or as @FILE; ValidationError naming `field` otherwise."""
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text()
        except OSError as error:
            raise ValidationError(field, f"cannot read {text[1:]}: {error.strerror}") from None
    try:
        return json.loads(text)
    except ValueError:
        raise ValidationError(field, "not valid JSON") from None


def parse_day(text: str, option: str = "--date") -> datetime.date:
    """A YYYY-MM-DD option; a bad one ends the command naming the option."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{option} must be YYYY-MM-DD, not {text!r}") from None


def parse_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ValidationError("id", f"not a UUID: {text!r}") from None


def fields_table(item: Account | Transfer) -> Table:
    """Every field of an account or transfer, one per row, flags by name."""
    table = Table(show_header=False)
    names = item.__struct_fields__ if isinstance(item, Transfer) else item.__slots__
    for name in names:
        value = getattr(item, name)
        if isinstance(value, AccountFlags | TransferFlags):
            value = ", ".join(
                m.name.lower() for m in type(value) if m.value and m in value and m.name
            )
        table.add_row(name, str(value))
    return table


@asynccontextmanager
async def ledger_service(settings: Settings) -> AsyncIterator[LedgerService]:
    """The ledger's service of the deployment `settings` describe, closed on exit."""
    async with Platform(settings) as platform:
        yield (await platform.services()).ledger_service


def report_created(item_id: uuid.UUID, result: str) -> None:
    """Print a created item's id and result; exit 1 unless it was created or existed."""
    console.print(f"{item_id} {result}", highlight=False)
    if result not in ("ok", "exists"):
        raise typer.Exit(1)
