# ruff: noqa: RUF001 - the transliteration tables hold Cyrillic and Greek letters on purpose.
"""Synthetic sanctions lists in the published formats, for tests and benchmarks.

Names look like the real lists': persons from several naming cultures (Anglo, Hispanic,
German, Russian, Arabic, Chinese, Greek) written in Latin script with aliases in their own
script, in a transliteration variant, in OFAC's "SURNAME, Given" order or with a typo;
organisations with legal forms. Surnames are partly built from syllables so the vocabulary is
as wide as a real list's (thousands of distinct tokens), not a few hundred. Birth dates are full
or year-only; countries match the culture. Deterministic for a seed.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from anyascii import anyascii


@dataclass(frozen=True, slots=True)
class Culture:
    given: tuple[str, ...]
    surnames: tuple[str, ...]
    #: Surname stems and endings combined for surnames beyond the list above.
    stems: tuple[str, ...]
    endings: tuple[str, ...]
    countries: tuple[tuple[str, str], ...]
    #: Writes a Latin name in the culture's own script ("" when it uses Latin script).
    script: str = ""


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


CULTURES = (
    Culture(
        _words(
            "John James Robert Michael William David Richard Thomas Charles Mary Patricia "
            "Jennifer Linda Elizabeth Susan Margaret Sarah Karen Nancy Daniel Matthew"
        ),
        _words("Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Anderson Thomas"),
        _words(
            "Ash Black Brad Carl Ell Fair Green Hart Kings Lang Mor Night Old Red Stan "
            "Thorn Wood Whit Brook Cross"
        ),
        _words("ford ley ton wood field well worth by ham more"),
        (("United Kingdom", "GB"), ("United States", "US"), ("Canada", "CA")),
    ),
    Culture(
        _words(
            "Miguel Angel Jose Luis Carlos Juan Pedro Alejandro Fernando Jorge Maria Carmen "
            "Ana Lucia Isabel Rosa Elena Sofia Diego Javier"
        ),
        _words("Rodriguez Gonzalez Hernandez Lopez Martinez Sanchez Ramirez Torres Flores"),
        _words("Alva Bel Cas Del Esc Gal Her Mend Or Pas Quin Riv Sal Tor Val Vill Zam"),
        _words("ez arro ado era illa uela ana oza ino"),
        (("Colombia", "CO"), ("Mexico", "MX"), ("Venezuela", "VE")),
    ),
    Culture(
        _words(
            "Jurgen Klaus Wolfgang Dieter Stefan Uwe Matthias Gunter Sabine Ursula Monika "
            "Petra Birgit Heinz Horst Manfred Karl Andreas"
        ),
        _words("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann"),
        _words("Bau Eich Grün Hoch Kalt Lind Mar Ober Rosen Schön Stein Wald Weiß Wolf"),
        _words("mann berg bach hofer feld stadt meier huber"),
        (("Germany", "DE"), ("Austria", "AT"), ("Switzerland", "CH")),
    ),
    Culture(
        _words(
            "Vladimir Sergey Alexei Dmitry Ivan Nikolai Mikhail Andrei Yuri Oleg Natalia "
            "Olga Tatiana Irina Svetlana Yelena Boris Igor Viktor Pavel"
        ),
        _words("Ivanov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Petrov"),
        _words(
            "Abram Bel Bog Volk Gor Dub Zhuk Kar Kras Lys Med Orl Pan Ryab Sav Tim Fed Shap Yak Zub"
        ),
        _words("ov ev in enko sky ovich"),
        (("Russia", "RU"), ("Belarus", "BY"), ("Ukraine", "UA")),
        script="cyrillic",
    ),
    Culture(
        _words(
            "Mohammed Ahmed Ali Hassan Hussein Omar Abdullah Khalid Youssef Ibrahim Mustafa "
            "Fatima Aisha Zainab Maryam Samir Tariq Walid Karim Nasser"
        ),
        _words("Al-Rashid Al-Masri Haddad Khoury Nasser Saleh Mansour Hamdan Qasim Farouk"),
        _words(
            "Al-Ab Al-Bak Al-Dar Al-Far Al-Ham Al-Jab Al-Kat Al-Nab Al-Sad Al-Zah "
            "Bar Dah Han Jam Mas Rah Sal Tam"
        ),
        _words("ari awi idi oun ani adi"),
        (("Iran", "IR"), ("Syria", "SY"), ("Iraq", "IQ"), ("Lebanon", "LB"), ("Yemen", "YE")),
    ),
    Culture(
        _words("Wei Fang Lei Jun Ming Hua Jian Ping Yan Xiu Li Na Hong Qiang Bo Tao Yong Jie"),
        _words("Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin"),
        (),
        (),
        (("China", "CN"), ("Korea, North", "KP"), ("Taiwan", "TW")),
        script="han",
    ),
    Culture(
        _words(
            "Georgios Dimitrios Konstantinos Ioannis Nikolaos Charalampos Eleni Maria "
            "Aikaterini Vasiliki Sofia Panagiotis Christos"
        ),
        _words("Papadopoulos Georgiou Dimitriou Nikolaidis Konstantinou Pappas Oikonomou"),
        _words("Andre Christo Kara Lamb Makri Papa Sta Theo Vlach Zach"),
        _words("poulos akis idis ou atos"),
        (("Greece", "GR"), ("Cyprus", "CY")),
        script="greek",
    ),
)
ORGANISATION_WORDS = _words(
    "Trading Shipping Energy Petroleum Industrial Holding Investment Maritime Logistics Global "
    "Capital Export Import Metals Chemicals Aviation Construction Engineering Mining Resources "
    "Technology Security Finance Commercial Development Oriental Northern Golden Eastern Star"
)
LEGAL_FORMS = _words("LLC Ltd JSC GmbH SA Co. Limited PJSC OOO")
# Latin -> native script, letter by letter: enough to produce names that anyascii brings back
# close to the Latin form, as real lists' native-script aliases are.
_CYRILLIC = {
    "shch": "щ", "sh": "ш", "ch": "ч", "zh": "ж", "kh": "х", "ts": "ц", "yu": "ю", "ya": "я",
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "e": "е", "z": "з", "i": "и", "y": "ы",
    "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т",
    "u": "у", "f": "ф", "h": "х", "c": "к", "j": "й", "w": "в", "x": "кс", "q": "к",
}  # fmt: skip
_GREEK = {
    "ch": "χ", "th": "θ", "ps": "ψ", "a": "α", "b": "β", "g": "γ", "d": "δ", "e": "ε",
    "z": "ζ", "i": "ι", "k": "κ", "l": "λ", "m": "μ", "n": "ν", "x": "ξ", "o": "ο", "p": "π",
    "r": "ρ", "s": "σ", "t": "τ", "y": "υ", "f": "φ", "u": "ου", "v": "β", "h": "χ", "c": "κ",
    "j": "ι", "w": "ου", "q": "κ",
}  # fmt: skip
_HANZI = {
    "wang": "王", "li": "李", "zhang": "张", "liu": "刘", "chen": "陈", "yang": "杨",
    "huang": "黄", "zhao": "赵", "wu": "吴", "zhou": "周", "xu": "徐", "sun": "孙", "ma": "马",
    "zhu": "朱", "hu": "胡", "guo": "郭", "he": "何", "lin": "林", "wei": "伟", "fang": "芳",
    "lei": "磊", "jun": "军", "ming": "明", "hua": "华", "jian": "建", "ping": "平", "yan": "燕",
    "xiu": "秀", "na": "娜", "hong": "红", "qiang": "强", "bo": "波", "tao": "涛", "yong": "勇",
    "jie": "杰",
}  # fmt: skip
_SPELLINGS = (
    ("mohammed", "muhammad"), ("ahmed", "ahmad"), ("hussein", "husain"), ("youssef", "yusuf"),
    ("sergey", "sergei"), ("alexei", "aleksey"), ("yelena", "elena"), ("yuri", "iurii"),
    ("ü", "ue"), ("ß", "ss"), ("ph", "f"), ("ks", "x"), ("ou", "u"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SyntheticEntry:
    entry_id: int
    is_person: bool
    #: Given names and surname (persons), or the organisation's name.
    given: tuple[str, ...]
    surname: str
    aliases: tuple[str, ...]
    birth: date | None
    #: Whether only the birth year is listed.
    year_only: bool
    country: tuple[str, str]

    @property
    def name(self) -> str:
        return " ".join((*self.given, self.surname)) if self.is_person else self.surname


def synthetic_entries(n: int, seed: int) -> list[SyntheticEntry]:
    """`n` distinct entries, about one in eight an organisation."""
    rng = random.Random(seed)
    seen: set[str] = set()
    entries: list[SyntheticEntry] = []
    while len(entries) < n:
        entry = _organisation(rng, len(entries) + 1) if rng.random() < 0.125 else None
        entry = entry or _person(rng, len(entries) + 1)
        if entry.name.casefold() not in seen:
            seen.add(entry.name.casefold())
            entries.append(entry)
    return entries


def write_ofac_csv(directory: Path, n: int, seed: int) -> tuple[Path, Path, Path]:
    """sdn.csv, alt.csv and add.csv of `n` synthetic entries in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / "sdn.csv", directory / "alt.csv", directory / "add.csv"
    with (
        paths[0].open("w", newline="", encoding="utf-8") as sdn,
        paths[1].open("w", newline="", encoding="utf-8") as alt,
        paths[2].open("w", newline="", encoding="utf-8") as add,
    ):
        sdn_rows, alt_rows, add_rows = csv.writer(sdn), csv.writer(alt), csv.writer(add)
        alt_num = 0
        for e in synthetic_entries(n, seed):
            remarks = []
            if e.birth is not None:
                remarks.append(f"DOB {e.birth:%Y}" if e.year_only else f"DOB {e.birth:%d %b %Y}")
            if e.is_person:
                remarks.append(f"nationality {e.country[0]}")
            name = f"{e.surname.upper()}, {' '.join(e.given)}" if e.is_person else e.name.upper()
            sdn_rows.writerow(
                [e.entry_id, name, "individual" if e.is_person else "-0- ", "SDGT"]
                + ["-0- "] * 7
                + ["; ".join(remarks) + ";" if remarks else "-0- "]
            )
            for alias in e.aliases:
                alt_num += 1
                alt_rows.writerow([e.entry_id, alt_num, "aka", alias, "-0- "])
            add_rows.writerow([e.entry_id, e.entry_id, "-0- ", "-0- ", e.country[0], "-0- "])
    return paths


EU_HEADER = (
    "fileGenerationDate", "Entity_LogicalId", "Entity_EU_ReferenceNumber",
    "Entity_SubjectType", "Entity_SubjectType_ClassificationCode", "Entity_Regulation_Programme",
    "NameAlias_LastName", "NameAlias_FirstName", "NameAlias_MiddleName", "NameAlias_WholeName",
    "BirthDate_BirthDate", "BirthDate_Year", "Citizenship_CountryIso2Code",
    "Address_CountryIso2Code",
)  # fmt: skip


def write_eu_csv(path: Path, n: int, seed: int) -> Path:
    """The EU Financial Sanctions Files CSV of `n` synthetic entries: one row per name, one per
    birth date and one per citizenship, each repeating the entity's columns, as the EU's file
    does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as file:
        rows = csv.writer(file, delimiter=";")
        rows.writerow(EU_HEADER)
        for e in synthetic_entries(n, seed):
            kind = ("person", "P") if e.is_person else ("enterprise", "E")
            entity = ["2026-01-01", e.entry_id, f"EU.{e.entry_id}", *kind, "TERR"]
            blank_name = ["", "", "", ""]
            first = e.given[0] if e.given else ""
            rows.writerow([*entity, e.surname, first, "", e.name, "", "", "", ""])
            for alias in e.aliases:
                rows.writerow([*entity, "", "", "", alias, "", "", "", ""])
            if e.birth is not None:
                birth = ["", str(e.birth.year)] if e.year_only else [e.birth.isoformat(), ""]
                rows.writerow([*entity, *blank_name, *birth, "", ""])
            citizenship = [e.country[1], ""] if e.is_person else ["", e.country[1]]
            rows.writerow([*entity, *blank_name, "", "", *citizenship])
    return path


def query_names(n: int, seed: int, listed: list[SyntheticEntry]) -> list[str]:
    """Names to screen: about one in ten a listed name with a typo or in another order, the
    rest made the same way as listed names but (mostly) not on the list."""
    rng = random.Random(seed)
    names = []
    for i in range(n):
        if listed and rng.random() < 0.1:
            entry = rng.choice(listed)
            names.append(_typo(rng, entry.name) if rng.random() < 0.5 else _reordered(entry))
        else:
            names.append(_person(rng, i).name)
    return names


def _person(rng: random.Random, entry_id: int) -> SyntheticEntry:
    culture = rng.choice(CULTURES)
    given = [rng.choice(culture.given)]
    if rng.random() < 0.4:
        given.append(rng.choice(culture.given))
    if culture.stems and rng.random() < 0.6:
        surname = rng.choice(culture.stems) + rng.choice(culture.endings)
    else:
        surname = rng.choice(culture.surnames)
    birth = date(rng.randint(1940, 2002), rng.randint(1, 12), rng.randint(1, 28))
    aliases = []
    latin = " ".join((*given, surname))
    variant = _spelling(latin)
    if variant != latin:
        aliases.append(variant)
    if culture.script:
        aliases.append(_native(culture, given, surname))
    if rng.random() < 0.3:
        aliases.append(_typo(rng, latin))
    return SyntheticEntry(
        entry_id=entry_id,
        is_person=True,
        given=tuple(given),
        surname=surname,
        aliases=tuple(aliases),
        birth=birth if rng.random() < 0.85 else None,
        year_only=rng.random() < 0.2,
        country=rng.choice(culture.countries),
    )


def _organisation(rng: random.Random, entry_id: int) -> SyntheticEntry:
    culture = rng.choice(CULTURES)
    words = rng.sample(ORGANISATION_WORDS, rng.randint(1, 2))
    founder = rng.choice(culture.surnames)
    name = " ".join((founder, *words, rng.choice(LEGAL_FORMS)))
    aliases = (" ".join((founder, *words)),) if rng.random() < 0.5 else ()
    return SyntheticEntry(
        entry_id=entry_id,
        is_person=False,
        given=(),
        surname=name,
        aliases=aliases,
        birth=None,
        year_only=False,
        country=rng.choice(culture.countries),
    )


def _spelling(name: str) -> str:
    lowered = name.lower()
    for written, variant in _SPELLINGS:
        if written in lowered:
            return lowered.replace(written, variant).title()
    return name


def _native(culture: Culture, given: list[str], surname: str) -> str:
    if culture.script == "han":
        # Surname first, given name in one word.
        return "".join(_HANZI.get(w.lower(), w) for w in (surname, *given))
    table = _CYRILLIC if culture.script == "cyrillic" else _GREEK
    return " ".join(_letters(anyascii(w).lower(), table) for w in (*given, surname))


def _letters(word: str, table: dict[str, str]) -> str:
    out, i = [], 0
    while i < len(word):
        for size in (4, 2, 1):
            if word[i : i + size] in table:
                out.append(table[word[i : i + size]])
                i += size
                break
        else:
            out.append(word[i])
            i += 1
    return "".join(out).title()


def _typo(rng: random.Random, name: str) -> str:
    i = rng.randrange(1, len(name) - 1)
    match rng.randrange(3):
        case 0:
            return name[:i] + name[i + 1 :]
        case 1:
            return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        case _:
            return name[:i] + rng.choice("aeiourstn") + name[i:]


def _reordered(entry: SyntheticEntry) -> str:
    return " ".join((entry.surname, *entry.given)) if entry.is_person else entry.name
