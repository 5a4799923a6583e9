"""FX: the rates a tenant converts at (each set kept: the latest per pair is in force) and the
quotes it gives, each valid until its expiry and used by at most one conversion.

Revision ID: 0022_banking_fx
Revises: 0021_banking_pots
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_banking_fx"
down_revision = "0021_banking_pots"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "fx_rates",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("base", sa.Text, nullable=False),
        sa.Column("quote", sa.Text, nullable=False),
        # An exact decimal: units of `quote` for one unit of `base`.
        sa.Column("rate", sa.Text, nullable=False),
        sa.Column("as_of", sa.BigInteger, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_index("ix_fx_rates_pair", "fx_rates", ["tenant", "base", "quote", "seq"])
    op.create_table(
        "fx_quotes",
        sa.Column("id", UID, primary_key=True),
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


def downgrade() -> None:
    op.drop_table("fx_quotes")
    op.drop_table("fx_rates")
