from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.bootstrap import Encryption
from strongroom.errors import NotFound, ValidationError
from strongroom.ids import new_id
from strongroom.parties import PartyRepository, subject_of
from strongroom.security.errors import DataShredded, DecryptionFailed
from strongroom.security.keyring import Keyring
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.tables import parties
from strongroom.store.urls import parse_url

ADA = {
    "full_name": "Ada Lovelace",
    "email": "Ada@Example.com",
    "national_id": "S1234567D",
    "date_of_birth": datetime.date(1815, 12, 10),
    "address": "12 St James's Square, London",
}


@pytest.fixture
def repository(encryption: Encryption) -> PartyRepository:
    return encryption.parties


@pytest.fixture
async def engine(db_url: str, encryption: Encryption) -> AsyncIterator[AsyncEngine]:
    """The same database, for reading and tampering with the stored rows directly."""
    engine = sqlalchemy_engine(parse_url(db_url))
    yield engine
    await engine.dispose()


async def test_round_trip_and_nothing_plain_at_rest(
    repository: PartyRepository, engine: AsyncEngine
) -> None:
    created = await repository.create("acme", **ADA)
    assert await repository.get("acme", created.id) == created
    async with engine.connect() as connection:
        row = (await connection.execute(sa.select(parties))).one()
    stored = b"".join(v for v in row if isinstance(v, bytes))
    for secret in ("Ada", "Lovelace", "example", "S1234567D", "1815", "London"):
        assert secret.encode() not in stored


async def test_optional_fields_stay_empty(repository: PartyRepository) -> None:
    created = await repository.create("acme", full_name="Grace Hopper")
    fetched = await repository.get("acme", created.id)
    assert fetched.email is None
    assert fetched.date_of_birth is None
    assert await repository.find_by_email("acme", "") == []


async def test_search_by_email_and_national_id_through_blind_indexes(
    repository: PartyRepository,
) -> None:
    ada = await repository.create("acme", **ADA)
    bob = await repository.create("acme", full_name="Bob", email="bob@example.com")
    assert await repository.find_by_email("acme", " ada@EXAMPLE.com ") == [ada]
    assert await repository.find_by_email("acme", "bob@example.com") == [bob]
    assert await repository.find_by_national_id("acme", "s1234567-d") == [ada]
    assert await repository.find_by_email("acme", "nobody@example.com") == []
    # Another tenant's index key differs: the same email is not found across tenants.
    assert await repository.find_by_email("globex", "ada@example.com") == []


async def test_each_tenant_indexes_the_same_value_differently(
    repository: PartyRepository, engine: AsyncEngine
) -> None:
    await repository.create("acme", **ADA)
    await repository.create("globex", **ADA)
    async with engine.connect() as connection:
        indexes = (await connection.execute(sa.select(parties.c.email_bidx))).scalars().all()
    assert len(set(indexes)) == 2


async def test_ciphertexts_swapped_between_rows_or_fields_do_not_decrypt(
    repository: PartyRepository, engine: AsyncEngine
) -> None:
    ada = await repository.create("acme", **ADA)
    bob = await repository.create("acme", full_name="Bob", email="bob@example.com")
    async with engine.begin() as connection:
        rows = {row.id: row for row in await connection.execute(sa.select(parties))}
        # Bob's email ciphertext (and key id) pasted into Ada's row.
        await connection.execute(
            parties.update()
            .where(parties.c.id == ada.id)
            .values(email=rows[bob.id].email, dek_id=rows[bob.id].dek_id)
        )
    with pytest.raises(DecryptionFailed):
        await repository.get("acme", ada.id)

    carol = await repository.create("acme", **ADA)
    async with engine.begin() as connection:
        row = (await connection.execute(sa.select(parties).where(parties.c.id == carol.id))).one()
        # Same row, same key: only the fields are exchanged.
        await connection.execute(
            parties.update()
            .where(parties.c.id == carol.id)
            .values(email=row.national_id, national_id=row.email)
        )
    with pytest.raises(DecryptionFailed):
        await repository.get("acme", carol.id)


async def test_shredding_erases_one_party_and_leaves_the_rest(
    repository: PartyRepository, encryption: Encryption, engine: AsyncEngine
) -> None:
    ada = await repository.create("acme", **ADA)
    bob = await repository.create("acme", full_name="Bob", email="bob@example.com")
    account_id = new_id()
    async with engine.begin() as connection:
        await connection.execute(
            sa.text(
                "INSERT INTO accounts (id, tenant, ledger, code, flags, overdraft_limit, status,"
                " timestamp) VALUES (:id, 'acme', 'EUR', 1, 0, 0, 'open', 1)"
            ),
            {"id": account_id.bytes if engine.dialect.name == "sqlite" else account_id},
        )
    destroyed = await encryption.service.shred("acme", subject_of(ada.id))
    assert len(destroyed) == 1
    with pytest.raises(DataShredded):
        await repository.get("acme", ada.id)
    # A cold process (no cached key) cannot read it either.
    cold = PartyRepository(
        repository.store, Keyring(encryption.keyring.provider, encryption.keyring.store)
    )
    with pytest.raises(DataShredded):
        await cold.get("acme", ada.id)
    # The erased party cannot even be confirmed by a search for a known email.
    assert await repository.find_by_email("acme", ADA["email"]) == []
    assert await cold.get("acme", bob.id) == bob
    async with engine.connect() as connection:
        accounts = (await connection.execute(sa.text("SELECT count(*) FROM accounts"))).scalar()
    assert accounts == 1
    # Shredding again is a no-op, not an error.
    assert await encryption.service.shred("acme", subject_of(ada.id)) == []


async def test_missing_party_and_bad_input(repository: PartyRepository) -> None:
    with pytest.raises(NotFound):
        await repository.get("acme", new_id())
    ada = await repository.create("acme", **ADA)
    with pytest.raises(NotFound):
        await repository.get("globex", ada.id)
    with pytest.raises(ValidationError, match="full_name"):
        await repository.create("acme", full_name="  ")
    with pytest.raises(ValidationError, match="email"):
        await repository.create("acme", full_name="X", email="not-an-email")
