"""The audit log's operations of the OpenAPI document (``openapi.document`` adds them)."""

from __future__ import annotations

from idp.api.operations import _errors, _op, _param

TEXT = {"type": "string", "maxLength": 100}
FILTERS = [
    _param("since", "query", TEXT, description="From this UTC date or time (ISO 8601)."),
    _param(
        "until",
        "query",
        TEXT,
        description="Before this UTC time; a date (YYYY-MM-DD) counts the whole day.",
    ),
    _param(
        "event",
        "query",
        TEXT,
        description="An event name (login.failed) or a prefix ending in a dot (login.).",
    ),
    _param("actor", "query", TEXT, description="User id of who acted."),
    _param("subject", "query", TEXT, description="User id of whom it concerns."),
    _param(
        "office",
        "query",
        TEXT,
        description="Office id. For an office administrator the office whose log this is "
        "(needed only when they administer several); entries of other offices never show.",
    ),
    _param("client", "query", TEXT, description="OAuth client id."),
    _param("ip", "query", TEXT),
    _param("outcome", "query", {"type": "string", "enum": ["success", "failure"]}),
]
SCOPED = (
    "Security admins see every office; an office's administrators (a person's token) only "
    "their office's entries, whatever the filters say. Reading is audited (audit.viewed, "
    "audit.exported)."
)


def paths(scope: str) -> dict:
    export = _op(
        "Stream the matching chained entries with their chain proof, ending with the sealed head",
        "audit",
        params=[
            _param("format", "query", {"type": "string", "enum": ["csv", "jsonl"]}),
            *FILTERS,
        ],
        scope=scope,
        description=SCOPED + " CSV cells that a spreadsheet would run start with an "
        "apostrophe. See docs/audit.md.",
    )
    export["responses"] = {
        "200": {
            "description": "An attachment, streamed in chain order",
            "headers": {"Content-Disposition": {"schema": {"type": "string"}}},
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/jsonl": {"schema": {"type": "string"}},
            },
        },
        **_errors(),
    }
    return {
        "/audit/events": {
            "get": _op(
                "Search the audit log, newest first",
                "audit",
                schema="AuditPage",
                params=[
                    *FILTERS,
                    _param("page", "query", {"type": "integer", "minimum": 1, "maximum": 999999}),
                    _param("per_page", "query", {"type": "integer", "minimum": 1, "maximum": 200}),
                ],
                scope=scope,
                description=SCOPED,
            )
        },
        "/audit/export": {"get": export},
    }
