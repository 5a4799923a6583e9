"""Intents queue for their mutex key by `turn`, not by creation order: an intent that takes its
key after it started (a payment, once screening and any review are behind it) or that an admin
runs again joins the key's queue behind every intent already in it, with a new turn. A new
intent's turn follows creation order, as `seq` did.

PostgreSQL draws turns from the sequence `intents_turn_seq` (the column's default); SQLite's one
writer assigns them. Existing intents keep their order: turn = seq.

Revision ID: 0026_intent_turns
Revises: 0011_intents
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_intent_turns"
down_revision = "0011_intents"
branch_labels = None
depends_on = None

LIVE = "status <> 'done'"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE SEQUENCE intents_turn_seq AS bigint")
        op.execute(
            "SELECT setval('intents_turn_seq', coalesce((SELECT max(seq) FROM intents), 0) + 1,"
            " false)"
        )
    with op.batch_alter_table("intents") as table:
        table.add_column(sa.Column("turn", sa.BigInteger, nullable=True))
    op.execute("UPDATE intents SET turn = seq")
    with op.batch_alter_table("intents") as table:
        table.alter_column(
            "turn",
            existing_type=sa.BigInteger,
            nullable=False,
            server_default=sa.text("nextval('intents_turn_seq')") if postgres else None,
        )
    op.drop_index("ix_intents_mutex", "intents")
    op.create_index(
        "ix_intents_mutex",
        "intents",
        ["mutex_key", "turn"],
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )
    if not postgres:
        # The writer reads the last turn given on every submission.
        op.create_index("ix_intents_turn", "intents", ["turn"])


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        op.drop_index("ix_intents_turn", "intents")
    op.drop_index("ix_intents_mutex", "intents")
    op.create_index(
        "ix_intents_mutex",
        "intents",
        ["mutex_key", "seq"],
        postgresql_where=sa.text(LIVE),
        sqlite_where=sa.text(LIVE),
    )
    with op.batch_alter_table("intents") as table:
        table.drop_column("turn")
    if postgres:
        op.execute("DROP SEQUENCE intents_turn_seq")
