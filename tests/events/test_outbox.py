from __future__ import annotations

import sqlalchemy as sa

from strongroom.bootstrap import open_outbox
from strongroom.events.inprocess import InProcessBus
from strongroom.events.relay import Relay
from tests.events.helpers import sql_engine


async def test_status_and_pruning_never_touch_waiting_rows(
    db_url: str, make_event, write_outbox
) -> None:
    outbox = open_outbox(db_url)
    empty = await outbox.status()
    assert (empty.waiting, empty.oldest_waiting_at, empty.published) == (0, None, 0)
    await write_outbox(db_url, [[make_event()] for _ in range(3)])
    await Relay(open_outbox(db_url), InProcessBus()).drain()
    await write_outbox(db_url, [[make_event()] for _ in range(2)])
    status = await outbox.status()
    assert (status.waiting, status.published) == (2, 3)
    assert status.oldest_waiting_at is not None
    assert status.last_published_at is not None
    engine = sql_engine(db_url)
    async with engine.begin() as connection:
        await connection.execute(sa.text("UPDATE outbox SET published_at = 10 WHERE id = 1"))
    await engine.dispose()
    assert await outbox.prune(published_before=11) == 1
    assert await outbox.prune(published_before=2**62) == 2
    after = await outbox.status()
    assert (after.waiting, after.published) == (2, 0)
    await outbox.close()
