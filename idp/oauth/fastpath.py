"""The token endpoint's client credentials and the introspection endpoint, answered below
Flask for plain requests (``[oauth] fast_path``).

Those two are what services call all day, and through Flask and Authlib most of their
CPU went to the framework: the request context, eleven request hooks, routing, Authlib's
request objects and grant plumbing. Here a plain request -- a small urlencoded form
(:mod:`idp.web.bare_form`), known fields each given once, a secret in HTTP Basic or in the
form -- is answered with the same decisions, called where they live: client
authentication (:func:`~idp.oauth.client_auth.secret_client`: Authlib's Basic reading, the
cached client, its secret and method), the grant type, Authlib's scope check, audience,
scope and the signed token (:func:`~idp.oauth.token.token_for`), the audit entry
(:meth:`~idp.oauth.service.OAuthService.token_issued`), the introspection answer (the
:class:`~idp.oauth.introspection.Introspection` endpoint's own methods, with its
revocation check). The answer carries what Flask's would: Authlib's JSON headers, the
security headers, the request id; it is counted in the metrics and written to the
access log like one of Flask's, and the audit sealer's turn comes after it as after
theirs.

Everything else goes to the app untouched, before any side effect: another grant or
auth method, an unknown or repeated field, any refusal (a wrong secret, an unknown
client, a bad resource), an insecure transport, and any exception, so every error keeps
its one answer, audit entry and log line; a database or Redis outage travels with the
request and is raised in the app's view (:func:`outage_met_before`), not met twice. The
only effect here is the token's audit entry, written after everything else is ready;
if that write fails nothing was answered, and the app answers the request afresh.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749 import InsecureTransportError
from flask import Flask, current_app, has_app_context
from werkzeug.wsgi import ClosingIterator, get_current_url

from idp.oauth.client_auth import secret_client
from idp.oauth.context import oauth_server, service
from idp.oauth.grant_types.client_credentials import ServiceGrant
from idp.oauth.introspection import Introspection
from idp.oauth.token import token_for
from idp.web import request_id
from idp.web.bare_form import Form, read_form
from idp.web.headers import security_headers
from idp.web.outages import dependency_error

log = logging.getLogger(__name__)

GRANT = "client_credentials"
#: The fields a plain request may have; any other sends it to the app.
TOKEN_FIELDS = frozenset({"grant_type", "scope", "resource", "client_id", "client_secret"})
INTROSPECTION_FIELDS = frozenset({"token", "token_type_hint", "client_id", "client_secret"})
#: Where a request handed on carries the outage the fast path met (see outage_met_before).
OUTAGE_KEY = "idp.fastpath.outage"
#: Transport decisions remembered (the Host header is the client's: bounded).
MAX_REMEMBERED_HOSTS = 64


@dataclass(frozen=True)
class Answer:
    body: bytes
    headers: list[tuple[str, str]]
    #: The grant type counted in the metrics (token answers).
    grant: str = ""


def _single(form: Form, name: str) -> str | None:
    values = form.get(name)
    return values[0] if values else None


class ProtocolFastPath:
    """WSGI middleware in front of the app (inside ``ProxyFix``, so the client address is
    already the forwarded one); installed with the OAuth blueprint."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        settings = app.config["IDP_SETTINGS"]
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = bool(settings.oauth_fast_path)
        self.trust_request_id = bool(settings.server_trusted_proxies)
        self.headers = security_headers(settings)
        self.introspection = Introspection(app.extensions["idp.oauth"])
        self._transports: dict[tuple, bool] = {}
        self.routes: dict[str, Callable[[Form, dict], Answer | None]] = {
            "/oauth/token": self.token,
            "/oauth/introspect": self.introspect,
        }

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        answer_for = self.routes.get(path)
        if answer_for is None or not self.enabled or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        form = read_form(environ)
        if form is None:
            return self.wsgi_app(environ, start_response)
        environ[request_id.ENVIRON_KEY] = request_id.choose(
            environ.get("HTTP_X_REQUEST_ID"), self.trust_request_id
        )
        try:
            answer = self._answer(answer_for, form, environ)
        except Exception as exc:  # noqa: BLE001 - the app answers it, in its one way
            log.debug("fast path declined %s: %r", path, exc)
            if dependency_error(exc) is not None:
                environ[OUTAGE_KEY] = exc
            answer = None
        if answer is None:
            del environ[request_id.ENVIRON_KEY]
            return self.wsgi_app(environ, start_response)
        return self._send(answer, path, environ, started, start_response)

    def _answer(self, answer_for, form: Form, environ: dict) -> Answer | None:
        """In an app context (the one already there, as Flask does, or a new one whose end
        removes the database session), with the request's environ named for the audit
        entry and the logs."""
        pushed = None
        if not (has_app_context() and current_app._get_current_object() is self.app):  # type: ignore[attr-defined]
            pushed = self.app.app_context()
            pushed.push()
        try:
            with request_id.answering(environ):
                if not self._secure_transport(environ):
                    return None
                return answer_for(form, environ)
        finally:
            if pushed is not None:
                pushed.pop()

    def _secure_transport(self, environ: dict) -> bool:
        """Authlib's transport rule (https, or http to a loopback host) for the URL werkzeug
        builds, remembered per scheme and host: it reads nothing else of a request to these
        paths, and building the URL cost a tenth of an answer."""
        key = (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME"),
            os.environ.get("AUTHLIB_INSECURE_TRANSPORT"),
        )
        secure = self._transports.get(key)
        if secure is None:
            try:
                InsecureTransportError.check(get_current_url(environ))
                secure = True
            except InsecureTransportError:
                secure = False
            if len(self._transports) >= MAX_REMEMBERED_HOSTS:
                self._transports.clear()
            self._transports[key] = secure
        return secure

    def token(self, form: Form, environ: dict) -> Answer | None:
        if form.keys() - TOKEN_FIELDS or form.get("grant_type") != [GRANT]:
            return None
        if any(len(values) > 1 for name, values in form.items() if name != "resource"):
            return None
        client = secret_client(
            form,
            environ.get("HTTP_AUTHORIZATION"),
            ServiceGrant.TOKEN_ENDPOINT_AUTH_METHODS,
            "token",
        )
        if client is None or not client.check_grant_type(GRANT):
            return None
        scope = _single(form, "scope")
        oauth_server().validate_requested_scope(scope)
        token = token_for(
            client, None, scope, form.get("resource", []), GRANT, include_refresh_token=False
        )
        body = self.app.json.dumps(token).encode()
        service().token_issued(
            grant_type=GRANT,
            client_id=client.client_id,
            principal=None,
            scope=token.get("scope", ""),
            refresh_token=None,
        )
        return Answer(body, ServiceGrant.TOKEN_RESPONSE_HEADER, GRANT)

    def introspect(self, form: Form, environ: dict) -> Answer | None:
        if form.keys() - INTROSPECTION_FIELDS or any(len(v) > 1 for v in form.values()):
            return None
        token, hint = _single(form, "token"), _single(form, "token_type_hint")
        endpoint = self.introspection
        if token is None or (hint and hint not in endpoint.SUPPORTED_TOKEN_TYPES):
            return None
        client = secret_client(
            form,
            environ.get("HTTP_AUTHORIZATION"),
            endpoint.CLIENT_AUTH_METHODS,
            endpoint.ENDPOINT_NAME,
        )
        if client is None:
            return None
        record = endpoint.query_token(token, hint)
        if record is not None and not endpoint.check_permission(record, client, None):
            record = None
        body = self.app.json.dumps(endpoint.create_introspection_payload(record)).encode()
        return Answer(body, default_json_headers)

    def _send(
        self, answer: Answer, path: str, environ: dict, started: float, start_response
    ) -> Iterable[bytes]:
        from idp.metrics.hooks import access_line, observe

        rid = environ[request_id.ENVIRON_KEY]
        length = len(answer.body)
        headers = [
            *answer.headers,
            ("Content-Length", str(length)),
            *self.headers,
            (request_id.HEADER, rid),
        ]
        hooks = self.app.extensions.get("idp.metrics.request_hooks")
        if hooks is not None and hooks.metrics:
            observe(path, "POST", 200, time.perf_counter() - started, answer.grant)
        if hooks is not None and hooks.access_log:
            protocol = environ.get("SERVER_PROTOCOL", "-")
            access_line(environ.get("REMOTE_ADDR"), "POST", path, protocol, 200, length, rid)
        start_response("200 OK", headers)
        schedule = self.app.extensions.get("idp.audit.seal_schedule")
        if schedule is not None and schedule.due():
            return ClosingIterator([answer.body], schedule.start)
        return [answer.body]


def outage_met_before() -> None:
    """In the app's handling of a request the fast path handed on: raise the database or
    Redis error the fast path met, rather than wait for it again (a hung dependency's
    timeout twice). The app then answers it as its own, from where its view would have
    met it: 503, one log line, the dependency counted."""
    from flask import request

    exc = request.environ.pop(OUTAGE_KEY, None)
    if exc is not None:
        raise exc


def install(app: Flask) -> None:
    """Put the fast path in front of the app as it stands (request-body guard included)."""
    app.wsgi_app = ProtocolFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
