"""The console's templates (Jinja2, shipped in the package) and their filters: amounts in major
units by their currency's ISO 4217 exponent, times in UTC, ids shortened for reading."""

from __future__ import annotations

import datetime
import time
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from strongroom.api.console.charts import sparkline
from strongroom.api.console.figures import milliseconds
from strongroom.money import format_amount, is_currency

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("strongroom.api.console", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def money(amount: int | None, currency: str | None = None) -> str:
    """`12345, "SGD"` -> `123.45 SGD`; minor units as they are when the currency is unknown."""
    if amount is None:
        return ""
    if currency is not None and is_currency(currency):
        return format_amount(amount, currency)
    return f"{amount:,}"


def when(ns: int | None) -> str:
    """Nanoseconds since the epoch as `2026-12-05 09:14:03 UTC`."""
    if ns is None:
        return ""
    at = datetime.datetime.fromtimestamp(ns / 1e9, datetime.UTC)
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def short(value: object) -> str:
    """The last 8 characters of an id: enough to tell rows apart on a page. Not the first:
    UUIDv7 ids begin with their creation time, so ids made within a minute share them."""
    text = str(value)
    return text[-8:] if len(text) > 12 else text


ENVIRONMENT.filters.update(money=money, when=when, short=short, latency=milliseconds)
ENVIRONMENT.globals.update(sparkline=sparkline)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """`template` rendered with `context`, the signed-in person (`staff`, when there is one)
    and the server time spent so far (a Server-Timing header)."""
    staff = getattr(request.state, "staff", None)
    html = ENVIRONMENT.get_template(template).render(request=request, staff=staff, **context)
    response = HTMLResponse(html, status_code=status_code)
    started = getattr(request.state, "console_started", None)
    if started is not None:
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1e3:.1f}"
    response.headers["Cache-Control"] = "no-store"
    return response
