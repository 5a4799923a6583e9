from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strongroom.clock import ManualClock
from strongroom.compliance.screening.lists import ListFileError, digest_files
from strongroom.compliance.screening.reloading import EuSource, OfacSource, ScreeningLists
from strongroom.compliance.screening.types import NameQuery

DATA = Path(__file__).parent / "data"
MUELLER = NameQuery(name="Hans Juergen Mueller")
OLGA = NameQuery(name="Olga Kuznetsova")


@pytest.fixture
def files(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path / "data"


def lists_of(files: Path, clock: ManualClock) -> ScreeningLists:
    ofac = files / "ofac"
    return ScreeningLists(
        [
            OfacSource("ofac", ofac / "sdn.csv", ofac / "alt.csv", ofac / "add.csv"),
            EuSource("eu", files / "eu.csv"),
        ],
        clock,
    )


def test_nothing_is_in_force_before_the_first_reload(files: Path) -> None:
    lists = lists_of(files, ManualClock())
    assert lists.status() == ()
    assert lists.screen(MUELLER) == ()


def test_reload_puts_the_lists_in_force_with_their_status(files: Path) -> None:
    clock = ManualClock()
    lists = lists_of(files, clock)
    status = lists.reload()
    assert status == lists.status()
    assert [(s.name, s.entries, s.loaded_at) for s in status] == [
        ("ofac", 6, clock.now_ns()),
        ("eu", 3, clock.now_ns()),
    ]
    ofac = files / "ofac"
    assert status[0].digest == digest_files([ofac / "sdn.csv", ofac / "alt.csv", ofac / "add.csv"])
    assert status[1].digest == digest_files([files / "eu.csv"])
    assert lists.screen(MUELLER)[0].entry_id == "101"
    assert lists.screen(OLGA)[0].entry_id == "1001"


def test_a_screening_holding_the_old_lists_keeps_them(files: Path) -> None:
    clock = ManualClock()
    lists = lists_of(files, clock)
    lists.reload()
    held = lists.current
    sdn = files / "ofac" / "sdn.csv"
    # Entry 101 (Mueller) delisted; its address row goes with it.
    sdn.write_text("".join(sdn.read_text().splitlines(keepends=True)[1:]))
    add = files / "ofac" / "add.csv"
    add.write_text("".join(add.read_text().splitlines(keepends=True)[1:]))
    clock.advance(60)
    status = lists.reload()
    assert status[0].entries == 5
    assert status[0].loaded_at == clock.now_ns()
    assert lists.screen(MUELLER) == ()
    assert held.screen(MUELLER)[0].entry_id == "101"


def test_a_bad_file_leaves_the_lists_in_force(files: Path) -> None:
    clock = ManualClock()
    lists = lists_of(files, clock)
    before = lists.reload()
    (files / "eu.csv").write_text("Entity_LogicalId;Something\n1;2\n", encoding="utf-8")
    clock.advance(60)
    with pytest.raises(ListFileError) as raised:
        lists.reload()
    assert raised.value.path == files / "eu.csv"
    assert lists.status() == before
    assert lists.screen(OLGA)[0].entry_id == "1001"
