"""What introspection and userinfo cost in SQL statements per request (the hot path of every
resource server). Revocation by grant made the revoked-token check one indexed statement in
the database instead of a shared-state read: with Redis that is one statement more (0 -> 1
for introspection, 2 -> 3 for userinfo), with the embedded state (whose reads were SQL
already) none (2 and 3). These bounds keep it from growing unnoticed."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import event

from idp.extensions import db
from tests.factories import add_member, make_org, make_user
from tests.http.oauth.conftest import REDIRECT, browser_for, code_for_signed_in, redeem

#: Statements per request at most, with the embedded shared state (its reads are SQL too) ...
EMBEDDED = {"introspect": 2, "userinfo": 3, "authorize": 10, "token": 6}
#: ... and with Redis.
REDIS = {"introspect": 1, "userinfo": 3, "authorize": 4, "token": 4}


class Counter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):
        self.statements.append(statement)


@pytest.fixture
def token(live, clients):
    org = make_org()
    user = make_user("counted")
    add_member(user, org, "front_desk")
    web = clients.add(name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True)
    code, verifier = code_for_signed_in(live, browser_for(live, user))
    issued = redeem(live, ("web", web.secret), code, verifier).json()
    return issued["access_token"], ("web", web.secret)


def statements_of(call) -> list[str]:
    counter = Counter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    return counter.statements


def count(call) -> int:
    return len(statements_of(call))


def test_introspection_and_userinfo_stay_within_their_statement_budget(live, token):
    access_token, auth = token
    budget = REDIS if live.app.config["IDP_SETTINGS"].redis_url else EMBEDDED

    def introspect():
        answer = requests.post(
            live.url + "/oauth/introspect", auth=auth, data={"token": access_token}
        )
        assert answer.json()["active"] is True

    def info():
        answer = requests.get(
            live.url + "/oauth/userinfo", headers={"Authorization": "Bearer " + access_token}
        )
        assert answer.status_code == 200

    introspect(), info()  # warm the client cache as a running server has
    measured = {"introspect": count(introspect), "userinfo": count(info)}
    assert all(measured[k] <= budget[k] for k in measured), measured


def test_a_code_and_its_token_stay_within_their_statement_budget(live, clients):
    """The signed-in authorization and the code's redemption read the person and their
    memberships once each: a commit in between keeps them loaded, and the membership that
    decides the office comes from them (8 and 7 statements before, with Redis)."""
    budget = REDIS if live.app.config["IDP_SETTINGS"].redis_url else EMBEDDED
    org = make_org()
    user = make_user("flowing")
    add_member(user, org, "front_desk")
    web = clients.add(name="Web", client_id="web", redirect_uris=[REDIRECT], first_party=True)
    browser = browser_for(live, user)
    code_for_signed_in(live, browser)  # warm the client cache as a running server has
    issued: list = []
    authorize = count(lambda: issued.append(code_for_signed_in(live, browser)))
    token = count(lambda: redeem(live, ("web", web.secret), *issued[0]).raise_for_status())
    assert authorize <= budget["authorize"] and token <= budget["token"], (authorize, token)


def test_a_refresh_reads_the_person_once(live, clients):
    """The claim of the used refresh token commits without expiring the person checked a
    moment before; expired, they were read again to sign the new token (statements per
    refresh: 10 -> 8 embedded, 9 -> 7 with Redis). The person comes with their memberships
    in that one statement (a join; they were a second SELECT: 8 -> 7, 7 -> 6)."""
    org = make_org()
    user = make_user("refreshing")
    add_member(user, org, "front_desk")
    web = clients.add(
        name="Web",
        client_id="web",
        redirect_uris=[REDIRECT],
        first_party=True,
        scopes=["openid", "offline_access"],
    )
    browser = browser_for(live, user)
    auth = ("web", web.secret)
    code, verifier = code_for_signed_in(live, browser, scope="openid offline_access")
    tokens = [redeem(live, auth, code, verifier).json()["refresh_token"]]

    def refresh():
        answer = requests.post(
            live.url + "/oauth/token",
            auth=auth,
            data={"grant_type": "refresh_token", "refresh_token": tokens[-1]},
        )
        assert answer.status_code == 200, answer.text
        tokens.append(answer.json()["refresh_token"])

    refresh()  # warm
    statements = statements_of(refresh)
    person = [s for s in statements if s.lstrip().startswith("SELECT users.id")]
    assert len(person) == 1, statements
    assert not [s for s in statements if s.lstrip().startswith("SELECT memberships")], statements
