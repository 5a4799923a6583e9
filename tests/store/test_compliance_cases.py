"""A case's history is append-only at the database level, on both backends: a note once
written cannot be changed nor removed, even by SQL that bypasses the service."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from strongroom.bootstrap.platform import Platform
from strongroom.services.access import Role
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.urls import parse_url


async def test_case_events_refuse_update_and_delete(platform: Platform) -> None:
    maker = (await (await platform.access()).create("acme", Role.WRITE, "alice")).key
    cases = await platform.cases()
    case, _ = await cases.open(maker, "review", "pay-1", note="first look")
    engine = sqlalchemy_engine(parse_url(platform.settings.db_url))
    try:
        for statement in (
            "UPDATE compliance_case_events SET detail = '{}'",
            "DELETE FROM compliance_case_events",
        ):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                async with engine.begin() as connection:
                    await connection.execute(sa.text(statement))
    finally:
        await engine.dispose()
    (event,) = (await cases.show(maker, case.id)).events
    assert event.detail == {"note": "first look"}
