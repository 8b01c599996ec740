"""WSGI entry point for gunicorn: ``gunicorn idp.wsgi:app``.

Why ``gc.freeze()`` once the app is built: the objects of start-up (modules, Flask, Authlib,
SQLAlchemy's mappings, templates) live as long as the process, yet every full collection
walked them all: about 100 ms with the interpreter lock held, during which no thread of the
worker answered (the token endpoint's p99 at 16 connections was ten times its median, and
full collections come most often while the audit sealer runs). Frozen, they are never
walked again; what requests create is collected as before. Shared pages also stay shared
longer after a fork.
"""

import gc
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

gc.collect()
gc.freeze()
