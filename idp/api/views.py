"""The API's blueprint with every route registered (``idp.blueprints`` lists this module)."""

from __future__ import annotations

from idp.api import audit, office, openapi, platform  # noqa: F401  (their routes register on bp)
from idp.api.http import bp

__all__ = ["bp"]
