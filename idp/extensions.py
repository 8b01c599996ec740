"""Extension objects, created unbound and initialised by create_app()."""

from typing import TYPE_CHECKING, Any, cast

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model`` at run time; to the type checker,
# the declarative base it is built from (a variable cannot be a base class for mypy).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()


def affected_rows(statement: Any) -> int:
    """Run an UPDATE or DELETE in the session's unit of work; how many rows it changed.

    A conditional UPDATE whose count is 1 for exactly one of several racing callers is how
    single use is enforced (codes, links, claims)."""
    return cast(CursorResult, db.session.execute(statement)).rowcount or 0
