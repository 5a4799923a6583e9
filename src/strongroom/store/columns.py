"""Column types shared by the store's table definitions."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UUIDColumn(TypeDecorator[uuid.UUID]):
    """A UUID: native on PostgreSQL, 16 raw bytes on SQLite (as the migrations create it)."""

    impl = sa.Uuid
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.LargeBinary(16))
        return dialect.type_descriptor(sa.Uuid(as_uuid=True))

    def process_bind_param(self, value: uuid.UUID | None, dialect: Dialect) -> object:
        if value is None or dialect.name != "sqlite":
            return value
        return value.bytes

    def process_result_value(self, value: object, dialect: Dialect) -> uuid.UUID | None:
        if value is None:
            return None
        if isinstance(value, bytes):
            return uuid.UUID(bytes=value)
        if isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))
