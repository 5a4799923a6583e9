"""Beneficiaries' names and accounts sealed: they are the customer's personal data, so they are
stored as ciphertext under the customer's data key (crypto-shredding the customer makes them
unreadable) with a blind index of the account for the one-active-beneficiary-per-account rule.

A migration holds no keys, so rows already there keep their values in `name_in_clear` and
`account_in_clear` until the bank seals them when it starts (BeneficiaryBook.seal_left_in_clear,
called by strongroom.bootstrap), which also empties those columns; a partial index on the rows
not yet sealed keeps that look, made by every process that opens the bank, from reading the
whole table. Going down is refused while a sealed row exists: its values cannot be put back in
clear without the keys.

Revision ID: 0025_beneficiaries_sealed
Revises: 0024_billing
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_beneficiaries_sealed"
down_revision = "0024_billing"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
ACTIVE = "removed_at IS NULL"
IN_CLEAR = "dek_id IS NULL"


def upgrade() -> None:
    op.drop_index("uq_banking_beneficiaries_active", "banking_beneficiaries")
    with op.batch_alter_table("banking_beneficiaries") as table:
        table.alter_column(
            "name", new_column_name="name_in_clear", existing_type=sa.Text, nullable=True
        )
        table.alter_column(
            "account", new_column_name="account_in_clear", existing_type=sa.Text, nullable=True
        )
    # A second batch: on SQLite a rename and an add of the old name in one batch is a cycle.
    with op.batch_alter_table("banking_beneficiaries") as table:
        table.add_column(sa.Column("dek_id", UID, nullable=True))
        table.add_column(sa.Column("name", sa.LargeBinary, nullable=True))
        table.add_column(sa.Column("account", sa.LargeBinary, nullable=True))
        table.add_column(sa.Column("account_bidx", sa.LargeBinary, nullable=True))
    op.create_index(
        "uq_banking_beneficiaries_active",
        "banking_beneficiaries",
        ["customer_id", "account_bidx"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
    op.create_index(
        "ix_banking_beneficiaries_in_clear",
        "banking_beneficiaries",
        ["seq"],
        sqlite_where=sa.text(IN_CLEAR),
        postgresql_where=sa.text(IN_CLEAR),
    )


def downgrade() -> None:
    sealed = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM banking_beneficiaries WHERE dek_id IS NOT NULL")
    )
    if sealed:
        raise RuntimeError(
            f"{sealed} beneficiaries are sealed; a migration has no keys to put their names and "
            "accounts back in clear"
        )
    op.drop_index("ix_banking_beneficiaries_in_clear", "banking_beneficiaries")
    op.drop_index("uq_banking_beneficiaries_active", "banking_beneficiaries")
    with op.batch_alter_table("banking_beneficiaries") as table:
        for name in ("dek_id", "name", "account", "account_bidx"):
            table.drop_column(name)
    with op.batch_alter_table("banking_beneficiaries") as table:
        table.alter_column(
            "name_in_clear", new_column_name="name", existing_type=sa.Text, nullable=False
        )
        table.alter_column(
            "account_in_clear", new_column_name="account", existing_type=sa.Text, nullable=False
        )
    op.create_index(
        "uq_banking_beneficiaries_active",
        "banking_beneficiaries",
        ["customer_id", "account"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )
