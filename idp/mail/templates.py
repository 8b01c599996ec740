"""Mail bodies from templates: ``templates/email/<name>/subject.txt`` and ``body.txt``, and
``body.html`` where a message reads better with markup (Warehouse keeps its messages the
same way). Services name the message and pass values; they never build the text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from idp.config import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "email"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None


@cache
def _environment() -> Environment:
    # StrictUndefined: a value a template names but the service did not pass is a bug to
    # find in the template test, not a blank in someone's inbox.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def names() -> list[str]:
    """Every message that has a template (for the test that renders them all)."""
    return sorted(p.name for p in TEMPLATE_DIR.iterdir() if (p / "subject.txt").is_file())


def render(name: str, **values: Any) -> Rendered:
    env = _environment()
    subject = env.get_template(f"{name}/subject.txt").render(**values)
    text = env.get_template(f"{name}/body.txt").render(**values)
    try:
        html: str | None = env.get_template(f"{name}/body.html").render(**values)
    except TemplateNotFound:
        html = None
    return Rendered(" ".join(subject.split()), text, html)
