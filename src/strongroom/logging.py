"""Structured logs: structlog configured once, every line carrying the trace id and the actor.

    strongroom.logging.configure(json=True)
    log = strongroom.logging.get_logger(__name__)
    log.info("transfer posted", transfer_id=...)
    # {"event": "transfer posted", "transfer_id": ..., "trace_id": "...", "tenant": "acme",
    #  "actor": "key_123", "level": "info", "timestamp": "2026-...Z", "logger": "..."}

The trace id and actor come from strongroom.tracing at the moment of the call, so they follow
the request across tasks, threads and bus messages without being passed around.
Must not import anything from Strongroom but strongroom.tracing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import structlog
from structlog.typing import FilteringBoundLogger, Processor

from strongroom.tracing import current_actor, current_trace_id


def add_request_context(
    _logger: object, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: add `trace_id`, `tenant` and `actor` unless the call set them."""
    trace_id = current_trace_id()
    if trace_id is not None:
        event.setdefault("trace_id", trace_id)
    actor = current_actor()
    if actor is not None:
        event.setdefault("tenant", actor.tenant)
        event.setdefault("actor", actor.principal)
    return event


def configure(
    *, json: bool = True, level: int | str = "INFO", stream: TextIO | None = None
) -> None:
    """JSON lines (or a human console format) on `stream` (default stderr), from `level` up."""
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping()[level.upper()]
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            add_request_context,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        # Loggers are looked up on each call so that a later configure() takes effect.
        cache_logger_on_first_use=False,
    )


def get_logger(name: str | None = None, **initial: Any) -> FilteringBoundLogger:
    """A structlog logger; `name` is added as `logger` on every line. Lazy: a logger made at
    import time writes with the configuration in force when it logs, not when it was made."""
    values = initial if name is None else {"logger": name, **initial}
    return cast(FilteringBoundLogger, _Lazy(values))


class _Lazy:
    """Binds its values to a logger of the current configuration at each call. (structlog's own
    lazy proxy resolves for good on `bind`, and a `logger=` value cannot be passed to it.)"""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return getattr(structlog.get_logger().bind(**self._values), name)
