"""Singapore NRIC and FIN numbers: a series letter, seven digits, a check letter.

The check letter: weigh the digits by 2, 7, 6, 5, 4, 3, 2, add the series' offset, take the sum
modulo 11, and read the series' table at that remainder.

| series | issued to | offset | table, remainder 0 to 10 |
| --- | --- | --- | --- |
| S | citizens and permanent residents born before 2000 | 0 | JZIHGFEDCBA |
| T | citizens and permanent residents born from 2000 | 4 | JZIHGFEDCBA |
| F | foreigners, issued before 2000 | 0 | XWUTRQPNMLK |
| G | foreigners, issued from 2000 | 4 | XWUTRQPNMLK |
| M | foreigners, issued from 1 January 2022 | 3 | XWUTRQPNJLK |

The Immigration & Checkpoints Authority does not publish the algorithm. The S, T, F and G
offsets and tables are the long-established ones (http://www.ngiam.net/NRIC/NRIC_numbers.pdf),
which GovTech's FormSG also implements. The M series is from FormSG, `isMFinSeriesValid` in
packages/shared/utils/nric-validation.ts (https://github.com/opengovsg/FormSG): it adds 3 to
the weighted sum, computes P = 11 - (sum mod 11) and takes the letter at P - 1 of
"KLJNPQRTUWX"; read by the remainder instead, that table is reversed, "XWUTRQPNJLK" above, so
that one rule serves all five series. FormSG's test vector M1234567K passes.

Within a series a wrong digit always changes the check letter (every weight times every digit
difference is non-zero modulo 11, a prime, and each table's letters are distinct), and the
tables are arranged so that changing only the series letter does too.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from strongroom.compliance.kyc.errors import InvalidNric, NricProblem

WEIGHTS = (2, 7, 6, 5, 4, 3, 2)
_CITIZENS = "JZIHGFEDCBA"
_FOREIGNERS = "XWUTRQPNMLK"
#: series letter -> (offset, check letters by remainder)
SERIES: Mapping[str, tuple[int, str]] = {
    "S": (0, _CITIZENS),
    "T": (4, _CITIZENS),
    "F": (0, _FOREIGNERS),
    "G": (4, _FOREIGNERS),
    "M": (3, "XWUTRQPNJLK"),
}
LENGTH = 9
# ASCII only: str.upper turns some other letters into ASCII ones (U+017F, long s, into "S").
_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def nric_check_letter(series: str, digits: str, *, field: str = "nric") -> str:
    """The check letter of the number `series` + `digits` (seven ASCII digits)."""
    if series not in SERIES:
        raise InvalidNric(
            field, NricProblem.SERIES, f"series {series!r} is not one of {', '.join(SERIES)}"
        )
    if len(digits) != len(WEIGHTS) or not (digits.isascii() and digits.isdigit()):
        raise InvalidNric(
            field, NricProblem.DIGITS, f"{digits!r} is not {len(WEIGHTS)} digits after the series"
        )
    offset, table = SERIES[series]
    weighted = sum(weight * int(digit) for weight, digit in zip(WEIGHTS, digits, strict=True))
    return table[(offset + weighted) % len(table)]


def validate_nric(value: str, *, field: str = "nric") -> str:
    """`value` in upper case without surrounding blanks, if it is a valid NRIC or FIN; else
    `InvalidNric` naming `field` and the part that is wrong."""
    text = value.strip().translate(_UPPER)
    if len(text) != LENGTH:
        raise InvalidNric(
            field,
            NricProblem.LENGTH,
            f"has {len(text)} characters, not {LENGTH} (series letter, 7 digits, check letter)",
        )
    expected = nric_check_letter(text[0], text[1:-1], field=field)
    if text[-1] != expected:
        raise InvalidNric(
            field, NricProblem.CHECK_LETTER, f"check letter {text[-1]!r} does not fit the digits"
        )
    return text


def is_valid_nric(value: str) -> bool:
    try:
        validate_nric(value)
    except InvalidNric:
        return False
    return True
