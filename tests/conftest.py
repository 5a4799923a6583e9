"""Shared fixtures: database URLs for both backends, the real servers' addresses, and the
spans Strongroom records (`spans`).

A test's database starts migrated: a copy of a SQLite file, or a PostgreSQL schema made by
replaying what pg_dump wrote of one schema, both migrated once per run. Migrating through
Alembic takes ~0.3 s per database, a few minutes over the suite; a copy takes milliseconds, a
replay ~0.15 s. The migrations themselves are tested in tests/store.

Outside CI a server-backed test runs when its STRONGROOM_TEST_*_URL variable is set and is
skipped otherwise. Under CI=true a missing variable or an unreachable server fails the test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from strongroom.bootstrap import Encryption, open_access, open_encryption, open_ledger
from strongroom.bootstrap.platform import Platform
from strongroom.clock import Clock, SystemClock
from strongroom.ledger import Ledger
from strongroom.security.keyfile import LocalKeyFile
from strongroom.services.access import AccessService
from strongroom.services.ledger import LedgerService
from strongroom.settings import Settings
from strongroom.store.migrate import upgrade
from strongroom.store.urls import parse_url
from strongroom.tracing import use_tracer_provider

IN_CI = os.environ.get("CI") == "true"
T = TypeVar("T")


def server_url(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if not url:
        message = f"{what} tests need {variable} (see README: Running the tests)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


def with_schema(base: str, schema: str) -> str:
    return f"{base}{'&' if '?' in base else '?'}schema={schema}"


def run_apart(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to its end on an event loop of its own: a session fixture may be first asked
    for by an async fixture, while the test's loop is running."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, work).result()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "strongroom.db"
    run_apart(upgrade(parse_url(f"sqlite:///{path}")))
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    """The URL of a copy of the migrated SQLite database in `folder`."""
    target = folder / "strongroom.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url(migrated_sqlite: Path, tmp_path: Path) -> str:
    return sqlite_copy(migrated_sqlite, tmp_path)


#: What the migrated schema is called in `pg_schema_script`, replaced by each copy's name.
TEMPLATE_SCHEMA = f"t_template_{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
def pg_schema_script() -> str | None:
    """pg_dump's script of a schema migrated once (None without pg_dump: each schema is then
    migrated on its own)."""
    base = server_url("STRONGROOM_TEST_PG_URL", "PostgreSQL")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return None

    async def migrate_once() -> str:
        url = with_schema(base, TEMPLATE_SCHEMA)
        await upgrade(parse_url(url))
        try:
            dump = await asyncio.create_subprocess_exec(
                *(pg_dump, "--dbname", base, "--schema", TEMPLATE_SCHEMA),
                *("--no-owner", "--no-privileges", "--inserts"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            out, err = await dump.communicate()
            assert dump.returncode == 0, err.decode()
        finally:
            connection = await asyncpg.connect(base)
            try:
                await connection.execute(f'DROP SCHEMA "{TEMPLATE_SCHEMA}" CASCADE')
            finally:
                await connection.close()
        # Lines starting with a backslash are psql's commands (\restrict), not SQL.
        return "\n".join(line for line in out.decode().splitlines() if not line.startswith("\\"))

    return run_apart(migrate_once())


@asynccontextmanager
async def fresh_pg_schema() -> AsyncIterator[str]:
    """A PostgreSQL URL whose connections use a fresh, empty schema, dropped afterwards."""
    base = server_url("STRONGROOM_TEST_PG_URL", "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield with_schema(base, schema)
    connection = await asyncpg.connect(base)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()


@asynccontextmanager
async def migrated_pg_schema(script: str | None) -> AsyncIterator[str]:
    """A fresh schema made by `script` (`pg_schema_script`), or by the migrations without it."""
    async with fresh_pg_schema() as url:
        if script is None:
            await upgrade(parse_url(url))
        else:
            place = parse_url(url)
            assert place.schema is not None
            connection = await asyncpg.connect(place.target)
            try:
                await connection.execute(script.replace(TEMPLATE_SCHEMA, place.schema))
            finally:
                await connection.close()
        yield url


@pytest.fixture
async def pg_url(pg_schema_script: str | None) -> AsyncIterator[str]:
    async with migrated_pg_schema(pg_schema_script) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test using this runs once per backend."""
    if request.param == "sqlite":
        yield sqlite_copy(request.getfixturevalue("migrated_sqlite"), tmp_path)
        return
    async with migrated_pg_schema(request.getfixturevalue("pg_schema_script")) as url:
        yield url


@pytest.fixture
def redis_url() -> str:
    return server_url("STRONGROOM_TEST_REDIS_URL", "Redis")


@pytest.fixture
def nats_url() -> str:
    return server_url("STRONGROOM_TEST_NATS_URL", "NATS")


@pytest.fixture
def key_file(tmp_path: Path) -> LocalKeyFile:
    return LocalKeyFile(tmp_path / "keys" / "strongroom.keys")


@pytest.fixture
async def encryption(db_url: str, key_file: LocalKeyFile) -> AsyncIterator[Encryption]:
    """A migrated database with envelope encryption wired on it, over a fresh key file."""
    encryption = await open_encryption(db_url, key_file)
    yield encryption
    await encryption.close()


# The ledger, API keys and the ledger's service on `db_url`: what the services' and the API's
# tests stand on. Packages with a `ledger` of their own (tests/ledger) override it.


@pytest.fixture
async def ledger(db_url: str) -> AsyncIterator[Ledger]:
    ledger = await open_ledger(db_url, sweep_interval=None)
    yield ledger
    report = await ledger.check_invariants()
    await ledger.close()
    assert report.ok, report.violations


@pytest.fixture
async def keys(db_url: str, ledger: Ledger) -> AsyncIterator[AccessService]:
    """API keys on the ledger's (migrated) database."""
    access = await open_access(db_url, migrate=False)
    yield access
    await access.close()


@pytest.fixture
def service(ledger: Ledger) -> LedgerService:
    return LedgerService(ledger)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Every span Strongroom ends during the test, recorded in memory as it ends."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    use_tracer_provider(provider)
    yield exporter
    use_tracer_provider(None)
    provider.shutdown()


@pytest.fixture
def clock() -> Clock:
    """The platform's clock: the system's, unless a test module travels in time."""
    return SystemClock()


@pytest.fixture
async def platform(db_url: str, tmp_path: Path, clock: Clock) -> AsyncIterator[Platform]:
    """A Platform on `db_url` with short intent leases (a killed worker is taken over within
    2 s); the ledger's invariants are checked when the test ends."""
    settings = Settings(
        db_url=db_url, key_file=tmp_path / "keys", intent_lease=2.0, intent_poll_interval=0.02
    )
    async with Platform(settings, clock=clock) as platform:
        yield platform
        ledger = await platform.ledger()
        report = await ledger.check_invariants()
        assert report.ok, report.violations
