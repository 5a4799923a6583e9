"""SQLite: the log's account indexes key on the account alone.

`ix_transfers_debit` and `ix_transfers_credit` were declared on (account, seq). SQLite appends
the rowid to every index entry and `seq` is the rowid (0008), so each entry held `seq` twice.
On the account alone the entries are a quarter smaller and in the same (account, seq) order:
an account's transfers by seq range are still one index range (`rowid > ?`). These two indexes
take a random page per insert each, the largest share of a batch's write and of its commit
(docs/performance.md). PostgreSQL has no rowid in its indexes and keeps (account, seq).

Revision ID: 0009_sqlite_account_indexes
Revises: 0008_sqlite_seq_rowid
"""

from alembic import op

revision = "0009_sqlite_account_indexes"
down_revision = "0008_sqlite_seq_rowid"
branch_labels = None
depends_on = None


def _recreate(key: str) -> None:
    for side in ("debit", "credit"):
        op.execute(f"DROP INDEX ix_transfers_{side}")
        op.execute(f"CREATE INDEX ix_transfers_{side} ON transfers ({side}_account_id{key})")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate("")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _recreate(", seq")
