"""What every endpoint shares: the blueprint (no CSRF: bearer tokens, no cookies), the
collaborators the services take, JSON bodies, pagination links and ETags."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest, PreconditionFailed, PreconditionRequired

from idp.accounts.fields import FieldErrors
from idp.common.digits import page_number
from idp.extensions import csrf

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)


@bp.after_request
def _no_store(response: Response) -> Response:
    """Admin answers (a client secret among them) are never cached."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# --- bodies ---------------------------------------------------------------------------------


def body() -> dict:
    """The JSON object sent (an empty object for no body); 400 for anything else."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object.")
    if _has_nul(data):
        raise BadRequest("The body contains a NUL character.")
    return data


def _has_nul(value: Any) -> bool:
    """No field here can hold U+0000 (PostgreSQL refuses it), as ``idp.web.inputs`` says
    for forms; JSON can carry it as ``\\u0000``."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def text_field(data: dict, name: str, *, required: bool = False, default: str = "") -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise FieldErrors({name: "This field is required."})
        return default
    if not isinstance(value, str):
        raise FieldErrors({name: "Must be a string."})
    return value


def optional(data: dict, name: str, kind: type | tuple) -> Any:
    """``data[name]`` when present and of ``kind`` (None when absent), FieldErrors else."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise FieldErrors({name: "Has the wrong type."})
    return value


def string_list(data: dict, name: str) -> list[str] | None:
    value = optional(data, name, list)
    if value is not None and not all(isinstance(v, str) for v in value):
        raise FieldErrors({name: "Must be a list of strings."})
    return value


def page_arg() -> int:
    number = page_number(request.args.get("page", "1"))
    if number is None:
        raise FieldErrors({"page": "Must be a whole number from 1."})
    return number


def per_page_arg(default: int, maximum: int = 100) -> int:
    raw = request.args.get("per_page", str(default))
    if page_number(raw, limit=maximum) is None:
        raise FieldErrors({"per_page": f"Must be a whole number from 1 to {maximum}."})
    return int(raw)


def _page_url(number: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(number)
    query = "&".join(f"{k}={_quote(v)}" for k, v in sorted(args.items()))
    return f"{request.base_url}?{query}"


def _with_links(response: Response, links: dict[str, str]) -> Response:
    if links:
        response.headers["Link"] = ", ".join(f'<{u}>; rel="{r}"' for r, u in links.items())
    return response


def paged(items: list, *, page: int, pages: int, per_page: int, total: int) -> Response:
    """A page of ``items`` with ``next``/``prev`` URLs in the body and an RFC 8288 ``Link``."""
    links = {}
    if page < pages:
        links["next"] = _page_url(page + 1)
    if page > 1:
        links["prev"] = _page_url(min(page - 1, pages))
    response = jsonify(
        items=items,
        page=page,
        per_page=per_page,
        total=total,
        pages=pages,
        next=links.get("next"),
        prev=links.get("prev"),
    )
    return _with_links(response, links)


def paged_on(items: list, *, page: int, per_page: int, has_next: bool) -> Response:
    """As :func:`paged`, for a list that is not counted (it only knows whether more come)."""
    links = {}
    if has_next:
        links["next"] = _page_url(page + 1)
    if page > 1:
        links["prev"] = _page_url(page - 1)
    response = jsonify(
        items=items, page=page, per_page=per_page, next=links.get("next"), prev=links.get("prev")
    )
    return _with_links(response, links)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# --- ETags ----------------------------------------------------------------------------------


def _default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def etag_of(representation: dict) -> str:
    """A strong ETag over the resource's representation (what a GET returns)."""
    text = json.dumps(representation, sort_keys=True, default=_default)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def with_etag(representation: dict, status: int = 200) -> Response:
    response = jsonify(representation)
    response.status_code = status
    response.headers["ETag"] = etag_of(representation)
    return response


def require_match(current: dict, *, required: bool = True) -> None:
    """``If-Match`` must name the resource as it is now: 428 without it (when ``required``),
    412 when it changed since the caller read it (another admin got there first)."""
    given = request.headers.get("If-Match")
    if not given:
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag from a GET of this resource, so that a change "
                "made meanwhile by someone else is not overwritten."
            )
        return
    tags = {t.strip() for t in given.split(",")}
    if "*" not in tags and etag_of(current) not in tags:
        raise PreconditionFailed("The resource changed since you read it; GET it again and retry.")
