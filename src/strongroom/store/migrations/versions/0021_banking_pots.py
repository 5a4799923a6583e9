"""Pots: sub-accounts of a customer's account (the ledger account of the same id holds the
money). At most one pot of an account collects its round-ups.

Revision ID: 0021_banking_pots
Revises: 0020_banking
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_banking_pots"
down_revision = "0020_banking"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "banking_pots",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("account_id", UID, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("goal", sa.BigInteger, nullable=False),
        sa.Column("round_up", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("tenant", "reference", name="uq_banking_pots_reference"),
    )
    op.create_index("ix_banking_pots_account", "banking_pots", ["account_id", "seq"])
    op.create_index(
        "uq_banking_pots_round_up",
        "banking_pots",
        ["account_id"],
        unique=True,
        sqlite_where=sa.text("round_up"),
        postgresql_where=sa.text("round_up"),
    )


def downgrade() -> None:
    op.drop_table("banking_pots")
