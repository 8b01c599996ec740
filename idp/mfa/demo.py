"""Demo data of this area: authenticators for the demo users whose MFA is mandatory.

Their TOTP secrets go to ``demo-credentials.json`` (key ``totp``) so people and harnesses
can sign in as them; running the seed again returns the same secrets.
"""

from __future__ import annotations

from typing import Any

import pyotp
from flask import current_app

from idp import audit
from idp.accounts.models import User
from idp.demo.seed import DEMO_USERS
from idp.extensions import db
from idp.mfa.models import TotpCredential
from idp.mfa.service import MfaService
from idp.orgs import access
from idp.state import shared_state


def seed_demo_mfa(settings) -> dict[str, Any]:
    service = MfaService(settings, shared_state(), current_app.config["SECRET_KEY"])
    seeded = []
    for username, *_ in DEMO_USERS:
        user = db.session.scalar(db.select(User).where(User.username == username))
        if user is None or not access.mfa_policy(settings, user).required:
            continue
        credential = db.session.scalar(
            db.select(TotpCredential).where(TotpCredential.user_id == user.id)
        )
        secret = service._decrypt(credential.secret_encrypted) if credential else None
        if secret is None:
            if credential is not None:
                db.session.delete(credential)
                db.session.flush()
            secret = pyotp.random_base32()
            db.session.add(
                TotpCredential(user_id=user.id, secret_encrypted=service._encrypt(secret))
            )
            audit.record("mfa.enrolled", subject_id=user.id, demo=True)
        seeded.append({"username": username, "totp_secret": secret})
    db.session.commit()
    return {"totp": seeded}
