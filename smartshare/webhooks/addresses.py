"""Rules for which IP addresses may receive webhooks.

An address is judged by what a connection to it reaches. An IPv4-mapped or
NAT64 IPv6 address is judged by the IPv4 address it translates to. A 6to4 or
Teredo address is judged by its own range and by every IPv4 address it carries.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SHARED_NETWORK = ipaddress.IPv4Network("100.64.0.0/10")
NAT64_NETWORK = ipaddress.IPv6Network("64:ff9b::/96")

# Cloud metadata services (AWS over IPv6, Alibaba Cloud) return instance
# credentials to local callers. 169.254.169.254 is link-local, so the link-local
# rule blocks it already.
METADATA_ADDRESSES = {
    ipaddress.IPv6Address("fd00:ec2::254"),
    ipaddress.IPv4Address("100.100.100.200"),
}

# Each rule is (description, test, allowed by webhooks.allow_private_networks).
# The first matching rule names the address. Loopback comes before reserved
# because Python's ipaddress counts ::1 as reserved too.
Rule = tuple[str, Callable[[IPAddress], bool], bool]
RULES: tuple[Rule, ...] = (
    ("an unspecified address", lambda ip: ip.is_unspecified, False),
    ("a loopback address", lambda ip: ip.is_loopback, True),
    ("a multicast address", lambda ip: ip.is_multicast, False),
    ("a link-local address", lambda ip: ip.is_link_local, False),
    ("a cloud metadata address", lambda ip: ip in METADATA_ADDRESSES, False),
    ("a reserved address", lambda ip: ip.is_reserved, False),
    ("a private address", lambda ip: ip.is_private or _is_site_local(ip), True),
    ("a shared address (100.64.0.0/10)", lambda ip: ip in SHARED_NETWORK, True),
    ("not a globally routable address", lambda ip: not ip.is_global, True),
)


def blocked_reason(ip: IPAddress, allow_private: bool) -> str | None:
    """Describe why `ip` may not receive webhooks, or return None when it may.

    With `allow_private`, loopback, private and shared addresses are allowed.
    Unspecified, multicast, link-local, metadata and reserved addresses are
    never allowed, because no LAN receiver needs them.
    """
    translated = _translated_ipv4(ip)
    if translated is not None:
        reason = blocked_reason(translated, allow_private)
        return _embedding(translated, reason)

    for carried in _carried_ipv4s(ip):
        reason = blocked_reason(carried, allow_private)
        if reason:
            return _embedding(carried, reason)

    return _own_reason(ip, allow_private)


def _own_reason(ip: IPAddress, allow_private: bool) -> str | None:
    for description, matches, private_network in RULES:
        if matches(ip):
            return None if private_network and allow_private else description
    return None


def _translated_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if ip.version == 4:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64_NETWORK:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _carried_ipv4s(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    if ip.version == 4:
        return []
    carried = [ip.sixtofour] if ip.sixtofour is not None else []
    if ip.teredo is not None:
        carried.extend(ip.teredo)
    return carried


def _is_site_local(ip: IPAddress) -> bool:
    return ip.version == 6 and ip.is_site_local


def _embedding(embedded: ipaddress.IPv4Address, reason: str | None) -> str | None:
    if reason is None:
        return None
    return f"an address that embeds {embedded}, {reason}"
