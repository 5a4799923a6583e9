"""Ledger engine at scale: bucket bookkeeping, pending resolution order, balance snapshots.

Revision ID: 0006_ledger_buckets
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_ledger_buckets"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("pending_transfers") as table:
        # Which bucket row of each account holds the reservation, so that release and post
        # touch the same row.
        table.add_column(
            sa.Column("debit_bucket", sa.SmallInteger, nullable=False, server_default="0")
        )
        table.add_column(
            sa.Column("credit_bucket", sa.SmallInteger, nullable=False, server_default="0")
        )
        # seq of the post, void or expiry that ended the reservation (point-in-time balances).
        table.add_column(sa.Column("resolved_seq", sa.BigInteger, nullable=True))
    op.create_table(
        "account_buckets",
        sa.Column("account_id", UID, sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("buckets", sa.SmallInteger, nullable=False),
        # ns timestamp of the last resize; no process resizes again within the cooldown.
        sa.Column("resized_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("taken_at", sa.BigInteger, nullable=False),
        sa.Column("accounts", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "balance_snapshots",
        sa.Column("seq", sa.BigInteger, sa.ForeignKey("snapshots.seq"), nullable=False),
        sa.Column("account_id", UID, nullable=False),
        *[
            sa.Column(name, sa.BigInteger, nullable=False)
            for name in ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
        ],
        sa.PrimaryKeyConstraint("account_id", "seq"),
    )
    op.create_index("ix_transfers_seq_pending", "pending_transfers", ["resolved_seq"])


def downgrade() -> None:
    op.drop_index("ix_transfers_seq_pending", "pending_transfers")
    op.drop_table("balance_snapshots")
    op.drop_table("snapshots")
    op.drop_table("account_buckets")
    with op.batch_alter_table("pending_transfers") as table:
        table.drop_column("resolved_seq")
        table.drop_column("credit_bucket")
        table.drop_column("debit_bucket")
