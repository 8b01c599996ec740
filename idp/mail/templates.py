"""Mail bodies from templates: ``templates/email/<name>/subject.txt`` and ``body.txt``, and
``body.html`` where a message reads better with markup (Warehouse keeps its messages the
same way). Services name the message and pass plain values; they never build the text.

Files starting with ``_`` (the HTML layout and macros) are shared parts, not messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from idp.config import PROJECT_ROOT

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "email"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None = None


@cache
def environment() -> Environment:
    # StrictUndefined: a value a template names but the service did not pass is a bug to
    # find in the template test, not a blank in someone's inbox. Only .html is escaped: the
    # plain text part is never interpreted as markup.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def names() -> list[str]:
    """Every message that has a template (for the test that renders them all)."""
    return sorted(p.name for p in TEMPLATE_DIR.iterdir() if (p / "subject.txt").is_file())


def render(name: str, /, **values: Any) -> Rendered:
    """Positional-only ``name``, so a template may use a value called ``name`` too.

    Raises ``jinja2.TemplateNotFound`` for an unknown message and ``UndefinedError`` when
    a value the template uses is missing."""
    env = environment()
    subject = env.get_template(f"{name}/subject.txt").render(**values)
    text = env.get_template(f"{name}/body.txt").render(**values)
    html = None
    # Checked on disk rather than by catching TemplateNotFound, which would also hide a
    # body.html whose layout is missing.
    if (TEMPLATE_DIR / name / "body.html").is_file():
        html = env.get_template(f"{name}/body.html").render(**values)
    # One line whatever a value holds: a line break in a header would end it (or add one).
    return Rendered(" ".join(subject.split()), text, html)
