"""A software WebAuthn authenticator: real attestations and assertions, signed with P-256.

It builds what a browser sends (``PublicKeyCredential.toJSON()``): clientDataJSON with the
given origin, authenticatorData with the SHA-256 of the given RP ID, the flags and the
counter, and an ECDSA signature over ``authenticatorData || SHA-256(clientDataJSON)``. Tests
change one of those (origin, RP ID, counter, challenge) to get a response the server must
refuse, with no mock of the verification.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from base64 import urlsafe_b64encode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64u(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    def __init__(self, *, synced: bool = False):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.counter = 0
        self.synced = synced
        self.user_handle: str | None = None

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _flags(self, uv: bool, attested: bool) -> int:
        flags = UP | (UV if uv else 0) | (AT if attested else 0)
        return flags | (BE | BS if self.synced else 0)

    def _auth_data(self, rp_id: str, flags: int, counter: int, attested: bool) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter)
        if attested:
            cid = self.credential_id
            data += bytes(16) + struct.pack(">H", len(cid)) + cid + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        return json.dumps(body).encode()

    def create(
        self, options: dict, *, origin: str, rp_id: str | None = None, uv: bool = True
    ) -> dict:
        """Answer ``PublicKeyCredentialCreationOptions`` (JSON form) with a "none" attestation."""
        self.user_handle = options["user"]["id"]
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = self._auth_data(
            rp_id or options["rp"]["id"], self._flags(uv, True), self.counter, True
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return self._credential(
            {
                "clientDataJSON": b64u(client_data),
                "attestationObject": b64u(attestation),
                "transports": ["internal"],
            }
        )

    def get(
        self,
        options: dict,
        *,
        origin: str,
        rp_id: str | None = None,
        uv: bool = True,
        counter: int | None = None,
        user_handle: bool = True,
    ) -> dict:
        """Answer ``PublicKeyCredentialRequestOptions``: a signed assertion."""
        if counter is None:
            self.counter += 1
            counter = self.counter
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(
            rp_id or options["rpId"], self._flags(uv, False), counter, False
        )
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64u(client_data),
            "authenticatorData": b64u(auth_data),
            "signature": b64u(signature),
        }
        if user_handle and self.user_handle:
            response["userHandle"] = self.user_handle
        return self._credential(response)

    def _credential(self, response: dict) -> dict:
        """The ``PublicKeyCredential`` JSON around an attestation or assertion response."""
        return {
            "id": b64u(self.credential_id),
            "rawId": b64u(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": response,
        }
