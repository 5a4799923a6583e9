"""Security: wrapped data keys, encrypted customer records (parties), lock fencing tables.

Revision ID: 0002_security
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_security"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

# UUIDs are native on PostgreSQL and 16-byte blobs on SQLite (compact, fast to compare).
UID = sa.Uuid().with_variant(sa.LargeBinary(16), "sqlite")

# Fields of a party that hold personal data: each is an AES-GCM ciphertext, never plaintext.
PARTY_SECRETS = ("full_name", "email", "national_id", "date_of_birth", "address")
# Fields searchable by equality through a keyed blind index (HMAC) column `<field>_bidx`.
PARTY_BLIND = ("email", "national_id")


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", UID, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        # The customer (party id) a key belongs to, or "" for a tenant-wide key.
        sa.Column("subject", sa.Text, nullable=False),
        # "data" encrypts fields; "index" is the root of a tenant's blind-index keys.
        sa.Column("purpose", sa.String(8), nullable=False),
        sa.Column("kek_version", sa.Integer, nullable=False),
        # NULL once destroyed: crypto-shredding removes the only copy of the wrapped key.
        sa.Column("wrapped_key", sa.LargeBinary, nullable=True),
        sa.Column("state", sa.String(9), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("destroyed_at", sa.BigInteger, nullable=True),
        sa.CheckConstraint("state IN ('active', 'destroyed')", name="ck_data_keys_state"),
        sa.CheckConstraint(
            "(state = 'active') = (wrapped_key IS NOT NULL)", name="ck_data_keys_wrapped"
        ),
    )
    # One active key per (tenant, subject, purpose): concurrent creators race on this index.
    op.create_index(
        "ux_data_keys_active",
        "data_keys",
        ["tenant", "subject", "purpose"],
        unique=True,
        postgresql_where=sa.text("state = 'active'"),
        sqlite_where=sa.text("state = 'active'"),
    )
    # KEK rotation scans active keys still wrapped under an older version.
    op.create_index(
        "ix_data_keys_rotation",
        "data_keys",
        ["kek_version", "id"],
        postgresql_where=sa.text("state = 'active'"),
        sqlite_where=sa.text("state = 'active'"),
    )
    op.create_table(
        "parties",
        sa.Column("id", UID, primary_key=True),
        sa.Column("tenant", sa.Text, nullable=False),
        sa.Column("dek_id", UID, sa.ForeignKey("data_keys.id"), nullable=False),
        *[sa.Column(name, sa.LargeBinary, nullable=True) for name in PARTY_SECRETS],
        *[sa.Column(f"{name}_bidx", sa.LargeBinary, nullable=True) for name in PARTY_BLIND],
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    for name in PARTY_BLIND:
        op.create_index(f"ix_parties_{name}_bidx", "parties", ["tenant", f"{name}_bidx"])
    op.create_table(
        "lock_fences",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("token", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "fenced_writes",
        sa.Column("resource", sa.Text, primary_key=True),
        sa.Column("token", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("fenced_writes", "lock_fences", "parties", "data_keys"):
        op.drop_table(table)
