from __future__ import annotations

from pathlib import Path

from strongroom.compliance.screening.lists import load_eu, load_ofac
from strongroom.compliance.screening.matcher import NameScreener
from strongroom.compliance.screening.synthetic import (
    query_names,
    synthetic_entries,
    write_eu_csv,
    write_ofac_csv,
)
from strongroom.compliance.screening.types import NameQuery


def test_ofac_files_load_and_every_entry_finds_itself(tmp_path: Path) -> None:
    listed = load_ofac("ofac", *write_ofac_csv(tmp_path, 300, seed=1))
    assert len(listed.entries) == 300
    assert any(not name.isascii() for e in listed.entries for name in e.names)
    assert sum(bool(e.birth_dates) for e in listed.entries) > 150
    assert all(e.countries for e in listed.entries)
    screener = NameScreener([listed])
    for entry in listed.entries:
        hits = screener.screen(NameQuery(name=entry.names[0]))
        assert any(h.entry_id == entry.entry_id and h.score == 100 for h in hits)


def test_eu_file_loads_the_same_entries(tmp_path: Path) -> None:
    listed = load_eu("eu", write_eu_csv(tmp_path / "eu.csv", 300, seed=1))
    expected = synthetic_entries(300, seed=1)
    assert [e.entry_id for e in listed.entries] == [str(e.entry_id) for e in expected]
    assert [e.names[0] for e in listed.entries] == [e.name for e in expected]


def test_the_same_seed_writes_the_same_files(tmp_path: Path) -> None:
    first = load_ofac("a", *write_ofac_csv(tmp_path / "a", 100, seed=5)).digest
    again = load_ofac("b", *write_ofac_csv(tmp_path / "b", 100, seed=5)).digest
    other = load_ofac("c", *write_ofac_csv(tmp_path / "c", 100, seed=6)).digest
    assert first == again != other


def test_query_names_include_listed_names_in_another_form(tmp_path: Path) -> None:
    entries = synthetic_entries(200, seed=2)
    names = query_names(500, seed=3, listed=entries)
    assert names == query_names(500, seed=3, listed=entries)
    screener = NameScreener([load_ofac("ofac", *write_ofac_csv(tmp_path, 200, seed=2))])
    assert sum(bool(screener.screen(NameQuery(name=n))) for n in names) >= 40
