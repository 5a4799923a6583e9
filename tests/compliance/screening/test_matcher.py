from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strongroom.compliance.screening.lists import load_eu, load_ofac
from strongroom.compliance.screening.matcher import (
    DEFAULT_THRESHOLD,
    NameScreener,
    best_names,
    entry_hit,
    name_score,
    raise_at_most,
    ranked,
)
from strongroom.compliance.screening.normalise import name_tokens
from strongroom.compliance.screening.types import Hit, NameQuery
from strongroom.compliance.screening.watchlist import BirthDate, EntryKind, ListedEntry, WatchList
from strongroom.errors import ValidationError

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def screener() -> NameScreener:
    ofac = load_ofac("ofac", *(DATA / "ofac" / f"{f}.csv" for f in ("sdn", "alt", "add")))
    return NameScreener([ofac, load_eu("eu", DATA / "eu.csv")])


def best(screener: NameScreener, name: str, **facts: object) -> Hit:
    hits = screener.screen(NameQuery(name=name, **facts))  # type: ignore[arg-type]
    assert hits, f"no hit for {name!r}"
    return hits[0]


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [
        ("Hans Juergen Mueller", "101"),
        ("MUELLER, Hans Juergen", "101"),
        ("Juergen Hans Müller", "101"),
        ("Sergei Petrovich Ivanov", "102"),
        ("Golden Star Shipping", "103"),
        ("Olga Nikolaevna Kuznetsova", "1001"),
        ("Yong Pak", "1003"),
    ],
)
def test_exact_and_reordered_names_score_100(
    screener: NameScreener, name: str, entry_id: str
) -> None:
    hit = best(screener, name)
    assert (hit.entry_id, hit.score) == (entry_id, 100.0)


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [
        ("Ханс Юрген Мюллер", "101"),
        ("Сергей Иванов", "102"),
        ("Chen Xiaoming", "106"),
        ("陈小明", "106"),
        ("Ольга Кузнецова", "1001"),
    ],
)
def test_transliterated_names_match(screener: NameScreener, name: str, entry_id: str) -> None:
    assert best(screener, name).entry_id == entry_id


@pytest.mark.parametrize(
    ("name", "entry_id"),
    [
        ("Karim Hadad", "105"),
        ("Hans Jurgen Muler", "101"),
        ("Sergei Ivanow", "102"),
        ("Olga Kuznetsva", "1001"),
    ],
)
def test_typos_match_below_100(screener: NameScreener, name: str, entry_id: str) -> None:
    hit = best(screener, name)
    assert hit.entry_id == entry_id
    assert DEFAULT_THRESHOLD <= hit.score < 100


def test_an_alias_matches_and_is_named(screener: NameScreener) -> None:
    hit = best(screener, "Golden Star Maritime Company")
    assert (hit.list_name, hit.entry_id) == ("ofac", "103")
    assert hit.matched_name == "GOLDEN STAR MARITIME CO."


def test_a_missing_middle_name_still_matches(screener: NameScreener) -> None:
    hit = best(screener, "Olga Kuznetsova")
    assert hit.entry_id == "1001"
    assert hit.reasons[0].startswith("name ")


@pytest.mark.parametrize(
    "name",
    [
        "John Smith",
        "Hans Schmidt",
        "Golden Gate Bakery",
        "Karim Benzema",
        "Northern Lights Travel",
        "Olga Petrova",
        "",
        "Mr.",
    ],
)
def test_non_matches_stay_under_the_threshold(screener: NameScreener, name: str) -> None:
    assert screener.screen(NameQuery(name=name)) == ()


def test_birth_date_breaks_ties(screener: NameScreener) -> None:
    plain = best(screener, "Sergei Ivanow")
    agrees = best(screener, "Sergei Ivanow", birth_date=date(1971, 5, 1))
    assert agrees.score > plain.score
    assert "birth date agrees" in agrees.reasons
    differs = screener.screen(NameQuery(name="Sergei Ivanow", birth_date=date(1990, 5, 1)))
    assert all(h.score < plain.score for h in differs)
    assert all("birth date differs" in h.reasons for h in differs)
    # A listed year range agrees with any year in it.
    assert (
        "birth date agrees" in best(screener, "Chen Xiaoming", birth_date=date(1959, 1, 1)).reasons
    )


def test_country_breaks_ties(screener: NameScreener) -> None:
    plain = best(screener, "Karim Hadad")
    agrees = best(screener, "Karim Hadad", country="LB")
    assert agrees.score > plain.score
    assert agrees.reasons[-1] == "country agrees"
    differs = screener.screen(NameQuery(name="Karim Hadad", country="FR"))
    assert all(h.score < plain.score and h.reasons[-1] == "country differs" for h in differs)


def test_hits_come_best_first_and_at_most_max_hits() -> None:
    entries = tuple(
        ListedEntry(entry_id=str(i), kind=EntryKind.PERSON, names=(name,))
        for i, name in enumerate(
            ["Anna Berg", "Anna Bergh", "Ana Berg", "Anna Berger", "Hanna Berg"]
        )
    )
    listed = WatchList(name="l", entries=entries, digest="")
    hits = NameScreener([listed]).screen(NameQuery(name="Anna Berg"))
    assert hits[0].entry_id == "0"
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(NameScreener([listed], max_hits=2).screen(NameQuery(name="Anna Berg"))) == 2


def test_threshold_and_max_hits_are_checked() -> None:
    with pytest.raises(ValidationError) as raised:
        NameScreener([], threshold=0)
    assert raised.value.field == "threshold"
    with pytest.raises(ValidationError) as raised:
        NameScreener([], max_hits=0)
    assert raised.value.field == "max_hits"


def test_name_score_definition() -> None:
    assert name_score(("anna", "berg"), ("berg", "anna")) == 100
    assert name_score(("anna",), ()) == 0
    # A listed token the query lacks costs less than a query token the list lacks.
    assert name_score(("anna", "berg"), ("anna", "maria", "berg")) > name_score(
        ("anna", "maria", "berg"), ("anna", "berg")
    )


# -- the index finds what scoring every entry finds ------------------------------------------

TOKENS = st.sampled_from(
    [
        "ali",
        "alli",
        "aly",
        "hassan",
        "hasan",
        "hassen",
        "li",
        "lee",
        "le",
        "wang",
        "maria",
        "mario",
        "marie",
        "smith",
        "smyth",
        "ivanov",
        "ivanova",
        "ivan",
        "ann",
        "anna",
        "anne",
        "berg",
        "berger",
        "a",
        "ab",
    ]
) | st.text(alphabet="abeilnorsu", min_size=1, max_size=9)
NAMES = st.lists(TOKENS, min_size=1, max_size=4).map(" ".join)
BIRTHS = st.sampled_from(
    [BirthDate(1970), BirthDate(1970, 5), BirthDate(1970, 5, 1), BirthDate(1980)]
)
COUNTRIES = st.sampled_from(["RU", "IR", "CN", "DE"])
ENTRIES = st.builds(
    lambda names, births, countries: (names, births, countries),
    st.lists(NAMES, min_size=1, max_size=3),
    st.lists(BIRTHS, max_size=2),
    st.frozensets(COUNTRIES, max_size=2),
)


def brute_force(
    lists: list[WatchList], query: NameQuery, threshold: float, limit: int
) -> tuple[Hit, ...]:
    """Score every name of every entry, by the definition."""
    tokens = name_tokens(query.name)
    hits = []
    for listed in lists:
        scored = (
            (i, name_score(tokens, name_tokens(text)), text)
            for i, entry in enumerate(listed.entries)
            for text in entry.names
        )
        for i, (score, text) in best_names(scored).items():
            hit = entry_hit(listed.name, listed.entries[i], text, score, query, threshold)
            if hit is not None:
                hits.append((hit, score))
    return ranked(hits, limit)


@settings(max_examples=300, deadline=None)
@given(
    lists=st.lists(st.lists(ENTRIES, min_size=1, max_size=12), min_size=1, max_size=2),
    query=st.lists(TOKENS, min_size=1, max_size=10).map(" ".join),
    birth_date=st.none() | st.sampled_from([date(1970, 5, 1), date(1980, 2, 2)]),
    country=st.none() | COUNTRIES,
    threshold=st.sampled_from([50.0, 65.0, 75.0, 80.0, 90.0, 100.0]),
    limit=st.sampled_from([3, 25]),
    earlier=st.lists(
        st.tuples(st.none() | st.sampled_from([date(1970, 5, 1)]), st.none() | COUNTRIES),
        max_size=2,
    ),
)
def test_the_index_returns_what_scoring_every_entry_returns(
    lists: list[list[tuple[list[str], list[BirthDate], frozenset[str]]]],
    query: str,
    birth_date: date | None,
    country: str | None,
    threshold: float,
    limit: int,
    earlier: list[tuple[date | None, str | None]],
) -> None:
    """Also when the name was screened before, with these or other tie-breakers: the screener
    keeps a name's scores and a query's hits."""
    watch_lists = [
        WatchList(
            name=f"list{n}",
            entries=tuple(
                ListedEntry(
                    entry_id=str(i),
                    kind=EntryKind.PERSON,
                    names=tuple(names),
                    birth_dates=tuple(births),
                    countries=countries,
                )
                for i, (names, births, countries) in enumerate(entries)
            ),
            digest="",
        )
        for n, entries in enumerate(lists)
    ]
    question = NameQuery(name=query, birth_date=birth_date, country=country)
    screener = NameScreener(watch_lists, threshold, limit)
    for born, of in earlier:
        screener.screen(NameQuery(name=query, birth_date=born, country=of))
    assert screener.screen(question) == brute_force(watch_lists, question, threshold, limit)
    bounds = [raise_at_most(NameQuery(name=query, birth_date=b, country=c)) for b, c in earlier]
    bounds.append(raise_at_most(question))
    kept = len(bounds) - len(set(bounds))
    queries = [NameQuery(name=query, birth_date=b, country=c) for b, c in earlier]
    queries.append(question)
    repeated = len(queries) - len(set(queries))
    # A query asked before is answered from its hits; another one with a bound seen before, from
    # its name's scores. A name without tokens has no scores to keep.
    assert screener.cache_hits == (kept if name_tokens(query) else repeated)


def test_agreeing_tie_breakers_lift_a_name_over_the_threshold() -> None:
    # Name score 71.2: under 75 alone, over it with the birth date agreeing.
    entry = ListedEntry(
        entry_id="1",
        kind=EntryKind.PERSON,
        names=("Anna Berg",),
        birth_dates=(BirthDate(1970),),
    )
    screener = NameScreener([WatchList(name="l", entries=(entry,), digest="")], threshold=75)
    assert screener.screen(NameQuery(name="Anna Maria Berg")) == ()
    lifted = screener.screen(NameQuery(name="Anna Maria Berg", birth_date=date(1970, 5, 1)))
    assert [(h.entry_id, h.score) for h in lifted] == [("1", 76.2)]
