"""The client's network address behind a reverse proxy.

Behind a proxy every request comes from the proxy, so ``request.remote`` would put all customers
under one address and a limit per address would become a limit on everybody. When the peer is one
of ``TRUSTED_PROXIES``, ``request.remote`` becomes the nearest address in ``X-Forwarded-For`` that
is not a trusted proxy: the proxy appends the address it saw to whatever the client sent, so the
entries left of the last trusted hop may be forged and are never believed. With no trusted
proxies (the default) the header is ignored and ``request.remote`` stays the peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or CIDR blocks (``10.0.0.0/8``); raises ``ValueError`` naming a bad entry."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {entry.strip()!r}") from None
    return tuple(networks)


def _trusted(address: str | None, networks: Sequence[Network]) -> bool:
    if address is None:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(peer: str | None, forwarded_for: str, trusted: Sequence[Network]) -> str | None:
    """The address to count a request under: walk ``X-Forwarded-For`` from the right while the
    hop is a trusted proxy; the first other hop is the client."""
    if not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return peer


def forwarded_middleware(trusted: Sequence[Network]) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        forwarded = request.headers.get("X-Forwarded-For")
        if forwarded is None:
            return await handler(request)
        client = client_address(request.remote, forwarded, trusted)
        if client is None or client == request.remote:
            return await handler(request)
        return await handler(request.clone(remote=client))

    return middleware
