"""A loaded watch list: immutable entries with every name they are listed under.

Built by the loaders in `lists`, indexed by `matcher.NameIndex`; never changed once built (a
reload builds a new one).
"""

from __future__ import annotations

import enum
from datetime import date

import msgspec


class EntryKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


class BirthDate(msgspec.Struct, frozen=True):
    """A listed birth date, as precise as the list gives it: lists often know only the year,
    or the month and year."""

    year: int
    month: int | None = None
    day: int | None = None

    def agrees(self, other: date) -> bool:
        """Whether `other` could be this date."""
        return (
            self.year == other.year
            and self.month in (None, other.month)
            and self.day in (None, other.day)
        )


class ListedEntry(msgspec.Struct, frozen=True, kw_only=True):
    #: The list's own identifier (OFAC's ent_num, the EU's logicalId).
    entry_id: str
    kind: EntryKind
    #: The primary name first, then the aliases, as the list writes them.
    names: tuple[str, ...]
    birth_dates: tuple[BirthDate, ...] = ()
    #: ISO 3166-1 alpha-2: citizenship, nationality and address countries together.
    countries: frozenset[str] = frozenset()


class WatchList(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    entries: tuple[ListedEntry, ...]
    #: sha256 of the files it was loaded from, hex.
    digest: str
