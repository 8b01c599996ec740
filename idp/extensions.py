"""Extension objects, created unbound and initialised by create_app()."""

from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
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
