"""Compliance: rule-set versions, decisions and velocity counters.

At most one rule-set version per tenant is in force and one in shadow (partial unique index).
A decision is unique per (tenant, subject, mode), which makes a retried screening return the
first decision. Velocity counters are keyed by their bucket, so an increment is an upsert and a
window is a range scan of at most a few hundred rows.

Revision ID: 0012_compliance_rules
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_compliance_rules"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "compliance_rule_sets",
        sa.Column("tenant", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("published_at", sa.BigInteger, nullable=False),
        sa.Column("published_by", sa.Text, nullable=True),
    )
    active = sa.text("status IN ('enforce', 'shadow')")
    op.create_index(
        "uq_compliance_rule_sets_active",
        "compliance_rule_sets",
        ["tenant", "status"],
        unique=True,
        postgresql_where=active,
        sqlite_where=active,
    )
    op.create_table(
        "compliance_decisions",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
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
        sa.UniqueConstraint("tenant", "subject", "mode", name="uq_compliance_decisions_subject"),
    )
    op.create_index("ix_compliance_decisions_tenant", "compliance_decisions", ["tenant", "seq"])
    op.create_table(
        "compliance_velocity",
        sa.Column("tenant", sa.Text, primary_key=True),
        sa.Column("subject", sa.Text, primary_key=True),
        sa.Column("currency", sa.Text, primary_key=True),
        sa.Column("resolution", sa.Integer, primary_key=True),
        sa.Column("bucket", sa.BigInteger, primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
    )
    # What the pruning of counters older than any window scans.
    op.create_index("ix_compliance_velocity_bucket", "compliance_velocity", ["bucket"])


def downgrade() -> None:
    op.drop_index("ix_compliance_velocity_bucket", "compliance_velocity")
    op.drop_table("compliance_velocity")
    op.drop_index("ix_compliance_decisions_tenant", "compliance_decisions")
    op.drop_table("compliance_decisions")
    op.drop_index("uq_compliance_rule_sets_active", "compliance_rule_sets")
    op.drop_table("compliance_rule_sets")
