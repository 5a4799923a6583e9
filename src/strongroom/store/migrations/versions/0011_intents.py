"""The intent engine: intents, their transitions and step runs, durable schedules.

`intents.seq` is the creation order, which the per-key mutex follows; the partial indexes keep
the two questions the workers ask on every claim cheap: which intents are due, and which live
intent comes first for a mutex key.

Revision ID: 0011_intents
Revises: 0010_account_buckets_shared
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_intents"
down_revision = "0010_account_buckets_shared"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "intents",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
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
        sa.Column("parent_id", UID, nullable=True),
        sa.Column("customer", sa.Text, nullable=True),
        sa.Column("account", sa.Text, nullable=True),
        sa.Column("actor", sa.Text, nullable=True),
        sa.Column("trace_id", sa.Text, nullable=True),
        sa.Column("run_at", sa.BigInteger, nullable=True),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("results", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("run", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("timer_at", sa.BigInteger, nullable=True),
        sa.Column("timer_event", sa.Text, nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("lease_epoch", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("lease_owner", sa.Text, nullable=True),
        sa.UniqueConstraint("tenant", "type", "reference", name="uq_intents_reference"),
    )
    live = sa.text("status <> 'done'")
    op.create_index(
        "ix_intents_due",
        "intents",
        ["run_at"],
        postgresql_where=sa.text("status = 'ready'"),
        sqlite_where=sa.text("status = 'ready'"),
    )
    op.create_index(
        "ix_intents_mutex",
        "intents",
        ["mutex_key", "seq"],
        postgresql_where=live,
        sqlite_where=live,
    )
    op.create_index("ix_intents_tenant", "intents", ["tenant", "seq"])
    op.create_index("ix_intents_customer", "intents", ["tenant", "customer", "seq"])
    op.create_index("ix_intents_account", "intents", ["tenant", "account", "seq"])
    op.create_index("ix_intents_parent", "intents", ["parent_id"])
    op.create_table(
        "intent_transitions",
        sa.Column("intent_id", UID, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("from_state", sa.Text, nullable=True),
        sa.Column("to_state", sa.Text, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("intent_id", "seq"),
    )
    op.create_table(
        "intent_steps",
        sa.Column("id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("intent_id", UID, nullable=False),
        sa.Column("step", sa.Text, nullable=False),
        sa.Column("run", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("finished_at", sa.BigInteger, nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_intent_steps_intent", "intent_steps", ["intent_id"])
    op.create_table(
        "intent_schedules",
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("next_at", sa.BigInteger, nullable=True),
        sa.Column("last_at", sa.BigInteger, nullable=True),
        sa.Column("fired", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("tenant", "name"),
    )
    op.create_index("ix_intent_schedules_next", "intent_schedules", ["next_at"])
    # One row per worker process: its heartbeat is the lease on every intent it holds, so
    # keeping a thousand intents costs one row update, not a thousand.
    op.create_table(
        "intent_workers",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("started_at", sa.BigInteger, nullable=False),
        sa.Column("lease_until", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("intent_workers")
    op.drop_table("intent_schedules")
    op.drop_table("intent_steps")
    op.drop_table("intent_transitions")
    op.drop_table("intents")
