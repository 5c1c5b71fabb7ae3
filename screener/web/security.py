"""Safe defaults for every request and response: strict headers, no NUL bytes in input, and
redirect targets kept on this site."""

from urllib.parse import urlsplit

from flask import Flask, Response, abort, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Add security headers to every response and refuse NUL bytes in any submitted value."""
    app.before_request(reject_nul_bytes)

    defaults = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        # same-origin, not no-referrer: Flask-WTF's CSRF check over HTTPS needs the Referer.
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["SCREENER_ENV"] == "production":
        defaults.append(("Strict-Transport-Security", HSTS))
    # Pages show health data or forms: never keep them in shared caches or history snapshots.
    html_defaults = defaults + [("Cache-Control", "no-store")]

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        """Each default header, unless the view set its own (``Headers.add`` skips the
        duplicate scan ``setdefault`` makes)."""
        headers = response.headers
        for name, value in html_defaults if response.mimetype == "text/html" else defaults:
            if name not in headers:
                headers.add(name, value)
        return response


def reject_nul_bytes() -> None:
    """A 400 for a NUL byte in the query string or a form value (or field name).

    No field has a use for one; PostgreSQL refuses to store them (a 500 waiting to happen), and
    they truncate strings in tools further down the line.
    """
    # GET views never read a body: parsing one only to check it would cost every page view.
    for values in (request.args,) if request.method in ("GET", "HEAD") else (request.args,
                                                                            request.form):
        for key in values.keys():
            if "\x00" in key or any("\x00" in value for value in values.getlist(key)):
                abort(400)


def local_path(target: str | None) -> str | None:
    """``target`` only when it is a path on this site (no scheme, no host, no '//' trick): where
    a ``next`` may send the browser, never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers drop tabs and newlines and read '\' as '/', turning '/\t/evil' into '//evil'.
    if "\\" in target or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
