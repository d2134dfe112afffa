"""Schema versions, applied in order at start-up and by every CLI command."""

from __future__ import annotations

import sqlite_utils

from smartshare.db import Database

migrations = sqlite_utils.Migrations("smartshare")

SCHEMA_V1 = """
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT,
    is_admin INTEGER NOT NULL DEFAULT 0,
    automation_limit INTEGER,
    created_at TEXT NOT NULL
);
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_keys_prefix ON api_keys(prefix);
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('instagram', 'sandbox')),
    state TEXT NOT NULL DEFAULT 'connected',
    ig_user_id TEXT,
    access_token TEXT,
    token_expires_at TEXT,
    token_issued_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, username)
);
CREATE TABLE automations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    instagram_username TEXT NOT NULL,
    schedule TEXT NOT NULL,
    general_description TEXT NOT NULL,
    prompt_details TEXT NOT NULL,
    negative_prompt TEXT,
    mandatory_caption_or_hashtags TEXT NOT NULL,
    generate_extra_hashtags INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    requires_approval INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'idle',
    last_run_at TEXT,
    next_scheduled_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX automations_user ON automations(user_id, created_at);
CREATE INDEX automations_due ON automations(active, next_scheduled_at);
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    automation_id TEXT NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT 'schedule',
    status TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT,
    post_id TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (automation_id, scheduled_for)
);
CREATE INDEX runs_status ON runs(status, created_at);
CREATE TABLE posts (
    id TEXT PRIMARY KEY,
    run_id TEXT UNIQUE,
    automation_id TEXT REFERENCES automations(id) ON DELETE SET NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    account_id TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    instagram_username TEXT NOT NULL,
    caption TEXT NOT NULL,
    image_path TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    container_id TEXT,
    instagram_media_id TEXT,
    permalink TEXT,
    publish_attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX posts_user ON posts(user_id, created_at);
CREATE INDEX posts_status ON posts(status, next_attempt_at);
CREATE TABLE events (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    dispatched INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_dispatch ON events(dispatched, created_at);
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT,
    description TEXT NOT NULL DEFAULT '',
    enabled INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending',
    attempt_count INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_status_code INTEGER,
    last_error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries(status, next_attempt_at);
CREATE TABLE delivery_attempts (
    id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempted_at TEXT NOT NULL,
    status_code INTEGER,
    duration_ms INTEGER NOT NULL,
    error TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    for statement in SCHEMA_V1.split(";"):
        if statement.strip():
            db.execute(statement)


@migrations()
def m002_webhook_delivery(db: sqlite_utils.Database) -> None:
    # events.payload contains the serialized webhook body, so that every attempt of
    # an event sends the same bytes.
    db.execute("ALTER TABLE events ADD COLUMN payload TEXT")
    db.execute(
        "ALTER TABLE webhook_endpoints "
        "ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0"
    )
    db.execute(
        "CREATE INDEX deliveries_endpoint "
        "ON deliveries(endpoint_id, status, next_attempt_at)"
    )


def apply(database: Database) -> None:
    database.path.parent.mkdir(parents=True, exist_ok=True)
    migrations.apply(database.utils)
