from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from strongroom.errors import ConfigurationError
from strongroom.security.envelope import new_key
from strongroom.security.errors import DecryptionFailed, UnknownKeyVersion
from strongroom.security.keyfile import LocalKeyFile, default_key_file
from strongroom.security.providers import WrappedKey


def test_first_use_creates_an_owner_only_file(tmp_path: Path) -> None:
    path = tmp_path / "strongroom.keys"
    provider = LocalKeyFile(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert provider.versions() == [1]
    assert json.loads(path.read_text())["current"] == 1


async def test_wrap_unwrap_round_trip_bound_to_context(tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "k")
    key = new_key()
    wrapped = await provider.wrap(key, context=b"row-1")
    assert wrapped.version == 1
    assert key not in wrapped.ciphertext
    assert await provider.unwrap(wrapped, context=b"row-1") == key
    with pytest.raises(DecryptionFailed):
        await provider.unwrap(wrapped, context=b"row-2")


async def test_reopening_reads_the_same_keys(tmp_path: Path) -> None:
    path = tmp_path / "k"
    wrapped = await LocalKeyFile(path).wrap(b"k" * 32, context=b"c")
    assert await LocalKeyFile(path).unwrap(wrapped, context=b"c") == b"k" * 32


async def test_rotation_adds_a_version_and_keeps_the_old_ones(tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "k")
    old = await provider.wrap(b"a" * 32, context=b"c")
    assert await provider.rotate() == 2
    assert await provider.current_version() == 2
    new = await provider.wrap(b"b" * 32, context=b"c")
    assert new.version == 2
    assert await provider.unwrap(old, context=b"c") == b"a" * 32
    assert await provider.unwrap(new, context=b"c") == b"b" * 32
    assert stat.S_IMODE(provider.path.stat().st_mode) == 0o600


async def test_another_process_rotation_is_picked_up_on_unwrap(tmp_path: Path) -> None:
    reader = LocalKeyFile(tmp_path / "k")
    writer = LocalKeyFile(tmp_path / "k")
    await writer.rotate()
    wrapped = await writer.wrap(b"z" * 32, context=b"c")
    assert await reader.unwrap(wrapped, context=b"c") == b"z" * 32


async def test_unknown_version_is_a_typed_error(tmp_path: Path) -> None:
    provider = LocalKeyFile(tmp_path / "k")
    with pytest.raises(UnknownKeyVersion):
        await provider.unwrap(WrappedKey(7, b"x" * 40), context=b"c")


def test_a_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    LocalKeyFile(path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigurationError, match="chmod 600"):
        LocalKeyFile(path)


def test_a_damaged_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    LocalKeyFile(path)
    path.write_text('{"format": "strongroom-keys/1", "current": 2, "keks": {}}')
    with pytest.raises(ConfigurationError):
        LocalKeyFile(path)


def test_default_path_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRONGROOM_KEY_FILE", "/srv/keys/prod.keys")
    assert default_key_file() == Path("/srv/keys/prod.keys")
    monkeypatch.delenv("STRONGROOM_KEY_FILE")
    assert default_key_file() == Path("strongroom.keys")
