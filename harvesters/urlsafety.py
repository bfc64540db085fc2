"""Which URLs the harvesters may fetch: http(s) only, and public addresses only.

A source configuration or a page can name any URL; without this check a harvest could be
pointed at the machine's own services or the internal network. Host names are resolved and
*every* address checked before a connection is made, and :class:`GuardedAdapter` checks the
address again at connect time (a name can resolve differently the second time).

>>> check_url("ftp://example.org/list")
Traceback (most recent call last):
...
harvesters.urlsafety.UnsafeURL: only http and https URLs can be harvested, not 'ftp'
>>> is_public_address("10.0.0.1"), is_public_address("2a00:1450:4001::1")
(False, True)
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

ALLOWED_SCHEMES = ("http", "https")


class UnsafeURL(ValueError):
    """The URL may not be fetched; ``code`` says why."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone index
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve {host!r}: {exc}", "name_not_resolved") from None
    return sorted({info[4][0] for info in infos})


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Refuse non-http(s) URLs and, unless allowed, hosts with a non-public address."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {url!r} ({exc})", "invalid_url") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeURL(f"only http and https URLs can be harvested, not {scheme!r}", "scheme_not_allowed")
    if not parts.hostname:
        raise UnsafeURL(f"no host in {url!r}", "invalid_url")
    if allow_private:
        return
    port = port or (443 if scheme == "https" else 80)
    check_host(parts.hostname, port)


def check_host(host: str, port: int) -> list[str]:
    addresses = resolve(host, port)
    refused = [a for a in addresses if not is_public_address(a)]
    if refused:
        raise UnsafeURL(f"{host} resolves to a non-public address ({', '.join(refused)}); refused",
                        "address_not_allowed")
    return addresses


class _PinnedConnectionMixin:
    """Connect only to the addresses that were just checked, so a second lookup cannot differ."""

    def _new_conn(self):
        if self.proxy:  # the socket goes to the configured proxy, which is trusted configuration
            return super()._new_conn()
        name = self._dns_host
        addresses = check_host(name, self.port)
        last_error = None
        for address in addresses:
            self._dns_host = address  # TLS still verifies and sends SNI for the name: set back below
            try:
                return super()._new_conn()
            except (OSError, urllib3.exceptions.HTTPError) as exc:
                last_error = exc
            finally:
                self._dns_host = name
        raise last_error


class _GuardedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections re-check the address right before connecting."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}
