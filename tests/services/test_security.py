"""EncryptionService without a database: the order of a shred, the size of a rotation."""

from __future__ import annotations

import uuid
from pathlib import Path

from strongroom.ids import new_id
from strongroom.security.keyfile import LocalKeyFile
from strongroom.security.keyring import Keyring
from strongroom.security.ports import DataKey, Purpose
from strongroom.security.providers import WrappedKey
from strongroom.services.security import EncryptionService


class Storage:
    """The data keys and blind indexes of one fake database, logging what is done to them."""

    def __init__(self, versions: dict[int, int]) -> None:
        self.log: list[tuple[str, str, str]] = []
        self.active = versions
        self.destroyed = [new_id()]

    async def forget(self, tenant: str, subject: str) -> None:
        self.log.append(("forget indexes", tenant, subject))

    async def destroy(self, tenant: str, subject: str) -> list[uuid.UUID]:
        self.log.append(("destroy keys", tenant, subject))
        return self.destroyed

    async def versions(self) -> dict[int, int]:
        return self.active

    async def get(self, key_id: uuid.UUID) -> DataKey | None:
        raise NotImplementedError

    async def find_active(self, tenant: str, subject: str, purpose: Purpose) -> DataKey | None:
        raise NotImplementedError

    async def insert(self, key: DataKey) -> DataKey:
        raise NotImplementedError

    async def stale(self, current_version: int, limit: int) -> list[DataKey]:
        raise NotImplementedError

    async def rewrap(self, rewrapped: list[tuple[DataKey, WrappedKey]]) -> int:
        raise NotImplementedError


def service(tmp_path: Path, storage: Storage) -> EncryptionService:
    keyring = Keyring(LocalKeyFile(tmp_path / "strongroom.keys"), storage)
    return EncryptionService(keyring, storage)


async def test_a_shred_clears_the_blind_indexes_before_destroying_the_keys(
    tmp_path: Path,
) -> None:
    storage = Storage({1: 1})
    assert await service(tmp_path, storage).shred("acme", "ada") == storage.destroyed
    # Indexes first: at no point is a customer erased whose email a search would still confirm.
    assert storage.log == [("forget indexes", "acme", "ada"), ("destroy keys", "acme", "ada")]


async def test_a_rotation_covers_the_keys_an_interrupted_one_left_else_every_key(
    tmp_path: Path,
) -> None:
    # The key file starts at KEK version 1.
    assert await service(tmp_path, Storage({1: 4, 0: 2})).rotation_size() == 2
    assert await service(tmp_path, Storage({1: 4})).rotation_size() == 4
