"""merge area migrations

Revision ID: a2b04a1d8dbf
Revises: 0a37a1d7a44b, 0b97bd89df63, 150735321881
Create Date: 2026-11-24 06:47:16.247980

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a2b04a1d8dbf'
down_revision = ('0a37a1d7a44b', '0b97bd89df63', '150735321881')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
