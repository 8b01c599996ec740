"""The security administrators' console (``/admin``): one module per area, one blueprint.

Views parse the request, call one service of ``idp.admin`` and render; every action is
behind ``fresh_auth_required`` and CSRF, and every destructive one has a GET page saying
exactly what will happen, whose form posts to the same address.
"""

from __future__ import annotations

from idp.admin.views import (  # noqa: E402, F401
    audit,
    clients,
    home,
    keys,
    organizations,
    overview,
    users,
)
from idp.admin.views.common import bp

__all__ = ["bp"]
