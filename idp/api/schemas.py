"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API's bodies, for ``openapi``."""

from __future__ import annotations

S = {"type": "string"}
NS = {"type": ["string", "null"]}
B = {"type": "boolean"}
I = {"type": "integer"}  # noqa: E741
STRINGS = {"type": "array", "items": S}


def obj(required: dict, optional: dict | None = None) -> dict:
    return {
        "type": "object",
        "required": sorted(required),
        "properties": {**required, **(optional or {})},
    }


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def items_of(name: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(name)}})


def page_of(name: str) -> dict:
    return obj(
        {
            "items": {"type": "array", "items": ref(name)},
            "page": I,
            "per_page": I,
            "total": I,
            "pages": I,
            "next": NS,
            "prev": NS,
        }
    )


ORG = {"id": S, "legal_name": S, "tax_id": S, "npi": S, "status": S, "created_at": NS}
USER = {
    "id": S,
    "username": S,
    "display_name": S,
    "email": S,
    "status": S,
    "platform_role": NS,
    "last_sign_in_at": NS,
}
CLIENT = {
    "client_id": S,
    "name": S,
    "token_endpoint_auth_method": S,
    "public": B,
    "redirect_uris": STRINGS,
    "post_logout_redirect_uris": STRINGS,
    "grant_types": STRINGS,
    "scopes": STRINGS,
    "default_audience": S,
    "first_party": B,
    "require_pkce": B,
    "id_token_alg": S,
    "backchannel_logout_uri": NS,
    "launch_url": NS,
    "has_jwks": B,
    "disabled": B,
    "created_at": NS,
    "secret_rotated_at": NS,
}
CLIENT_FIELDS = {
    "name": S,
    "redirect_uris": STRINGS,
    "post_logout_redirect_uris": STRINGS,
    "grant_types": STRINGS,
    "scopes": STRINGS,
    "default_audience": {"type": "string", "description": "space-separated audiences"},
    "first_party": B,
    "require_pkce": B,
    "id_token_alg": {"type": "string", "enum": ["ES256", "RS256"]},
    "backchannel_logout_uri": S,
    "launch_url": S,
    "jwks": {"type": "object"},
}
KEY = {
    "kid": S,
    "alg": S,
    "state": S,
    "created_at": S,
    "activated_at": NS,
    "retired_at": NS,
    "drop_after": NS,
}
MEMBER = {
    "id": S,
    "org_id": S,
    "user_id": S,
    "username": S,
    "display_name": S,
    "email": S,
    "role": S,
    "role_label": S,
    "status": S,
    "state": {"type": "string", "enum": ["active", "ending", "ended", "deactivated"]},
    "access_ends_on": NS,
    "last_sign_in_at": NS,
    "has_mfa": B,
    "may_reset_mfa": B,
}
INVITATION = {"id": S, "email": S, "role": S, "state": S, "sent_at": NS, "expires_at": NS}
MEMBERSHIP = {
    "org_id": S,
    "org_name": S,
    "npi": S,
    "org_status": S,
    "role": S,
    "role_label": S,
    "counts": B,
}
ORG_MEMBER = {
    "user_id": S,
    "username": S,
    "display_name": S,
    "email": S,
    "email_verified": B,
    "user_status": S,
    "role_label": S,
}
REVIEWED = {
    **ORG,
    "duplicate_tin": B,
    "duplicate_npi": B,
    "duplicates": {"type": "array", "items": ref("Organization")},
}

AUDIT_ENTRY = {
    "id": I,
    "seq": {"type": ["integer", "null"]},
    "at": S,
    "event": S,
    "outcome": {"type": "string", "enum": ["success", "failure"]},
    "actor_id": NS,
    "actor_name": NS,
    "subject_id": NS,
    "subject_name": NS,
    "org_id": NS,
    "office_name": NS,
    "client_id": NS,
    "ip": NS,
    "user_agent": NS,
    "request_id": NS,
    "data": {"type": "object"},
    "prev_hash": NS,
    "hash": NS,
}

COMPONENTS: dict = {
    "Problem": obj(
        {"type": S, "title": S, "status": I, "detail": S},
        {
            "code": S,
            "errors": {
                "description": "per field (object) or per row of a bulk list (array)",
                "type": ["object", "array"],
            },
        },
    ),
    "Organization": obj(ORG),
    "ReviewedOrganization": obj(REVIEWED),
    "OrganizationList": items_of("ReviewedOrganization"),
    "OrganizationDetails": obj(
        {
            **REVIEWED,
            "decision_reason": S,
            "decided_by": NS,
            "members": {"type": "array", "items": obj(ORG_MEMBER)},
        }
    ),
    "Reason": obj({}, {"reason": {"type": "string", "maxLength": 500}}),
    "User": obj(USER),
    "UserPage": page_of("User"),
    "UserDetails": obj(
        {
            **USER,
            "email_verified": B,
            "mfa": obj({"totp": B, "recovery_codes_left": I}),
            "memberships": {"type": "array", "items": obj(MEMBERSHIP)},
        }
    ),
    "Session": obj(
        {"id": S, "device": S, "ip": NS, "office_id": NS, "office_name": NS, "mfa": B},
        {"signed_in_at": NS, "last_seen_at": NS},
    ),
    "SessionList": items_of("Session"),
    "Client": obj(CLIENT),
    "ClientWithSecret": obj(CLIENT, {"client_secret": S}),
    "ClientList": items_of("Client"),
    "ClientCreate": obj(
        {},
        {
            **CLIENT_FIELDS,
            "client_id": S,
            "token_endpoint_auth_method": {
                "type": "string",
                "enum": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
            },
        },
    ),
    "ClientUpdate": obj({}, CLIENT_FIELDS),
    "Key": obj(KEY),
    "KeyList": items_of("Key"),
    "KeyRotate": obj({}, {"alg": {"type": "string", "enum": ["ES256", "RS256"]}}),
    "Member": obj(MEMBER),
    "MemberPage": page_of("Member"),
    "MemberChange": obj(
        {},
        {
            "role": S,
            "status": {"type": "string", "enum": ["active", "deactivated"]},
            "access_ends_on": {"type": ["string", "null"], "format": "date"},
            "confirm": B,
        },
    ),
    "AuditEntry": obj(AUDIT_ENTRY),
    "AuditPage": obj(
        {
            "items": {"type": "array", "items": ref("AuditEntry")},
            "page": I,
            "per_page": I,
            "next": NS,
            "prev": NS,
        }
    ),
    "Invitation": obj(INVITATION),
    "InvitationList": items_of("Invitation"),
    "InvitationCreate": obj({"email": S, "role": S}),
    "BulkInvitation": obj({"text": S}),
    "BulkResult": obj(
        {
            "batch_id": S,
            "failure": NS,
            "rows": {
                "type": "array",
                "items": obj({"line": I, "email": S, "role": S, "outcome": S, "problem": NS}),
            },
        }
    ),
}
