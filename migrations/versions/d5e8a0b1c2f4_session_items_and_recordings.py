"""live webinars: a video item may be the recording that completes a session item

Revision ID: d5e8a0b1c2f4
Revises: c29a50be566f
Create Date: 2026-12-05 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e8a0b1c2f4'
down_revision = 'c29a50be566f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recording_completes', sa.Boolean(),
                                      server_default=sa.text('false'), nullable=False))


def downgrade():
    with op.batch_alter_table('item', schema=None) as batch_op:
        batch_op.drop_column('recording_completes')
