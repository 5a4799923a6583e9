"""An integer field takes any JSON number whose value is an integer (`5.0`), read exactly from
the body's text, on both kinds of route; a number with a fraction is refused naming the field."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from strongroom.api.http.numbers import integral_numbers
from tests.api.helpers import account, transfer


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Edge-only checks: one backend is enough."""
    return sqlite_url


def _refused_as_not_integers(*locs: tuple[str | int, ...]) -> list[dict[str, Any]]:
    """Pydantic's errors for float inputs in strict integer fields at `locs`."""
    return [{"type": "int_type", "loc": loc, "input": 5.0} for loc in locs]


@pytest.mark.parametrize(
    ("number", "value"),
    [
        ("5.0", 5),
        ("5e0", 5),
        ("50E-1", 5),
        ("-0.0", 0),
        ("9007199254740993.0", 2**53 + 1),
        ("9.223372036854775807e18", 2**63 - 1),
    ],
)
def test_an_integral_number_becomes_its_exact_integer(number: str, value: int) -> None:
    raw = b'{"items": [{"n": %s, "rate": 2.5}]}' % number.encode()
    rewritten = integral_numbers(raw, _refused_as_not_integers(("items", 0, "n")))
    assert rewritten is not None
    document = json.loads(rewritten)
    assert document == {"items": [{"n": value, "rate": 2.5}]}
    assert type(document["items"][0]["n"]) is int


@pytest.mark.parametrize("number", ["1.5", "1.0000000000000000001", "4503599627370496.5", "1e50"])
def test_a_number_that_is_not_an_integer_or_is_absurdly_large_stays_refused(number: str) -> None:
    raw = b'{"n": %s}' % number.encode()
    assert integral_numbers(raw, _refused_as_not_integers(("n",))) is None


def test_only_the_numbers_the_errors_name_are_rewritten() -> None:
    raw = b'{"body": {"n": 5.0, "metadata": {"n": 5.0}}}'
    rewritten = integral_numbers(raw, _refused_as_not_integers(("body", "n")))
    assert rewritten is not None
    assert b'"n": 5,' in rewritten
    assert b'"metadata": {"n": 5.0}' in rewritten
    rooted = integral_numbers(b'{"n": 5.0}', _refused_as_not_integers(("body", "n")), ("body",))
    assert rooted == b'{"n": 5}'
    elsewhere = _refused_as_not_integers(("query", "n"))
    assert integral_numbers(b'{"n": 5.0}', elsewhere, ("body",)) is None


@pytest.mark.parametrize(
    "errors",
    [
        [{"type": "int_type", "loc": ("n",), "input": "5"}],
        [{"type": "missing", "loc": ("n",), "input": {}}],
        _refused_as_not_integers(("elsewhere",)),
        _refused_as_not_integers(("n", 0)),
        _refused_as_not_integers(()),
    ],
)
def test_other_errors_leave_the_body_alone(errors: list[dict[str, Any]]) -> None:
    assert integral_numbers(b'{"n": 5.0}', errors) is None


async def test_integral_numbers_are_integers_on_both_kinds_of_route(
    client: httpx.AsyncClient, writer: dict[str, str]
) -> None:
    a, b = account(), account()
    accounts = f"""{{"accounts": [
        {{"id": "{a["id"]}", "ledger": "USD", "code": 1.0}},
        {{"id": "{b["id"]}", "ledger": "USD", "code": 10e-1, "overdraft_limit": 0.0}}]}}"""
    json_type = {**writer, "Content-Type": "application/json"}
    r = await client.post("/v1/accounts", content=accounts, headers=json_type)
    assert [x["result"] for x in r.json()["results"]] == ["ok", "ok"]
    t = transfer(a["id"], b["id"])
    transfers = f"""{{"transfers": [{{"id": "{t["id"]}", "debit_account_id": "{a["id"]}",
        "credit_account_id": "{b["id"]}", "amount": 9007199254740993.0, "ledger": "USD",
        "code": 1e0, "flags": ["pending"], "timeout": 3.6e3, "metadata": {{"rate": 5.0}}}}]}}"""
    r = await client.post("/v1/transfers", content=transfers, headers=json_type)
    assert r.json()["results"][0]["result"] == "ok"
    shown = await client.get(f"/v1/transfers/{t['id']}", headers=writer)
    assert b'"amount":9007199254740993' in shown.content
    assert (shown.json()["code"], shown.json()["timeout"]) == (1, 3600)
    # Only integer fields are read as integers: metadata keeps the number it was sent.
    assert shown.json()["metadata"] == {"rate": 5.0}
    assert type(shown.json()["metadata"]["rate"]) is float


@pytest.mark.parametrize("number", ["1.5", "1.0000000000000000001"])
async def test_a_number_with_a_fraction_is_refused_naming_the_field(
    client: httpx.AsyncClient, writer: dict[str, str], number: str
) -> None:
    a, b = account(), account()
    json_type = {**writer, "Content-Type": "application/json"}
    accounts = f'{{"accounts": [{{"id": "{a["id"]}", "ledger": "USD", "code": {number}}}]}}'
    r = await client.post("/v1/accounts", content=accounts, headers=json_type)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["accounts[0].code"]
    t = transfer(a["id"], b["id"])
    transfers = json.dumps({"transfers": [{**t, "amount": "AMOUNT"}]}).replace('"AMOUNT"', number)
    r = await client.post("/v1/transfers", content=transfers, headers=json_type)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["transfers[0].amount"]
