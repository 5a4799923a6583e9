"""`strongroom migrate`: create or upgrade the database schema."""

from __future__ import annotations

from strongroom.bootstrap import DEFAULT_URL, migrate_database
from strongroom.cli.common import DbOption, console, run


def migrate(db: DbOption = DEFAULT_URL) -> None:
    """Create or upgrade the database schema."""
    run(migrate_database(db))
    console.print(f"schema up to date at {db}")
