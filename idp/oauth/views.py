"""OAuth 2.0 / OpenID Connect endpoints: each route parses, calls one function of its
endpoint module, and renders. Authlib does the protocol."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from idp.extensions import csrf
from idp.oauth import authorize as authorization
from idp.oauth import discovery, grants, logout
from idp.oauth import userinfo as userinfo_endpoint
from idp.oauth.context import keyring, minter, oauth_server, service, settings

bp = Blueprint("oauth", __name__)


@bp.record_once
def _setup(state) -> None:
    from idp.login import flow
    from idp.oauth import fastpath
    from idp.oauth.server import init_oauth

    init_oauth(state.app)
    flow.CONTINUATIONS[authorization.AUTHORIZE_PATH] = authorization.continue_after_sign_in
    fastpath.install(state.app)
    logout.register_backchannel_hook()
    grants.register_membership_hook()


@bp.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    return authorization.authorize()


@bp.post("/oauth/token")
@csrf.exempt
def token():
    return oauth_server().create_token_response()


@bp.post("/oauth/revoke")
@csrf.exempt
def revoke():
    return oauth_server().create_endpoint_response("revocation")


@bp.post("/oauth/introspect")
@csrf.exempt
def introspect():
    return oauth_server().create_endpoint_response("introspection")


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
@csrf.exempt
def userinfo():
    token = userinfo_endpoint.bearer_token(
        request.headers.get("Authorization", ""),
        request.form.get("access_token") if request.method == "POST" else None,
    )
    answer = userinfo_endpoint.userinfo(token, minter(), service())
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.challenge:
        response.headers["WWW-Authenticate"] = answer.challenge
    response.headers.update(answer.headers)
    return response


def _published(document: discovery.Published, max_age: int) -> Response:
    headers = {"ETag": f'"{document.etag}"', "Cache-Control": f"public, max-age={max_age}"}
    if request.if_none_match.contains(document.etag):
        return Response(status=304, headers=headers)
    return Response(document.body, mimetype="application/json", headers=headers)


@bp.get("/oauth/jwks")
@bp.get("/.well-known/jwks.json")
def jwks():
    return _published(discovery.jwks_body(keyring()), 60)


@bp.get("/.well-known/openid-configuration")
@bp.get("/.well-known/oauth-authorization-server")
def metadata():
    return _published(discovery.metadata_body(settings()), 300)


@bp.route("/oauth/logout", methods=["GET", "POST"])
def end_session():
    return logout.end_session()
