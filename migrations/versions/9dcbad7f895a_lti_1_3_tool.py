"""LTI 1.3 tool: platforms, identities, one-use login states, links for scores

Revision ID: 9dcbad7f895a
Revises: 91978256e2fd
Create Date: 2026-12-05 19:35:44.520016

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9dcbad7f895a'
down_revision = '91978256e2fd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lti_platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.String(length=500), nullable=False),
    sa.Column('auth_token_url', sa.String(length=500), nullable=False),
    sa.Column('key_set_url', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platform')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_platform_issuer_client_id'))
    )
    op.create_table('lti_identity',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_identity_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lti_identity_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_identity')),
    sa.UniqueConstraint('platform_id', 'subject', name=op.f('uq_lti_identity_platform_id_subject'))
    )
    with op.batch_alter_table('lti_identity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_identity_user_id'), ['user_id'], unique=False)

    op.create_table('lti_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('lineitem_url', sa.String(length=500), nullable=True),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('launched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('score_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_lti_link_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_link_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lti_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_link')),
    sa.UniqueConstraint('platform_id', 'user_id', 'course_id', name=op.f('uq_lti_link_platform_id_user_id_course_id'))
    )
    with op.batch_alter_table('lti_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_link_user_id'), ['user_id'], unique=False)

    op.create_table('lti_login_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_login_state_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_login_state')),
    sa.UniqueConstraint('state', name=op.f('uq_lti_login_state_state'))
    )
    with op.batch_alter_table('lti_login_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_login_state_expires_at'), ['expires_at'], unique=False)



def downgrade():
    with op.batch_alter_table('lti_login_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_login_state_expires_at'))

    op.drop_table('lti_login_state')
    with op.batch_alter_table('lti_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_link_user_id'))

    op.drop_table('lti_link')
    with op.batch_alter_table('lti_identity', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_identity_user_id'))

    op.drop_table('lti_identity')
    op.drop_table('lti_platform')
