from __future__ import annotations

import pytest
import sqlalchemy as sa

from strongroom.security.fields import Blind, Encrypted
from strongroom.store.encrypted import EncryptedTable


def test_a_declaration_needs_its_columns() -> None:
    table = sa.Table("people", sa.MetaData(), sa.Column("dek_id"), sa.Column("email"))
    with pytest.raises(ValueError, match="email_bidx"):
        EncryptedTable(table, {"email": Blind()})


def test_index_columns_are_those_of_blind_fields() -> None:
    table = sa.Table(
        "people",
        sa.MetaData(),
        *(sa.Column(name) for name in ("dek_id", "name", "email", "email_bidx")),
    )
    declared = EncryptedTable(table, {"name": Encrypted(), "email": Blind()})
    assert declared.index_columns() == ["email_bidx"]
