"""Every table the code reaches through SQLAlchemy Core, described once.

The migrations (strongroom/store/migrations) alone create the schema; these descriptions must
match them, and tests/store/test_tables.py checks that they do on both backends. The ledger's
hot paths use hand-written SQL (sqlite.py, postgres.py) and are not described here.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class UUIDColumn(TypeDecorator[uuid.UUID]):
    """A UUID: native on PostgreSQL, 16 raw bytes on SQLite (as the migrations create it)."""

    impl = sa.Uuid
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.LargeBinary(16))
        return dialect.type_descriptor(sa.Uuid(as_uuid=True))

    def process_bind_param(self, value: uuid.UUID | None, dialect: Dialect) -> object:
        if value is None or dialect.name != "sqlite":
            return value
        return value.bytes

    def process_result_value(self, value: object, dialect: Dialect) -> uuid.UUID | None:
        if value is None:
            return None
        if isinstance(value, bytes):
            return uuid.UUID(bytes=value)
        if isinstance(value, uuid.UUID):
            return value
        return uuid.UUID(str(value))


metadata = sa.MetaData()

# -- ledger (0001_ledger, 0003_events, 0007_outbox_transfer_refs) --------------------------

#: The ledger's log, read for the `ledger.transfer.created` events an outbox row refers to.
#: `metadata` is jsonb on PostgreSQL, text on SQLite: read it as text on both.
transfers = sa.Table(
    "transfers",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("id", UUIDColumn, nullable=False),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("debit_account_id", UUIDColumn, nullable=False),
    sa.Column("credit_account_id", UUIDColumn, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("ledger", sa.String(3), nullable=False),
    sa.Column("code", sa.Integer, nullable=False),
    sa.Column("flags", sa.Integer, nullable=False),
    sa.Column("pending_id", UUIDColumn, nullable=True),
    sa.Column("timeout", sa.Integer, nullable=False),
    sa.Column("metadata", sa.Text, nullable=True),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("events", sa.LargeBinary, nullable=False),
    sa.Column("published_at", sa.BigInteger, nullable=True),
    sa.Column("transfers_from", sa.BigInteger, nullable=True),
    sa.Column("transfers_to", sa.BigInteger, nullable=True),
    sa.Column("origins", sa.LargeBinary, nullable=True),
)

# -- events and audit (0003_events) -------------------------------------------------------

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", UUIDColumn, primary_key=True),
    sa.Column("processed_at", sa.BigInteger, nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", UUIDColumn, nullable=False),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("entity_id", sa.Text, nullable=True),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
    sa.Column("occurred_at", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", sa.BigInteger, nullable=False),
    sa.Column("trace_id", sa.Text, nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# -- security (0002_security) ---------------------------------------------------------------

data_keys = sa.Table(
    "data_keys",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("purpose", sa.String(8), nullable=False),
    sa.Column("kek_version", sa.Integer, nullable=False),
    sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
    sa.Column("state", sa.String(9), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("destroyed_at", sa.BigInteger, nullable=True),
)

parties = sa.Table(
    "parties",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("dek_id", UUIDColumn, nullable=False),
    sa.Column("full_name", sa.LargeBinary),
    sa.Column("email", sa.LargeBinary),
    sa.Column("email_bidx", sa.LargeBinary),
    sa.Column("national_id", sa.LargeBinary),
    sa.Column("national_id_bidx", sa.LargeBinary),
    sa.Column("date_of_birth", sa.LargeBinary),
    sa.Column("address", sa.LargeBinary),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # 0020_banking
    sa.Column("phone", sa.LargeBinary),
    sa.Column("phone_bidx", sa.LargeBinary),
    sa.Column("nationality", sa.LargeBinary),
    sa.Column("document_number", sa.LargeBinary),
    sa.Column("document_expiry", sa.LargeBinary),
)

# -- banking (0020_banking) -----------------------------------------------------------------

banking_customers = sa.Table(
    "banking_customers",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("kyc_status", sa.Text, nullable=False),
    sa.Column("risk_rating", sa.Text, nullable=False),
    sa.Column("national_id_kind", sa.Text),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("verified_at", sa.BigInteger),
    sa.Column("kyc_expires_at", sa.BigInteger),
    sa.Column("kyc_findings", sa.Text, nullable=False),
    sa.Column("erased_at", sa.BigInteger),
    sa.Column("version", sa.Integer, nullable=False),
)

banking_pots = sa.Table(
    "banking_pots",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("account_id", UUIDColumn, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("goal", sa.BigInteger, nullable=False),
    sa.Column("round_up", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

fx_rates = sa.Table(
    "fx_rates",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("base", sa.Text, nullable=False),
    sa.Column("quote", sa.Text, nullable=False),
    sa.Column("rate", sa.Text, nullable=False),
    sa.Column("as_of", sa.BigInteger, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
)

fx_quotes = sa.Table(
    "fx_quotes",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("sell_currency", sa.Text, nullable=False),
    sa.Column("buy_currency", sa.Text, nullable=False),
    sa.Column("sell_amount", sa.BigInteger, nullable=False),
    sa.Column("buy_amount", sa.BigInteger, nullable=False),
    sa.Column("rate", sa.Text, nullable=False),
    sa.Column("spread_bps", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
)

banking_beneficiaries = sa.Table(
    "banking_beneficiaries",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("customer_id", UUIDColumn, nullable=False),
    # Sealed under the customer's data key (strongroom.banking.beneficiaries); NULL only on a row
    # 0025 left in clear until the bank seals it on start.
    sa.Column("dek_id", UUIDColumn),
    sa.Column("name", sa.LargeBinary),
    sa.Column("account", sa.LargeBinary),
    sa.Column("account_bidx", sa.LargeBinary),
    sa.Column("name_in_clear", sa.Text),
    sa.Column("account_in_clear", sa.Text),
    sa.Column("bic", sa.Text),
    sa.Column("country", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("cooling_off_until", sa.BigInteger, nullable=False),
    sa.Column("removed_at", sa.BigInteger),
)

banking_accounts = sa.Table(
    "banking_accounts",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("customer_id", UUIDColumn, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("product", sa.Text, nullable=False),
    sa.Column("product_version", sa.Integer, nullable=False),
    sa.Column("opened_at", sa.BigInteger, nullable=False),
    sa.Column("closed_at", sa.BigInteger),
)

# -- products (0004_products) ---------------------------------------------------------------

product_versions = sa.Table(
    "product_versions",
    metadata,
    sa.Column("product", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("definition", sa.Text, nullable=False),
    sa.Column("published_by", sa.Text, nullable=False),
    sa.Column("trace_id", sa.Text, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

product_assignments = sa.Table(
    "product_assignments",
    metadata,
    sa.Column("account_id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("product", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("limit_overrides", sa.Text, nullable=False),
    sa.Column("assigned_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

product_assignment_changes = sa.Table(
    "product_assignment_changes",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("account_id", UUIDColumn, nullable=False),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("product", sa.Text, nullable=False),
    sa.Column("from_version", sa.Integer, nullable=True),
    sa.Column("to_version", sa.Integer, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("trace_id", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
)

product_accrual_states = sa.Table(
    "product_accrual_states",
    metadata,
    sa.Column("account_id", UUIDColumn, primary_key=True),
    sa.Column("last_day", sa.String(10), nullable=True),
    sa.Column("residue_credit", sa.Text, nullable=False),
    sa.Column("residue_overdraft", sa.Text, nullable=False),
    sa.Column("month_credit", sa.BigInteger, nullable=False),
    sa.Column("month_overdraft", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

# -- API keys (0005_api) --------------------------------------------------------------------

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("role", sa.String(8), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("secret_sha256", sa.LargeBinary(32), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
)

# -- intents (0011_intents) -----------------------------------------------------------------

intents = sa.Table(
    "intents",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("mutex_key", sa.Text, nullable=True),
    sa.Column("parent_id", UUIDColumn, nullable=True),
    sa.Column("customer", sa.Text, nullable=True),
    sa.Column("account", sa.Text, nullable=True),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("trace_id", sa.Text, nullable=True),
    sa.Column("run_at", sa.BigInteger, nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("results", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("run", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("timer_at", sa.BigInteger, nullable=True),
    sa.Column("timer_event", sa.Text, nullable=True),
    sa.Column("cancel_requested", sa.Boolean, nullable=False),
    sa.Column("lease_epoch", sa.BigInteger, nullable=False),
    sa.Column("lease_owner", sa.Text, nullable=True),
    # Its place in its mutex key's queue (0026_intent_turns): PostgreSQL's default draws it from
    # intents_turn_seq, SQLite's writer gives it (strongroom.store.intents).
    sa.Column("turn", sa.BigInteger, nullable=False),
)

intent_transitions = sa.Table(
    "intent_transitions",
    metadata,
    sa.Column("intent_id", UUIDColumn, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("from_state", sa.Text, nullable=True),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
)

intent_steps = sa.Table(
    "intent_steps",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("intent_id", UUIDColumn, nullable=False),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("run", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("started_at", sa.BigInteger, nullable=False),
    sa.Column("finished_at", sa.BigInteger, nullable=False),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
)

intent_schedules = sa.Table(
    "intent_schedules",
    metadata,
    sa.Column("tenant", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("next_at", sa.BigInteger, nullable=True),
    sa.Column("last_at", sa.BigInteger, nullable=True),
    sa.Column("fired", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

intent_workers = sa.Table(
    "intent_workers",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("started_at", sa.BigInteger, nullable=False),
    sa.Column("lease_until", sa.BigInteger, nullable=False),
)

# -- compliance (0012_compliance_rules) -----------------------------------------------------

compliance_rule_sets = sa.Table(
    "compliance_rule_sets",
    metadata,
    sa.Column("tenant", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("digest", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("published_at", sa.BigInteger, nullable=False),
    sa.Column("published_by", sa.Text, nullable=True),
)

compliance_decisions = sa.Table(
    "compliance_decisions",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("mode", sa.Text, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("rule_set_version", sa.Integer, nullable=True),
    sa.Column("fired", sa.Text, nullable=False),
    sa.Column("hits", sa.Text, nullable=False),
    sa.Column("failure", sa.Text, nullable=True),
    sa.Column("decided_at", sa.BigInteger, nullable=False),
    sa.Column("payment_at", sa.BigInteger, nullable=False),
    sa.Column("payment", sa.Text, nullable=False),
)

compliance_velocity = sa.Table(
    "compliance_velocity",
    metadata,
    sa.Column("tenant", sa.Text, primary_key=True),
    sa.Column("subject", sa.Text, primary_key=True),
    sa.Column("currency", sa.Text, primary_key=True),
    sa.Column("resolution", sa.Integer, primary_key=True),
    sa.Column("bucket", sa.BigInteger, primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Index("ix_compliance_velocity_bucket", "bucket"),
)

# -- compliance cases (0013_compliance_cases) ----------------------------------------------

compliance_cases = sa.Table(
    "compliance_cases",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("id", UUIDColumn, nullable=False, unique=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("due_at", sa.BigInteger, nullable=False),
    sa.Column("opened_by", sa.Text, nullable=False),
    sa.Column("intent_id", UUIDColumn, nullable=True),
    sa.Column("decision_id", UUIDColumn, nullable=True),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("hits", sa.Text, nullable=False),
    sa.Column("assignee", sa.Text, nullable=True),
    sa.Column("proposal", sa.Text, nullable=True),
    sa.Column("proposal_reason", sa.Text, nullable=True),
    sa.Column("proposed_by", sa.Text, nullable=True),
    sa.Column("proposed_by_owner", sa.Text, nullable=True),
    sa.Column("decided_by", sa.Text, nullable=True),
    sa.Column("decided_at", sa.BigInteger, nullable=True),
)

compliance_case_events = sa.Table(
    "compliance_case_events",
    metadata,
    sa.Column("case_id", UUIDColumn, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("from_state", sa.Text, nullable=True),
    sa.Column("to_state", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)

# -- billing (0024_billing) -----------------------------------------------------------------

billing_usage = sa.Table(
    "billing_usage",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("properties", sa.Text, nullable=False),
    sa.Column("at", sa.BigInteger, nullable=False),
    sa.Column("ingested_at", sa.BigInteger, nullable=False),
    sa.Column("billed_in", UUIDColumn, nullable=True),
)

billing_definitions = sa.Table(
    "billing_definitions",
    metadata,
    sa.Column("tenant", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.Text, nullable=True),
    sa.Column("archived_at", sa.BigInteger, nullable=True),
)

billing_invoices = sa.Table(
    "billing_invoices",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("period_start", sa.Text, nullable=False),
    sa.Column("period_end", sa.Text, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("posted_at", sa.BigInteger, nullable=True),
)

billing_credit_notes = sa.Table(
    "billing_credit_notes",
    metadata,
    sa.Column("id", UUIDColumn, primary_key=True),
    sa.Column("tenant", sa.Text, nullable=False),
    sa.Column("invoice_id", UUIDColumn, nullable=False, unique=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("created_by", sa.Text, nullable=True),
)
