"""Ledger: accounts, bucketed balances, the append-only transfer log, pendings, history, outbox.

Revision ID: 0001_ledger
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

# UUIDs are native on PostgreSQL and 16-byte blobs on SQLite (compact, fast to compare).
UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
JSON_DOC = sa.Text().with_variant(postgresql.JSONB(), "postgresql")


def _counters() -> list[sa.Column[int]]:
    return [
        sa.Column(name, sa.BigInteger, nullable=False, server_default="0")
        for name in ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
    ]


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", UID, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("ledger", sa.String(3), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("overdraft_limit", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("metadata", JSON_DOC, nullable=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_accounts_tenant", "accounts", ["tenant", "id"])
    op.create_table(
        "account_balances",
        sa.Column("account_id", UID, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("bucket", sa.SmallInteger, nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint("account_id", "bucket"),
        sa.CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0"
            " AND credits_pending >= 0 AND credits_posted >= 0",
            name="ck_account_balances_non_negative",
        ),
    )
    op.create_table(
        "transfers",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("debit_account_id", UID, nullable=False),
        sa.Column("credit_account_id", UID, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("ledger", sa.String(3), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("pending_id", UID, nullable=True),
        sa.Column("timeout", sa.Integer, nullable=False),
        sa.Column("metadata", JSON_DOC, nullable=True),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_transfers_amount_positive"),
    )
    op.create_index("ix_transfers_debit", "transfers", ["debit_account_id", "seq"])
    op.create_index("ix_transfers_credit", "transfers", ["credit_account_id", "seq"])
    # At most one post or void per pending transfer, whatever the application does.
    op.create_index(
        "ux_transfers_pending_id",
        "transfers",
        ["pending_id"],
        unique=True,
        postgresql_where=sa.text("pending_id IS NOT NULL"),
        sqlite_where=sa.text("pending_id IS NOT NULL"),
    )
    op.create_table(
        "pending_transfers",
        sa.Column("id", UID, primary_key=True),
        sa.Column("debit_account_id", UID, nullable=False),
        sa.Column("credit_account_id", UID, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("ledger", sa.String(3), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
    )
    op.create_index(
        "ix_pending_transfers_due",
        "pending_transfers",
        ["expires_at"],
        postgresql_where=sa.text("state = 'pending' AND expires_at > 0"),
        sqlite_where=sa.text("state = 'pending' AND expires_at > 0"),
    )
    op.create_index("ix_pending_transfers_debit", "pending_transfers", ["debit_account_id"])
    op.create_index("ix_pending_transfers_credit", "pending_transfers", ["credit_account_id"])
    op.create_table(
        "account_history",
        sa.Column("account_id", UID, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint("account_id", "seq"),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        # A JSON array of event envelopes written by one transaction (see docs/events.md).
        sa.Column("events", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "ledger_counters",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Each batch draws one block of 2**20 sequence numbers (see strongroom.store.postgres).
        op.execute("CREATE SEQUENCE transfer_block_seq START 1")
        op.execute(
            """
            CREATE FUNCTION strongroom_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers"
            " FOR EACH ROW EXECUTE FUNCTION strongroom_append_only()"
        )
        op.execute(
            "CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers"
            " FOR EACH STATEMENT EXECUTE FUNCTION strongroom_append_only()"
        )
    else:
        op.execute("INSERT INTO ledger_counters (name, value) VALUES ('transfer_block', 0)")
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER transfers_append_only_{operation.lower()}"
                f" BEFORE {operation} ON transfers"
                f" BEGIN SELECT RAISE(ABORT, 'table transfers is append-only'); END"
            )


def downgrade() -> None:
    for table in (
        "ledger_counters",
        "outbox",
        "account_history",
        "pending_transfers",
        "transfers",
        "account_balances",
        "accounts",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS transfer_block_seq")
        op.execute("DROP FUNCTION IF EXISTS strongroom_append_only() CASCADE")
