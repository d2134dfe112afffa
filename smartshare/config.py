"""Settings from smartshare.toml, then SMARTSHARE_* environment variables.

Precedence: command-line flag, environment, file, default. A key named in
SECRET_KEYS may also be read from a file given as `<key>_file`.
"""

from __future__ import annotations

import math
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "SMARTSHARE_"
SECRET_KEYS = {"server.secret_key", "generation.openai.api_key", "instagram.app_secret"}


class ConfigError(Exception):
    """An invalid setting; the message names the key, the value and the form."""


def _port(key: str, value: Any) -> int:
    expected = "an integer from 1 to 65535"
    try:
        number = _integer(key, value)
    except ConfigError:
        raise _invalid(key, value, expected) from None
    if not 1 <= number <= 65535:
        raise _invalid(key, value, expected)
    return number


def _integer(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _invalid(key, value, "an integer")
    try:
        return int(str(value).strip())
    except ValueError:
        raise _invalid(key, value, "an integer") from None


def _positive(key: str, value: Any) -> int:
    number = _integer(key, value)
    if number < 1:
        raise _invalid(key, value, "an integer of 1 or more")
    return number


def _non_negative(key: str, value: Any) -> int:
    number = _integer(key, value)
    if number < 0:
        raise _invalid(key, value, "an integer of 0 or more (0 means no limit)")
    return number


def _seconds(key: str, value: Any) -> float:
    try:
        number = float(str(value).strip())
    except ValueError:
        raise _invalid(key, value, "a number of seconds") from None
    if not math.isfinite(number) or number <= 0:
        raise _invalid(key, value, "a finite number of seconds greater than 0")
    return number


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "on"}:
        return True
    if text in {"false", "0", "no", "off"}:
        return False
    raise _invalid(key, value, "true or false")


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise _invalid(key, value, "a string")
    return str(value)


def _http_url(key: str, value: Any) -> str:
    text = _text(key, value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _invalid(key, value, "an absolute http:// or https:// URL")
    return text


def _optional_url(key: str, value: Any) -> str | None:
    if value in (None, ""):
        return None
    return _http_url(key, value)


def _provider(*names: str):
    def check(key: str, value: Any) -> str:
        text = _text(key, value).strip().lower()
        if text not in names:
            raise _invalid(key, value, "one of " + ", ".join(names))
        return text

    return check


def _invalid(key: str, value: Any, expected: str) -> ConfigError:
    shown = "(hidden)" if key in SECRET_KEYS else repr(value)
    return ConfigError(f"Invalid setting {key} = {shown}: expected {expected}.")


# key: (parser, default). The key names are part of the documented contract.
SPEC: dict[str, tuple[Any, Any]] = {
    "server.host": (_text, "127.0.0.1"),
    "server.port": (_port, 8000),
    "server.public_url": (_optional_url, None),
    "server.secret_key": (_text, None),
    "storage.data_dir": (_text, "./data"),
    "scheduler.workers": (_positive, 4),
    "scheduler.catch_up_minutes": (_non_negative, 360),
    "scheduler.tick_seconds": (_seconds, 2),
    "generation.image_provider": (_provider("builtin", "openai", "sdwebui"), "builtin"),
    "generation.caption_provider": (_provider("builtin", "openai"), "builtin"),
    "generation.openai.base_url": (_http_url, "https://api.openai.com/v1"),
    "generation.openai.api_key": (_text, ""),
    "generation.openai.image_model": (_text, "gpt-image-1"),
    "generation.openai.text_model": (_text, "gpt-4o-mini"),
    "generation.openai.image_size": (_text, "1024x1536"),
    "generation.openai.timeout_seconds": (_seconds, 300),
    "generation.sdwebui.base_url": (_http_url, "http://127.0.0.1:7860"),
    "generation.sdwebui.steps": (_positive, 25),
    "generation.sdwebui.timeout_seconds": (_seconds, 600),
    "instagram.app_id": (_text, ""),
    "instagram.app_secret": (_text, ""),
    "instagram.graph_url": (_http_url, "https://graph.instagram.com"),
    "instagram.api_version": (_text, "v23.0"),
    "instagram.max_hashtags": (_non_negative, 5),
    "instagram.publish_timeout_seconds": (_seconds, 300),
    "webhooks.allow_private_networks": (_boolean, False),
    "webhooks.timeout": (_seconds, 10),
    "limits.automations_per_user": (_non_negative, 0),
    "limits.api_requests_per_minute": (_non_negative, 0),
}


@dataclass
class Settings:
    """Resolved settings; `values` maps dotted keys to parsed values."""

    values: dict[str, Any] = field(default_factory=dict)
    config_file: Path | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["storage.data_dir"]).expanduser().resolve()

    @property
    def secret_key(self) -> str:
        return self.values["server.secret_key"]

    def with_overrides(self, **overrides: Any) -> Settings:
        values = dict(self.values)
        for key, value in overrides.items():
            values[key] = SPEC[key][0](key, value)
        return Settings(values, self.config_file)


def load(
    config_file: str | Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Resolve every key from flags, environment, file and defaults."""
    environ = dict(os.environ if environ is None else environ)
    if config_file is None and environ.get("SMARTSHARE_CONFIG"):
        config_file = environ["SMARTSHARE_CONFIG"]
    raw = _flatten(_read_file(config_file)) if config_file else {}
    _check_unknown_keys(raw, f"config file {config_file}")
    raw.update(_from_environment(environ))
    raw.update(
        {key: value for key, value in (overrides or {}).items() if value is not None}
    )

    values = {}
    for key, (parser, default) in SPEC.items():
        if key in raw:
            values[key] = parser(key, raw[key])
        else:
            values[key] = default
    return Settings(values, Path(config_file) if config_file else None)


def ensure_secret_key(settings: Settings) -> Settings:
    """Fill server.secret_key from the data directory, creating it once."""
    if settings.values["server.secret_key"]:
        return settings
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    values = dict(settings.values, **{"server.secret_key": path.read_text().strip()})
    return Settings(values, settings.config_file)


def _read_file(path: str | Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"Config file {path} not found; check the --config path."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Config file {path} is not valid TOML: {error}.") from None


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return _resolve_secret_files(flat)


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in environ.items():
        if name == "SMARTSHARE_DATA_DIR":
            found.setdefault("storage.data_dir", value)
        elif name.startswith(ENV_PREFIX) and "__" in name:
            key = name[len(ENV_PREFIX) :].lower().replace("__", ".")
            found[key] = value
    if "SMARTSHARE_STORAGE__DATA_DIR" in environ:
        found["storage.data_dir"] = environ["SMARTSHARE_STORAGE__DATA_DIR"]
    found = _resolve_secret_files(found)
    _check_unknown_keys(found, "environment variable")
    return found


def _resolve_secret_files(raw: dict[str, Any]) -> dict[str, Any]:
    resolved = {}
    for key, value in raw.items():
        secret_key = key.removesuffix("_file")
        if key.endswith("_file") and secret_key in SECRET_KEYS:
            try:
                resolved[secret_key] = Path(value).read_text().strip()
            except OSError as error:
                raise ConfigError(
                    f"Invalid setting {key} = {value!r}: the file cannot be read "
                    f"({error.strerror})."
                ) from None
        else:
            resolved[key] = value
    return resolved


def _check_unknown_keys(raw: dict[str, Any], source: str) -> None:
    unknown = sorted(set(raw) - set(SPEC))
    if unknown:
        raise ConfigError(
            f"Unknown setting {unknown[0]} in {source}; "
            "see smartshare.toml.example for the valid keys."
        )
