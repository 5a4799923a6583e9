"""Database URLs: `sqlite:///relative.db`, `sqlite:////abs/path.db`, `postgresql://user@host/db`.

A PostgreSQL URL may carry `?schema=NAME`: every connection then uses that schema (tests give each
case a fresh schema this way).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from strongroom.errors import ConfigurationError

DEFAULT_URL = "sqlite:///strongroom.db"


@dataclass(frozen=True, slots=True)
class DatabaseURL:
    kind: Literal["sqlite", "postgresql"]
    #: File path for SQLite; libpq DSN (without Strongroom's own parameters) for PostgreSQL.
    target: str
    schema: str | None = None

    def sqlalchemy_url(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.target}"
        return "postgresql+asyncpg://" + self.target.split("://", 1)[1]


def parse_url(url: str) -> DatabaseURL:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        path = url.split("://", 1)[1]
        if not path.startswith("/"):
            raise ConfigurationError(f"sqlite URL needs three slashes: {url!r}")
        path = path[1:]
        if not path:
            raise ConfigurationError(f"sqlite URL has no file path: {url!r}")
        return DatabaseURL("sqlite", path)
    if scheme in ("postgresql", "postgres"):
        query = dict(parse_qsl(parts.query))
        schema = query.pop("schema", None)
        dsn = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query), ""))
        return DatabaseURL("postgresql", dsn, schema)
    raise ConfigurationError(f"unsupported database URL scheme {parts.scheme!r} in {url!r}")
