"""The operations of the OpenAPI document, path by path (``openapi`` adds the rest)."""

from __future__ import annotations

JSON = "application/json"
PROBLEM = "application/problem+json"
ID = {"type": "string", "minLength": 1, "maxLength": 200}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str = "path", schema: dict | None = None, **extra) -> dict:
    return {"name": name, "in": where, "required": where == "path", "schema": schema or ID, **extra}


def _errors(*statuses: int) -> dict:
    common = (400, 401, 403, 404, 503)
    return {
        str(s): {"$ref": f"#/components/responses/Problem{s}"}
        for s in sorted(set(common) | set(statuses))
    }


def _op(
    summary: str,
    tag: str,
    *,
    ok: str = "200",
    schema: str | None = None,
    params: list | None = None,
    body: str | None = None,
    errors: tuple[int, ...] = (),
    etag: bool = False,
    scope: str | None = None,
    description: str = "",
) -> dict:
    response: dict = {"description": summary}
    if schema:
        response["content"] = {JSON: {"schema": ref(schema)}}
    if etag:
        response["headers"] = {"ETag": {"schema": {"type": "string"}}}
    security = [{"bearer": []}, {"oauth2": [scope] if scope else []}]
    op: dict = {
        "summary": summary,
        "tags": [tag],
        "parameters": params or [],
        "responses": {ok: response, **_errors(*errors)},
        "security": security,
    }
    if description or scope:
        op["description"] = (
            description + (f" Client tokens need scope `{scope}`." if scope else "")
        ).strip()
    if body:
        op["requestBody"] = {"required": False, "content": {JSON: {"schema": ref(body)}}}
    return op


IF_MATCH_REQUIRED = _param("If-Match", "header", {"type": "string"}, required=True)
IF_MATCH = _param("If-Match", "header", {"type": "string"})
PAGE = [
    _param("page", "query", {"type": "integer", "minimum": 1, "maximum": 999999}),
]


def paths() -> dict:
    from idp.admin import (
        APPROVE_ORGS,
        MANAGE_CLIENTS,
        MANAGE_KEYS,
        MANAGE_SESSIONS,
        MANAGE_USERS,
    )
    from idp.admin.organizations import ACTIONS
    from idp.admin.user_actions import USER_ACTIONS
    from idp.orgs.office_actions import INVITATION_ACTIONS, MEMBER_ACCOUNT_ACTIONS

    org, user, sess, cli, key = (
        APPROVE_ORGS,
        MANAGE_USERS,
        MANAGE_SESSIONS,
        MANAGE_CLIENTS,
        MANAGE_KEYS,
    )
    org_id, user_id, client_id = _param("org_id"), _param("user_id"), _param("client_id")
    member = [org_id, _param("membership_id")]
    invitation = [org_id, _param("invitation_id")]
    result: dict = {
        "/organizations": {
            "get": _op(
                "The review queue (pending, suspended, approved) with duplicate TIN/NPI flags",
                "organizations",
                schema="OrganizationList",
                scope=org,
                params=[
                    _param(
                        "status",
                        "query",
                        {"type": "string", "enum": ["pending", "suspended", "approved"]},
                    )
                ],
            )
        },
        "/organizations/{org_id}": {
            "get": _op(
                "One organization with members and duplicates",
                "organizations",
                schema="OrganizationDetails",
                params=[org_id],
                scope=org,
            )
        },
        "/users": {
            "get": _op(
                "Search people by name, username, email, office name or NPI",
                "users",
                schema="UserPage",
                scope=user,
                params=[
                    _param("q", "query", {"type": "string", "maxLength": 200}),
                    _param(
                        "status",
                        "query",
                        {
                            "type": "string",
                            "enum": ["active", "pending_email", "locked", "disabled"],
                        },
                    ),
                    *PAGE,
                ],
            )
        },
        "/users/{user_id}": {
            "get": _op(
                "One person: status, last sign-in, MFA, memberships",
                "users",
                schema="UserDetails",
                params=[user_id],
                etag=True,
                scope=user,
            )
        },
        "/users/{user_id}/sessions": {
            "get": _op(
                "The person's live SSO sessions",
                "sessions",
                schema="SessionList",
                params=[user_id],
                scope=sess,
            )
        },
        "/users/{user_id}/sessions/{session_id}": {
            "delete": _op(
                "End one session (back-channel logout to its clients)",
                "sessions",
                ok="204",
                params=[user_id, _param("session_id")],
                scope=sess,
            )
        },
        "/clients": {
            "get": _op("Every OAuth client", "clients", schema="ClientList", scope=cli),
            "post": _op(
                "Register a client; the secret is in this answer only",
                "clients",
                ok="201",
                schema="ClientWithSecret",
                body="ClientCreate",
                etag=True,
                scope=cli,
            ),
        },
        "/clients/{client_id}": {
            "get": _op(
                "One client", "clients", schema="Client", params=[client_id], etag=True, scope=cli
            ),
            "patch": _op(
                "Change the given fields",
                "clients",
                schema="Client",
                params=[client_id, IF_MATCH_REQUIRED],
                body="ClientUpdate",
                errors=(412, 428),
                etag=True,
                scope=cli,
            ),
        },
        "/clients/{client_id}/rotate-secret": {
            "post": _op(
                "A new secret (in this answer only); the old one stops at once",
                "clients",
                schema="ClientWithSecret",
                params=[client_id],
                scope=cli,
            )
        },
        "/keys": {
            "get": _op("Signing keys: next, active, retired", "keys", schema="KeyList", scope=key)
        },
        "/keys/rotate": {
            "post": _op(
                "Rotate: next becomes active, active retired",
                "keys",
                schema="Key",
                body="KeyRotate",
                scope=key,
            )
        },
        "/keys/{kid}/retire": {
            "post": _op(
                "Drop a retired key now",
                "keys",
                schema="Key",
                params=[_param("kid")],
                errors=(409,),
                scope=key,
            )
        },
        "/offices/{org_id}/members": {
            "get": _op(
                "An office's members with role, state, last sign-in and MFA",
                "office",
                schema="MemberPage",
                params=[
                    org_id,
                    *PAGE,
                    _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 100}),
                ],
            )
        },
        "/offices/{org_id}/members/{membership_id}": {
            "get": _op("One member", "office", schema="Member", params=member, etag=True),
            "patch": _op(
                "One change: role, status or access end date",
                "office",
                schema="Member",
                params=[*member, IF_MATCH_REQUIRED],
                body="MemberChange",
                errors=(409, 412, 428),
                etag=True,
            ),
            "delete": _op(
                "Remove the affiliation (the person keeps other offices)",
                "office",
                ok="204",
                params=[*member, IF_MATCH_REQUIRED],
                errors=(409, 412, 428),
            ),
        },
        "/offices/{org_id}/invitations": {
            "get": _op(
                "The office's invitations", "office", schema="InvitationList", params=[org_id]
            ),
            "post": _op(
                "Invite one address with a role",
                "office",
                ok="201",
                schema="Invitation",
                params=[org_id],
                body="InvitationCreate",
                errors=(409,),
            ),
        },
        "/offices/{org_id}/invitations/bulk": {
            "post": _op(
                "Invite a list (one email[,role] a line); all rows checked first",
                "office",
                ok="201",
                schema="BulkResult",
                params=[org_id],
                body="BulkInvitation",
            )
        },
    }
    for action in ACTIONS:
        result[f"/organizations/{{org_id}}/{action}"] = {
            "post": _op(
                f"{action.title()} the organization",
                "organizations",
                schema="OrganizationDetails",
                params=[org_id],
                body="Reason",
                errors=(409,),
                scope=org,
            )
        }
    for path, table, schema, params in (
        ("members/{membership_id}", MEMBER_ACCOUNT_ACTIONS, "Member", member),
        ("invitations/{invitation_id}", INVITATION_ACTIONS, "Invitation", invitation),
    ):
        for name, office_action in table.items():
            result[f"/offices/{{org_id}}/{path}/{name}"] = {
                "post": _op(
                    office_action.summary,
                    "office",
                    schema=schema,
                    params=params,
                    errors=office_action.errors,
                )
            }
    for action in USER_ACTIONS:
        result[f"/users/{{user_id}}/{action}"] = {
            "post": _op(
                action.replace("-", " ").capitalize(),
                "users",
                schema="UserDetails",
                params=[user_id, IF_MATCH],
                errors=(409, 412),
                etag=True,
                scope=user,
            )
        }
    for action in ("disable", "enable"):
        result[f"/clients/{{client_id}}/{action}"] = {
            "post": _op(
                f"{action.title()} the client",
                "clients",
                schema="Client",
                params=[client_id, IF_MATCH],
                errors=(412,),
                etag=True,
                scope=cli,
            )
        }
    return result
