"""Bodies already in memory reach the server as one list; streamed ones stay iterators."""

from __future__ import annotations

from flask import Flask, stream_with_context
from werkzeug.test import EnvironBuilder

from idp.web.responses import BufferedResponse


def _app() -> Flask:
    app = Flask(__name__)
    app.response_class = BufferedResponse
    closed: list[str] = []

    @app.get("/page")
    def page():
        return "<p>hello</p>"

    @app.get("/stream")
    def stream():
        def rows():
            yield "a\n"
            yield "b\n"

        return app.response_class(stream_with_context(rows()), mimetype="text/csv")

    @app.get("/after")
    def after():
        response = app.response_class("done")
        response.call_on_close(lambda: closed.append("after"))
        return response

    @app.get("/empty")
    def empty():
        return "", 204

    app.config["closed"] = closed
    return app


def _call(app: Flask, path: str, method: str = "GET"):
    environ = EnvironBuilder(path=path, method=method).get_environ()
    started: list[str] = []
    body = app.wsgi_app(environ, lambda status, headers, exc_info=None: started.append(status))
    return started[0], body


def test_a_rendered_page_is_one_list():
    status, body = _call(_app(), "/page")
    assert status == "200 OK"
    assert body == [b"<p>hello</p>"]


def test_head_and_204_have_an_empty_list():
    app = _app()
    assert _call(app, "/page", "HEAD")[1] == []
    assert _call(app, "/empty")[1] == []


def test_a_streamed_body_stays_an_iterator():
    _, body = _call(_app(), "/stream")
    assert not isinstance(body, list)
    assert b"".join(body) == b"a\nb\n"
    body.close()


def test_work_after_the_answer_still_runs_when_the_server_closes_it():
    app = _app()
    _, body = _call(app, "/after")
    assert not isinstance(body, list)
    assert b"".join(body) == b"done"
    assert app.config["closed"] == []
    body.close()
    assert app.config["closed"] == ["after"]


def test_the_idp_answers_with_it(app):
    assert app.response_class is BufferedResponse
