"""OpenID Connect on the code grant: ID tokens signed by the key ring, with ``sid`` and
our organization claims."""

from __future__ import annotations

import time

from authlib.oidc.core.grants import OpenIDCode

from idp.oauth.claims import user_claims
from idp.oauth.context import keyring, settings
from idp.oauth.protocol import Principal


class OpenIDExtension(OpenIDCode):
    def __init__(self):
        super().__init__(require_nonce=False)

    def exists_nonce(self, nonce, oauth_request):
        return False

    def resolve_client_private_key(self, client):
        return keyring().signing_key(client.model.id_token_alg)[1]

    def get_client_algorithm(self, client):
        return client.model.id_token_alg

    def get_encode_header(self, client):
        alg = client.model.id_token_alg
        return {"alg": alg, "kid": keyring().signing_key(alg)[0]}

    def get_client_claims(self, client):
        now = int(time.time())
        return {
            "iss": settings().issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + settings().oauth_id_token_minutes * 60,
        }

    def generate_user_info(self, user: Principal, scope):
        return {"sub": user.user.id, "sid": user.sid, **user_claims(user, scope)}
