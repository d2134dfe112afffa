import ipaddress
import socket

import pytest

from smartshare.webhooks.addresses import blocked_reason
from smartshare.webhooks.urls import UnsafeURL, resolve_public, validate_endpoint_url
from tests.fakes.dns import FakeDNS

# Hosts that reach a loopback, private or otherwise non-public address. Every
# one is an IP literal or localhost, so resolving them makes no DNS query.
UNSAFE_HOSTS = [
    "127.0.0.1",
    "localhost",
    "0.0.0.0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "169.254.169.254",
    "10.0.0.1",
    "192.168.1.10",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "127.1",
    "0x7f.1",
    "[fe80::1]",
    "100.64.0.1",
    "224.0.0.1",
]

# Rejected even with webhooks.allow_private_networks, because no LAN receiver
# lives at an unspecified, link-local or multicast address.
NEVER_ALLOWED_HOSTS = ["0.0.0.0", "169.254.169.254", "[fe80::1]", "224.0.0.1"]


@pytest.fixture(autouse=True)
def no_connections(monkeypatch):
    def reject_connection(*args, **kwargs):
        raise AssertionError("URL checks must not open connections")

    monkeypatch.setattr(socket, "create_connection", reject_connection)


@pytest.fixture
def fake_dns(monkeypatch):
    return FakeDNS.install(monkeypatch)


@pytest.mark.parametrize("host", UNSAFE_HOSTS)
def test_unsafe_host_is_rejected(host):
    with pytest.raises(UnsafeURL):
        resolve_public(f"http://{host}:8080/hook", allow_private=False)


def test_rejection_names_host_address_and_setting():
    with pytest.raises(UnsafeURL) as caught:
        resolve_public("http://localhost:8080/hook", allow_private=False)

    message = str(caught.value)
    assert "localhost" in message
    assert "127.0.0.1" in message
    assert "webhooks.allow_private_networks" in message


def test_decimal_spelling_names_loopback():
    with pytest.raises(UnsafeURL, match="127.0.0.1, a loopback address"):
        resolve_public("http://2130706433/hook", allow_private=False)


def test_octal_spelling_is_invalid_url():
    with pytest.raises(UnsafeURL, match="Invalid URL"):
        resolve_public("http://0177.0.0.1/hook", allow_private=True)


def test_mapped_ipv6_names_embedded_address():
    with pytest.raises(UnsafeURL, match="embeds 127.0.0.1, a loopback address"):
        resolve_public("http://[::ffff:127.0.0.1]/hook", allow_private=False)


def test_loopback_allowed_with_private_networks():
    addresses = resolve_public("http://127.0.0.1:8080/hook", allow_private=True)

    assert addresses == [ipaddress.ip_address("127.0.0.1")]


@pytest.mark.parametrize("host", ["10.0.0.1", "192.168.1.10", "100.64.0.1", "[::1]"])
def test_lan_address_allowed_with_private_networks(host):
    assert resolve_public(f"http://{host}/hook", allow_private=True)


@pytest.mark.parametrize("host", NEVER_ALLOWED_HOSTS)
def test_never_allowed_with_private_networks(host):
    with pytest.raises(UnsafeURL) as caught:
        resolve_public(f"http://{host}/hook", allow_private=True)

    assert "allow_private_networks" not in str(caught.value)


def test_public_host_is_allowed(fake_dns):
    fake_dns.records["receiver.test"] = ["8.8.8.8", "2001:4860:4860::8888"]

    addresses = resolve_public("https://receiver.test/hook", allow_private=False)

    assert [str(address) for address in addresses] == fake_dns.records["receiver.test"]


def test_any_private_address_rejects_host(fake_dns):
    fake_dns.records["mixed.test"] = ["8.8.8.8", "127.0.0.1"]

    with pytest.raises(UnsafeURL, match="mixed.test resolves to 127.0.0.1"):
        resolve_public("https://mixed.test/hook", allow_private=False)


def test_unresolvable_host_is_rejected(fake_dns):
    fake_dns.records["missing.test"] = []

    with pytest.raises(UnsafeURL, match="missing.test could not be resolved"):
        resolve_public("https://missing.test/hook", allow_private=False)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("2002:7f00:1::1", "embeds 127.0.0.1, a loopback address"),
        ("2002:a00:1::1", "embeds 10.0.0.1, a private address"),
        ("64:ff9b::7f00:1", "embeds 127.0.0.1, a loopback address"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "embeds 192.0.2.45"),
        ("::127.0.0.1", "a reserved address"),
        ("fec0::1", "a private address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("ff02::1", "a multicast address"),
        ("198.18.0.1", "a private address"),
        ("240.0.0.1", "a reserved address"),
    ],
)
def test_embedded_and_special_addresses_blocked(address, expected):
    assert expected in blocked_reason(ipaddress.ip_address(address), False)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "::ffff:8.8.8.8", "64:ff9b::808:808", "2606:4700::1111"]
)
def test_public_addresses_not_blocked(address):
    assert blocked_reason(ipaddress.ip_address(address), False) is None


def test_metadata_address_blocked_with_private_networks():
    address = ipaddress.ip_address("fd00:ec2::254")

    assert blocked_reason(address, allow_private=True) == "a cloud metadata address"


@pytest.mark.parametrize(
    "url",
    [
        "https://receiver.example/hook",
        "http://192.168.1.10:8080/hook?token=abc",
        "https://[2001:db8::1]/hook",
    ],
)
def test_valid_url_syntax(url):
    assert validate_endpoint_url(url) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ftp://receiver.example/hook", "scheme must be http or https"),
        ("receiver.example/hook", "scheme must be http or https"),
        ("https:///hook", "host is missing"),
        ("https://user:secret@receiver.example/hook", "user name and password"),
        ("https://receiver.example/" + "a" * 2048, "more than 2048 characters"),
        ("https://receiver .example/hook", "spaces or control characters"),
        ("https://receiver.example/\nhook", "spaces or control characters"),
        ("https://[::1/hook", "Invalid URL"),
    ],
)
def test_invalid_url_syntax(url, expected):
    assert expected in validate_endpoint_url(url)
