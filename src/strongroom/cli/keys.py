"""`strongroom keys create | list | revoke`: API keys, as an operator (any tenant).

These join the encryption keys' commands of strongroom.cli.security in one `keys` group
(strongroom.cli wires them).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from strongroom.bootstrap import Platform
from strongroom.cli.common import DbOption, command_settings, console, run
from strongroom.services.access import ApiKey, NewKey, Role


def create_key(
    tenant: Annotated[str, typer.Option(help="The tenant the key acts for.")],
    role: Annotated[Role, typer.Option(help="read, write or admin.")],
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "",
    db: DbOption = None,
) -> None:
    """Create an API key. The printed key is shown this once: only its hash is stored."""
    settings = command_settings(db_url=db)

    async def create() -> NewKey:
        async with Platform(settings) as platform:
            return await (await platform.access()).create(tenant, role, name)

    new = run(create())
    console.print(f"key id  {new.key.id}  tenant {new.key.tenant}  role {new.key.role.value}")
    console.print(new.token, highlight=False, soft_wrap=True)


def list_keys(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    db: DbOption = None,
) -> None:
    """List API keys (never their secrets)."""
    settings = command_settings(db_url=db)

    async def listed() -> list[ApiKey]:
        async with Platform(settings) as platform:
            return await (await platform.access()).list(tenant)

    table = Table("tenant", "role", "name", "revoked")
    table.add_column("id", no_wrap=True, min_width=32)
    for k in run(listed()):
        table.add_row(k.tenant, k.role.value, k.name, "yes" if k.revoked else "", k.id)
    console.print(table)


def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key id (the part after sr_).")],
    db: DbOption = None,
) -> None:
    """Revoke an API key. Running servers refuse it within 5 seconds (their key cache)."""
    settings = command_settings(db_url=db)

    async def revoke() -> ApiKey:
        async with Platform(settings) as platform:
            return await (await platform.access()).revoke(key_id)

    key = run(revoke())
    console.print(f"revoked {key.id} (tenant {key.tenant}, role {key.role.value})")
