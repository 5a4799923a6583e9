"""Raw SQL for the events tests: setting up effect tables, counting rows, tampering.

The events package holds no SQL; tests that look at or change the database directly open an
engine here, the way every component opens one (strongroom.store.connections).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.urls import parse_url


def sql_engine(url: str) -> AsyncEngine:
    return sqlalchemy_engine(parse_url(url))
