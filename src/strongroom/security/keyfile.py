"""The default key provider: versioned key-encryption keys (KEKs) in a local file.

The file is JSON, `{"format": "strongroom-keys/1", "current": N, "keks": {"1": base64, ...}}`,
created on first use with owner-only permissions (0600); a file that group or others can read
is refused. Its path comes from STRONGROOM_KEY_FILE, default `strongroom.keys` in the working
directory. Writes go to a temporary file that is then linked or renamed into place, so a reader
never sees a half-written file and two processes starting at once agree on one set of keys.

Must not import the store or anything above the platform layer.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from strongroom.errors import ConfigurationError
from strongroom.security.envelope import new_key, open_sealed, seal
from strongroom.security.errors import UnknownKeyVersion
from strongroom.security.providers import WrappedKey

FORMAT = "strongroom-keys/1"
ENV_VAR = "STRONGROOM_KEY_FILE"
DEFAULT_PATH = "strongroom.keys"


def default_key_file() -> Path:
    """The key file named by STRONGROOM_KEY_FILE, else `strongroom.keys`."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


class LocalKeyFile:
    """A KeyProvider over a local key file. Rotation appends a version; none is ever removed."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_key_file()
        self._ciphers: dict[int, AESGCM] = {}
        self._current = 0
        self._loaded: tuple[int, int, int] | None = None
        if not self.path.exists():
            self._create()
        self._load()

    async def current_version(self) -> int:
        self._refresh()
        return self._current

    async def wrap(self, key: bytes, *, context: bytes) -> WrappedKey:
        self._refresh()
        return WrappedKey(self._current, seal(self._ciphers[self._current], key, context))

    async def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        if wrapped.version not in self._ciphers:
            # Another process may have rotated since this one loaded the file.
            self._load()
        cipher = self._ciphers.get(wrapped.version)
        if cipher is None:
            raise UnknownKeyVersion(wrapped.version)
        return open_sealed(cipher, wrapped.ciphertext, context)

    async def rotate(self) -> int:
        _, keks = self._read()
        version = max(keks) + 1
        keks[version] = new_key()
        self._write(keks, version, replace=True)
        self._load()
        return version

    def versions(self) -> list[int]:
        return sorted(self._ciphers)

    def _create(self) -> None:
        self._write({1: new_key()}, 1, replace=False)

    def _refresh(self) -> None:
        """Reload if another process rotated (the file was replaced) since the last load."""
        if self._signature() != self._loaded:
            self._load()

    def _signature(self) -> tuple[int, int, int]:
        status = self.path.stat()
        return status.st_ino, status.st_mtime_ns, status.st_size

    def _load(self) -> None:
        self._loaded = self._signature()
        self._current, keks = self._read()
        self._ciphers = {version: AESGCM(key) for version, key in keks.items()}

    def _read(self) -> tuple[int, dict[int, bytes]]:
        """The current version and every KEK, after checking the file's permissions."""
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"key file {self.path} is accessible to group or others"
                f" (mode {stat.S_IMODE(mode):o}); run: chmod 600 {self.path}"
            )
        try:
            document = json.loads(self.path.read_text())
            if document["format"] != FORMAT:
                raise ValueError(f"unknown format {document['format']!r}")
            keks = {int(v): base64.b64decode(k) for v, k in document["keks"].items()}
            current = int(document["current"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ConfigurationError(f"key file {self.path} is unreadable: {error}") from error
        if current not in keks or any(len(key) != 32 for key in keks.values()):
            raise ConfigurationError(f"key file {self.path} is inconsistent")
        return current, keks

    def _write(self, keks: dict[int, bytes], current: int, *, replace: bool) -> None:
        document = {
            "format": FORMAT,
            "current": current,
            "keks": {str(v): base64.b64encode(k).decode() for v, k in sorted(keks.items())},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                json.dump(document, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(temporary, self.path)
                return
            # link() fails if the name exists: of two first runs, exactly one creates keys.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, self.path)
        finally:
            temporary.unlink(missing_ok=True)
