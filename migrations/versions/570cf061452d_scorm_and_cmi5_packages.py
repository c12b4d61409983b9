"""scorm and cmi5 packages

Revision ID: 570cf061452d
Revises: 9dcbad7f895a
Create Date: 2026-12-05 19:35:01.512943

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '570cf061452d'
down_revision = '9dcbad7f895a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('package_content',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('standard', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('launch_path', sa.String(length=1000), nullable=False),
    sa.Column('launch_query', sa.String(length=1000), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('mastery_score', sa.Double(), nullable=True),
    sa.Column('move_on', sa.String(length=30), nullable=True),
    sa.Column('course_iri', sa.String(length=500), nullable=True),
    sa.Column('activity_iri', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['media_id'], ['media_asset.id'], name=op.f('fk_package_content_media_id_media_asset'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_content')),
    sa.UniqueConstraint('media_id', name=op.f('uq_package_content_media_id'))
    )
    op.create_table('cmi5_launch',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('registration', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_cmi5_launch_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_cmi5_launch_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cmi5_launch')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_cmi5_launch_token_hash'))
    )
    with op.batch_alter_table('cmi5_launch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cmi5_launch_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cmi5_launch_user_id'), ['user_id'], unique=False)

    op.create_table('package_runtime',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('cmi', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_package_runtime_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_package_runtime_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_runtime')),
    sa.UniqueConstraint('user_id', 'item_id', name=op.f('uq_package_runtime_user_id_item_id'))
    )
    with op.batch_alter_table('package_runtime', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_runtime_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_package_runtime_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('package_runtime', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_runtime_user_id'))
        batch_op.drop_index(batch_op.f('ix_package_runtime_item_id'))

    op.drop_table('package_runtime')
    with op.batch_alter_table('cmi5_launch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cmi5_launch_user_id'))
        batch_op.drop_index(batch_op.f('ix_cmi5_launch_item_id'))

    op.drop_table('cmi5_launch')
    op.drop_table('package_content')
