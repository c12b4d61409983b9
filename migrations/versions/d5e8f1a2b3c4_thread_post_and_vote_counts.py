"""posts and votes counted on the thread row

Revision ID: d5e8f1a2b3c4
Revises: d5e8a0b1c2f4
Create Date: 2026-12-05 17:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e8f1a2b3c4'
down_revision = 'd5e8a0b1c2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('discussion_thread', schema=None) as batch_op:
        batch_op.add_column(sa.Column('post_count', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('vote_count', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.execute(
        "UPDATE discussion_thread SET "
        "post_count = (SELECT count(discussion_post.id) FROM discussion_post "
        "WHERE discussion_post.thread_id = discussion_thread.id "
        "AND discussion_post.status = 'visible'), "
        "vote_count = (SELECT coalesce(sum(discussion_post.vote_count), 0) "
        "FROM discussion_post WHERE discussion_post.thread_id = discussion_thread.id "
        "AND discussion_post.status = 'visible')")


def downgrade():
    with op.batch_alter_table('discussion_thread', schema=None) as batch_op:
        batch_op.drop_column('vote_count')
        batch_op.drop_column('post_count')
