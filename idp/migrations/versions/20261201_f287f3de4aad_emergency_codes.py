"""emergency_codes: sealed break-glass codes of security admins

Revision ID: f287f3de4aad
Revises: 7a3d5b9e2c41
Create Date: 2026-12-01 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f287f3de4aad'
down_revision = '7a3d5b9e2c41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emergency_codes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('code_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('emergency_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emergency_codes_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('emergency_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_emergency_codes_user_id'))

    op.drop_table('emergency_codes')
