"""`strongroom migrate`: create or upgrade the database schema."""

from __future__ import annotations

from strongroom.bootstrap import Platform
from strongroom.cli.common import DbOption, command_settings, console, run


def migrate(db: DbOption = None) -> None:
    """Create or upgrade the database schema."""
    settings = command_settings(db_url=db)

    async def upgrade() -> None:
        async with Platform(settings) as platform:
            await platform.migrate()

    run(upgrade())
    console.print(f"schema up to date at {settings.db_url}")
