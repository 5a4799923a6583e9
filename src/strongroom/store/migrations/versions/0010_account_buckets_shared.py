"""account_buckets: when an account was last found hot by any process, and pinned splits.

Automatic compaction merges a split account back only when no process has found it hot for a
while, so every process must see when it last was (`hot_at`, wall-clock ns, recorded by the
processes that find it hot); a process's own memory left it merging what busier processes had
split. A split made by hand can be `pinned`: no process resizes it automatically.
Existing rows count as hot when last resized.

Revision ID: 0010_account_buckets_shared
Revises: 0009_sqlite_account_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_account_buckets_shared"
down_revision = "0009_sqlite_account_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("account_buckets") as table:
        table.add_column(sa.Column("hot_at", sa.BigInteger, nullable=False, server_default="0"))
        table.add_column(sa.Column("pinned", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE account_buckets SET hot_at = resized_at")


def downgrade() -> None:
    with op.batch_alter_table("account_buckets") as table:
        table.drop_column("pinned")
        table.drop_column("hot_at")
