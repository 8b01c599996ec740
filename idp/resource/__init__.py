"""Offline verification of this idp's access tokens (RFC 9068) for downstream services.

from idp.resource import ResourceServer, TokenVerifier

rs = ResourceServer(TokenVerifier("https://login.example.org", "https://claims.example/api"))

@app.get("/orgs/<org_id>/claims")
@rs.require(scope="claims", org_arg="org_id")
def claims(org_id): ...
"""

from idp.resource.flask import ResourceServer, current_token
from idp.resource.verifier import InvalidToken, TokenVerifier

__all__ = ["InvalidToken", "ResourceServer", "TokenVerifier", "current_token"]
