"""Compliance cases and their append-only history.

`seq` is the creation order (the listing's cursor); a reference is unique per tenant, so a
decision or an intent that opens its case again finds the one it opened. The partial index
keeps the overdue listing (undecided cases by due time) cheap.

Revision ID: 0013_compliance_cases
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_compliance_cases"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")
SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")
EVENTS = "compliance_case_events"


def upgrade() -> None:
    op.create_table(
        "compliance_cases",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", UID, nullable=False, unique=True),
        sa.Column("tenant", sa.Text, nullable=False),
        # review | dispute | break
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("reference", sa.Text, nullable=False),
        # open | proposed | released | blocked
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("due_at", sa.BigInteger, nullable=False),
        sa.Column("opened_by", sa.Text, nullable=False),
        sa.Column("intent_id", UID, nullable=True),
        sa.Column("decision_id", UID, nullable=True),
        # JSON arrays copied from the decision: reasons (strings) and screening hits (objects).
        sa.Column("reasons", sa.Text, nullable=False, server_default="[]"),
        sa.Column("hits", sa.Text, nullable=False, server_default="[]"),
        sa.Column("assignee", sa.Text, nullable=True),
        sa.Column("proposal", sa.Text, nullable=True),
        sa.Column("proposal_reason", sa.Text, nullable=True),
        sa.Column("proposed_by", sa.Text, nullable=True),
        sa.Column("proposed_by_owner", sa.Text, nullable=True),
        sa.Column("decided_by", sa.Text, nullable=True),
        sa.Column("decided_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("tenant", "reference", name="uq_compliance_cases_reference"),
    )
    op.create_index("ix_compliance_cases_tenant", "compliance_cases", ["tenant", "seq"])
    op.create_index(
        "ix_compliance_cases_due",
        "compliance_cases",
        ["tenant", "due_at"],
        postgresql_where=sa.text("state IN ('open', 'proposed')"),
        sqlite_where=sa.text("state IN ('open', 'proposed')"),
    )
    op.create_table(
        EVENTS,
        sa.Column("case_id", UID, nullable=False),
        # The case's version after the change: 1 is the opening.
        sa.Column("seq", sa.Integer, nullable=False),
        # open | assign | note | propose | approve | reject
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("from_state", sa.Text, nullable=True),
        sa.Column("to_state", sa.Text, nullable=False),
        # JSON object: the note's text, the assignee, the proposal and its reason.
        sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("case_id", "seq"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # strongroom_append_only() is created by 0001_ledger.
        op.execute(
            f"CREATE TRIGGER {EVENTS}_append_only BEFORE UPDATE OR DELETE ON {EVENTS}"
            " FOR EACH ROW EXECUTE FUNCTION strongroom_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {EVENTS}_no_truncate BEFORE TRUNCATE ON {EVENTS}"
            " FOR EACH STATEMENT EXECUTE FUNCTION strongroom_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {EVENTS}_append_only_{operation.lower()}"
                f" BEFORE {operation} ON {EVENTS}"
                f" BEGIN SELECT RAISE(ABORT, 'table {EVENTS} is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table(EVENTS)
    op.drop_table("compliance_cases")
