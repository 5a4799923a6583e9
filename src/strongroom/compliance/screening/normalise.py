"""Names reduced to comparable tokens, whatever script or spelling they arrive in.

Both sides of a comparison (the listed name and the screened one) go through `name_tokens`, so a
folding only has to be consistent, not linguistically right: it may merge a few names that
differ (costing a little precision), it must never split one name into two spellings.

The steps, in order:

1. Han characters are romanised one syllable each and grouped as Chinese names are written in
   Latin script: the first syllable is the surname, the rest one given name ("王小明" ->
   "wang xiaoming"). Compound surnames are rare enough to leave to fuzzy matching.
2. Everything else goes through anyascii (any script to ASCII: "Мюллер" -> "Myuller",
   "Χαράλαμπος" -> "Charalampos", "ß" -> "ss"), then casefold.
3. Apostrophes join ("O'Brien" -> "obrien"); every other character that is not a letter or a
   digit separates tokens ("Al-Tikriti" -> "al tikriti").
4. Spelling variants that transliteration produces are folded: "ae", "oe", "ue" to "a", "o",
   "u" (German umlauts written out: "MUELLER" and "Müller" both become "muller") and "yu" to "u"
   (Cyrillic "ю": "Myuller" becomes "muller" too).
5. Honorifics ("mr", "dr", "sheikh"...) and legal-form suffixes ("ltd", "llc", "gmbh", "ooo"...)
   are dropped, unless nothing else is left ("AB" stays a name). They say nothing about who is
   meant, and a company's legal form differs between lists and payment messages.

Arabic script transliterates without short vowels ("محمد" -> "mhmd"): it matches a listed name
written in Arabic, not its Latin spelling ("Mohammed"); lists carry Latin aliases for that.
"""

from __future__ import annotations

import re
import unicodedata

from anyascii import anyascii

HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "dame",
        "madam",
        "mme",
        "mlle",
        "herr",
        "frau",
        "sheikh",
        "shaikh",
        "haji",
        "hajji",
    ]
)
LEGAL_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "jsc",
        "ojsc",
        "pjsc",
        "cjsc",
        "ooo",
        "zao",
        "oao",
        "pao",
        "llp",
        "lp",
        "pte",
        "pty",
    ]
)
_FOLDS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("yu", "u"))
_SEPARATORS = re.compile(r"[^0-9a-z]+")
_HAN_RUNS = re.compile("([\u3400-\u4dbf\u4e00-\u9fff]+)")


def name_tokens(name: str) -> tuple[str, ...]:
    """The tokens `name` is compared by, in their original order."""
    text = _romanise(unicodedata.normalize("NFC", name)).casefold().replace("'", "")
    tokens = [_fold(token) for token in _SEPARATORS.split(text) if token]
    kept = [t for t in tokens if t not in HONORIFICS and t not in LEGAL_FORMS]
    return tuple(kept or tokens)


def normalise(name: str) -> str:
    """`name`'s tokens joined by single spaces: the form hits are compared and shown in."""
    return " ".join(name_tokens(name))


def _fold(token: str) -> str:
    for written, folded in _FOLDS:
        token = token.replace(written, folded)
    return token


def _romanise(text: str) -> str:
    parts = _HAN_RUNS.split(text)
    # split() with a capturing group alternates: outside Han, a Han run, outside Han...
    return "".join(_han_name(part) if i % 2 else anyascii(part) for i, part in enumerate(parts))


def _han_name(run: str) -> str:
    syllables = [anyascii(char).lower() for char in run]
    return f" {syllables[0]} {''.join(syllables[1:])} "
