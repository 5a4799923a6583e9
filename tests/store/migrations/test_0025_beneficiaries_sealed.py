"""0025_beneficiaries_sealed: beneficiaries stored before it keep their name and account in
clear only until the bank starts, which seals them under their customer's data key; going back
down is refused while a sealed one exists (a migration has no keys to unseal it)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from strongroom.bootstrap.platform import Platform
from strongroom.settings import Settings
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import UUIDColumn
from strongroom.store.urls import parse_url
from tests.store.migrations.helpers import migrate

#: The table as 0023 made it.
BEFORE = sa.Table(
    "banking_beneficiaries",
    sa.MetaData(),
    sa.Column("id", UUIDColumn),
    sa.Column("tenant", sa.Text),
    sa.Column("reference", sa.Text),
    sa.Column("customer_id", UUIDColumn),
    sa.Column("name", sa.Text),
    sa.Column("account", sa.Text),
    sa.Column("country", sa.Text),
    sa.Column("currency", sa.Text),
    sa.Column("created_at", sa.BigInteger),
    sa.Column("cooling_off_until", sa.BigInteger),
)


async def execute(url: str, statement: sa.Executable) -> list[sa.Row[object]]:
    engine = sqlalchemy_engine(parse_url(url))
    try:
        async with engine.begin() as conn:
            result = await conn.execute(statement)
            return list(result) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_beneficiaries_left_in_clear_are_sealed_when_the_bank_starts(
    db_url: str, tmp_path: Path
) -> None:
    await migrate(db_url, "downgrade", "0024_billing")
    customer = uuid.uuid4()
    rows = [
        {
            "id": uuid.uuid4(),
            "tenant": "acme",
            "reference": f"b{n}",
            "customer_id": customer,
            "name": f"Payee {n}",
            "account": f"SG/7171/000000{n}",
            "country": "SG",
            "currency": "SGD",
            "created_at": n,
            "cooling_off_until": n,
        }
        for n in range(3)
    ]
    await execute(db_url, BEFORE.insert().values(rows))
    await migrate(db_url, "upgrade", "heads")
    settings = Settings(db_url=db_url, key_file=tmp_path / "keys")
    async with Platform(settings) as platform:
        book = await platform.beneficiary_book()
        found = await book.of("acme", customer)
        assert await book.seal_left_in_clear() == 0
    assert [(b.id, b.name, b.account) for b in found] == [
        (r["id"], r["name"], r["account"]) for r in rows
    ]
    stored = await execute(
        db_url,
        sa.text(
            "SELECT name_in_clear, account_in_clear, dek_id, account_bidx"
            " FROM banking_beneficiaries"
        ),
    )
    assert len(stored) == 3
    assert all(r[0] is None and r[1] is None and r[2] and r[3] for r in stored)
    with pytest.raises(RuntimeError, match="3 beneficiaries are sealed"):
        await migrate(db_url, "downgrade", "0024_billing")
