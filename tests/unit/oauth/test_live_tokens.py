"""The introspected token's revocation check on its direct connection (PostgreSQL): the
same answers as the session's statement, a broken connection replaced, and the session
asked instead while it holds uncommitted work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from idp.common.clock import utcnow
from idp.extensions import db
from idp.oauth.clients import client_service
from idp.oauth.context import service as oauth_service
from idp.oauth.context import store as oauth_store
from idp.oauth.models import RevokedAccessToken
from tests.factories import make_user


@pytest.fixture
def direct(app):
    checker = app.extensions["idp.oauth.live_tokens"]
    if db.engine.dialect.name != "postgresql":
        assert checker is None  # the session asks on SQLite
        pytest.skip("the direct check is PostgreSQL's")
    return checker


@pytest.fixture
def grant_id(app):
    registry = client_service(app.config["IDP_SETTINGS"], app.config["SECRET_KEY"])
    registry.add(name="RP", client_id="rp-app", redirect_uris=["https://rp.example/cb"])
    user = make_user("live-user")
    grant = oauth_service().new_grant(user.id, "rp-app", None)
    db.session.commit()
    return grant.id


def deny(jti: str) -> None:
    db.session.add(RevokedAccessToken(jti=jti, expires_at=utcnow() + timedelta(minutes=5)))
    db.session.commit()


def both(grant: str | None, jti: str, direct) -> tuple[bool, bool]:
    """(the direct answer, the session's answer)."""
    db.session.commit()
    store = oauth_store()
    session_store = type(store)(store.state, 60, None)
    return direct.live(grant, jti), session_store.access_token_live(grant, jti)


def test_the_direct_check_answers_as_the_session_does(direct, grant_id):
    assert both(None, "svc-jti", direct) == (True, True)
    assert both(grant_id, "web-jti", direct) == (True, True)
    assert both("no-such-grant", "web-jti", direct) == (False, False)
    deny("svc-jti")
    assert both(None, "svc-jti", direct) == (False, False)
    oauth_service().revoke_by_grant_id(grant_id, reason="test")
    assert both(grant_id, "web-jti", direct) == (False, False)


def test_the_store_asks_directly_only_with_no_transaction_open(direct, grant_id, monkeypatch):
    asked: list[tuple] = []
    real = direct.live
    monkeypatch.setattr(direct, "live", lambda *a: asked.append(a) or real(*a))
    db.session.commit()
    assert oauth_service().access_token_active({"jti": "j1", "grant_id": grant_id}) is True
    assert asked == [(grant_id, "j1")]
    # Uncommitted in this session: only the session sees it, so the session is asked.
    db.session.add(RevokedAccessToken(jti="j2", expires_at=utcnow() + timedelta(minutes=5)))
    db.session.flush()
    assert oauth_service().access_token_active({"jti": "j2", "grant_id": grant_id}) is False
    assert len(asked) == 1
    db.session.rollback()


def test_a_broken_connection_is_replaced(direct, grant_id):
    assert direct.live(grant_id, "j") is True
    direct.connections.get().dbapi_connection.close()
    assert direct.live(grant_id, "j") is True
    deny("j")
    assert direct.live(grant_id, "j") is False
