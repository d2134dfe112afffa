"""The check that Instagram can download images from server.public_url."""

from __future__ import annotations

import ipaddress
import re
import socket
from urllib.parse import urlsplit

import httpx

from smartshare import http

# Special-use and private-use names that never resolve on the public internet
# (RFC 6761, RFC 6762, RFC 8375, and ICANN's reservation of .internal).
_LOCAL_SUFFIXES = (
    "localhost",
    "local",
    "internal",
    "home.arpa",
    "test",
    "invalid",
    "example",
)
_LOCAL_ENDINGS = tuple("." + suffix for suffix in _LOCAL_SUFFIXES)
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)")
_PUBLIC_URL_ADVICE = (
    "Set server.public_url to a public https address, for example through a "
    "reverse proxy or a tunnel, because Instagram downloads each image from there."
)


def check_public_url(url: str | None) -> str | None:
    """Return why Instagram could not download from `url`, or None if it could.

    The check reads the URL only. It does not resolve the host name, because
    the server may sit behind a proxy with its own DNS.
    """
    if not url:
        return f"server.public_url is unset. {_PUBLIC_URL_ADVICE}"
    problem = _public_url_problem(url)
    if problem is None:
        return None

    try:
        safe_url = repr(http.redact(url))
    except httpx.InvalidURL:
        safe_url = "(invalid URL)"
    return f"server.public_url {safe_url} {problem}. {_PUBLIC_URL_ADVICE}"


def _public_url_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return "is not a valid URL"
    if parts.scheme.lower() != "https":
        return "is not an https URL"
    if not host:
        return "has no host name"
    if parts.username is not None or parts.password is not None:
        return "contains a user name or password"

    try:
        address = _ip_literal(host)
    except ValueError:
        return f"has {host} as host, which is neither a name nor a valid IP address"
    if address is not None:
        return _address_problem(address)
    if host in _LOCAL_SUFFIXES or host.endswith(_LOCAL_ENDINGS):
        return f"points to {host}, a name reserved for local networks"
    if "." not in host:
        return f"points to {host}, a single-label name that is not public"
    return None


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Return the address `host` spells, or None for a name.

    Raise ValueError for a numeric host that is no valid IPv4 address.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None and all(_NUMERIC_LABEL.fullmatch(x) for x in host.split(".")):
        # URL parsers read shorthand such as 127.1 or 2130706433 as IPv4.
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise ValueError(host) from None

    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _address_problem(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> str | None:
    # Loopback and link-local ranges are also private, so they are tested first.
    ranges = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    for name, matches in ranges:
        if matches:
            return f"points to {address}, a {name} address"
    return None
