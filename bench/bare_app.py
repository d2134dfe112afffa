"""The baseline: a bare Litestar app serving the same rows from the same SQLite file.

It does the same work per request as SmartShare's endpoints (look up the API
key by prefix and hash, read the rows, encode JSON) with none of SmartShare's
layers: no error handler, rate limiter, typed response structs or timestamp
formatting. Run by bench/api.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading

from litestar import Litestar, Request, get
from litestar.exceptions import NotAuthorizedException, NotFoundException

DB_PATH = os.environ["BENCH_DB"]
_local = threading.local()


def conn() -> sqlite3.Connection:
    if not hasattr(_local, "conn"):
        _local.conn = sqlite3.connect(DB_PATH, isolation_level=None)
        _local.conn.row_factory = sqlite3.Row
    return _local.conn


def user_id(request: Request) -> str:
    key = request.headers.get("authorization", "").removeprefix("Bearer ")
    row = (
        conn()
        .execute(
            "SELECT user_id, key_hash FROM api_keys "
            "WHERE prefix = ? AND revoked_at IS NULL",
            (key[:12],),
        )
        .fetchone()
    )
    if row is None or row["key_hash"] != hashlib.sha256(key.encode()).hexdigest():
        raise NotAuthorizedException()
    return row["user_id"]


def automation(row: sqlite3.Row) -> dict:
    item = dict(row)
    item["schedule"] = json.loads(item["schedule"])
    return item


@get("/api/v1/automations", sync_to_thread=True)
def list_automations(request: Request) -> dict:
    rows = (
        conn()
        .execute(
            "SELECT * FROM automations WHERE user_id = ? ORDER BY created_at, id",
            (user_id(request),),
        )
        .fetchall()
    )
    return {"automations": [automation(row) for row in rows]}


@get("/api/v1/automations/{automation_id:str}", sync_to_thread=True)
def get_automation(request: Request, automation_id: str) -> dict:
    row = (
        conn()
        .execute(
            "SELECT * FROM automations WHERE id = ? AND user_id = ?",
            (automation_id, user_id(request)),
        )
        .fetchone()
    )
    if row is None:
        raise NotFoundException()
    return automation(row)


app = Litestar([list_automations, get_automation])
