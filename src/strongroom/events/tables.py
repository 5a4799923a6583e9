"""SQLAlchemy Core descriptions of the tables the events package reads and writes.

They mirror migrations 0001_ledger (outbox, transfers), 0003_events and 0007_outbox_transfer_refs,
which alone create the schema. The events package only reads `transfers`.
Imports nothing from Strongroom.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine


class UID(sa.TypeDecorator[uuid.UUID]):
    """A UUID: native on PostgreSQL, a 16-byte blob on SQLite (as the migrations create it)."""

    impl = sa.Uuid
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.LargeBinary(16))
        return dialect.type_descriptor(sa.Uuid())

    def process_bind_param(self, value: uuid.UUID | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return value.bytes

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        if value is None or isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(bytes=bytes(value))


metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("events", sa.LargeBinary, nullable=False),
    sa.Column("published_at", sa.BigInteger, nullable=True),
    sa.Column("transfers_from", sa.BigInteger, nullable=True),
    sa.Column("transfers_to", sa.BigInteger, nullable=True),
    sa.Column("origins", sa.LargeBinary, nullable=True),
)

#: The ledger's log, for the `ledger.transfer.created` events an outbox row refers to.
#: `metadata` is jsonb on PostgreSQL, text on SQLite: read it as text on both.
transfers = sa.Table(
    "transfers",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("id", UID(), nullable=False),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("debit_account_id", UID(), nullable=False),
    sa.Column("credit_account_id", UID(), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("ledger", sa.String(3), nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
    sa.Column("flags", sa.Integer, nullable=False),
    sa.Column("pending_id", UID(), nullable=True),
    sa.Column("timeout", sa.Integer, nullable=False),
    sa.Column("metadata", sa.Text, nullable=True),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
)

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", UID(), primary_key=True),
    sa.Column("processed_at", sa.BigInteger, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", UID(), nullable=False),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Text, nullable=True),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
    sa.Column("occurred_at", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", sa.BigInteger, nullable=False),
    sa.Column("trace_id", sa.Text, nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
