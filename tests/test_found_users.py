"""Email addresses without a local part, a domain or only printable characters."""

from __future__ import annotations

import pytest

from smartshare import users
from smartshare.errors import BadRequest


@pytest.mark.parametrize(
    "email",
    [
        "@",
        "name@",
        "@example.com",
        "a\x00@example.com",
        "a@exa\x1fmple.com",
        "a\x7f@b.c",
    ],
)
def test_create_user_rejects_bad_email(db, email):
    with pytest.raises(BadRequest) as error:
        users.create_user(db, email, "correct horse battery")

    assert "Invalid email address" in error.value.message
    assert db.one("SELECT COUNT(*) AS n FROM users")["n"] == 0


@pytest.mark.parametrize(
    "email", ["a@b.c", "Zoë@example.com", "first.last+tag@example.org"]
)
def test_create_user_keeps_good_email(db, email):
    user = users.create_user(db, email, "correct horse battery")

    assert user["email"] == email
