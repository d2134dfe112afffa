"""Settings: defaults, the file, environment overrides and clear errors."""

from __future__ import annotations

import pytest

from smartshare import config


def test_defaults_without_file():
    settings = config.load(environ={})

    assert settings["server.host"] == "127.0.0.1"
    assert settings["server.port"] == 8000
    assert settings["storage.data_dir"] == "./data"
    assert settings["scheduler.catch_up_minutes"] == 360
    assert settings["generation.image_provider"] == "builtin"
    assert settings["instagram.max_hashtags"] == 5
    assert settings["webhooks.allow_private_networks"] is False


def test_environment_beats_file(tmp_path):
    path = tmp_path / "smartshare.toml"
    path.write_text('[server]\nport = 9000\nhost = "0.0.0.0"\n')

    settings = config.load(path, environ={"SMARTSHARE_SERVER__PORT": "9100"})

    assert settings["server.port"] == 9100
    assert settings["server.host"] == "0.0.0.0"


def test_flag_beats_environment():
    settings = config.load(
        environ={"SMARTSHARE_SERVER__PORT": "9100"}, overrides={"server.port": 9200}
    )

    assert settings["server.port"] == 9200


def test_nested_environment_key():
    settings = config.load(
        environ={"SMARTSHARE_GENERATION__OPENAI__BASE_URL": "http://127.0.0.1:9/v1"}
    )

    assert settings["generation.openai.base_url"] == "http://127.0.0.1:9/v1"


def test_data_dir_alias(tmp_path):
    settings = config.load(environ={"SMARTSHARE_DATA_DIR": str(tmp_path)})

    assert settings.data_dir == tmp_path


def test_secret_from_file(tmp_path):
    secret = tmp_path / "openai"
    secret.write_text("sk-from-file\n")
    path = tmp_path / "smartshare.toml"
    path.write_text(f'[generation.openai]\napi_key_file = "{secret}"\n')

    settings = config.load(path, environ={})

    assert settings["generation.openai.api_key"] == "sk-from-file"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SMARTSHARE_SERVER__PORT": "eighty"}, "server.port = 'eighty'"),
        ({"SMARTSHARE_SERVER__PORT": "70000"}, "from 1 to 65535"),
        (
            {"SMARTSHARE_GENERATION__IMAGE_PROVIDER": "dalle"},
            "builtin, openai, sdwebui",
        ),
        ({"SMARTSHARE_WEBHOOKS__ALLOW_PRIVATE_NETWORKS": "maybe"}, "true or false"),
        ({"SMARTSHARE_SERVER__PUBLIC_URL": "ftp://x"}, "http:// or https://"),
        ({"SMARTSHARE_SERVER__PORTT": "1"}, "Unknown setting server.portt"),
    ],
)
def test_invalid_value_names_key_and_form(environ, expected):
    with pytest.raises(config.ConfigError) as error:
        config.load(environ=environ)

    assert expected in str(error.value)


def test_invalid_secret_is_not_echoed(tmp_path):
    path = tmp_path / "smartshare.toml"
    path.write_text("[server]\nsecret_key = 42.5\n")

    settings = config.load(path, environ={})

    assert settings.secret_key == "42.5"


def test_broken_toml_is_reported(tmp_path):
    path = tmp_path / "smartshare.toml"
    path.write_text("[server\n")

    with pytest.raises(config.ConfigError, match="not valid TOML"):
        config.load(path, environ={})


def test_secret_key_generated_once(tmp_path):
    settings = config.load(environ={"SMARTSHARE_DATA_DIR": str(tmp_path)})

    first = config.ensure_secret_key(settings).secret_key
    second = config.ensure_secret_key(settings).secret_key

    assert len(first) >= 40
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_example_file_loads(tmp_path):
    settings = config.load("smartshare.toml.example", environ={})

    assert settings["server.port"] == 8000
    assert settings["scheduler.tick_seconds"] == 2
