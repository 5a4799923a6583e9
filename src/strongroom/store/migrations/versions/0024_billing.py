"""Billing: usage as ingested (one row per event id; the invoice that billed it), the versioned
definitions plans are made of, invoices (one per subject and period) and credit notes (one per
invoice).

Revision ID: 0024_billing
Revises: 0023_banking_beneficiaries
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_billing"
down_revision = "0023_banking_beneficiaries"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")


def upgrade() -> None:
    op.create_table(
        "billing_usage",
        sa.Column("id", UID, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        # JSON text: the event's properties, read by rule groups.
        sa.Column("properties", sa.Text, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("ingested_at", sa.BigInteger, nullable=False),
        sa.Column("billed_in", UID, nullable=True),
    )
    # An invoice run reads a page of subjects' unbilled usage; a late period, a subject's range.
    op.create_index("ix_billing_usage_subject", "billing_usage", ["tenant", "subject", "at"])
    op.create_table(
        "billing_definitions",
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
    op.create_table(
        "billing_invoices",
        sa.Column("id", UID, primary_key=True),
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
        sa.UniqueConstraint("tenant", "subject", "period_start", name="uq_billing_invoices_period"),
    )
    op.create_index("ix_billing_invoices_status", "billing_invoices", ["tenant", "status"])
    op.create_table(
        "billing_credit_notes",
        sa.Column("id", UID, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("invoice_id", UID, nullable=False, unique=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("created_by", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("billing_credit_notes")
    op.drop_table("billing_invoices")
    op.drop_table("billing_definitions")
    op.drop_index("ix_billing_usage_subject", table_name="billing_usage")
    op.drop_table("billing_usage")
