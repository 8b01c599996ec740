"""access review confirmations and inactivity notices

Revision ID: 7a3d5b9e2c41
Revises: 5e2a9c81d0f4
Create Date: 2026-12-01 11:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "7a3d5b9e2c41"
down_revision = "5e2a9c81d0f4"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("access_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("access_confirmed_by_id", sa.String(length=36), nullable=True)
        )
        batch_op.add_column(
            sa.Column("review_reminded_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("inactivity_notice_sent_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("inactivity_notice_sent_at")
        batch_op.drop_column("enabled_at")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("review_reminded_at")
        batch_op.drop_column("access_confirmed_by_id")
        batch_op.drop_column("access_confirmed_at")
