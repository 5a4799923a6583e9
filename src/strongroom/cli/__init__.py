"""The `strongroom` command line. Each area adds a sub-app module here; this file wires them."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="strongroom",
    help="Strongroom core banking: ledger, APIs and operations.",
    no_args_is_help=True,
)


def main() -> None:
    app()
