"""passkeys: WebAuthn credentials, offices requiring phishing-resistant MFA

Revision ID: 5f2c9e1ab7d3
Revises: 5e1f0c2a9b7d
Create Date: 2026-12-01 08:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f2c9e1ab7d3'
down_revision = '5e1f0c2a9b7d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mfa_webauthn_credentials',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('credential_id', sa.String(length=1400), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('sign_count', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('aaguid', sa.String(length=36), nullable=False),
    sa.Column('device_type', sa.String(length=20), nullable=False),
    sa.Column('backed_up', sa.Boolean(), nullable=False),
    sa.Column('transports', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('credential_id')
    )
    with op.batch_alter_table('mfa_webauthn_credentials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mfa_webauthn_credentials_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phishing_resistant_required', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('phishing_resistant_required')

    with op.batch_alter_table('mfa_webauthn_credentials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mfa_webauthn_credentials_user_id'))

    op.drop_table('mfa_webauthn_credentials')
