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


def strings(names: str) -> dict:
    return dict.fromkeys(names.split(), S)


def nullable(names: str) -> dict:
    return dict.fromkeys(names.split(), NS)


def flags(names: str) -> dict:
    return dict.fromkeys(names.split(), B)


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


ORG = {**strings("id legal_name tax_id npi status"), **nullable("created_at")}
USER = {
    **strings("id username display_name email status"),
    **nullable("platform_role last_sign_in_at"),
}
CLIENT = {
    **strings("client_id name token_endpoint_auth_method"),
    "redirect_uris": STRINGS,
    "post_logout_redirect_uris": STRINGS,
    "grant_types": STRINGS,
    "scopes": STRINGS,
    "default_audience": S,
    "id_token_alg": S,
    **flags("public first_party require_pkce has_jwks disabled"),
    **nullable("backchannel_logout_uri launch_url created_at secret_rotated_at"),
}
CLIENT_FIELDS = {
    "name": S,
    "redirect_uris": STRINGS,
    "post_logout_redirect_uris": STRINGS,
    "grant_types": STRINGS,
    "scopes": STRINGS,
    "default_audience": {"type": "string", "description": "space-separated audiences"},
    **flags("first_party require_pkce"),
    "id_token_alg": {"type": "string", "enum": ["ES256", "RS256"]},
    **strings("backchannel_logout_uri launch_url"),
    "jwks": {"type": "object"},
}
KEY = {**strings("kid alg state created_at"), **nullable("activated_at retired_at drop_after")}
MEMBER = {
    **strings("id org_id user_id username display_name email role role_label status"),
    "state": {"type": "string", "enum": ["active", "ending", "ended", "deactivated"]},
    **nullable("access_ends_on last_sign_in_at"),
    **flags("has_mfa may_reset_mfa"),
}
INVITATION = {**strings("id email role state"), **nullable("sent_at expires_at")}
MEMBERSHIP = {**strings("org_id org_name npi org_status role role_label"), "counts": B}
BULK_ROW = {"line": I, "email": S, "role": S, "outcome": S, "problem": NS}
ORG_MEMBER = {
    **strings("user_id username display_name email user_status role_label"),
    "email_verified": B,
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
    **strings("at event"),
    "outcome": {"type": "string", "enum": ["success", "failure"]},
    **nullable("actor_id actor_name subject_id subject_name org_id office_name client_id"),
    **nullable("ip user_agent request_id prev_hash hash"),
    "data": {"type": "object"},
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
                "items": obj(BULK_ROW),
            },
        }
    ),
}
