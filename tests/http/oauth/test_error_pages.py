"""Error pages say in words what went wrong and what to do; the code stays, for support."""

from __future__ import annotations

import re


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_an_unknown_client_gets_words_first_and_the_code_for_support(client):
    response = client.get("/oauth/authorize?client_id=nope&response_type=code&scope=openid")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    text = visible_text(page)
    assert "This request could not be handled" in text
    assert "not registered here" in text and "Go back to the application" in text
    support = re.search(r"For support: error 400, code <code>([^<]+)</code>", page)
    assert support and support.group(1).startswith("invalid_client")
    # the code never stands alone: it appears only in the support line
    assert text.count("invalid_client") == 1


def test_a_missing_page_speaks_plainly(client):
    page = client.get("/no-such-page", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "We could not find that page" in page and "code <code>not_found</code>" in page
