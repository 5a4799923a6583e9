"""The `strongroom` command line. One module per command group, named after it (`accounts`,
`keys`, `serve`, ...); this file wires them into one app."""

from __future__ import annotations

import typer

from strongroom.cli import (
    accounts,
    admin,
    audit,
    banking,
    bench,
    billing,
    cases,
    compliance,
    demo,
    events,
    intents,
    keys,
    migrate,
    products,
    serve,
    stats,
    transfers,
    worker,
)
from strongroom.cli import security as security_cli
from strongroom.runtime import settle_heap

app = typer.Typer(
    name="strongroom",
    help="Strongroom core banking: ledger, APIs and operations.",
    no_args_is_help=True,
)


app.command()(migrate.migrate)
app.command()(demo.demo)
app.add_typer(bench.app, name="bench")
app.command("bench-http")(bench.bench_http)
app.command()(serve.serve)
app.command()(worker.worker)
app.add_typer(accounts.app, name="accounts")
app.add_typer(transfers.app, name="transfers")
app.add_typer(intents.app, name="intents")
app.add_typer(compliance.app, name="compliance")
app.add_typer(cases.app, name="cases")
app.add_typer(banking.app, name="banking")
app.add_typer(billing.app, name="billing")
app.add_typer(products.app, name="products")
app.add_typer(admin.app, name="admin")
app.add_typer(stats.app, name="ledger")
# One `keys` group: API keys (create/list/revoke) beside the encryption keys' commands.
security_cli.app.command("create")(keys.create_key)
security_cli.app.command("list")(keys.list_keys)
security_cli.app.command("revoke")(keys.revoke_key)
app.add_typer(security_cli.app, name="keys")
app.add_typer(events.app, name="events")
app.add_typer(audit.app, name="audit")


def main() -> None:
    settle_heap()
    app()
