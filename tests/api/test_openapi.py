"""The served document covers exactly the API's routes, and its page needs no network."""

from __future__ import annotations

import re

from tests.api.support import API

UNDOCUMENTED = {"/openapi.json", "/docs"}


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API + "/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len(API) :])
        if path in UNDOCUMENTED:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method.lower(), path))
    return found


def test_document_and_routes_match(app, client):
    answer = client.get(f"{API}/openapi.json")
    assert answer.status_code == 200
    doc = answer.get_json()
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"][0]["url"] == "http://idp.test/api/v1"
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented == _routes(app)
    scopes = doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]
    assert "admin.users.manage" in scopes["scopes"]


def test_docs_page_lists_every_operation_without_scripts(client):
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script" not in html and "https://" not in html.split("</head>")[0]
    assert "POST /clients/{client_id}/rotate-secret" in html
    assert 'id="problem-precondition_failed"' in html
