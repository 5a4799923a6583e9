"""How the bank's routes reach its services: one FastAPI dependency per service, all read from
the `BankingServices` the app was created with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import Request

from strongroom.banking.services import BankingServices

T = TypeVar("T")


def bank_service(pick: Callable[[BankingServices], T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency answering `pick` of the app's banking services."""

    async def of(request: Request) -> T:
        banking: BankingServices = request.app.state.banking
        return pick(banking)

    return of
