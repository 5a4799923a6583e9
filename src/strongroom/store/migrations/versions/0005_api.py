"""API keys: hashed secrets scoped to a tenant and a role.

Revision ID: 0005_api
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_api"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        # The public half of the key (`sr_<id>_<secret>`): 32 hex digits of a UUIDv7.
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        # SHA-256 of the secret half; the secret itself is shown once and never stored.
        sa.Column("secret_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
        sa.CheckConstraint("role IN ('read', 'write', 'admin')", name="ck_api_keys_role"),
    )
    op.create_index("ix_api_keys_tenant", "api_keys", ["tenant", "id"])


def downgrade() -> None:
    op.drop_table("api_keys")
