"""0026_intent_turns: intents stored before it keep their queue order (turn = seq), and a new
intent's turn comes after all of them, on both backends."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.settings import Settings
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.urls import parse_url
from tests.store.migrations.helpers import columns, migrate

TRANSFER = {
    "debit_account_id": "0192f5a0-0000-7000-8000-000000000001",
    "credit_account_id": "0192f5a0-0000-7000-8000-000000000002",
    "amount": 1,
    "ledger": "EUR",
    "code": 1,
}


async def turns(url: str) -> list[tuple[int, int]]:
    engine = sqlalchemy_engine(parse_url(url))
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(sa.text("SELECT seq, turn FROM intents ORDER BY seq"))
            return [(r[0], r[1]) for r in rows]
    finally:
        await engine.dispose()


async def submit(url: str, keys: Path, reference: str) -> None:
    async with Platform(Settings(db_url=url, key_file=keys)) as platform:
        who = (await (await platform.access()).create("acme", Role.WRITE, "w")).key
        await (await platform.intents()).submit(who, "ledger.transfer", reference, TRANSFER)


async def test_stored_intents_keep_their_order_and_new_ones_come_after(
    db_url: str, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    for n in range(3):
        await submit(db_url, keys, f"before-{n}")
    await migrate(db_url, "downgrade", "0011_intents")
    assert "turn" not in await columns(db_url, "intents")
    await migrate(db_url, "upgrade", "heads")
    before = await turns(db_url)
    assert [turn for _, turn in before] == [seq for seq, _ in before]
    await submit(db_url, keys, "after")
    *_, (_, last) = await turns(db_url)
    assert last > max(turn for _, turn in before)
