"""WSGI entry point for gunicorn: ``gunicorn idp.wsgi:app``."""

import sys

from idp import create_app
from idp.jwk.registry import KeysUnavailable
from idp.metrics import install
from idp.oauth.discovery import PublishedFastPath

try:
    app = create_app()
except KeysUnavailable as exc:
    print(f"idp: {exc}", file=sys.stderr, flush=True)
    # gunicorn's APP_LOAD_ERROR: the arbiter stops instead of respawning the worker.
    raise SystemExit(4) from None
install(app)
app.wsgi_app = PublishedFastPath(app)  # type: ignore[method-assign]
