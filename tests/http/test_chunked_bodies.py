"""A chunked body that reads as empty is refused as unreadable, whichever server passed it
on (granian hands over a broken one that way), and a chunked body with content is read."""

from __future__ import annotations

import io

import pytest


def post_chunked(client, path: str, body: bytes):
    return client.post(
        path,
        content_type="application/x-www-form-urlencoded",
        environ_overrides={
            "wsgi.input": io.BytesIO(body),
            "wsgi.input_terminated": True,
            "HTTP_TRANSFER_ENCODING": "chunked",
            "CONTENT_LENGTH": "",
        },
    )


@pytest.mark.parametrize("path", ["/login", "/oauth/token"])
def test_an_empty_chunked_body_is_unreadable(client, path):
    answer = post_chunked(client, path, b"")
    assert answer.status_code == 400
    if path.startswith("/oauth/"):
        assert answer.get_json()["error"] == "invalid_request"
    else:
        assert "could not be read" in answer.get_data(as_text=True)


def test_a_chunked_body_with_content_is_read(client):
    answer = post_chunked(client, "/oauth/token", b"grant_type=client_credentials")
    assert answer.status_code == 401  # read: the missing client is what is refused
