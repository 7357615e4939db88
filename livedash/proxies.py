"""What a request's proxy headers may be believed: only those a configured trusted proxy sent.

Design decisions:
- `LIVEDASH_TRUSTED_PROXIES` lists the addresses or networks (CIDR) of the reverse proxies in
  front of the app. Headers a proxy sets (X-Forwarded-User / X-Remote-User, X-Forwarded-For,
  X-Forwarded-Proto) are read only when the TCP peer is one of them; sent straight to the app
  they are anybody's words, so the audit line names the peer address alone and the session
  cookie is not marked Secure on an http connection.
- The client behind a trusted proxy is the rightmost X-Forwarded-For address that is not
  itself a trusted proxy (the leftmost entries are whatever the client chose to send).
- Empty list (the default): nothing is trusted, every header above is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
USER_HEADERS = ("X-Forwarded-User", "X-Remote-User")


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.1, 192.168.0.0/24, ::1` -> networks; ValueError names a bad entry."""
    networks = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry[:60]!r} is not an address or network") from None
    return tuple(networks)


def is_trusted(address: str | None, trusted: Sequence[Network]) -> bool:
    """Whether `address` (the TCP peer) is one of the trusted proxies."""
    if not address or not trusted:
        return False
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def clean(value: str | None, limit: int = 100) -> str | None:
    """A header value fit for a log line: printable, at most `limit` characters, or None."""
    text = "".join(c for c in (value or "") if c.isprintable()).strip()[:limit]
    return text or None


def forwarded_user(headers: Mapping[str, str], peer: str | None,
                   trusted: Sequence[Network]) -> str | None:
    """The user a trusted proxy named (X-Forwarded-User, else X-Remote-User), or None."""
    if not is_trusted(peer, trusted):
        return None
    return next((u for u in (clean(headers.get(name)) for name in USER_HEADERS) if u), None)


def client_address(headers: Mapping[str, str], peer: str | None,
                   trusted: Sequence[Network]) -> str | None:
    """The client's address: the peer, or behind trusted proxies the first hop before them."""
    if not is_trusted(peer, trusted):
        return clean(peer)
    hops = [h.strip() for h in (headers.get("X-Forwarded-For") or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop, trusted):
            return clean(hop)
    return clean(peer)


def is_https(headers: Mapping[str, str], peer: str | None, trusted: Sequence[Network],
             scheme: str) -> bool:
    """Whether the browser's connection is https: the request's own scheme, or the
    X-Forwarded-Proto of a trusted proxy."""
    if scheme == "https":
        return True
    proto = (headers.get("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
    return proto == "https" and is_trusted(peer, trusted)
