"""live webinars: sessions, registrations, group viewers, attendance imports

Revision ID: c29a50be566f
Revises: c4d7e9a1b2f3
Create Date: 2026-12-05 16:39:46.478318

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c29a50be566f'
down_revision = 'c4d7e9a1b2f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('live_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('join_url', sa.String(length=500), nullable=False),
    sa.Column('min_minutes', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('registered_count', sa.Integer(), nullable=False),
    sa.Column('waitlisted_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_live_session_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_live_session_item_id_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_session'))
    )
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_session_course_id'), ['course_id'], unique=False)
        batch_op.create_index('ix_live_session_starts_at', ['starts_at'], unique=False)

    op.create_table('attendance_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('checksum', sa.String(length=64), nullable=False),
    sa.Column('layout', sa.String(length=10), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('unmatched', sa.Text(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_attendance_import_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_attendance_import_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_import')),
    sa.UniqueConstraint('session_id', 'checksum', name=op.f('uq_attendance_import_session_id_checksum'))
    )
    op.create_table('session_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended_minutes', sa.Integer(), nullable=True),
    sa.Column('attended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['live_session.id'], name=op.f('fk_session_registration_session_id_live_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_session_registration_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_registration')),
    sa.UniqueConstraint('session_id', 'user_id', name=op.f('uq_session_registration_session_id_user_id'))
    )
    with op.batch_alter_table('session_registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_registration_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_session_registration_waitlist', ['session_id', 'status', 'created_at'], unique=False)

    op.create_table('group_viewer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('credited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['registration_id'], ['session_registration.id'], name=op.f('fk_group_viewer_registration_id_session_registration'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_group_viewer_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_viewer')),
    sa.UniqueConstraint('registration_id', 'email', name=op.f('uq_group_viewer_registration_id_email'))
    )
    with op.batch_alter_table('group_viewer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_viewer_email'), ['email'], unique=False)



def downgrade():
    with op.batch_alter_table('group_viewer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_viewer_email'))

    op.drop_table('group_viewer')
    with op.batch_alter_table('session_registration', schema=None) as batch_op:
        batch_op.drop_index('ix_session_registration_waitlist')
        batch_op.drop_index(batch_op.f('ix_session_registration_user_id'))

    op.drop_table('session_registration')
    op.drop_table('attendance_import')
    with op.batch_alter_table('live_session', schema=None) as batch_op:
        batch_op.drop_index('ix_live_session_starts_at')
        batch_op.drop_index(batch_op.f('ix_live_session_course_id'))

    op.drop_table('live_session')
