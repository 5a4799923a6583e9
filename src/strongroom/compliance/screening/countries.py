"""Country names as lists write them, to ISO 3166-1 alpha-2.

OFAC writes country names, not codes, and some in its own form ("Korea, North", "Burma"); the
ISO names (through pycountry) cover the rest. A name neither knows is dropped by the caller:
a country only breaks ties, so a missing one costs a tie-break, not a match.
"""

from __future__ import annotations

import pycountry

#: OFAC's spellings that ISO 3166's names, official names and common names do not include.
OFAC_NAMES = {
    "burma": "MM",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "cote d ivoire": "CI",
    "korea, north": "KP",
    "korea, south": "KR",
    "kosovo": "XK",
    "macau": "MO",
    "russia": "RU",
    "the bahamas": "BS",
    "the gambia": "GM",
    "turkey": "TR",
    "west bank": "PS",
    "gaza": "PS",
}


def country_code(name: str) -> str | None:
    """The alpha-2 code of `name` (a country name or code), or None if it is not one."""
    # Remarks end their last clause with a full stop ("nationality Iran.").
    key = " ".join(name.replace("'", " ").rstrip(".").split()).casefold()
    if not key:
        return None
    if key in OFAC_NAMES:
        return OFAC_NAMES[key]
    try:
        return str(pycountry.countries.lookup(key).alpha_2)
    except LookupError:
        return None
