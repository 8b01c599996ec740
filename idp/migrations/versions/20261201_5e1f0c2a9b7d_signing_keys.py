"""signing keys record

Revision ID: 5e1f0c2a9b7d
Revises: a2b04a1d8dbf
Create Date: 2026-12-01 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = 'a2b04a1d8dbf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_keys',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('alg', sa.String(length=10), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dropped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('kid')
    )


def downgrade():
    op.drop_table('signing_keys')
