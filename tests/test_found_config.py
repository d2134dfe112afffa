"""Numeric settings given values that cannot be used."""

from __future__ import annotations

import pytest

from smartshare import config


@pytest.mark.parametrize("value", ["eighty", "70000", "0", "true"])
def test_port_error_names_range(value):
    with pytest.raises(config.ConfigError) as error:
        config.load(environ={"SMARTSHARE_SERVER__PORT": value})

    assert "expected an integer from 1 to 65535." in str(error.value)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "infinity"])
@pytest.mark.parametrize(
    "name", ["SMARTSHARE_WEBHOOKS__TIMEOUT", "SMARTSHARE_SCHEDULER__TICK_SECONDS"]
)
def test_seconds_reject_nan_and_infinity(name, value):
    with pytest.raises(config.ConfigError) as error:
        config.load(environ={name: value})

    assert "a finite number of seconds greater than 0" in str(error.value)
