from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strongroom.compliance.screening.lists import ListFileError, digest_files, load_eu, load_ofac
from strongroom.compliance.screening.watchlist import BirthDate, EntryKind, WatchList

DATA = Path(__file__).parent / "data"
OFAC = DATA / "ofac"


def ofac() -> WatchList:
    return load_ofac("ofac", OFAC / "sdn.csv", OFAC / "alt.csv", OFAC / "add.csv")


def test_ofac_entries_with_aliases_birth_dates_and_countries() -> None:
    entries = {e.entry_id: e for e in ofac().entries}
    assert list(entries) == ["101", "102", "103", "104", "105", "106"]
    mueller = entries["101"]
    assert mueller.kind is EntryKind.PERSON
    assert mueller.names == ("MUELLER, Hans Juergen",)
    assert mueller.birth_dates == (BirthDate(1961, 3, 12),)
    assert mueller.countries == {"DE"}
    ivanov = entries["102"]
    assert ivanov.names == (
        "IVANOV, Sergei Petrovich",
        "IVANOV, Sergey",
        "Иванов Сергей Петрович",
    )
    assert ivanov.birth_dates == (BirthDate(1970), BirthDate(1971))
    assert ivanov.countries == {"RU"}
    assert entries["103"].kind is EntryKind.ORGANISATION
    assert entries["103"].names[1] == "GOLDEN STAR MARITIME CO."
    assert entries["103"].countries == {"IR"}
    assert entries["104"].kind is EntryKind.VESSEL
    assert entries["105"].birth_dates == (BirthDate(1965),)
    assert entries["106"].birth_dates == (BirthDate(1958), BirthDate(1959), BirthDate(1960))


def test_ofac_without_alias_or_address_files() -> None:
    alone = load_ofac("ofac", OFAC / "sdn.csv")
    assert len(alone.entries) == 6
    assert alone.entries[1].names == ("IVANOV, Sergei Petrovich",)
    assert alone.digest == digest_files([OFAC / "sdn.csv"])


def test_eu_entities_gather_their_rows() -> None:
    entries = {e.entry_id: e for e in load_eu("eu", DATA / "eu.csv").entries}
    assert list(entries) == ["1001", "1002", "1003"]
    olga = entries["1001"]
    assert olga.kind is EntryKind.PERSON
    assert olga.names == ("Olga Nikolaevna Kuznetsova", "Ольга Николаевна Кузнецова")
    assert olga.birth_dates == (BirthDate(1975, 6, 30),)
    assert olga.countries == {"RU"}
    assert entries["1002"].kind is EntryKind.ORGANISATION
    assert entries["1002"].countries == {"RU"}
    # No whole name: the parts, given names first.
    assert entries["1003"].names == ("Yong Pak",)
    assert entries["1003"].birth_dates == (BirthDate(1966),)


def test_digest_follows_the_files(tmp_path: Path) -> None:
    copy = tmp_path / "eu.csv"
    shutil.copy(DATA / "eu.csv", copy)
    before = load_eu("eu", copy).digest
    assert before == digest_files([DATA / "eu.csv"])
    copy.write_bytes(copy.read_bytes() + b"13/01/2026;1004;;;;person;P;X;;;;Ann Other;;;;;;;\n")
    assert load_eu("eu", copy).digest != before


def _with_line(source: Path, target: Path, line: str, at: int | None = None) -> Path:
    lines = source.read_text(encoding="utf-8-sig").rstrip("\x1a").splitlines()
    lines.insert(len(lines) if at is None else at, line)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('107,"SHORT ROW","individual"', "3 fields where 12 are expected"),
        ('X7,"NAME",-0- ,"P",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', "is not a number"),
        ('101,"AGAIN",-0- ,"P",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', "listed twice"),
        ('108,-0- ,-0- ,"P",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', "SDN_Name is empty"),
        ('109,"NAME","spaceship","P",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ', "SDN_Type"),
        ('110,"UNCLOSED,individual,P', "unexpected end of data"),
    ],
)
def test_malformed_sdn_names_file_and_line(tmp_path: Path, line: str, reason: str) -> None:
    sdn = _with_line(OFAC / "sdn.csv", tmp_path / "sdn.csv", line)
    with pytest.raises(ListFileError) as raised:
        load_ofac("ofac", sdn)
    assert raised.value.path == sdn
    assert raised.value.line == 7
    assert reason in raised.value.reason
    assert f"{sdn}, line 7" in str(raised.value)


def test_alias_of_an_unknown_entry_is_refused(tmp_path: Path) -> None:
    alt = _with_line(OFAC / "alt.csv", tmp_path / "alt.csv", '999,206,"aka","NOBODY",-0- ', 1)
    with pytest.raises(ListFileError) as raised:
        load_ofac("ofac", OFAC / "sdn.csv", alt)
    assert (raised.value.path, raised.value.line) == (alt, 2)
    assert "ent_num 999 is not in the SDN file" in raised.value.reason


def test_address_row_of_the_wrong_width_is_refused(tmp_path: Path) -> None:
    add = _with_line(OFAC / "add.csv", tmp_path / "add.csv", '101,304,"Somewhere"')
    with pytest.raises(ListFileError) as raised:
        load_ofac("ofac", OFAC / "sdn.csv", None, add)
    assert (raised.value.path, raised.value.line) == (add, 4)


def test_eu_header_without_the_required_columns(tmp_path: Path) -> None:
    bad = tmp_path / "eu.csv"
    bad.write_text("fileGenerationDate;Entity_LogicalId;NameAlias_Name\n1;2;x\n", encoding="utf-8")
    with pytest.raises(ListFileError) as raised:
        load_eu("eu", bad)
    assert raised.value.line == 1
    assert "NameAlias_WholeName" in raised.value.reason


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("13/01/2026;1004;EU.4.1;;2022-02-25;person;P", "7 fields where the header has 19"),
        ("13/01/2026;;EU.4.1;;;person;P;X;;;;Ann Other;;;;;;;", "Entity_LogicalId is empty"),
        ("13/01/2026;1004;;;;person;P;X;;;;Ann Other;;1975-13-40;;;;;", "birth date"),
        ("13/01/2026;1004;;;;person;P;X;;;;;;;;;;RU;", "entry 1004 has no name"),
    ],
)
def test_malformed_eu_rows_name_their_line(tmp_path: Path, line: str, reason: str) -> None:
    bad = _with_line(DATA / "eu.csv", tmp_path / "eu.csv", line)
    with pytest.raises(ListFileError) as raised:
        load_eu("eu", bad)
    assert raised.value.line == 8
    assert reason in raised.value.reason


def test_empty_eu_file(tmp_path: Path) -> None:
    empty = tmp_path / "eu.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ListFileError, match="empty"):
        load_eu("eu", empty)
