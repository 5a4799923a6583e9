"""PostgreSQL leaves a third of each `intents` page free, so that a checkpoint's new row version
fits on the page of the old one: an update that changes no indexed column is then HOT and
writes none of the table's nine indexes. Most checkpoints are such updates (a workflow's
steps advance `position` and `results`; `status` and `run_at` change only when the intent
waits, wakes or ends); with full pages nearly every one was written into every index.

Pages written before this keep their layout until rewritten (VACUUM FULL, pg_repack); new ones
get the room. SQLite has no such setting: nothing to do there.

Revision ID: 0027_intents_fillfactor
Revises: 0026_intent_turns
"""

from alembic import op

revision = "0027_intents_fillfactor"
down_revision = "0026_intent_turns"
branch_labels = None
depends_on = None

FILLFACTOR = 70


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE intents SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE intents RESET (fillfactor)")
