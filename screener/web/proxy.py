"""The client's address behind a reverse proxy, taken from ``X-Forwarded-For`` with care.

Werkzeug's ProxyFix copies whatever the header says into ``REMOTE_ADDR``: a value longer than
an address, or not an address at all, then reached the audit log (and failed its write with a
400 after the password had been checked). Here the hop the proxy added is parsed with
``ipaddress``; anything else is ignored and the socket's address kept.
"""

from __future__ import annotations

import logging

from werkzeug.middleware.proxy_fix import ProxyFix

from screener import addresses

logger = logging.getLogger("screener.proxy")


class ForwardedFor:
    """WSGI middleware: trust the last ``hops`` entries of X-Forwarded-For, addresses only."""

    def __init__(self, app, hops: int):
        self.hops = hops
        # The scheme (for Secure cookies and built links) still comes from ProxyFix.
        self.app = ProxyFix(app, x_for=0, x_proto=hops) if hops else app
        self.warned = False

    def __call__(self, environ, start_response):
        """Set REMOTE_ADDR from the trusted hop when it is an IP address."""
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded and not self.hops:
            self._warn_once()
        elif forwarded:
            values = [part.strip() for part in forwarded.split(",")]
            if len(values) >= self.hops:
                client = addresses.parse(values[-self.hops])
                if client is not None:
                    environ["werkzeug.proxy_fix.orig_remote_addr"] = environ.get("REMOTE_ADDR")
                    environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)

    def _warn_once(self) -> None:
        # Once per process: a proxy sends it on every request.
        if not self.warned:
            self.warned = True
            logger.warning(
                "X-Forwarded-For arrives but TRUSTED_PROXY_HOPS is 0: every client behind the "
                "proxy shares the proxy's address (one person can block every login). Set "
                "TRUSTED_PROXY_HOPS to the number of proxies in front of the app.")
