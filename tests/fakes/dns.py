"""A fake DNS resolver for tests.

Made-up host names resolve to the addresses that a test chooses. Other names go
to the real resolver, so tests must use only IP literals, localhost or names
listed here, which keeps DNS queries off the network.
"""

from __future__ import annotations

import socket


class FakeDNS:
    def __init__(self) -> None:
        self.records: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        self._real_getaddrinfo = socket.getaddrinfo

    @classmethod
    def install(cls, monkeypatch) -> FakeDNS:
        fake = cls()
        monkeypatch.setattr(socket, "getaddrinfo", fake.getaddrinfo)
        return fake

    def getaddrinfo(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        if host not in self.records:
            return self._real_getaddrinfo(host, port, *args, **kwargs)
        if not self.records[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [_addrinfo(address, port) for address in self.records[host]]


def _addrinfo(address: str, port: int) -> tuple:
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
