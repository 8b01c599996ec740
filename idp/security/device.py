"""Device cookies (OWASP): a signed token a browser gets when it signs in successfully.

The token names a random device id and the accounts that signed in from it. When such a
browser tries one of those accounts again, its failures are counted against the device,
not the IP address, so an attacker's failures elsewhere (or from the same network) never
lock it out. The signature uses the application secret (itsdangerous); age is bounded.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from itsdangerous import BadData, URLSafeTimedSerializer

MAX_ACCOUNTS = 10
SALT = "idp-device-cookie"


@dataclass
class Device:
    id: str
    accounts: list[str] = field(default_factory=list)


class DeviceCookies:
    def __init__(self, secret: str, max_age_days: int):
        self.serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.max_age = max_age_days * 24 * 3600

    def read(self, token: str | None) -> Device | None:
        if not token:
            return None
        try:
            data = self.serializer.loads(token, max_age=self.max_age)
        except BadData:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("d"), str):
            return None
        accounts = [a for a in data.get("a", []) if isinstance(a, str)]
        return Device(id=data["d"], accounts=accounts)

    def trusted_for(self, token: str | None, user_id: str) -> Device | None:
        device = self.read(token)
        return device if device is not None and user_id in device.accounts else None

    def issue(self, token: str | None, user_id: str) -> str:
        """A new token adding ``user_id`` to the device (a new device when none is valid)."""
        device = self.read(token) or Device(id=secrets.token_urlsafe(16))
        accounts = [a for a in device.accounts if a != user_id] + [user_id]
        return self.serializer.dumps({"d": device.id, "a": accounts[-MAX_ACCOUNTS:]})
