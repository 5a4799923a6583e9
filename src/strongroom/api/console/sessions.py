"""Console sessions: an API key exchanged for a cookie.

The cookie holds the key itself, sealed with AES-256-GCM under a data key of the keyring (so
every process serving the console opens it, and nobody without the key-encryption key can read
it), with the session's expiry and its CSRF token. Each request opens the cookie and
authenticates the key again (the access service caches it), so a revoked key ends its sessions
at once and the role is always the key's current one.

The CSRF token is the synchronizer pattern: random, inside the sealed session, echoed by every
form as a hidden field and compared in constant time. Before sign-in, the sign-in form is
protected the double-submit way: a random token in a cookie of its own and in the form.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass

import msgspec
from cryptography.exceptions import InvalidTag

from strongroom.clock import Clock
from strongroom.errors import NotFound
from strongroom.security.errors import DataShredded
from strongroom.security.keyring import Keyring

#: The session cookie, and the sign-in form's double-submit cookie.
COOKIE = "strongroom_console"
SIGN_IN_COOKIE = "strongroom_console_sign_in"
#: A session lasts a working day.
LIFETIME_S = 8 * 3600
#: The keyring's tenant and subject of the data key sealing sessions.
_KEY_TENANT = "strongroom-console"
_KEY_SUBJECT = "sessions"
_AAD = b"strongroom console session v1"


class Session(msgspec.Struct, frozen=True):
    token: str
    csrf: str
    expires_ns: int


@dataclass(frozen=True, slots=True)
class Sessions:
    keyring: Keyring
    clock: Clock

    async def start(self, token: str) -> tuple[str, Session]:
        """A new session for `token`: (the cookie's value, the session)."""
        session = Session(
            token, secrets.token_urlsafe(32), self.clock.now_ns() + LIFETIME_S * 10**9
        )
        key_id, cipher = await self.keyring.data_key(_KEY_TENANT, _KEY_SUBJECT)
        nonce = os.urandom(12)
        sealed = cipher.encrypt(nonce, msgspec.msgpack.encode(session), _AAD)
        return base64.urlsafe_b64encode(key_id.bytes + nonce + sealed).decode(), session

    async def open(self, cookie: str | None) -> Session | None:
        """The session in `cookie`; None when there is none, it was tampered with, or it
        expired."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            raw = base64.urlsafe_b64decode(cookie)
            key_id = uuid.UUID(bytes=raw[:16])
            cipher = await self.keyring.cipher(key_id)
            plain = cipher.decrypt(raw[16:28], raw[28:], _AAD)
            session = msgspec.msgpack.decode(plain, type=Session)
        except (binascii.Error, ValueError, InvalidTag, msgspec.DecodeError):
            return None
        except (NotFound, DataShredded):
            # A made-up key id, or the sessions' key destroyed: no session either.
            return None
        if session.expires_ns <= self.clock.now_ns():
            return None
        return session


def same_token(sent: object, expected: str) -> bool:
    """Whether a form's CSRF token is `expected`, compared in constant time."""
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)
