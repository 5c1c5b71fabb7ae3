"""Client addresses: parsed with ``ipaddress``, and the key every per-address limit counts by.

An IPv6 client usually holds a whole /64 (its provider hands one to each line), so counting
per single IPv6 address would give one attacker 2**64 fresh addresses. Every per-address limit
(the login throttle and Flask-Limiter's) counts per /64 instead; IPv4 stays per address.
Standard library only: ``extensions`` (imported by storage) uses it.
"""

from __future__ import annotations

import ipaddress

UNKNOWN = "unknown"
IPV6_PREFIX = 64


def parse(text: str | None) -> str | None:
    """``text`` as a normalised IP address, or None when it is not one (never an exception)."""
    candidate = (text or "").strip()
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
    if not candidate or len(candidate) > 64:
        return None
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def limit_key(text: str | None) -> str:
    """What per-address limits count: the address itself for IPv4, its /64 for IPv6."""
    normal = parse(text)
    if normal is None:
        return UNKNOWN
    address = ipaddress.ip_address(normal)
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.ip_network(f"{normal}/{IPV6_PREFIX}", strict=False)
        return str(network)
    return normal


def remote_limit_key() -> str:
    """Flask-Limiter's key function: the request's client address, per /64 for IPv6."""
    from flask import request  # only ever called inside a request

    return limit_key(request.remote_addr)
