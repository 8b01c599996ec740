"""membership status and access end date

Revision ID: 5d1e8a3c7f20
Revises: 6c1e2f0a9b34
Create Date: 2026-12-01 08:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5d1e8a3c7f20"
down_revision = "6c1e2f0a9b34"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("access_ends_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("access_end_notice_sent_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("access_ended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("access_ended_at")
        batch_op.drop_column("access_end_notice_sent_at")
        batch_op.drop_column("access_ends_on")
        batch_op.drop_column("status")
