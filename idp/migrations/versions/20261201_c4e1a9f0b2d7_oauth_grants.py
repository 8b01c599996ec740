"""oauth grants and revoked access tokens

Every refresh family becomes a grant (its id is the family id), revoked when any token of
the family was revoked: revocation by grant starts from what the families knew.

Revision ID: c4e1a9f0b2d7
Revises: 5d1e8a3c7f20
Create Date: 2026-12-01 08:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1a9f0b2d7'
down_revision = '5d1e8a3c7f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('oauth_grants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.String(length=36), nullable=True),
    sa.Column('other_org_ids', sa.Text(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.client_id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('oauth_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_grants_user_id'), ['user_id'], unique=False)

    op.create_table('oauth_revoked_access_tokens',
    sa.Column('jti', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti')
    )
    op.execute(
        "INSERT INTO oauth_grants (id, client_id, user_id, org_id, other_org_ids, created_at,"
        " expires_at, revoked_at, revoked_reason)"
        " SELECT family_id, MIN(client_id), MIN(user_id), MIN(org_id), '',"
        " MIN(family_started_at), MAX(expires_at), MAX(revoked_at),"
        " CASE WHEN MAX(revoked_at) IS NULL THEN NULL ELSE 'family_revoked' END"
        " FROM oauth_refresh_tokens GROUP BY family_id"
    )


def downgrade():
    op.drop_table('oauth_revoked_access_tokens')
    with op.batch_alter_table('oauth_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_grants_user_id'))

    op.drop_table('oauth_grants')
