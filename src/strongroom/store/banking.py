"""The bank's customers and accounts on SQLite and PostgreSQL: strongroom.banking.ports.BankStore.

SQLAlchemy Core, one set of statements for both backends: onboarding and opening are a
person's pace, and the payment path reads through coalesced batches (`customers`, `accounts`).
Each change is one transaction with its outbox row. Schema: migration 0020_banking.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from strongroom.banking.personal_fields import BENEFICIARY_FIELDS
from strongroom.banking.ports import (
    AccountRecord,
    BeneficiaryRecord,
    ClearBeneficiary,
    CustomerRecord,
    FxQuote,
    FxRate,
    PotRecord,
    SealedBeneficiary,
)
from strongroom.banking.types import KycStatus, RiskRating
from strongroom.errors import Conflict
from strongroom.store.connections import (
    sqlalchemy_engine,
    sqlite_write_transactions,
    write_transaction,
)
from strongroom.store.encrypted import EncryptedTable
from strongroom.store.tables import (
    banking_accounts,
    banking_beneficiaries,
    banking_customers,
    banking_pots,
    fx_quotes,
    fx_rates,
    outbox,
)
from strongroom.store.urls import DatabaseURL

BENEFICIARIES = EncryptedTable(banking_beneficiaries, BENEFICIARY_FIELDS)
_BENEFICIARY_SEALED = BENEFICIARIES.sealed_columns()


def _customer_row(record: CustomerRecord) -> dict[str, Any]:
    row = asdict(record)
    del row["seq"]
    row["kyc_status"] = record.kyc_status.value
    row["risk_rating"] = record.risk_rating.value
    row["kyc_findings"] = json.dumps(list(record.kyc_findings), sort_keys=True)
    return row


def _customer(r: sa.Row[Any]) -> CustomerRecord:
    return CustomerRecord(
        id=r.id,
        tenant=r.tenant,
        reference=r.reference,
        kyc_status=KycStatus(r.kyc_status),
        risk_rating=RiskRating(r.risk_rating),
        national_id_kind=r.national_id_kind,
        created_at=r.created_at,
        updated_at=r.updated_at,
        verified_at=r.verified_at,
        kyc_expires_at=r.kyc_expires_at,
        kyc_findings=tuple(json.loads(r.kyc_findings)),
        erased_at=r.erased_at,
        version=r.version,
        seq=r.seq,
    )


def _account(r: sa.Row[Any]) -> AccountRecord:
    return AccountRecord(
        id=r.id,
        tenant=r.tenant,
        reference=r.reference,
        customer_id=r.customer_id,
        currency=r.currency,
        product=r.product,
        product_version=r.product_version,
        opened_at=r.opened_at,
        closed_at=r.closed_at,
    )


def _pot(r: sa.Row[Any]) -> PotRecord:
    return PotRecord(
        id=r.id,
        tenant=r.tenant,
        reference=r.reference,
        account_id=r.account_id,
        currency=r.currency,
        name=r.name,
        goal=r.goal,
        round_up=r.round_up,
        created_at=r.created_at,
    )


def _beneficiary(r: sa.Row[Any]) -> SealedBeneficiary:
    record = BeneficiaryRecord(
        id=r.id,
        tenant=r.tenant,
        reference=r.reference,
        customer_id=r.customer_id,
        name=None,
        account=None,
        bic=r.bic,
        country=r.country,
        currency=r.currency,
        created_at=r.created_at,
        cooling_off_until=r.cooling_off_until,
        removed_at=r.removed_at,
    )
    columns = r._mapping
    return SealedBeneficiary(record, {name: columns[name] for name in _BENEFICIARY_SEALED})


async def _outbox(conn: AsyncConnection, at: int, events: bytes) -> None:
    await conn.execute(sa.insert(outbox).values(created_at=at, events=events))


class SqlBankStore:
    """BankStore over a SQLAlchemy engine; open with `SqlBankStore.open(url)` on a migrated
    database."""

    def __init__(self, engine: AsyncEngine, kind: str) -> None:
        self._engine = engine
        self._kind = kind

    @classmethod
    def open(cls, url: DatabaseURL) -> SqlBankStore:
        engine = sqlalchemy_engine(url)
        if url.kind == "sqlite":
            sqlite_write_transactions(engine)
        return cls(engine, url.kind)

    async def close(self) -> None:
        await self._engine.dispose()

    async def add_customer(
        self, record: CustomerRecord, events: bytes
    ) -> tuple[CustomerRecord, bool]:
        insert = postgresql.insert if self._kind == "postgresql" else sqlite.insert
        async with write_transaction(self._engine) as conn:
            result = await conn.execute(
                insert(banking_customers)
                .values(**_customer_row(record))
                .on_conflict_do_nothing(index_elements=["tenant", "reference"])
            )
            if result.rowcount == 1:
                await _outbox(conn, record.created_at, events)
            stored = await conn.execute(
                sa.select(banking_customers).where(
                    banking_customers.c.tenant == record.tenant,
                    banking_customers.c.reference == record.reference,
                )
            )
            return _customer(stored.one()), result.rowcount == 1

    async def customers(self, ids: Sequence[uuid.UUID]) -> list[CustomerRecord]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(banking_customers).where(banking_customers.c.id.in_(list(ids)))
            )
            return [_customer(r) for r in result]

    async def latest_customers(
        self, tenant: str, before_seq: int | None, limit: int
    ) -> list[CustomerRecord]:
        query = sa.select(banking_customers).where(banking_customers.c.tenant == tenant)
        if before_seq is not None:
            query = query.where(banking_customers.c.seq < before_seq)
        async with self._engine.connect() as conn:
            result = await conn.execute(query.order_by(banking_customers.c.seq.desc()).limit(limit))
            return [_customer(r) for r in result]

    async def update_customer(self, record: CustomerRecord, events: bytes) -> bool:
        values = _customer_row(record)
        for fixed in ("id", "tenant", "reference", "created_at"):
            del values[fixed]
        async with write_transaction(self._engine) as conn:
            result = await conn.execute(
                sa.update(banking_customers)
                .where(
                    banking_customers.c.id == record.id,
                    banking_customers.c.version == record.version - 1,
                )
                .values(**values)
            )
            if result.rowcount != 1:
                return False
            await _outbox(conn, record.updated_at, events)
        return True

    async def add_account(self, record: AccountRecord, events: bytes) -> AccountRecord:
        async with write_transaction(self._engine) as conn:
            found = await conn.execute(
                sa.select(banking_accounts).where(banking_accounts.c.id == record.id)
            )
            existing = found.first()
            if existing is not None:
                return _account(existing)
            try:
                async with conn.begin_nested():
                    await conn.execute(sa.insert(banking_accounts).values(**asdict(record)))
            except sa.exc.IntegrityError:
                raise Conflict(
                    f"customer {record.customer_id} already has an open {record.currency} "
                    f"account on {record.product}, or reference {record.reference!r} is taken"
                ) from None
            await _outbox(conn, record.opened_at, events)
        return record

    async def accounts(self, ids: Sequence[uuid.UUID]) -> list[AccountRecord]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(banking_accounts).where(banking_accounts.c.id.in_(list(ids)))
            )
            return [_account(r) for r in result]

    async def accounts_of(self, tenant: str, customer_id: uuid.UUID) -> list[AccountRecord]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(banking_accounts)
                .where(
                    banking_accounts.c.tenant == tenant,
                    banking_accounts.c.customer_id == customer_id,
                )
                .order_by(banking_accounts.c.seq)
            )
            return [_account(r) for r in result]

    async def open_accounts(
        self, tenant: str, after: uuid.UUID | None, limit: int
    ) -> list[AccountRecord]:
        query = sa.select(banking_accounts).where(
            banking_accounts.c.tenant == tenant, banking_accounts.c.closed_at.is_(None)
        )
        if after is not None:
            query = query.where(banking_accounts.c.id > after)
        async with self._engine.connect() as conn:
            result = await conn.execute(query.order_by(banking_accounts.c.id).limit(limit))
            return [_account(r) for r in result]

    async def update_account(self, record: AccountRecord, at: int, events: bytes) -> None:
        values = asdict(record)
        for fixed in ("id", "tenant", "reference", "customer_id", "currency", "opened_at"):
            del values[fixed]
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                sa.update(banking_accounts)
                .where(banking_accounts.c.id == record.id)
                .values(**values)
            )
            await _outbox(conn, at, events)

    async def add_pot(self, record: PotRecord, events: bytes) -> PotRecord:
        async with write_transaction(self._engine) as conn:
            found = await conn.execute(
                sa.select(banking_pots).where(banking_pots.c.id == record.id)
            )
            existing = found.first()
            if existing is not None:
                return _pot(existing)
            try:
                async with conn.begin_nested():
                    await conn.execute(sa.insert(banking_pots).values(**asdict(record)))
            except sa.exc.IntegrityError:
                raise Conflict(
                    f"account {record.account_id} already has a pot collecting round-ups, or "
                    f"reference {record.reference!r} is taken"
                ) from None
            await _outbox(conn, record.created_at, events)
        return record

    async def close_pot(self, pot_id: uuid.UUID, at: int, events: bytes) -> None:
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                sa.update(banking_pots).where(banking_pots.c.id == pot_id).values(round_up=False)
            )
            await _outbox(conn, at, events)

    async def pots(self, ids: Sequence[uuid.UUID]) -> list[PotRecord]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(banking_pots).where(banking_pots.c.id.in_(list(ids)))
            )
            return [_pot(r) for r in result]

    async def pots_of(self, account_ids: Sequence[uuid.UUID]) -> list[PotRecord]:
        async with self._engine.connect() as conn:
            result = await conn.execute(
                sa.select(banking_pots)
                .where(banking_pots.c.account_id.in_(list(account_ids)))
                .order_by(banking_pots.c.seq)
            )
            return [_pot(r) for r in result]

    async def add_rate(self, rate: FxRate, events: bytes) -> None:
        async with write_transaction(self._engine) as conn:
            await conn.execute(sa.insert(fx_rates).values(**asdict(rate)))
            await _outbox(conn, rate.as_of, events)

    async def latest_rates(self, tenant: str) -> list[FxRate]:
        latest = (
            sa.select(sa.func.max(fx_rates.c.seq))
            .where(fx_rates.c.tenant == tenant)
            .group_by(fx_rates.c.base, fx_rates.c.quote)
        )
        query = (
            sa.select(fx_rates)
            .where(fx_rates.c.seq.in_(latest))
            .order_by(fx_rates.c.base, fx_rates.c.quote)
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [FxRate(r.tenant, r.base, r.quote, r.rate, r.as_of, r.source) for r in rows]

    async def add_quote(self, quote: FxQuote) -> None:
        async with write_transaction(self._engine) as conn:
            await conn.execute(sa.insert(fx_quotes).values(**asdict(quote)))

    async def quote(self, tenant: str, quote_id: uuid.UUID) -> FxQuote | None:
        query = sa.select(fx_quotes).where(fx_quotes.c.id == quote_id, fx_quotes.c.tenant == tenant)
        async with self._engine.connect() as conn:
            r = (await conn.execute(query)).first()
        if r is None:
            return None
        return FxQuote(
            r.id,
            r.tenant,
            r.sell_currency,
            r.buy_currency,
            r.sell_amount,
            r.buy_amount,
            r.rate,
            r.spread_bps,
            r.created_at,
            r.expires_at,
        )

    async def add_beneficiary(
        self, beneficiary: SealedBeneficiary, events: bytes
    ) -> SealedBeneficiary:
        record = beneficiary.record
        async with write_transaction(self._engine) as conn:
            found = await conn.execute(
                sa.select(banking_beneficiaries).where(
                    banking_beneficiaries.c.tenant == record.tenant,
                    banking_beneficiaries.c.reference == record.reference,
                )
            )
            existing = found.first()
            if existing is not None:
                return _beneficiary(existing)
            row = {**asdict(record), **beneficiary.sealed}
            try:
                async with conn.begin_nested():
                    await conn.execute(sa.insert(banking_beneficiaries).values(row))
            except sa.exc.IntegrityError:
                raise Conflict(
                    f"customer {record.customer_id} already has an active beneficiary with that "
                    "account"
                ) from None
            await _outbox(conn, record.created_at, events)
        return beneficiary

    async def beneficiaries(self, ids: Sequence[uuid.UUID]) -> list[SealedBeneficiary]:
        query = sa.select(banking_beneficiaries).where(banking_beneficiaries.c.id.in_(list(ids)))
        async with self._engine.connect() as conn:
            return [_beneficiary(r) for r in await conn.execute(query)]

    async def beneficiaries_of(
        self, tenant: str, customer_id: uuid.UUID
    ) -> list[SealedBeneficiary]:
        query = (
            sa.select(banking_beneficiaries)
            .where(
                banking_beneficiaries.c.tenant == tenant,
                banking_beneficiaries.c.customer_id == customer_id,
            )
            .order_by(banking_beneficiaries.c.seq)
        )
        async with self._engine.connect() as conn:
            return [_beneficiary(r) for r in await conn.execute(query)]

    async def beneficiaries_in_clear(self, limit: int) -> list[ClearBeneficiary]:
        b = banking_beneficiaries.c
        query = (
            sa.select(b.id, b.tenant, b.customer_id, b.name_in_clear, b.account_in_clear)
            .where(b.dek_id.is_(None))
            .order_by(b.seq)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [ClearBeneficiary(*r) for r in await conn.execute(query)]

    async def seal_beneficiary(self, beneficiary_id: uuid.UUID, sealed: dict[str, object]) -> None:
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                sa.update(banking_beneficiaries)
                .where(banking_beneficiaries.c.id == beneficiary_id)
                .values({**sealed, "name_in_clear": None, "account_in_clear": None})
            )

    async def remove_beneficiary(self, record: BeneficiaryRecord, events: bytes) -> None:
        async with write_transaction(self._engine) as conn:
            await conn.execute(
                sa.update(banking_beneficiaries)
                .where(banking_beneficiaries.c.id == record.id)
                .values(removed_at=record.removed_at)
            )
            await _outbox(conn, record.removed_at or record.created_at, events)
