"""idp: identity provider and SSO gateway for the staff of healthcare provider offices."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from idp.config import PROJECT_ROOT, Settings, load_settings

__all__ = ["create_app"]


def _secret_key(settings: Settings) -> str:
    """The configured secret, or one generated once into the instance folder (0600)."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.instance_path / "secret_key"
    settings.instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    import secrets

    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


def _database_uri(settings: Settings) -> str:
    url = settings.database_url
    if not url:
        # The folder holds the generated secret, the outbox and this database (password
        # hashes, client secret hashes): created private, the file 0600 before SQLite opens it.
        settings.instance_path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = settings.instance_path / "idp.sqlite"
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        return f"sqlite:///{path}"
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: Libraries that write secrets at DEBUG (Authlib logs every token it issues, "Issue token
#: %r to %r": access, refresh and ID tokens): never below INFO, whatever ``[core] log_level``
#: says, so that turning on debugging at 3 a.m. does not put credentials in the logs.
SECRET_LOGGERS = ("authlib",)


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Application factory. ``config`` is a Settings object or a mapping of overrides."""
    settings = config if isinstance(config, Settings) else load_settings(config)
    logging.basicConfig(level=settings.log_level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in SECRET_LOGGERS:
        logging.getLogger(name).setLevel(
            max(logging.INFO, logging.getLevelName(settings.log_level))
        )

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(settings.instance_path),
    )
    from idp.storage import pool_options
    from idp.web.responses import BufferedResponse

    app.response_class = BufferedResponse
    database_uri = _database_uri(settings)
    app.config.update(
        IDP_SETTINGS=settings,
        SECRET_KEY=_secret_key(settings),
        SQLALCHEMY_DATABASE_URI=database_uri,
        SQLALCHEMY_ENGINE_OPTIONS=pool_options(database_uri, settings.server_threads),
        SESSION_COOKIE_NAME="idp_flow",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_https,
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=1024 * 1024,
        PREFERRED_URL_SCHEME="https" if settings.is_https else "http",
    )

    from idp.extensions import csrf, db, migrate
    from idp.storage import configure_engine, import_models

    import_models()
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_ROOT / "idp" / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    with app.app_context():
        configure_engine(db.engine)

    from idp.audit.app import init_app as init_audit
    from idp.web import request_id
    from idp.web.errors import register_error_handlers
    from idp.web.headers import register_security_headers
    from idp.web.inputs import register_input_checks
    from idp.web.sessions import register_session_interface

    request_id.install(app)
    register_error_handlers(app)
    register_input_checks(app)
    register_security_headers(app, settings)
    init_audit(app)
    register_session_interface(app)

    from idp.blueprints import register_blueprints
    from idp.services import register_services

    register_services(app)
    register_blueprints(app)
    from idp.jwk.registry import guard_app_keys

    guard_app_keys(app)  # refuses to start when issued signing keys are lost
    if settings.server_trusted_proxies:
        # Client address and scheme only: links come from public_base_url, never the
        # forwarded host.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.server_trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    return app
