"""unread notifications counted on the user row

Revision ID: c4d7e9a1b2f3
Revises: eeb7f0e7c9ca
Create Date: 2026-12-05 14:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d7e9a1b2f3'
down_revision = 'eeb7f0e7c9ca'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notifications', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(
        'UPDATE "user" SET unread_notifications = (SELECT count(*) FROM notification '
        'WHERE notification.user_id = "user".id AND notification.read_at IS NULL)')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('unread_notifications')
