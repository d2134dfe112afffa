"""Secrets encrypted at rest with a key derived from server.secret_key."""

import pytest

from smartshare import secretbox


def test_round_trip():
    stored = secretbox.encrypt("server-key", "IGQVJ-token")

    assert stored.startswith("enc1:")
    assert "IGQVJ-token" not in stored
    assert secretbox.decrypt("server-key", stored) == "IGQVJ-token"


def test_other_key_cannot_read():
    stored = secretbox.encrypt("server-key", "IGQVJ-token")

    with pytest.raises(secretbox.SecretUnreadable):
        secretbox.decrypt("another-key", stored)


def test_plaintext_is_rejected():
    with pytest.raises(secretbox.SecretUnreadable):
        secretbox.decrypt("server-key", "IGQVJ-token")
