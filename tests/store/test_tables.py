"""The table descriptions in strongroom.store.tables match what the migrations create."""

from __future__ import annotations

import sqlalchemy as sa

from strongroom.store import tables
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.migrate import upgrade
from strongroom.store.urls import parse_url


def _affinity(column_type: sa.types.TypeEngine[object]) -> str:
    """What kind of value a column holds, as both backends report it back."""
    name = type(column_type).__name__.upper()
    if isinstance(column_type, tables.UUIDColumn) or name in {"UUID", "BLOB", "BYTEA"}:
        return "bytes-or-uuid"
    if "INT" in name:
        return "integer"
    if name in {"TEXT", "VARCHAR", "STRING", "JSONB", "JSON"}:
        return "text"
    if name in {"LARGEBINARY"}:
        return "bytes-or-uuid"
    return name


async def test_descriptions_match_the_migrated_schema(db_url: str) -> None:
    url = parse_url(db_url)
    await upgrade(url)
    engine = sqlalchemy_engine(url)
    try:
        async with engine.connect() as connection:
            migrated = await connection.run_sync(
                lambda sync: _reflect(sync, [t.name for t in tables.metadata.sorted_tables])
            )
    finally:
        await engine.dispose()
    for table in tables.metadata.sorted_tables:
        actual = migrated[table.name]
        assert set(actual) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            nullable, primary, kind = actual[column.name]
            where = f"{table.name}.{column.name}"
            assert column.primary_key == primary, where
            if not column.primary_key:
                assert column.nullable == nullable, where
            assert _affinity(column.type) == kind, where


def _reflect(
    connection: sa.Connection, names: list[str]
) -> dict[str, dict[str, tuple[bool, bool, str]]]:
    inspector = sa.inspect(connection)
    out: dict[str, dict[str, tuple[bool, bool, str]]] = {}
    for name in names:
        primary = set(inspector.get_pk_constraint(name)["constrained_columns"])
        out[name] = {
            column["name"]: (
                bool(column["nullable"]),
                column["name"] in primary,
                _affinity(column["type"]),
            )
            for column in inspector.get_columns(name)
        }
    return out
