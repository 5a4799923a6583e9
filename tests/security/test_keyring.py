from __future__ import annotations

import asyncio

import pytest

from strongroom.bootstrap import Encryption
from strongroom.errors import Conflict
from strongroom.security.envelope import associated_data, open_sealed, seal
from strongroom.security.errors import DataShredded
from strongroom.security.keyfile import LocalKeyFile
from strongroom.security.keyring import TENANT_WIDE, Keyring
from strongroom.security.providers import WrappedKey


class CountingKeyFile(LocalKeyFile):
    """The real local provider, counting unwraps to show what the cache saves."""

    unwraps = 0

    async def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        self.unwraps += 1
        return await super().unwrap(wrapped, context=context)


class Interrupted(Exception):
    pass


async def test_a_subject_keeps_one_active_key(encryption: Encryption) -> None:
    keyring = encryption.keyring
    first, _ = await keyring.data_key("acme", "alice")
    again, _ = await keyring.data_key("acme", "alice")
    other, _ = await keyring.data_key("acme", "bob")
    tenant_wide, _ = await keyring.data_key("acme", TENANT_WIDE)
    assert first == again
    assert len({first, other, tenant_wide}) == 3


async def test_concurrent_first_use_agrees_on_one_key(
    encryption: Encryption, key_file: LocalKeyFile
) -> None:
    rings = [Keyring(key_file, encryption.keyring.store) for _ in range(4)]
    ids = await asyncio.gather(*(ring.data_key("acme", "carol") for ring in rings))
    assert len({key_id for key_id, _ in ids}) == 1


async def test_unwrapped_keys_are_cached(encryption: Encryption) -> None:
    assert isinstance(encryption.keyring.provider, LocalKeyFile)
    provider = CountingKeyFile(encryption.keyring.provider.path)
    key_id, cipher = await encryption.keyring.data_key("acme", "alice")
    aad = associated_data("t")
    sealed = seal(cipher, b"hello", aad)
    cold = Keyring(provider, encryption.keyring.store)
    for _ in range(5):
        assert open_sealed(await cold.cipher(key_id), sealed, aad) == b"hello"
    assert provider.unwraps == 1


async def test_shredding_makes_only_that_subject_unreadable(encryption: Encryption) -> None:
    keyring = encryption.keyring
    alice, _ = await keyring.data_key("acme", "alice")
    bob, _ = await keyring.data_key("acme", "bob")
    assert await keyring.shred("acme", "alice") == [alice]
    with pytest.raises(DataShredded):
        await keyring.cipher(alice)
    cold = Keyring(keyring.provider, encryption.keyring.store)
    with pytest.raises(DataShredded):
        await cold.cipher(alice)
    await cold.cipher(bob)
    assert await keyring.shred("acme", "alice") == []
    renewed, _ = await keyring.data_key("acme", "alice")
    assert renewed != alice


async def test_rotation_interrupted_halfway_resumes_and_everything_decrypts(
    encryption: Encryption,
) -> None:
    keyring = encryption.keyring
    aad = associated_data("record")
    sealed = {}
    for n in range(10):
        key_id, cipher = await keyring.data_key("acme", f"subject-{n}")
        sealed[key_id] = seal(cipher, f"secret {n}".encode(), aad)
    await keyring.shred("acme", "subject-9")

    def stop_after_first_batch(done: int) -> None:
        raise Interrupted(done)

    with pytest.raises(Interrupted):
        await keyring.rotate_kek(batch_size=3, progress=stop_after_first_batch)
    assert await encryption.keyring.store.versions() == {1: 6, 2: 3}

    # Mid-rotation, keys under both KEK versions still unwrap (fresh keyring: no cache).
    midway = Keyring(keyring.provider, encryption.keyring.store)
    for n, (key_id, value) in enumerate(list(sealed.items())[:9]):
        assert open_sealed(await midway.cipher(key_id), value, aad) == f"secret {n}".encode()

    seen: list[int] = []
    rotation = await keyring.rotate_kek(batch_size=4, progress=seen.append)
    assert rotation.resumed
    assert rotation.target_version == 2
    assert rotation.rewrapped == 6
    assert seen == [4, 6]
    assert await encryption.keyring.store.versions() == {2: 9}

    after = Keyring(keyring.provider, encryption.keyring.store)
    for n, (key_id, value) in enumerate(list(sealed.items())[:9]):
        assert open_sealed(await after.cipher(key_id), value, aad) == f"secret {n}".encode()
    with pytest.raises(DataShredded):
        await after.cipher(list(sealed)[9])

    fresh = await keyring.rotate_kek()
    assert (fresh.target_version, fresh.resumed, fresh.rewrapped) == (3, False, 9)
    assert await keyring.pending_rotation() == 0


async def test_rotation_refuses_a_kek_that_moves_underneath(
    encryption: Encryption, key_file: LocalKeyFile
) -> None:
    await encryption.keyring.data_key("acme", "alice")

    class MovingKeyFile(LocalKeyFile):
        async def rotate(self) -> int:
            version = await super().rotate()
            await super().rotate()
            return version

    moving = Keyring(MovingKeyFile(key_file.path), encryption.keyring.store)
    with pytest.raises(Conflict, match="run the rotation again"):
        await moving.rotate_kek()
    resumed = await encryption.keyring.rotate_kek()
    assert resumed.resumed
    assert await encryption.keyring.store.versions() == {3: 1}
