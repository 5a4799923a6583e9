"""The screening worker process: the same answers as screening in process, whatever happens to
the worker or the lists."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from strongroom.clock import ManualClock
from strongroom.compliance.screening import worker as worker_module
from strongroom.compliance.screening.reloading import OfacSource, ScreeningLists
from strongroom.compliance.screening.synthetic import query_names, synthetic_entries, write_ofac_csv
from strongroom.compliance.screening.types import NameQuery
from strongroom.compliance.screening.worker import ScreeningWorker

ENTRIES = 400
COUNTRIES = (None, "SG", "IR", "RU")


def lists_from(folder: Path, seed: int) -> ScreeningLists:
    lists = ScreeningLists(
        [OfacSource("ofac", *write_ofac_csv(folder, ENTRIES, seed))], ManualClock()
    )
    lists.reload()
    return lists


def twin(lists: ScreeningLists) -> ScreeningLists:
    """The same lists loaded again: a worker's screener that has kept nothing."""
    again = ScreeningLists(lists.sources, ManualClock())
    again.reload()
    return again


def queries(seed: int, n: int = 120) -> list[NameQuery]:
    names = query_names(n, seed, synthetic_entries(ENTRIES, seed))
    return [NameQuery(name=name, country=COUNTRIES[i % 4]) for i, name in enumerate(names)]


def pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers signal 0 until it is reaped: look at its state.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] == "Z"


async def test_the_worker_answers_what_the_lists_in_force_answer(tmp_path: Path) -> None:
    lists = lists_from(tmp_path, seed=3)
    asked = queries(seed=3)
    expected = [lists.current.screen(q) for q in asked]
    worker = ScreeningWorker(twin(lists))
    try:
        await worker.start()
        # Concurrent askers, some of them asking the same query: one batch, one answer each.
        answers = await asyncio.gather(*(worker.screen(q) for q in asked + asked[:30]))
    finally:
        await worker.close()
    assert answers == expected + expected[:30]
    assert any(expected), "the queries must include hits for this test to mean anything"
    assert worker.sent == len(set(asked))
    assert worker.in_process == 0


async def test_before_the_worker_is_ready_queries_are_screened_in_process(tmp_path: Path) -> None:
    lists = lists_from(tmp_path, seed=4)
    asked = queries(seed=4, n=10)
    worker = ScreeningWorker(lists)
    try:
        first = await worker.screen(asked[0])
        assert worker.in_process == 1
        assert worker.pid is None
        await worker.start()
        assert worker.ready
        assert worker.pid is not None
        rest = [await worker.screen(q) for q in asked[1:]]
    finally:
        await worker.close()
    assert [first, *rest] == [lists.current.screen(q) for q in asked]
    assert worker.sent == len(set(asked[1:]))


async def test_a_killed_worker_loses_no_answer_and_can_be_started_again(tmp_path: Path) -> None:
    lists = lists_from(tmp_path, seed=5)
    asked = queries(seed=5)
    expected = [lists.current.screen(q) for q in asked]
    worker = ScreeningWorker(twin(lists))
    try:
        await worker.start()
        killed = worker.pid
        assert killed is not None
        pending = [asyncio.ensure_future(worker.screen(q)) for q in asked[:60]]
        os.kill(killed, signal.SIGKILL)
        answers = await asyncio.gather(*pending)
        assert not worker.ready
        # Answered in process: the next worker waits for RETRY_AFTER, or for start().
        answers.append(await worker.screen(asked[60]))
        assert worker.starts == 1
        await worker.start()
        assert worker.pid not in (None, killed)
        answers.extend(await asyncio.gather(*(worker.screen(q) for q in asked[61:])))
    finally:
        await worker.close()
    assert answers == expected
    assert worker.in_process >= 1


async def test_after_a_reload_answers_come_from_the_new_lists(tmp_path: Path) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = lists_from(tmp_path / "old", seed=6)
    new = lists_from(tmp_path / "new", seed=7)
    lists = ScreeningLists(old.sources, ManualClock())
    lists.reload()
    asked = queries(seed=7, n=40)
    worker = ScreeningWorker(lists)
    try:
        await worker.start()
        before = await asyncio.gather(*(worker.screen(q) for q in asked))
        first_worker = worker.pid
        lists.sources = new.sources
        lists.reload()
        assert not worker.ready
        after = await asyncio.gather(*(worker.screen(q) for q in asked))
        await worker.start()
        assert worker.pid != first_worker
        again = await asyncio.gather(*(worker.screen(q) for q in asked))
    finally:
        await worker.close()
    assert before == [old.current.screen(q) for q in asked]
    assert after == again == [new.current.screen(q) for q in asked]
    assert before != after


async def test_closing_stops_the_worker(tmp_path: Path) -> None:
    worker = ScreeningWorker(lists_from(tmp_path, seed=8))
    await worker.start()
    pid = worker.pid
    assert pid is not None
    await worker.close()
    assert worker.pid is None
    for _ in range(100):
        if pid_gone(pid):
            break
        await asyncio.sleep(0.02)
    assert pid_gone(pid)


@pytest.mark.parametrize("threshold", [70.0, 95.0])
async def test_the_worker_screens_at_the_lists_threshold(tmp_path: Path, threshold: float) -> None:
    sources = lists_from(tmp_path, seed=9).sources
    lists = ScreeningLists(sources, ManualClock(), threshold=threshold, max_hits=3)
    lists.reload()
    asked = queries(seed=9, n=40)
    expected = [lists.current.screen(q) for q in asked]
    fresh = ScreeningLists(sources, ManualClock(), threshold=threshold, max_hits=3)
    fresh.reload()
    worker = ScreeningWorker(fresh)
    try:
        await worker.start()
        answers = await asyncio.gather(*(worker.screen(q) for q in asked))
    finally:
        await worker.close()
    assert answers == expected
    assert all(len(hits) <= 3 and all(h.score >= threshold for h in hits) for hits in answers)


async def test_a_worker_that_cannot_start_is_not_started_by_every_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = worker_module.worker_command
    monkeypatch.setattr(
        worker_module, "worker_command", lambda *_: [sys.executable, "-c", "raise SystemExit(3)"]
    )
    monkeypatch.setattr(worker_module, "RETRY_AFTER", 0.5)
    lists = lists_from(tmp_path, seed=10)
    asked = queries(seed=10, n=40)
    expected = [lists.current.screen(q) for q in asked]
    worker = ScreeningWorker(twin(lists))
    try:
        answers = [await worker.screen(asked[0])]
        with pytest.raises((OSError, asyncio.IncompleteReadError)):
            await worker.start()
        answers.extend([await worker.screen(q) for q in asked[1:20]])
        assert worker.starts == 1
        assert worker.pid is None
        # Past RETRY_AFTER, a query starts one again (this one can run).
        monkeypatch.setattr(worker_module, "worker_command", real)
        await asyncio.sleep(0.6)
        answers.append(await worker.screen(asked[20]))
        assert worker.starts == 2
        await worker.start()
        answers.extend(await asyncio.gather(*(worker.screen(q) for q in asked[21:])))
    finally:
        await worker.close()
    assert answers == expected
    assert worker.sent == len(set(asked[21:]))
