"""item_progress.revision: a write counter for per-member progress stamps; fillfactor 80

On PostgreSQL the table keeps a fifth of each page free, so progress reports are HOT
updates (existing pages get the room as they are rewritten, e.g. by VACUUM FULL).

Revision ID: 7c1d2e3f4a5b
Revises: 42e74ea21047
Create Date: 2026-11-26 23:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '7c1d2e3f4a5b'
down_revision = '42e74ea21047'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item_progress') as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1',
                                      nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE item_progress SET (fillfactor = 80)')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE item_progress RESET (fillfactor)')
    with op.batch_alter_table('item_progress') as batch_op:
        batch_op.drop_column('revision')
