"""Safe defaults for every request and response: strict headers, no NUL bytes in input."""

from flask import Flask, Response, abort, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


def init_app(app: Flask) -> None:
    """Add security headers to every response and refuse NUL bytes in any submitted value."""
    app.before_request(reject_nul_bytes)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        # same-origin, not no-referrer: Flask-WTF's CSRF check over HTTPS needs the Referer.
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SCREENER_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages show health data or forms: never keep them in shared caches or history snapshots.
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response


def reject_nul_bytes() -> None:
    """A 400 for a NUL byte in the query string or a form value (or field name).

    No field has a use for one; PostgreSQL refuses to store them (a 500 waiting to happen), and
    they truncate strings in tools further down the line.
    """
    for values in (request.args, request.form):
        for key in values.keys():
            if "\x00" in key or any("\x00" in value for value in values.getlist(key)):
                abort(400)

