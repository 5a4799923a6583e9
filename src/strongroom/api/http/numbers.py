"""Integral JSON numbers in integer fields: `5`, `5.0`, `5e0` and `50e-1` are one integer.

JSON Schema, and so the OpenAPI document, calls a number an integer when its value has no
fraction, however it is written, and clients whose JSON libraries hold numbers as doubles send
`5.0`. The request models parse integers strictly, which keeps the common case (a plain JSON
integer) on the parser's fast path; a body refused because a number written with a fraction or
an exponent sat in an integer field gets a second, exact look here (`integral_numbers`), and the
route validates the rewritten body again. So the rule costs nothing on requests that follow it.

The value is read from the body's text as a decimal, never from a double: a double rounds
beyond 2**53 and after 17 significant digits, so `9007199254740993.0` would become ...992 and
`1.0000000000000000001` would become 1. Here the first is the integer 9007199254740993 and the
second is not an integer (422).

Imports only the standard library: it knows pydantic's errors by their shape, not their types.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

#: Integral numbers with more digits stay refused as such: every integer field is bounded far
#: below, and a request must not make the server build 10**1000000.
_DIGITS_MAX = 40


def integral_numbers(raw: bytes, errors: Sequence[Any], root: Sequence[str] = ()) -> bytes | None:
    """`raw` with each number whose exact value is an integer, and which `errors` (pydantic's,
    their locations under `root`) refused as not an integer, written as a JSON integer; None when
    there is none, and the errors stand as they are."""
    root = tuple(root)
    spots = [
        tuple(error["loc"])[len(root) :]
        for error in errors
        if error["type"] == "int_type"
        and type(error["input"]) is float
        and tuple(error["loc"])[: len(root)] == root
    ]
    if not spots:
        return None
    try:
        document = json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        return None
    rewritten = False
    for loc in spots:
        parent = _parent(document, loc)
        if parent is None:
            continue
        value = parent[loc[-1]]
        if isinstance(value, Decimal) and _is_integral(value):
            parent[loc[-1]] = int(value)
            rewritten = True
    if not rewritten:
        return None
    # Every other number was a double to the first parse as well (`float` writes it back exactly).
    return json.dumps(document, default=float).encode()


def _is_integral(value: Decimal) -> bool:
    return value.adjusted() < _DIGITS_MAX and value == value.to_integral_value()


def _parent(document: Any, loc: Sequence[int | str]) -> Any:
    """The object or array holding the value at `loc`, or None when `loc` leads nowhere."""
    node = document
    for depth, part in enumerate(loc):
        if not _holds(node, part):
            return None
        if depth == len(loc) - 1:
            return node
        node = node[part]
    return None


def _holds(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
