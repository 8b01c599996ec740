"""Verification of this idp's access tokens (RFC 9068) for downstream services: offline
(signature, issuer, audience, lifetime -- blind to revocation), and for high-value calls
introspection as well (RFC 7662: sees revocations at once). See docs/tokens.md.

from idp.resource import ResourceServer, TokenVerifier

rs = ResourceServer(TokenVerifier("https://login.example.org", "https://claims.example/api"))

@app.get("/orgs/<org_id>/claims")
@rs.require(scope="claims", org_arg="org_id")
def claims(org_id): ...

rs = ResourceServer(verifier, Introspector(issuer, "claims-api", secret))

@app.post("/orgs/<org_id>/payments")
@rs.require(scope="claims", org_arg="org_id", introspect=True)
def pay(org_id): ...
"""

from idp.resource.flask import ResourceServer, current_token
from idp.resource.introspection import IntrospectionUnavailable, Introspector
from idp.resource.verifier import InvalidToken, TokenVerifier

__all__ = [
    "IntrospectionUnavailable",
    "InvalidToken",
    "Introspector",
    "ResourceServer",
    "TokenVerifier",
    "current_token",
]
