"""Request context: the trace id and the acting principal, carried in `contextvars`.

asyncio tasks inherit the context automatically. Thread pools do not: use `run_in_thread`.
Bus messages carry the trace id in their envelope, and consumers restore it with `bound`.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from strongroom.ids import new_id

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: the tenant and the credential (API key id, user, or a system job)."""

    tenant: str
    principal: str


trace_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "strongroom_trace_id", default=None
)
actor_var: contextvars.ContextVar[Actor | None] = contextvars.ContextVar(
    "strongroom_actor", default=None
)


def new_trace_id() -> str:
    """A W3C-compatible trace id: 32 lowercase hex digits, time-ordered."""
    return new_id().hex


def current_trace_id() -> str | None:
    return trace_id_var.get()


def current_actor() -> Actor | None:
    return actor_var.get()


@contextmanager
def bound(trace_id: str | None = None, actor: Actor | None = None) -> Iterator[str]:
    """Run a block under `trace_id` (a new one if None) and, when given, `actor`."""
    trace = trace_id or new_trace_id()
    trace_token = trace_id_var.set(trace)
    actor_token = actor_var.set(actor) if actor is not None else None
    try:
        yield trace
    finally:
        if actor_token is not None:
            actor_var.reset(actor_token)
        trace_id_var.reset(trace_token)


async def run_in_thread(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`loop.run_in_executor` that keeps the caller's trace id and actor in the worker thread."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(None, call)
