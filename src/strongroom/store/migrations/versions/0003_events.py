"""Events and audit: the outbox publish marker, processed events, the hash-chained audit log.

Revision ID: 0003_events
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_events"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")


def upgrade() -> None:
    # The relay marks rows instead of keeping an id cursor: on PostgreSQL a transaction can commit
    # an outbox row whose id is lower than one already published, and a cursor would skip it.
    op.add_column("outbox", sa.Column("published_at", sa.BigInteger, nullable=True))
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("event_id", UID, nullable=False),
        sa.Column("processed_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )
    op.create_table(
        "audit_log",
        # The chain position, assigned by the single writer as previous seq + 1 (no sequence, so
        # a missing row shows as a gap).
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Text, nullable=True),
        # Canonical JSON text, hashed verbatim: JSONB would re-order keys and break the chain.
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("occurred_at", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", sa.BigInteger, nullable=False),
        sa.Column("trace_id", sa.Text, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_log_tenant", "audit_log", ["tenant", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        # strongroom_append_only() comes from 0001_ledger.
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION strongroom_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
            " FOR EACH STATEMENT EXECUTE FUNCTION strongroom_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_append_only_{operation.lower()}"
                f" BEFORE {operation} ON audit_log"
                f" BEGIN SELECT RAISE(ABORT, 'table audit_log is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_table("processed_events")
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("published_at")
