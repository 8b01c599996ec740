"""durable security state (locks, single-use markers) that outlives Redis' data

Revision ID: 3f1c9a7d5e21
Revises: 5f2c9e1ab7d3
Create Date: 2026-12-01 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f1c9a7d5e21'
down_revision = '5f2c9e1ab7d3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('durable_state',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('counter', sa.BigInteger(), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('durable_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_durable_state_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('durable_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_durable_state_expires_at'))

    op.drop_table('durable_state')
