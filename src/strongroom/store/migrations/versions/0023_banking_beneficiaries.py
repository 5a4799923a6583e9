"""Beneficiaries: a customer's saved payees at other banks, by IBAN (and BIC) or by local
account details; at most one active beneficiary of a customer per account identifier.

Revision ID: 0023_banking_beneficiaries
Revises: 0022_banking_fx
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_banking_beneficiaries"
down_revision = "0022_banking_fx"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "banking_beneficiaries",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("customer_id", UID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        # The IBAN (compact), or the country, bank code and account number joined by "/".
        sa.Column("account", sa.Text, nullable=False),
        sa.Column("bic", sa.Text, nullable=True),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("cooling_off_until", sa.BigInteger, nullable=False),
        sa.Column("removed_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("tenant", "reference", name="uq_banking_beneficiaries_reference"),
    )
    op.create_index(
        "uq_banking_beneficiaries_active",
        "banking_beneficiaries",
        ["customer_id", "account"],
        unique=True,
        sqlite_where=sa.text("removed_at IS NULL"),
        postgresql_where=sa.text("removed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("banking_beneficiaries")
