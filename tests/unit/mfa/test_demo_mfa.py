"""Demo admins get authenticators whose secrets land in the demo credentials."""

import pyotp
import pytest

from idp.accounts.models import User
from idp.demo.seed import DEMO_PASSWORD, seed_demo
from idp.extensions import db
from idp.mfa.store import has_mfa


@pytest.fixture
def settings_overrides():
    """The demo runs on a development install (``idp demo``'s default URL): its web app's
    loopback redirect URI is accepted only there (see idp.oauth.redirect_uris)."""
    return {"public_base_url": "http://127.0.0.1:5000"}


def test_demo_seed_enrolls_mandatory_mfa_users_and_is_stable(app):
    settings = app.config["IDP_SETTINGS"]
    first = seed_demo(settings)["totp"]
    assert {e["username"] for e in first} == {"secadmin", "office.admin", "billing.pat"}
    assert seed_demo(settings)["totp"] == first
    desk = db.session.scalar(db.select(User).where(User.username == "front.desk"))
    assert not has_mfa(desk)

    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    response = client.post("/login", data={"username": "office.admin", "password": DEMO_PASSWORD})
    assert response.headers["Location"] == "/login/verify"
    secret = next(e["totp_secret"] for e in first if e["username"] == "office.admin")
    response = client.post("/login/verify", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
