"""Where webhooks may go: public addresses only, unless ``VIDPAY_ALLOW_PRIVATE_WEBHOOKS``.

Whoever adds an endpoint chooses where the server sends requests. An endpoint on loopback, a
private network, a link-local address (a cloud's metadata service is 169.254.169.254) or any
other address that is not global would reach into the server's own network. The host is
resolved (a name may point anywhere, and to more than one address: every one must be public)
when the endpoint is added, and again before each delivery, because DNS can change.
"""

from __future__ import annotations

import ipaddress
import socket

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # IPv4 addresses, spelled as IPv6
HINT = "webhooks go only to public addresses unless VIDPAY_ALLOW_PRIVATE_WEBHOOKS=true"


class PrivateAddressError(ValueError):
    """A webhook URL points to an address that is not public; the message names it."""


def _kind(address: Address) -> str | None:
    """What kind of address it is when it is not a public one, else None."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    for kind, yes in (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
        ("a non-public", not address.is_global),
    ):
        if yes:
            return f"{kind} address"
    return None


def _resolve(host: str, port: int) -> list[str]:
    """The addresses a connection to ``host`` may go to; none when it does not resolve."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in found]


def refusal(url: str) -> str | None:
    """Why webhooks may not go to ``url``'s host (which of its addresses is not public), or
    None. A host that does not resolve is not refused: its requests fail, and are retried."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return f"'{url}' is not a URL"
    host = parsed.raw_host.decode("ascii")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses, literal = _resolve(host, port), False
    else:
        addresses, literal = [host], True
    for address in addresses:
        kind = _kind(ipaddress.ip_address(address.partition("%")[0]))
        if kind is not None:
            return f"{address} is {kind}" if literal else f"{host} resolves to {address}, {kind}"
    return None


def check_target(url: str) -> None:
    """Raise ``PrivateAddressError`` when webhooks may not go to ``url``."""
    reason = refusal(url)
    if reason is not None:
        raise PrivateAddressError(f"'{url}' is refused: {reason}; {HINT}")
