"""The `strongroom` command line. Each area adds a sub-app module here; this file wires them."""

from __future__ import annotations

import typer

from strongroom.cli import bench, ledger_commands, products

app = typer.Typer(
    name="strongroom",
    help="Strongroom core banking: ledger, APIs and operations.",
    no_args_is_help=True,
)


app.command()(ledger_commands.migrate)
app.command()(ledger_commands.demo)
app.command()(bench.bench)
app.add_typer(products.app, name="products")


def main() -> None:
    app()
