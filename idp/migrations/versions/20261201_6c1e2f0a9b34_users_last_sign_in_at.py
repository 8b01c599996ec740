"""users.last_login_at becomes users.last_sign_in_at

The admin console and the office administrators' member list show it under this name;
the value (set when a sign-in completes) is kept.

Revision ID: 6c1e2f0a9b34
Revises: 3f1c9a7d5e21
Create Date: 2026-12-01 08:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6c1e2f0a9b34'
down_revision = '3f1c9a7d5e21'
branch_labels = None
depends_on = None


def upgrade():
    # A plain rename on both backends (SQLite >= 3.25): no table copy, so no rows of the
    # tables referencing users are touched.
    op.execute("ALTER TABLE users RENAME COLUMN last_login_at TO last_sign_in_at")


def downgrade():
    op.execute("ALTER TABLE users RENAME COLUMN last_sign_in_at TO last_login_at")
