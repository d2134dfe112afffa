"""The `smartshare` command; run alone, it means `smartshare serve`.

Logs go to stderr; stdout carries only a command's result.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

import click

from smartshare import accounts, users
from smartshare.config import ConfigError, Settings, ensure_secret_key, load
from smartshare.db import Database
from smartshare.errors import SmartShareError

CONFIG_HELP = "TOML config file (default: $SMARTSHARE_CONFIG, else built-in defaults)."


def setup_logging() -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("huey").setLevel(logging.WARNING)


def load_settings(config_file: str | None, **overrides) -> Settings:
    try:
        return ensure_secret_key(load(config_file, overrides=overrides))
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def open_db(settings: Settings) -> Database:
    from smartshare.app import open_database

    return open_database(settings)


config_option = click.option(
    "--config", "config_file", metavar="FILE", help=CONFIG_HELP
)


@click.group(invoke_without_command=True)
@click.pass_context
def main(ctx: click.Context) -> None:
    """SmartShare: scheduled AI posts for Instagram, in one process."""
    setup_logging()
    if ctx.invoked_subcommand is None:
        ctx.invoke(serve)


@main.command()
@click.option("--host", help="Address to listen on [default: server.host, 127.0.0.1].")
@click.option(
    "--port", type=int, help="Port to listen on [default: server.port, 8000]."
)
@config_option
def serve(host: str | None = None, port: int | None = None, config_file=None) -> None:
    """Run the web app, the API and the scheduler (the default command)."""
    from smartshare.server import run

    settings = load_settings(config_file, **{"server.host": host, "server.port": port})
    run(settings)


@main.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user an admin.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@config_option
def user_create(email: str, admin: bool, password_stdin: bool, config_file) -> None:
    """Create a user who can log in to the dashboard and own API keys."""
    password = _read_password(password_stdin)
    db = open_db(load_settings(config_file))
    created = _run(users.create_user, db, email, password, admin)
    role = "admin" if created["is_admin"] else "user"
    click.echo(f"{created['email']} {created['id']} {role}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.ClickException(
            "No terminal to ask for the password; pass --password-stdin and pipe it in."
        )
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)


@main.group()
def apikey() -> None:
    """Manage API keys."""


@apikey.command("create")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="A label for the key.")
@config_option
def apikey_create(email: str, name: str, config_file) -> None:
    """Create an API key for EMAIL and print it; it is shown only this once."""
    db = open_db(load_settings(config_file))
    owner = _run(users.user_by_email, db, email)
    key, _ = users.create_api_key(db, owner["id"], name)
    click.echo(key)


@main.group()
def account() -> None:
    """Manage connected Instagram accounts."""


@account.command("add")
@click.argument("email")
@click.argument("username")
@click.option(
    "--sandbox", is_flag=True, help="A sandbox account: posts go to data/outbox/."
)
@click.option(
    "--access-token-stdin",
    is_flag=True,
    help="Read an Instagram access token from stdin and verify it with /me.",
)
@config_option
def account_add(email, username, sandbox, access_token_stdin, config_file) -> None:
    """Connect USERNAME to the user EMAIL."""
    if sandbox == access_token_stdin:
        raise click.UsageError("Pass exactly one of --sandbox or --access-token-stdin.")
    settings = load_settings(config_file)
    db = open_db(settings)
    owner = _run(users.user_by_email, db, email)
    if sandbox:
        added = _run(accounts.add_account, db, owner["id"], username, "sandbox")
    else:
        from smartshare.publishing.connect import connect_with_token

        token = sys.stdin.readline().strip()
        added = _run(connect_with_token, db, settings, owner["id"], username, token)
    click.echo(f"@{added['username']} {added['id']} {added['kind']}")


@main.command()
@click.argument("dest", type=click.Path(dir_okay=False, writable=True))
@config_option
def backup(dest: str, config_file) -> None:
    """Write an online backup of the database to DEST while the server runs."""
    settings = load_settings(config_file)
    db = open_db(settings)
    target = Path(dest)
    if target.exists():
        raise click.ClickException(f"{target} already exists; choose a new file name.")
    with sqlite3.connect(target) as copy:
        db.conn.backup(copy)
    copy.close()
    click.echo(str(target.resolve()))


def _run(function, *args):
    try:
        return function(*args)
    except SmartShareError as error:
        raise click.ClickException(error.message) from None
