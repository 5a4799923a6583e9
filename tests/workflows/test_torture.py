"""The intent engine under SIGKILL: three `strongroom worker intents` processes run ~3,000
ledger.transfer intents on PostgreSQL while one of them is killed every few hundred
milliseconds and restarted. Every intent ends settled or refused for insufficient funds, the
money moved exactly once per settled intent (under the ids its steps derive), and each debit
account's intents ran strictly one after the other in submission order."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest

from strongroom.bootstrap.platform import Platform
from strongroom.ledger import Transfer, TransferFlags
from strongroom.services.access import Role
from strongroom.settings import Settings
from strongroom.workflows.definitions import derived_id
from tests.conftest import fresh_pg_schema
from tests.workers import SOURCE, Worker, database, kill_while_working
from tests.workflows.conftest import open_accounts, principal

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


DEBIT_ACCOUNTS = 50
SINKS = 10
PER_ACCOUNT = 100
FUNDS = 1_000
#: Amounts average ~20, so an account's 60 intents ask for ~1,200 of its 1,000: the later ones
#: are refused, and some small ones after a refusal still fit.
AMOUNTS = (1, 40)
WORKERS = 3
#: Stop killing once this share of the intents is done (the rest shows the restarted workers
#: finish the takeovers), or after this many seconds of killing.
KILL_UNTIL_DONE = 0.85
KILL_FOR = 45.0
SETTLE_WITHIN = 120.0


@dataclass(frozen=True)
class Asked:
    id: uuid.UUID
    seq: int
    debit: uuid.UUID
    credit: uuid.UUID
    amount: int


async def _submit_all(platform: Platform, rng: random.Random) -> list[Asked]:
    """Fund the debit accounts and submit every intent, unleased (this engine is not started)."""
    funding, *rest = await open_accounts(platform, 1 + DEBIT_ACCOUNTS + SINKS, overdraft=True)
    debits, sinks = rest[:DEBIT_ACCOUNTS], rest[DEBIT_ACCOUNTS:]
    ledger = await platform.ledger()
    funded = await ledger.create_transfers(
        [
            Transfer(
                id=uuid.uuid4(),
                debit_account_id=funding,
                credit_account_id=account,
                amount=FUNDS,
                ledger="EUR",
                code=1,
                tenant="acme",
            )
            for account in debits
        ]
    )
    assert {result.value for result in funded} == {"ok"}
    plan = [
        (debit, rng.choice(sinks), rng.randint(*AMOUNTS))
        for debit in debits
        for _ in range(PER_ACCOUNT)
    ]
    rng.shuffle(plan)
    writer = await principal(platform, "acme", Role.WRITE)
    service = await platform.intents()
    assert (await platform.intent_engine()).room == 0
    submitted = await asyncio.gather(
        *(
            service.submit(
                writer,
                "ledger.transfer",
                f"torture-{n}",
                {
                    "debit_account_id": str(debit),
                    "credit_account_id": str(credit),
                    "amount": amount,
                    "ledger": "EUR",
                    "code": 1,
                },
            )
            for n, (debit, credit, amount) in enumerate(plan)
        )
    )
    assert all(s.created and s.intent.lease_owner is None for s in submitted)
    return [
        Asked(s.intent.id, s.intent.seq, debit, credit, amount)
        for s, (debit, credit, amount) in zip(submitted, plan, strict=True)
    ]


async def _done(connection: asyncpg.Connection) -> int:
    count: int = await connection.fetchval("SELECT count(*) FROM intents WHERE status = 'done'")
    return count


async def _run_workers_killing_them(
    env: dict[str, str], cwd: Path, connection: asyncpg.Connection, total: int
) -> int:
    """Run the workers until every intent is done, SIGKILLing them until most are; the number
    of kills."""
    workers = [Worker(env, cwd) for _ in range(WORKERS)]
    loop = asyncio.get_running_loop()

    async def progress() -> float:
        return await _done(connection) / total

    try:
        await asyncio.gather(*(w.start() for w in workers))
        kills = await kill_while_working(
            workers,
            random.Random(7),
            progress,
            seconds=KILL_FOR,
            at_least=5,
            stop_at=KILL_UNTIL_DONE,
        )
        deadline = loop.time() + SETTLE_WITHIN
        while (done := await _done(connection)) < total:
            assert loop.time() < deadline, f"{total - done} intents not done"
            await asyncio.sleep(0.2)
    finally:
        await asyncio.gather(*(w.stop() for w in workers))
    return kills


def _expected(asked: list[Asked]) -> dict[uuid.UUID, bool]:
    """Whether each intent settles, running each debit account's intents in submission order."""
    balance: dict[uuid.UUID, int] = {}
    settles = {}
    for a in sorted(asked, key=lambda a: a.seq):
        left = balance.get(a.debit, FUNDS)
        settles[a.id] = a.amount <= left
        if settles[a.id]:
            balance[a.debit] = left - a.amount
    return settles


async def test_intents_survive_workers_killed_mid_step(tmp_path: Path) -> None:
    async with fresh_pg_schema() as url:
        settings = Settings(db_url=url, key_file=tmp_path / "keys", intent_lease=1.0)
        async with Platform(settings) as platform, database(url) as connection:
            asked = await _submit_all(platform, random.Random(14))
            env = {
                **os.environ,
                "PYTHONPATH": SOURCE,
                "STRONGROOM_DB_URL": url,
                "STRONGROOM_KEY_FILE": str(tmp_path / "keys"),
                "STRONGROOM_INTENT_LEASE": "1",
                "STRONGROOM_INTENT_POLL_INTERVAL": "0.02",
            }
            kills = await _run_workers_killing_them(env, tmp_path, connection, len(asked))
            await _check(platform, connection, asked, kills)


async def _check(
    platform: Platform, connection: asyncpg.Connection, asked: list[Asked], kills: int
) -> None:
    rows = {
        r["id"]: r
        for r in await connection.fetch(
            "SELECT id, state, status, error, lease_epoch FROM intents WHERE tenant = 'acme'"
        )
    }
    settles = _expected(asked)
    for a in asked:
        row = rows[a.id]
        assert row["status"] == "done"
        if settles[a.id]:
            assert (row["state"], row["error"]) == ("settled", None), (a, dict(row))
        else:
            assert row["state"] == "failed", (a, dict(row))
            assert "exceeds_credits" in row["error"], (a, dict(row))

    ledger = await platform.ledger()
    report = await ledger.check_invariants()
    assert report.ok, report.violations

    # The money: one reservation and one posting per settled intent, under its derived ids,
    # and nothing else but the funding.
    transfers = {r["id"]: r for r in await connection.fetch("SELECT * FROM transfers")}
    funding = {i for i, r in transfers.items() if r["flags"] == TransferFlags.NONE}
    assert len(funding) == DEBIT_ACCOUNTS
    expected: set[uuid.UUID] = set()
    for a in asked:
        if not settles[a.id]:
            continue
        reserve, post = derived_id(a.id, "reserve", 0), derived_id(a.id, "post", 0)
        expected |= {reserve, post}
        held, posted = transfers[reserve], transfers[post]
        assert held["flags"] == TransferFlags.PENDING
        assert posted["flags"] == TransferFlags.POST_PENDING
        assert posted["pending_id"] == reserve
        for t in (held, posted):
            assert (t["debit_account_id"], t["credit_account_id"], t["amount"]) == (
                a.debit,
                a.credit,
                a.amount,
            )
    assert set(transfers) - funding == expected

    # Balances: each account moved by exactly its settled intents, nothing left pending.
    debited = {a.debit: 0 for a in asked}
    credited = dict.fromkeys(debited, FUNDS) | {a.credit: 0 for a in asked}
    for a in asked:
        if settles[a.id]:
            debited[a.debit] += a.amount
            credited[a.credit] += a.amount
    for account in await ledger.lookup_accounts(list(credited)):
        assert (account.debits_pending, account.credits_pending) == (0, 0)
        assert account.debits_posted == debited.get(account.id, 0)
        assert account.credits_posted == credited[account.id]

    # Per-key order: an account's next intent started only after the one before it ended.
    first_step = {
        r["intent_id"]: r["started"]
        for r in await connection.fetch(
            "SELECT intent_id, min(started_at) AS started FROM intent_steps GROUP BY intent_id"
        )
    }
    ended = {
        r["intent_id"]: r["at"]
        for r in await connection.fetch(
            "SELECT intent_id, max(at) AS at FROM intent_transitions"
            " WHERE to_state IN ('settled', 'failed') GROUP BY intent_id"
        )
    }
    by_account: dict[uuid.UUID, list[Asked]] = {}
    for a in sorted(asked, key=lambda a: a.seq):
        by_account.setdefault(a.debit, []).append(a)
    for chain in by_account.values():
        for earlier, later in itertools.pairwise(chain):
            assert first_step[later.id] > ended[earlier.id], (earlier, later)

    # The kills hit work in progress: intents were taken over (claimed again) after them.
    taken_over = sum(1 for r in rows.values() if r["lease_epoch"] > 1)
    assert kills >= 5
    assert taken_over >= 5, (kills, taken_over)
