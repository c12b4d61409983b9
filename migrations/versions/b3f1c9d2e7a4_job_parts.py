"""job.parent_id: a large job runs as parts that workers share

Revision ID: b3f1c9d2e7a4
Revises: 5225eccaa444
Create Date: 2026-12-05 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b3f1c9d2e7a4'
down_revision = '5225eccaa444'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job') as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_job_parent_id_job'), 'job', ['parent_id'],
                                    ['id'], ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_job_parent_id'), ['parent_id'])


def downgrade():
    with op.batch_alter_table('job') as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_parent_id'))
        batch_op.drop_constraint(batch_op.f('fk_job_parent_id_job'), type_='foreignkey')
        batch_op.drop_column('parent_id')
