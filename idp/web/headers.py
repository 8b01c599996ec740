"""Security headers on every response."""

from __future__ import annotations

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def security_headers(settings) -> list[tuple[str, str]]:
    """The headers every answer carries, in order (also sent by the answers made before
    Flask: :mod:`idp.oauth.discovery`, :mod:`idp.oauth.fastpath`)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]
    if settings.is_https:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return headers


def register_security_headers(app, settings) -> None:
    every_answer = security_headers(settings)

    @app.after_request
    def add_headers(response):
        headers = response.headers
        for name, value in every_answer:
            headers.setdefault(name, value)
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
