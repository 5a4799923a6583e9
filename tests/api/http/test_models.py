"""The request models: what the published patterns promise, the models accept."""

from __future__ import annotations

import itertools
import json
import re

import pytest
from pydantic import TypeAdapter, ValidationError

from strongroom.api.http.models import Amount, digits_at_most
from strongroom.money import AMOUNT_MAX


@pytest.mark.parametrize("bound", [0, 7, 10, 99, 100, 305, 1000, 9099])
def test_digits_at_most_matches_the_digit_strings_up_to_the_bound(bound: int) -> None:
    pattern = re.compile(digits_at_most(bound))
    width = len(str(bound))
    for length in range(width + 2):
        for digits in itertools.product("0123456789", repeat=length):
            text = "".join(digits)
            expected = 1 <= length <= width and int(text) <= bound
            assert bool(pattern.search(text)) == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "00",
        "9007199254740993",
        "0999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "9300000000000000000",
        "9999999999999999999",
        "09223372036854775807",
        "",
        "-1",
        "1.0",
        " 1",
        "1\n",
        "\u0661",
    ],
)
def test_an_amount_string_is_accepted_exactly_when_the_published_pattern_matches(
    text: str,
) -> None:
    pattern = re.compile(digits_at_most(AMOUNT_MAX))
    try:
        TypeAdapter(Amount).validate_json(json.dumps(text))
    except ValidationError:
        accepted = False
    else:
        accepted = True
    # \Z: JSON Schema's `$` is the end of the string, Python's also matches before a last "\n".
    assert accepted == bool(re.search(pattern.pattern.removesuffix("$") + r"\Z", text))
