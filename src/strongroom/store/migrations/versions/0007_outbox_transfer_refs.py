"""The outbox refers to the transfers a ledger transaction created instead of copying them.

A batch's `ledger.transfer.created` events were a JSON copy of every transfer it inserted, about
450 bytes each, written in the same transaction as the transfers themselves: a fifth of the
ledger's CPU on both sides of the connection. The row now names the batch's range of `seq`
(which no other transaction shares) and who caused each run of transfers; the relay rebuilds the
envelopes from the log (strongroom.events.transfer_refs, docs/events.md).

Revision ID: 0007_outbox_transfer_refs
Revises: 0006_ledger_buckets
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox_transfer_refs"
down_revision = "0006_ledger_buckets"
branch_labels = None
depends_on = "0003_events"


def upgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        # Inclusive seq range of the transfers whose events follow the row's explicit `events`.
        table.add_column(sa.Column("transfers_from", sa.BigInteger, nullable=True))
        table.add_column(sa.Column("transfers_to", sa.BigInteger, nullable=True))
        # JSON array of [count, trace_id, actor]: who caused each run of those transfers.
        table.add_column(sa.Column("origins", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as table:
        table.drop_column("origins")
        table.drop_column("transfers_to")
        table.drop_column("transfers_from")
