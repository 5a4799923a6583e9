"""Products: immutable product versions, account pinning, its audit history, accrual state.

Revision ID: 0004_products
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_products"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")

#: Rows of these tables are never changed or removed once written.
APPEND_ONLY = ("product_versions", "product_assignment_changes")


def upgrade() -> None:
    op.create_table(
        "product_versions",
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        # SHA-256 of the validated content (ProductDefinition.digest).
        sa.Column("digest", sa.String(64), nullable=False),
        # Canonical JSON of the validated content; parsing it gives back the same digest.
        sa.Column("definition", sa.Text, nullable=False),
        sa.Column("published_by", sa.Text, nullable=False),
        sa.Column("trace_id", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("product", "version"),
        sa.CheckConstraint("version >= 1", name="ck_product_versions_version"),
    )
    op.create_table(
        "product_assignments",
        sa.Column("account_id", UID, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        # JSON object: limit id -> the customer's own maximum.
        sa.Column("limit_overrides", sa.Text, nullable=False, server_default="{}"),
        sa.Column("assigned_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["product", "version"],
            ["product_versions.product", "product_versions.version"],
            name="fk_product_assignments_version",
        ),
    )
    op.create_index("ix_product_assignments_version", "product_assignments", ["product", "version"])
    op.create_table(
        "product_assignment_changes",
        sa.Column("id", UID, primary_key=True),
        sa.Column("account_id", UID, nullable=False),
        sa.Column("tenant", sa.Text, nullable=False),
        # assign | migrate | override
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("to_version", sa.Integer, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("trace_id", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        # JSON object: what else changed (overrides set or dropped).
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_product_assignment_changes_account",
        "product_assignment_changes",
        ["account_id", "at"],
    )
    op.create_table(
        "product_accrual_states",
        sa.Column("account_id", UID, primary_key=True),
        # ISO date of the last accrued day (NULL: none yet).
        sa.Column("last_day", sa.String(10), nullable=True),
        # Exact residues as "numerator/denominator": a Fraction survives the round trip.
        sa.Column("residue_credit", sa.Text, nullable=False),
        sa.Column("residue_overdraft", sa.Text, nullable=False),
        sa.Column("month_credit", sa.BigInteger, nullable=False),
        sa.Column("month_overdraft", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        # strongroom_append_only() is created by 0001_ledger.
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION strongroom_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION strongroom_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for operation in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_append_only_{operation.lower()}"
                    f" BEFORE {operation} ON {table}"
                    f" BEGIN SELECT RAISE(ABORT, 'table {table} is append-only'); END"
                )


def downgrade() -> None:
    for table in (
        "product_accrual_states",
        "product_assignment_changes",
        "product_assignments",
        "product_versions",
    ):
        op.drop_table(table)
