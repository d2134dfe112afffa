"""Safety checks for endpoint URLs, at save time and before every send.

The host is resolved and every address it resolves to is checked, because
`getaddrinfo` accepts spellings such as `2130706433`, `0x7f.1` and `127.1` for
127.0.0.1 that a check on the URL text would miss.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx

from smartshare.webhooks.addresses import IPAddress, blocked_reason

MAX_URL_LENGTH = 2048


class UnsafeURL(Exception):
    """A rejected endpoint URL, found before any connection.

    The URL is invalid, its host does not resolve, or the host resolves to an
    address that may not receive webhooks.
    """


def validate_endpoint_url(url: str) -> str | None:
    """Check the URL's syntax and return the error message, or None when valid."""
    if len(url) > MAX_URL_LENGTH:
        return f"Invalid URL: it has more than {MAX_URL_LENGTH} characters."
    if any(char.isspace() or not char.isprintable() for char in url):
        return "Invalid URL: it contains spaces or control characters."
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        return f"Invalid URL ({error})."

    return _check_parts(parsed)


def resolve_public(url: str, allow_private: bool) -> list[IPAddress]:
    """Resolve the URL's host and return its addresses, all of them allowed.

    Raises UnsafeURL when the URL is invalid, the host does not resolve, or any
    address is blocked. One blocked address rejects the whole host, because the
    address a later connection picks is not known in advance.
    """
    problem = validate_endpoint_url(url)
    if problem:
        raise UnsafeURL(problem)

    parsed = httpx.URL(url)
    addresses = _resolve(parsed)

    for address in addresses:
        reason = blocked_reason(address, allow_private)
        if reason:
            raise UnsafeURL(_blocked_message(parsed.host, address, reason))

    return addresses


def _check_parts(parsed: httpx.URL) -> str | None:
    if parsed.scheme not in {"http", "https"}:
        return "Invalid URL: the scheme must be http or https."
    if not parsed.host:
        return "Invalid URL: the host is missing."
    if parsed.userinfo:
        return "Invalid URL: remove the user name and password from it."
    return None


def _resolve(parsed: httpx.URL) -> list[IPAddress]:
    host = parsed.raw_host.decode("ascii")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    # NOTE: getaddrinfo takes no timeout, so a slow DNS server can delay an
    # attempt beyond webhooks.timeout, up to the limits set in resolv.conf.
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeURL(
            f"Host {parsed.host} could not be resolved ({error}). "
            "Check the host name in the URL."
        ) from None

    addresses = [ipaddress.ip_address(entry[4][0]) for entry in found]
    return list(dict.fromkeys(addresses))


def _blocked_message(host: str, address: IPAddress, reason: str) -> str:
    message = f"Host {host} resolves to {address}, {reason}, which may not receive "
    if blocked_reason(address, allow_private=True):
        return message + "webhooks. Use a host with a public address."
    return message + (
        "webhooks. Use a public address, or set webhooks.allow_private_networks "
        "= true to allow receivers on a private network."
    )
