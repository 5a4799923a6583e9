"""0027_intents_fillfactor: on PostgreSQL, `intents` pages keep room for a checkpoint's new row
version, so an update that changes no indexed column stays on its page (HOT) and writes no
index; downgraded, the pages are packed full again and such updates leave them."""

from __future__ import annotations

import asyncpg

from strongroom.store.urls import parse_url
from tests.store.migrations.helpers import migrate

ROWS = 2_000


async def hot_share(url: str) -> float:
    """The share of HOT updates when freshly written intents each advance a step (what a
    checkpoint changes: position, results, version, updated_at)."""
    place = parse_url(url)
    connection = await asyncpg.connect(place.target)
    try:
        await connection.execute(f'SET search_path TO "{place.schema}"')
        # Rolled back: each measurement starts from the same table.
        transaction = connection.transaction()
        await transaction.start()
        await connection.execute(
            "INSERT INTO intents (id, tenant, type, reference, payload, state, status,"
            " version, created_at, updated_at, run_at)"
            " SELECT gen_random_uuid(), 'acme', 'ledger.transfer', 'r' || n, repeat('x', 200),"
            " 'submitted', 'ready', 1, n, n, n FROM generate_series(1, $1) AS n",
            ROWS,
        )
        await connection.execute(
            "UPDATE intents SET position = position + 1, version = version + 1,"
            ' updated_at = updated_at + 1, results = \'{"check": {"ok": true}}\''
        )
        hot, updated = await connection.fetchrow(
            "SELECT pg_stat_get_xact_tuples_hot_updated('intents'::regclass),"
            " pg_stat_get_xact_tuples_updated('intents'::regclass)"
        )
        await transaction.rollback()
        return float(hot / updated)
    finally:
        await connection.close()


async def test_a_step_s_update_stays_on_its_page_and_not_after_a_downgrade(pg_url: str) -> None:
    assert await hot_share(pg_url) > 0.3
    await migrate(pg_url, "downgrade", "0026_intent_turns")
    assert await hot_share(pg_url) < 0.05
    await migrate(pg_url, "upgrade", "heads")
    assert await hot_share(pg_url) > 0.3
