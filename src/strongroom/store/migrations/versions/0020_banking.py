"""The bank's customers and accounts, and the parties' fields a KYC check reads.

Parties gain `phone` (sealed, searchable through `phone_bidx`), `nationality`, `document_number`
and `document_expiry` (sealed). `banking_customers` holds a customer's standing (its personal
data is the party of the same id); `banking_accounts` a customer's account (the ledger account of
the same id holds its balance and status). A reference is unique per tenant (idempotent
onboarding and opening); at most one account per customer, currency and product is not closed.

Revision ID: 0020_banking
Revises: 0002_security
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_banking"
down_revision = "0002_security"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("parties") as parties:
        for name in ("phone", "phone_bidx", "nationality", "document_number", "document_expiry"):
            parties.add_column(sa.Column(name, sa.LargeBinary, nullable=True))
    op.create_index("ix_parties_phone_bidx", "parties", ["tenant", "phone_bidx"])
    op.create_table(
        "banking_customers",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        # pending | verified | rejected (expired is read off kyc_expires_at)
        sa.Column("kyc_status", sa.Text, nullable=False),
        sa.Column("risk_rating", sa.Text, nullable=False),
        sa.Column("national_id_kind", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("verified_at", sa.BigInteger, nullable=True),
        sa.Column("kyc_expires_at", sa.BigInteger, nullable=True),
        # The last check's findings, JSON.
        sa.Column("kyc_findings", sa.Text, nullable=False),
        sa.Column("erased_at", sa.BigInteger, nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("tenant", "reference", name="uq_banking_customers_reference"),
    )
    op.create_table(
        "banking_accounts",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        sa.Column("customer_id", UID, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("product_version", sa.Integer, nullable=False),
        sa.Column("opened_at", sa.BigInteger, nullable=False),
        sa.Column("closed_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("tenant", "reference", name="uq_banking_accounts_reference"),
    )
    op.create_index("ix_banking_accounts_customer", "banking_accounts", ["customer_id", "seq"])
    op.create_index(
        "uq_banking_accounts_open",
        "banking_accounts",
        ["customer_id", "currency", "product"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("banking_accounts")
    op.drop_table("banking_customers")
    op.drop_index("ix_parties_phone_bidx", "parties")
    with op.batch_alter_table("parties") as parties:
        for name in ("phone", "phone_bidx", "nationality", "document_number", "document_expiry"):
            parties.drop_column(name)
