"""Retakes and evaluations: editions of enrolments and certificates, archived progress,
course evaluations, and a course's renewal window.

A member holds one certificate per course *and edition*: the unique (user, course)
constraint becomes (user, course, edition); existing certificates and enrolments
become edition 1.

Revision ID: 5b65ffbc4d8d
Revises: b3c9d2e1f0a7
Create Date: 2026-12-05 13:25:16.122622

"""
from alembic import op
import sqlalchemy as sa


revision = '5b65ffbc4d8d'
down_revision = 'b3c9d2e1f0a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('archived_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('intervals', sa.JSON(), nullable=False),
    sa.Column('watched_seconds', sa.Double(), nullable=False),
    sa.Column('last_position', sa.Double(), nullable=False),
    sa.Column('first_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_reason', sa.String(length=500), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_archived_progress_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_archived_progress_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['user.id'], name=op.f('fk_archived_progress_set_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_archived_progress_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archived_progress')),
    sa.UniqueConstraint('user_id', 'item_id', 'edition', name=op.f('uq_archived_progress_user_id_item_id_edition'))
    )
    with op.batch_alter_table('archived_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archived_progress_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_archived_progress_user_id'), ['user_id'], unique=False)

    op.create_table('evaluation_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('is_required', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_evaluation_question_item_id_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_question'))
    )
    with op.batch_alter_table('evaluation_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_question_item_id'), ['item_id'], unique=False)

    op.create_table('evaluation_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['item.id'], name=op.f('fk_evaluation_response_item_id_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_evaluation_response_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_response')),
    sa.UniqueConstraint('item_id', 'user_id', 'edition', name=op.f('uq_evaluation_response_item_id_user_id_edition'))
    )
    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_response_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_response_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_certificate_user_id_course_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_user_id_course_id_edition'), ['user_id', 'course_id', 'edition'])

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.add_column(sa.Column('renewal_window_days', sa.Integer(), server_default='60', nullable=False))

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edition', sa.Integer(), server_default='1', nullable=False))



def downgrade():
    # The old constraint allows one certificate per member and course: later editions go.
    op.execute("DELETE FROM certificate WHERE edition > 1")
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_column('edition')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_column('edition')

    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_column('renewal_window_days')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certificate_user_id_course_id_edition'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_user_id_course_id'), ['user_id', 'course_id'])
        batch_op.drop_column('edition')

    with op.batch_alter_table('evaluation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_response_user_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_response_item_id'))

    op.drop_table('evaluation_response')
    with op.batch_alter_table('evaluation_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_question_item_id'))

    op.drop_table('evaluation_question')
    with op.batch_alter_table('archived_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archived_progress_user_id'))
        batch_op.drop_index(batch_op.f('ix_archived_progress_item_id'))

    op.drop_table('archived_progress')
