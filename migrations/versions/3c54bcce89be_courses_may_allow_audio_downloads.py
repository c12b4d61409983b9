"""courses may allow audio downloads

Revision ID: 3c54bcce89be
Revises: f3a9c1d2e4b5
Create Date: 2026-12-05 17:49:16.833836

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c54bcce89be'
down_revision = 'f3a9c1d2e4b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_downloads', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))



def downgrade():
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('allow_downloads')

