"""Shared fixtures: settings on a temporary data directory, the app, and personas.

The personas are `owner` (has an API key and a sandbox account @owner_shop) and
`outsider` (another user with a key and an account of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar.testing import TestClient

from smartshare import accounts, config, users
from smartshare.app import create_app
from smartshare.db import Database


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("SMARTSHARE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(data_dir: Path) -> config.Settings:
    return config.load(environ={"SMARTSHARE_DATA_DIR": str(data_dir)})


@pytest.fixture
def app(settings):
    return create_app(settings, immediate=True)


@pytest.fixture
def db(app) -> Database:
    return app.state.db


@pytest.fixture
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@dataclass
class Persona:
    user: dict
    key: str
    username: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_persona(db: Database, email: str, username: str) -> Persona:
    user = users.create_user(db, email, "correct horse battery")
    key, _ = users.create_api_key(db, user["id"], "tests")
    accounts.add_account(db, user["id"], username, "sandbox")
    return Persona(user, key, username)


@pytest.fixture
def owner(db) -> Persona:
    return make_persona(db, "owner@example.com", "owner_shop")


@pytest.fixture
def outsider(db) -> Persona:
    return make_persona(db, "outsider@example.com", "outsider_shop")


def automation_body(username: str = "owner_shop", **changes) -> dict:
    body = {
        "instagram_username": username,
        "schedule": {
            "type": "daily",
            "time": "14:30",
            "timezone": "America/Los_Angeles",
        },
        "generalDescription": "Daily tech news summary post",
        "promptDetails": "Generate an image representing the latest AI advancements",
        "negativePrompt": "blurry, low quality",
        "mandatoryCaptionOrHashtags": "#AI #TechNews",
        "generateExtraHashtags": True,
        "contentType": "ai_generated",
    }
    body.update(changes)
    return body
