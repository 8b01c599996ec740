"""Security administrators' endpoints: organizations, users, sessions, clients, keys. Each
view parses, calls one ``idp.admin`` service (which checks the permission) and renders."""

from __future__ import annotations

from flask import jsonify, request

from idp import services
from idp.admin import (
    APPROVE_ORGS,
    MANAGE_CLIENTS,
    MANAGE_KEYS,
    MANAGE_SESSIONS,
    MANAGE_USERS,
    user_actions,
)
from idp.admin import clients as client_service
from idp.admin import keys as key_service
from idp.admin import organizations as org_service
from idp.admin import sessions as session_service
from idp.admin import users as user_service
from idp.admin.clients import ClientSettings
from idp.admin.user_actions import USER_ACTIONS
from idp.admin.views.common import (
    clock,
    ip,
    key_ring,
    registry,
    sessions,
    settings,
)
from idp.api import serialize
from idp.api.auth import actor, api_call
from idp.api.http import (
    body,
    bp,
    etag_of,
    optional,
    page_arg,
    paged,
    require_match,
    string_list,
    text_field,
    with_etag,
)
from idp.errors import DomainError

# --- organizations ----------------------------------------------------------------------------

QUEUES = ("pending", "suspended", "approved")


@bp.get("/organizations")
@api_call(APPROVE_ORGS)
def organizations():
    status = request.args.get("status", "")
    if status and status not in QUEUES:
        raise DomainError(f"status must be one of {', '.join(QUEUES)}.", field="status")
    queue = org_service.review_queue(settings(), actor())
    groups = {name: getattr(queue, name) for name in QUEUES if not status or name == status}
    items = [serialize.reviewed(r) for name in QUEUES for r in groups.get(name, [])]
    return jsonify(items=items)


@bp.get("/organizations/<org_id>")
@api_call(APPROVE_ORGS)
def organization(org_id: str):
    return jsonify(serialize.org_details(org_service.details(settings(), actor(), org_id)))


def _org_action(org_id: str, action: str):
    reason = text_field(body(), "reason")
    org_service.change_status(
        settings(),
        actor(),
        org_id,
        action,
        reason=reason,
        mailer=services.mailer(),
        clock=clock(),
        ip=ip(),
    )
    return jsonify(serialize.org_details(org_service.details(settings(), actor(), org_id)))


for _action in org_service.ACTIONS:
    bp.add_url_rule(
        f"/organizations/<org_id>/{_action}",
        f"org_{_action}",
        api_call(APPROVE_ORGS)(lambda org_id, _a=_action: _org_action(org_id, _a)),
        methods=["POST"],
    )


# --- users ----------------------------------------------------------------------------------


def _user_representation(user_id: str) -> dict:
    return serialize.user_details(
        user_service.details(settings(), actor(), user_id, mfa=services.mfa())
    )


@bp.get("/users")
@api_call(MANAGE_USERS)
def users():
    found = user_service.search(
        settings(),
        actor(),
        request.args.get("q", ""),
        status=request.args.get("status") or None,
        page=page_arg(),
    )
    return paged(
        [serialize.user_brief(u) for u in found.items],
        page=found.page,
        pages=found.pages,
        per_page=found.per_page,
        total=found.total,
    )


@bp.get("/users/<user_id>")
@api_call(MANAGE_USERS)
def user(user_id: str):
    return with_etag(_user_representation(user_id))


def _user_action(user_id: str, action: str):
    """``If-Match`` is optional here (each action refuses the wrong state by itself); when
    sent, a user changed since it was read gets 412."""
    require_match(_user_representation(user_id), required=False)
    USER_ACTIONS[action](actor(), user_id, ip())
    return with_etag(_user_representation(user_id))


for _name in USER_ACTIONS:
    bp.add_url_rule(
        f"/users/<user_id>/{_name}",
        f"user_{_name.replace('-', '_')}",
        api_call(MANAGE_USERS)(lambda user_id, _a=_name: _user_action(user_id, _a)),
        methods=["POST"],
    )


# --- sessions -------------------------------------------------------------------------------


@bp.get("/users/<user_id>/sessions")
@api_call(MANAGE_SESSIONS)
def user_sessions(user_id: str):
    found = session_service.for_user(settings(), actor(), user_id, sessions=sessions())
    return jsonify(items=[serialize.session(s) for s in found])


@bp.delete("/users/<user_id>/sessions/<session_id>")
@api_call(MANAGE_SESSIONS)
def end_session(user_id: str, session_id: str):
    user_actions.end_session(actor(), user_id, session_id, ip())
    return "", 204


# --- clients --------------------------------------------------------------------------------

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt", "none")


def _client_settings(data: dict) -> ClientSettings:
    return ClientSettings(
        name=optional(data, "name", str),
        redirect_uris=string_list(data, "redirect_uris"),
        post_logout_redirect_uris=string_list(data, "post_logout_redirect_uris"),
        grant_types=string_list(data, "grant_types"),
        scopes=string_list(data, "scopes"),
        default_audience=optional(data, "default_audience", str),
        first_party=optional(data, "first_party", bool),
        require_pkce=optional(data, "require_pkce", bool),
        id_token_alg=optional(data, "id_token_alg", str),
        backchannel_logout_uri=optional(data, "backchannel_logout_uri", str),
        launch_url=optional(data, "launch_url", str),
        jwks=optional(data, "jwks", dict),
    )


def _registered(registered, status: int):
    """The client, with its secret in the clear this once (never again on a GET)."""
    data = serialize.client(registered.client)
    shown = {**data, "client_secret": registered.secret} if registered.secret else data
    response = jsonify(shown)
    response.status_code = status
    response.headers["ETag"] = etag_of(data)
    return response


@bp.get("/clients")
@api_call(MANAGE_CLIENTS)
def clients():
    found = client_service.list_clients(settings(), actor(), registry=registry())
    return jsonify(items=[serialize.client(c) for c in found])


@bp.post("/clients")
@api_call(MANAGE_CLIENTS)
def create_client():
    data = body()
    method = text_field(data, "token_endpoint_auth_method", default="client_secret_basic")
    if method not in AUTH_METHODS:
        raise DomainError(
            f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}.",
            field="token_endpoint_auth_method",
        )
    registered = client_service.create_client(
        settings(),
        actor(),
        _client_settings(data),
        client_id=optional(data, "client_id", str),
        auth_method=method,
        registry=registry(),
        ip=ip(),
    )
    return _registered(registered, 201)


@bp.get("/clients/<client_id>")
@api_call(MANAGE_CLIENTS)
def client(client_id: str):
    found = client_service.get_client(settings(), actor(), client_id, registry=registry())
    return with_etag(serialize.client(found))


@bp.patch("/clients/<client_id>")
@api_call(MANAGE_CLIENTS)
def update_client(client_id: str):
    current = client_service.get_client(settings(), actor(), client_id, registry=registry())
    require_match(serialize.client(current))
    changes = _client_settings(body())
    updated = client_service.update_client(
        settings(), actor(), client_id, changes, registry=registry(), ip=ip()
    )
    return with_etag(serialize.client(updated))


@bp.post("/clients/<client_id>/rotate-secret")
@api_call(MANAGE_CLIENTS)
def rotate_client_secret(client_id: str):
    registered = client_service.rotate_secret(
        settings(), actor(), client_id, registry=registry(), ip=ip()
    )
    return _registered(registered, 200)


def _set_disabled(client_id: str, disabled: bool):
    current = client_service.get_client(settings(), actor(), client_id, registry=registry())
    require_match(serialize.client(current), required=False)
    updated = client_service.set_disabled(
        settings(), actor(), client_id, disabled, registry=registry(), ip=ip()
    )
    return with_etag(serialize.client(updated))


@bp.post("/clients/<client_id>/disable")
@api_call(MANAGE_CLIENTS)
def disable_client(client_id: str):
    return _set_disabled(client_id, True)


@bp.post("/clients/<client_id>/enable")
@api_call(MANAGE_CLIENTS)
def enable_client(client_id: str):
    return _set_disabled(client_id, False)


# --- keys -----------------------------------------------------------------------------------


@bp.get("/keys")
@api_call(MANAGE_KEYS)
def keys():
    found = key_service.list_keys(settings(), actor(), ring=key_ring())
    return jsonify(items=[serialize.key(k) for k in found])


@bp.post("/keys/rotate")
@api_call(MANAGE_KEYS)
def rotate_key():
    alg = text_field(body(), "alg") or None
    active = key_service.rotate(settings(), actor(), alg, ring=key_ring(), ip=ip())
    return jsonify(serialize.key(active))


@bp.post("/keys/<kid>/retire")
@api_call(MANAGE_KEYS)
def retire_key(kid: str):
    retired = key_service.retire(settings(), actor(), kid, ring=key_ring(), ip=ip())
    return jsonify(serialize.key(retired))
