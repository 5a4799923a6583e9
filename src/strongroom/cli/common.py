"""Options and helpers shared by CLI commands."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from strongroom.errors import StrongroomError

T = TypeVar("T")

console = Console()
err_console = Console(stderr=True)

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="STRONGROOM_DB_URL",
        help="Database URL: sqlite:///file.db or postgresql://user@host/db.",
    ),
]


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a StrongroomError becomes a one-line message and exit code 1."""
    try:
        return asyncio.run(coroutine)
    except StrongroomError as error:
        err_console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
