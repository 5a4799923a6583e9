"""`install(app, services)`: the console's pages, its static files and its sessions on
the API's FastAPI application, under /console."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from strongroom.api.console import (
    accounts,
    audit,
    billing,
    compliance,
    customers,
    dashboard,
    intents,
    missing,
    products,
    signin,
)
from strongroom.api.console.services import ConsoleServices
from strongroom.api.console.sessions import Sessions

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, services: ConsoleServices) -> None:
    app.state.console = services
    app.state.console_sessions = Sessions(services.keyring, services.clock)
    for module in (
        signin,
        dashboard,
        customers,
        accounts,
        intents,
        compliance,
        audit,
        products,
        billing,
    ):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    # Last: any other path under /console is a page that does not exist, told as a page.
    app.include_router(missing.router)
