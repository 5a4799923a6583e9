"""Loaders of the published sanctions list formats into `WatchList`s.

- OFAC's SDN list in its CSV form: `sdn.csv` (ent_num, SDN_Name, SDN_Type, Program, Title,
  Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks; no header row; "-0-" for
  an empty field), with the optional `alt.csv` (ent_num, alt_num, alt_type, alt_name,
  alt_remarks: the aliases) and `add.csv` (ent_num, add_num, address, city/state/postal code,
  country, add_remarks). Birth dates and nationalities are read from the remarks
  ("DOB 01 Jan 1970; alt. DOB 1971; nationality Iran; citizen Iran;"); a birth date the
  remarks write in another way is not read (it only breaks ties).
- The EU Financial Sanctions Files CSV: semicolon-separated with a header row, one row per
  piece of an entity (a name alias, a birth date, a citizenship, an address...) repeating the
  entity's columns. Columns are found by header name, so the file's many other columns may
  come in any order: Entity_LogicalId and NameAlias_WholeName are required; the
  Entity_SubjectType(_ClassificationCode), NameAlias_First/Middle/LastName,
  BirthDate_BirthDate (YYYY-MM-DD), BirthDate_Year/MonthOfYear/DayOfMonth,
  Citizenship_CountryIso2Code and Address_CountryIso2Code columns are read when present.

A file that does not have the format's structure raises `ListFileError` naming the file and the
line; nothing is loaded from it.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from strongroom.compliance.screening.countries import country_code
from strongroom.compliance.screening.watchlist import BirthDate, EntryKind, ListedEntry, WatchList
from strongroom.errors import ConfigurationError

SDN_FIELDS = 12
ALT_FIELDS = 5
ADD_FIELDS = 6
OFAC_EMPTY = "-0-"
#: The SDN_Type values other than empty (an entity).
OFAC_KINDS = {
    "individual": EntryKind.PERSON,
    "vessel": EntryKind.VESSEL,
    "aircraft": EntryKind.AIRCRAFT,
}
EU_KINDS = {"person": EntryKind.PERSON, "p": EntryKind.PERSON}
EU_REQUIRED = ("Entity_LogicalId", "NameAlias_WholeName")
#: A year range wider than this in a birth date ("DOB 1940 to 1990") says nothing.
MAX_YEAR_RANGE = 10

_DOB = re.compile(r"\bDOB\s+([^;]+)", re.IGNORECASE)
_NATIONALITY = re.compile(r"\b(?:nationality|citizen)\s+([^;]+)", re.IGNORECASE)
_YEARS = re.compile(r"^(\d{4})\s+to\s+(\d{4})$")
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}


class ListFileError(ConfigurationError):
    """A list file that is not in the format it was loaded as. Nothing was loaded from it."""

    code = "list_file_error"

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}, line {line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason


class _Header:
    """Cells of a row by column title."""

    def __init__(self, titles: list[str]) -> None:
        self.columns = {title: i for i, title in enumerate(titles)}
        self.width = len(titles)

    def __call__(self, row: list[str], column: str) -> str:
        i = self.columns.get(column)
        return row[i] if i is not None else ""


@dataclass(slots=True)
class _Building:
    entry_id: str
    kind: EntryKind
    line: int
    names: list[str] = field(default_factory=list)
    birth_dates: list[BirthDate] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)

    def add_name(self, name: str) -> None:
        if name and name not in self.names:
            self.names.append(name)

    def add_birth_dates(self, dates: Sequence[BirthDate]) -> None:
        self.birth_dates.extend(d for d in dates if d not in self.birth_dates)

    def add_country(self, name: str) -> None:
        code = country_code(name)
        if code is not None:
            self.countries.add(code)

    def entry(self) -> ListedEntry:
        return ListedEntry(
            entry_id=self.entry_id,
            kind=self.kind,
            names=tuple(self.names),
            birth_dates=tuple(self.birth_dates),
            countries=frozenset(self.countries),
        )


def digest_files(paths: Sequence[Path]) -> str:
    """sha256 over the files' contents in order (each length-prefixed, so the split between
    files counts): what the "lists" status shows to tell one publication from another."""
    digest = hashlib.sha256()
    for path in paths:
        data = path.read_bytes()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def load_ofac(name: str, sdn: Path, alt: Path | None = None, add: Path | None = None) -> WatchList:
    """The OFAC SDN list from its CSV files (see the module docstring)."""
    entries: dict[str, _Building] = {}
    for line, row in _rows(sdn, ",", SDN_FIELDS):
        ent_num, sdn_name, sdn_type, remarks = row[0], row[1], row[2], row[11]
        _check_ent_num(sdn, line, ent_num)
        if ent_num in entries:
            raise ListFileError(sdn, line, f"ent_num {ent_num} is listed twice")
        if not sdn_name:
            raise ListFileError(sdn, line, "SDN_Name is empty")
        kind = OFAC_KINDS.get(sdn_type.lower())
        if kind is None and sdn_type:
            raise ListFileError(sdn, line, f"SDN_Type {sdn_type!r} is not one OFAC uses")
        building = _Building(ent_num, kind or EntryKind.ORGANISATION, line)
        building.add_name(sdn_name)
        building.add_birth_dates([d for text in _DOB.findall(remarks) for d in _ofac_dob(text)])
        for country in _NATIONALITY.findall(remarks):
            building.add_country(country)
        entries[ent_num] = building
    if alt is not None:
        for line, row in _rows(alt, ",", ALT_FIELDS):
            _owner(entries, alt, line, row[0]).add_name(row[3])
    if add is not None:
        for line, row in _rows(add, ",", ADD_FIELDS):
            _owner(entries, add, line, row[0]).add_country(row[4])
    files = [p for p in (sdn, alt, add) if p is not None]
    return _watch_list(name, entries, files)


def load_eu(name: str, path: Path) -> WatchList:
    """The EU consolidated list from its Financial Sanctions Files CSV (see the module
    docstring)."""
    rows = _rows(path, ";", None)
    header = next(rows, None)
    if header is None:
        raise ListFileError(path, 1, "the file is empty")
    cell = _Header(header[1])
    missing = [c for c in EU_REQUIRED if c not in cell.columns]
    if missing:
        raise ListFileError(path, header[0], f"the header has no {', '.join(missing)} column")
    entries: dict[str, _Building] = {}
    for line, row in rows:
        if len(row) != cell.width:
            raise ListFileError(path, line, f"{len(row)} fields where the header has {cell.width}")
        logical_id = cell(row, "Entity_LogicalId")
        if not logical_id:
            raise ListFileError(path, line, "Entity_LogicalId is empty")
        building = entries.get(logical_id)
        if building is None:
            subject = (
                cell(row, "Entity_SubjectType")
                or cell(row, "Entity_SubjectType_ClassificationCode")
            ).lower()
            kind = EU_KINDS.get(subject, EntryKind.ORGANISATION)
            building = entries[logical_id] = _Building(logical_id, kind, line)
        parts = (cell(row, f"NameAlias_{p}Name") for p in ("First", "Middle", "Last"))
        building.add_name(cell(row, "NameAlias_WholeName") or " ".join(p for p in parts if p))
        birth = _eu_birth_date(path, line, row, cell)
        if birth is not None:
            building.add_birth_dates([birth])
        for column in ("Citizenship_CountryIso2Code", "Address_CountryIso2Code"):
            building.add_country(cell(row, column))
    return _watch_list(name, entries, [path])


def _watch_list(name: str, entries: dict[str, _Building], files: Sequence[Path]) -> WatchList:
    for building in entries.values():
        if not building.names:
            raise ListFileError(files[0], building.line, f"entry {building.entry_id} has no name")
    return WatchList(
        name=name,
        entries=tuple(b.entry() for b in entries.values()),
        digest=digest_files(files),
    )


def _rows(path: Path, delimiter: str, width: int | None) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each non-blank record, fields stripped and OFAC's "-0-" emptied."""
    reader = csv.reader(_text(path).splitlines(), delimiter=delimiter, strict=True)
    try:
        for row in reader:
            if not any(f.strip() for f in row):
                continue
            fields = [f.strip() for f in row]
            fields = ["" if f == OFAC_EMPTY else f for f in fields]
            if width is not None and len(fields) != width:
                raise ListFileError(
                    path, reader.line_num, f"{len(fields)} fields where {width} are expected"
                )
            yield reader.line_num, fields
    except csv.Error as exc:
        raise ListFileError(path, reader.line_num, str(exc)) from exc


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # OFAC's older files are Windows-1252; every byte means something in Latin-1.
        text = data.decode("latin-1")
    # OFAC ends its files with a DOS end-of-file mark.
    return text.rstrip("\x1a\r\n ")


def _check_ent_num(path: Path, line: int, ent_num: str) -> None:
    if not ent_num.isdigit():
        raise ListFileError(path, line, f"ent_num {ent_num!r} is not a number")


def _owner(entries: dict[str, _Building], path: Path, line: int, ent_num: str) -> _Building:
    _check_ent_num(path, line, ent_num)
    found = entries.get(ent_num)
    if found is None:
        raise ListFileError(path, line, f"ent_num {ent_num} is not in the SDN file")
    return found


def _ofac_dob(text: str) -> list[BirthDate]:
    """Birth dates in OFAC's forms: "01 Jan 1970", "Jan 1970", "1970", "circa 1970",
    "1965 to 1969"; none for any other form."""
    words = text.strip().rstrip(".").removeprefix("circa ").split()
    years = _YEARS.match(" ".join(words))
    if years:
        first, last = int(years[1]), int(years[2])
        if 0 <= last - first <= MAX_YEAR_RANGE:
            return [BirthDate(y) for y in range(first, last + 1)]
        return []
    try:
        if len(words) == 3:
            parsed = datetime.strptime(" ".join(words), "%d %b %Y").date()
            return [BirthDate(parsed.year, parsed.month, parsed.day)]
        if len(words) == 2 and words[0].lower() in _MONTHS and words[1].isdigit():
            return [BirthDate(int(words[1]), _MONTHS[words[0].lower()])]
        if len(words) == 1 and len(words[0]) == 4 and words[0].isdigit():
            return [BirthDate(int(words[0]))]
    except ValueError:
        return []
    return []


def _eu_birth_date(path: Path, line: int, row: list[str], cell: _Header) -> BirthDate | None:
    full = cell(row, "BirthDate_BirthDate")
    try:
        if full:
            parsed = date.fromisoformat(full)
            return BirthDate(parsed.year, parsed.month, parsed.day)
        year = cell(row, "BirthDate_Year")
        if not year:
            return None
        month = cell(row, "BirthDate_MonthOfYear")
        day = cell(row, "BirthDate_DayOfMonth")
        return BirthDate(int(year), int(month) if month else None, int(day) if day else None)
    except ValueError as exc:
        raise ListFileError(path, line, f"birth date: {exc}") from exc
