"""Opening the events platform's stores: the outbox the relay reads, processed events, the
audit log."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from strongroom.events.ports import AuditLog, Outbox, ProcessedEvents
from strongroom.store.audit_log import SqlAuditLog
from strongroom.store.connections import sqlalchemy_engine
from strongroom.store.outbox import SqlOutbox
from strongroom.store.processed_events import SqlProcessedEvents
from strongroom.store.urls import parse_url


def open_outbox(url: str) -> Outbox:
    """The outbox at `url`: give it to a `Relay` (which then owns it), or ask it for status and
    pruning."""
    return SqlOutbox(parse_url(url))


def open_processed_events(url: str) -> ProcessedEvents[AsyncConnection]:
    """Where `IdempotentConsumer`s at `url` record what they applied; their handlers write their
    effects through the SQLAlchemy connection of the same transaction."""
    return SqlProcessedEvents(sqlalchemy_engine(parse_url(url)))


def open_audit_log(url: str) -> AuditLog[AsyncConnection]:
    """The hash-chained audit log at `url`, for the audit consumer, verify and tail."""
    return SqlAuditLog(sqlalchemy_engine(parse_url(url)))
