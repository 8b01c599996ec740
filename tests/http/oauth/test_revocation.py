"""Revocation by grant, over HTTP: whatever ends a grant ends every token of it at once --
introspection answers inactive, userinfo 401, refresh and token exchange invalid_grant."""

from __future__ import annotations

import pytest
import requests

from idp.common.clock import Clock
from idp.login.ending import SessionEnder
from idp.oauth.grant_types.token_exchange import ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE
from idp.state import shared_state
from tests.factories import PASSWORD, add_member, make_org, make_user
from tests.http.oauth.conftest import REDIRECT, browser_for, code_for_signed_in, redeem


@pytest.fixture
def setup(live, clients):
    org = make_org()
    user = make_user("revokee")
    membership = add_member(user, org, "front_desk")
    web = clients.add(
        name="Web",
        client_id="web",
        redirect_uris=[REDIRECT],
        first_party=True,
        grant_types=["authorization_code", "refresh_token", TOKEN_EXCHANGE],
    )
    return {
        "org": org,
        "user": user,
        "membership": membership,
        "auth": ("web", web.secret),
        "browser": browser_for(live, user),
        "clients": clients,
    }


def sign_in(live, setup) -> dict:
    issued = redeem(live, setup["auth"], *code_for_signed_in(live, setup["browser"]))
    assert issued.status_code == 200, issued.text
    return issued.json()


def token_call(live, setup, grant_type, **data) -> dict:
    answer = requests.post(
        live.url + "/oauth/token", auth=setup["auth"], data={"grant_type": grant_type, **data}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def state_of(live, setup, token: dict, auth=None) -> tuple:
    """(access active, refresh active, userinfo status) of one sign-in's tokens."""

    def active(value):
        return requests.post(
            live.url + "/oauth/introspect", auth=auth or setup["auth"], data={"token": value}
        ).json()["active"]

    info = requests.get(
        live.url + "/oauth/userinfo",
        headers={"Authorization": "Bearer " + token["access_token"]},
    ).status_code
    return active(token["access_token"]), active(token.get("refresh_token", "")), info


LIVE = (True, True, 200)
DEAD = (False, False, 401)


def test_revoking_a_refresh_token_revokes_the_access_tokens_of_its_grant(live, setup):
    """RFC 7009 §2.1; the grant's other sign-ins are not touched."""
    token, other = sign_in(live, setup), sign_in(live, setup)
    introspected = requests.post(
        live.url + "/oauth/introspect", auth=setup["auth"], data={"token": token["access_token"]}
    ).json()
    assert introspected["grant_id"] and introspected["aud"] == live.url
    requests.post(
        live.url + "/oauth/revoke", auth=setup["auth"], data={"token": token["refresh_token"]}
    ).raise_for_status()
    assert state_of(live, setup, token) == DEAD
    assert state_of(live, setup, other) == LIVE


def test_refresh_reuse_revokes_the_access_tokens_too(live, setup):
    token = sign_in(live, setup)
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    rotated = requests.post(live.url + "/oauth/token", auth=setup["auth"], data=refresh).json()
    assert state_of(live, setup, rotated) == LIVE
    assert (
        requests.post(live.url + "/oauth/token", auth=setup["auth"], data=refresh).status_code
        == 400
    )
    assert state_of(live, setup, rotated) == DEAD
    assert state_of(live, setup, token)[0] is False


def test_a_code_replayed_later_revokes_what_it_gave(live, setup):
    code, verifier = code_for_signed_in(live, setup["browser"])
    token = redeem(live, setup["auth"], code, verifier).json()
    assert state_of(live, setup, token) == LIVE
    again = redeem(live, setup["auth"], code, verifier)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert state_of(live, setup, token) == DEAD


def test_a_password_change_revokes_every_grant(live, setup):
    from idp.accounts.password_change import change_password

    token = sign_in(live, setup)
    new = "An0ther-long-passphrase!"
    change_password(
        setup["user"],
        {"current_password": PASSWORD, "password": new, "password_confirm": new},
        settings=live.app.config["IDP_SETTINGS"],
        clock=Clock(),
    )
    assert state_of(live, setup, token) == DEAD


def test_a_password_reset_revokes_every_grant(live, setup, mail):
    from idp.accounts.recovery import RecoveryService
    from idp.mail import mailer

    token = sign_in(live, setup)
    recovery = RecoveryService(live.app.config["IDP_SETTINGS"], shared_state(), mailer())
    link = recovery.reset_tokens.issue(setup["user"].id, 600)
    new = "An0ther-long-passphrase!"
    recovery.reset_password(link, new, new)
    assert state_of(live, setup, token) == DEAD


def test_leaving_an_office_revokes_the_grants_acting_for_it(live, setup):
    from idp.orgs.members import remove_member

    admin = make_user("office-admin")
    add_member(admin, setup["org"], "office_admin")
    other = make_org()
    add_member(setup["user"], other, "billing")
    token = sign_in(live, setup)  # acts for the first office
    exchanged = token_call(
        live,
        setup,
        TOKEN_EXCHANGE,
        subject_token=token["access_token"],
        subject_token_type=ACCESS_TOKEN_TYPE,
        organization=other.id,
    )
    elsewhere = sign_in(live, setup)
    switched = token_call(
        live,
        setup,
        "refresh_token",
        refresh_token=elsewhere["refresh_token"],
        organization=other.id,
    )
    assert state_of(live, setup, switched) == LIVE
    # Removed from the first office: the grant acting for it ends, the exchanged token too
    # (it belongs to the subject token's grant); the grant now acting for the other office
    # ended as well, since it acted for the first one at sign-in.
    remove_member(live.app.config["IDP_SETTINGS"], admin, setup["org"].id, setup["membership"].id)
    assert state_of(live, setup, token) == DEAD
    assert state_of(live, setup, exchanged)[::2] == (False, 401)
    assert state_of(live, setup, switched) == DEAD


def test_a_role_change_in_another_office_ends_a_grant_that_switched_to_it(live, setup):
    from idp.orgs.effects import membership_changed

    other = make_org()
    add_member(setup["user"], other, "billing")
    token = sign_in(live, setup)
    untouched = sign_in(live, setup)
    switched = token_call(
        live, setup, "refresh_token", refresh_token=token["refresh_token"], organization=other.id
    )
    membership_changed(setup["user"].id, other.id)
    assert state_of(live, setup, switched) == DEAD
    assert state_of(live, setup, untouched) == LIVE


def test_revoke_access_on_the_account_page_revokes_the_access_tokens(live, setup):
    from idp.oauth.grants import revoke_grant

    token = sign_in(live, setup)
    assert revoke_grant(setup["user"].id, "web") is True
    assert state_of(live, setup, token) == DEAD
    assert revoke_grant(setup["user"].id, "web") is False


def test_disabling_an_account_through_the_one_call_revokes_everything(live, setup):
    from idp.oauth.grants import revoke_grants_of

    token, second = sign_in(live, setup), sign_in(live, setup)
    assert revoke_grants_of(setup["user"].id, reason="account_disabled") == 2
    assert state_of(live, setup, token) == DEAD and state_of(live, setup, second) == DEAD


@pytest.mark.parametrize("action", ["disable", "lock"])
def test_a_security_admin_disabling_or_locking_an_account_revokes_its_tokens(live, setup, action):
    from idp.admin import users
    from idp.login.current import run_sign_out_hooks, store
    from idp.services import account_locks

    admin = make_user("grant.admin", platform_role="security_admin")
    token = sign_in(live, setup)
    assert state_of(live, setup, token) == LIVE
    settings = live.app.config["IDP_SETTINGS"]
    with live.app.test_request_context():
        if action == "disable":
            users.disable(
                settings, admin, setup["user"].id, ender=SessionEnder(store(), run_sign_out_hooks)
            )
        else:
            users.lock(
                settings,
                admin,
                setup["user"].id,
                locks=account_locks(),
                ender=SessionEnder(store(), run_sign_out_hooks),
            )
    assert state_of(live, setup, token) == DEAD


def test_an_exchanged_token_dies_with_its_subject_grant(live, setup):
    other = make_org()
    add_member(setup["user"], other, "billing")
    token = sign_in(live, setup)
    exchange = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": token["access_token"],
        "subject_token_type": ACCESS_TOKEN_TYPE,
        "organization": other.id,
    }
    exchanged = requests.post(live.url + "/oauth/token", auth=setup["auth"], data=exchange).json()
    assert state_of(live, setup, exchanged)[::2] == (True, 200)
    requests.post(
        live.url + "/oauth/revoke", auth=setup["auth"], data={"token": token["refresh_token"]}
    ).raise_for_status()
    assert state_of(live, setup, exchanged)[::2] == (False, 401)
    refused = requests.post(live.url + "/oauth/token", auth=setup["auth"], data=exchange)
    assert refused.status_code == 400 and "revoked" in refused.json()["error_description"]


def test_a_service_token_names_no_grant_and_is_revoked_by_its_id(live, setup):
    svc = setup["clients"].add(
        name="Svc",
        client_id="svc",
        redirect_uris=[],
        grant_types=["client_credentials"],
        scopes=["claims"],
        default_audience="https://claims.example/api",
    )
    auth = ("svc", svc.secret)
    issued = requests.post(
        live.url + "/oauth/token", auth=auth, data={"grant_type": "client_credentials"}
    ).json()
    url = live.url + "/oauth/introspect"
    seen = requests.post(url, auth=auth, data={"token": issued["access_token"]}).json()
    assert seen["active"] is True and "grant_id" not in seen
    assert seen["aud"] == "https://claims.example/api"  # no openid: not for userinfo
    requests.post(
        live.url + "/oauth/revoke", auth=auth, data={"token": issued["access_token"]}
    ).raise_for_status()
    assert requests.post(url, auth=auth, data={"token": issued["access_token"]}).json() == {
        "active": False
    }


def test_userinfo_refuses_a_token_meant_only_for_an_api(live, setup):
    setup["clients"].update("web", default_audience="https://claims.example/api")
    token = sign_in(live, setup)
    introspected = requests.post(
        live.url + "/oauth/introspect", auth=setup["auth"], data={"token": token["access_token"]}
    ).json()
    assert introspected["aud"] == ["https://claims.example/api", live.url]
    assert state_of(live, setup, token) == LIVE  # openid: the issuer is an audience too
    narrowed = requests.post(
        live.url + "/oauth/token",
        auth=setup["auth"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "scope": "profile",
        },
    ).json()
    info = requests.get(
        live.url + "/oauth/userinfo",
        headers={"Authorization": "Bearer " + narrowed["access_token"]},
    )
    assert info.status_code == 401 and "audience" in info.headers["WWW-Authenticate"]


def test_a_resource_server_sees_a_revocation_only_by_introspection(live, setup):
    """Offline verification cannot see a revocation (the token verifies until it expires);
    ``introspect=True`` asks the idp and refuses it at once; an idp that cannot be asked is
    a 503, never a pass."""
    from flask import Flask

    from idp.resource import Introspector, ResourceServer, TokenVerifier

    api = "https://claims.example/api"
    rs_client = setup["clients"].add(
        name="Claims API",
        client_id="claims-api",
        redirect_uris=[],
        grant_types=["client_credentials"],
        default_audience=api,
    )
    setup["clients"].update("web", default_audience=api)
    verifier = TokenVerifier(live.url, api)
    rs = ResourceServer(verifier, Introspector(live.url, "claims-api", rs_client.secret))
    down = ResourceServer(
        verifier, Introspector(live.url, "claims-api", "x", endpoint="http://127.0.0.1:9/none")
    )
    service = Flask("claims")
    service.add_url_rule("/cheap", "cheap", rs.require()(lambda: "ok"))
    service.add_url_rule("/costly", "costly", rs.require(introspect=True)(lambda: "ok"))
    service.add_url_rule("/down", "down", down.require(introspect=True)(lambda: "ok"))
    caller = service.test_client()
    token = sign_in(live, setup)
    bearer = {"Authorization": "Bearer " + token["access_token"]}
    assert caller.get("/cheap", headers=bearer).status_code == 200
    assert caller.get("/costly", headers=bearer).status_code == 200
    assert caller.get("/down", headers=bearer).status_code == 503
    requests.post(
        live.url + "/oauth/revoke", auth=setup["auth"], data={"token": token["refresh_token"]}
    ).raise_for_status()
    assert caller.get("/cheap", headers=bearer).status_code == 200  # blind until it expires
    refused = caller.get("/costly", headers=bearer)
    assert (
        refused.status_code == 401 and "no longer active" in refused.get_json()["error_description"]
    )
    with pytest.raises(ValueError, match="introspector"):
        ResourceServer(verifier).require(introspect=True)
