"""media renditions: HLS variants, audio and poster of uploaded videos

Revision ID: d7a1e5c3b9f2
Revises: d1e5a7c3f9b2
Create Date: 2026-12-05 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a1e5c3b9f2'
down_revision = 'd1e5a7c3f9b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renditions_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('renditions_percent', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('renditions_error', sa.String(length=500), nullable=True))
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.alter_column('renditions_percent', server_default=None)
    op.create_table('media_rendition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('bitrate', sa.Integer(), nullable=False),
    sa.Column('codecs', sa.String(length=60), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('playlist', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['media_id'], ['media_asset.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('media_rendition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_rendition_media_id'), ['media_id'], unique=False)


def downgrade():
    with op.batch_alter_table('media_rendition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_rendition_media_id'))
    op.drop_table('media_rendition')
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.drop_column('renditions_error')
        batch_op.drop_column('renditions_percent')
        batch_op.drop_column('renditions_status')
