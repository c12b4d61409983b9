"""live revision on the user row

Revision ID: 91978256e2fd
Revises: 3c54bcce89be
Create Date: 2026-12-05 18:13:47.558854

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '91978256e2fd'
down_revision = '3c54bcce89be'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('live_revision', sa.Integer(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('live_revision')

