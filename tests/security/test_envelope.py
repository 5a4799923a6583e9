from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

from strongroom.security.envelope import associated_data, new_key, open_sealed, seal
from strongroom.security.errors import DecryptionFailed


def test_sealed_value_opens_with_the_same_associated_data() -> None:
    cipher = AESGCM(new_key())
    aad = associated_data("parties", "email", b"row-1")
    sealed = seal(cipher, b"ada@example.com", aad)
    assert b"ada@example.com" not in sealed
    assert open_sealed(cipher, sealed, aad) == b"ada@example.com"


def test_two_seals_of_one_value_differ() -> None:
    cipher = AESGCM(new_key())
    aad = associated_data("t")
    assert seal(cipher, b"x", aad) != seal(cipher, b"x", aad)


def test_other_associated_data_fails() -> None:
    cipher = AESGCM(new_key())
    sealed = seal(cipher, b"secret", associated_data("parties", "email", b"row-1"))
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, sealed, associated_data("parties", "email", b"row-2"))


def test_tampered_or_truncated_value_fails() -> None:
    cipher = AESGCM(new_key())
    aad = associated_data("t")
    sealed = bytearray(seal(cipher, b"secret", aad))
    sealed[-1] ^= 1
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, bytes(sealed), aad)
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, bytes(sealed[:10]), aad)


def test_other_key_fails() -> None:
    aad = associated_data("t")
    sealed = seal(AESGCM(new_key()), b"secret", aad)
    with pytest.raises(DecryptionFailed):
        open_sealed(AESGCM(new_key()), sealed, aad)


def test_associated_data_is_unambiguous() -> None:
    assert associated_data("ab", "c") != associated_data("a", "bc")


KEY = new_key()


@given(plaintext=st.binary(max_size=512), parts=st.lists(st.text(max_size=20), max_size=5))
def test_any_value_round_trips(plaintext: bytes, parts: list[str]) -> None:
    cipher = AESGCM(KEY)
    aad = associated_data(*parts)
    assert open_sealed(cipher, seal(cipher, plaintext, aad), aad) == plaintext
