"""audit trail: context columns, hash chain, seals and the chain head

Revision ID: 5e2a9c81d0f4
Revises: c4e1a9f0b2d7
Create Date: 2026-12-01 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2a9c81d0f4'
down_revision = 'c4e1a9f0b2d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=False,
                                      server_default='success'))
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_client_id'), ['client_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_seq'), ['seq'])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('outcome', server_default=None)

    op.create_table('audit_seals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_seals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_seals_seq'), ['seq'], unique=False)

    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade():
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_seals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_seals_seq'))
    op.drop_table('audit_seals')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_seq'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_audit_events_client_id'))
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')
        batch_op.drop_column('request_id')
        batch_op.drop_column('outcome')
        batch_op.drop_column('user_agent')
        batch_op.drop_column('client_id')
