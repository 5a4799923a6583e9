"""The `strongroom` command line. Each area adds a sub-app module here; this file wires them."""

from __future__ import annotations

import typer

from strongroom.cli import admin, audit, bench, events, ledger_commands, products
from strongroom.cli import api as api_cli
from strongroom.cli import security as security_cli
from strongroom.runtime import settle_heap

app = typer.Typer(
    name="strongroom",
    help="Strongroom core banking: ledger, APIs and operations.",
    no_args_is_help=True,
)


app.command()(ledger_commands.migrate)
app.command()(ledger_commands.demo)
app.command()(bench.bench)
app.command("bench-http")(api_cli.bench_http)
app.command()(api_cli.serve)
app.add_typer(api_cli.accounts, name="accounts")
app.add_typer(api_cli.transfers, name="transfers")
app.add_typer(products.app, name="products")
app.add_typer(admin.app, name="admin")
app.add_typer(admin.ledger_app, name="ledger")
# One `keys` group: API keys (create/list/revoke) beside the encryption keys' commands.
security_cli.app.command("create")(api_cli.keys_create)
security_cli.app.command("list")(api_cli.keys_list)
security_cli.app.command("revoke")(api_cli.keys_revoke)
app.add_typer(security_cli.app, name="keys")
app.add_typer(events.app, name="events")
app.add_typer(audit.app, name="audit")


def main() -> None:
    settle_heap()
    app()
